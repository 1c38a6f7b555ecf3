"""科目编码与名称不符 (FA-080): a row's printed 科目名称 against the official name of its printed 科目编码.

Why: a wrong code or a wrong name on a row sends the money to another 科目 (e.g. 2080801 印为“职业年金”, 2080801
is 死亡抚恤; 职业年金 is 2080506). The reference list `data/gov_classification.csv` ships only names we are sure
of; a code not in it keeps the rule quiet. Pure: the only I/O is reading that shipped file once.
"""

from __future__ import annotations

import csv
import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from checks.model import Evidence, Finding
from checks.registry import rule
from checks.view import DocView, TableView

_ORDINAL = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[)）]|\d+[、.．](?!\d))")
_LEVEL = re.compile(r"[（(][类款项][)）]")
_BRACKETS = str.maketrans("", "", "（）()【】[]〔〕")
_CATALOGUE = re.compile(r"《[^》]+》")


@dataclass(frozen=True)
class Entry:
    code: str
    name: str
    source: str
    aliases: tuple[str, ...] = ()


@cache
def classification() -> dict[str, Entry]:
    """code → Entry from the shipped CSV (code,name,source[,aliases], aliases separated by |)."""
    text = resources.files("checks").joinpath("data/gov_classification.csv").read_text(encoding="utf-8")
    out: dict[str, Entry] = {}
    for rec in csv.DictReader(text.splitlines()):
        aliases = tuple(a for a in (rec.get("aliases") or "").split("|") if a)
        out[rec["code"]] = Entry(rec["code"], rec["name"], rec["source"], aliases)
    return out


def normalise(label: str, code: str = "") -> str:
    """What a reader compares: no whitespace, the code, ordinal, 其中：, （类/款/项） or bracket characters."""
    t = "".join(label.split())
    if code and t.startswith(code):
        t = t[len(code):]
    t = _ORDINAL.sub("", t)
    t = re.sub(r"^其中[:：]", "", t)
    t = _LEVEL.sub("", t)
    return t.translate(_BRACKETS).strip("：:、.．")


def same_item(label: str, name: str) -> bool:
    """Equal; one inside the other when the shorter has ≥4 characters; or ≥0.8 similar (a typo, a variant)."""
    if not label or not name:
        return False
    if label == name:
        return True
    short, long_ = sorted((label, name), key=len)
    if len(short) >= 4 and short in long_:
        return True
    return difflib.SequenceMatcher(None, label, name).ratio() >= 0.8


def _evidence(t: TableView, i: int) -> list[Evidence]:
    """The printed label (always, located when the extractor kept its source), then the printed code if located."""
    out = []
    for field in ("label", "code"):
        path = f"rows[{i}].{field}"
        src = t.table.sources.get(path)
        if src is None and field == "code":
            continue
        out.append(Evidence(record=t.ref, path=path, page=src.page if src else None, bbox=src.bbox if src else None,
                            quote=(src.raw if src else "") or t.table.rows[i].label))
    return out


def _other_code(code: str, label: str) -> Entry | None:
    """The one catalogued item of the same level and family (2xx 功能, 3xx 经济) the printed label names, if any
    (行政运行 names dozens of items: no hint then)."""
    hits = [e for e in classification().values()
            if e.code != code and len(e.code) == len(code) and e.code[0] == code[0] and any(
                label == n or (len(label) >= 4 and label in n) for n in map(normalise, (e.name, *e.aliases)))]
    return hits[0] if len(hits) == 1 else None


def _finding(t: TableView, i: int, code: str, label: str, e: Entry) -> Finding:
    m = _CATALOGUE.search(e.source)
    msg = f"科目{code}印为“{label}”，{m.group(0) if m else e.source}中{code}为“{e.name}”"
    other = _other_code(code, normalise(label, code))
    if other is not None:
        msg += f"；“{label}”对应的是{other.code}“{other.name}”，编码或名称可能填错"
    else:
        msg += "（名称不规范，未对应其他科目）"
    # naming another catalogued item is a mislabel (money under the wrong 科目); a local wording is a style issue
    return Finding(rule_id="FA-080", severity="warning" if other else "info", title="科目编码与名称不符", message=msg,
                   expected=e.name, found=label, evidence=_evidence(t, i))


@rule("FA-080", "科目编码与名称不符", "final_accounts.classification", "warning", ("final_accounts_table",))
def code_names(doc: DocView, params: dict[str, Any]) -> Iterator[Finding]:
    """每行的科目名称应与《政府收支分类科目》中该编码的名称一致（容许空格、括号、序号、简称和旧称）；
    名称明显是另一科目时提示，可能是编码或名称填错。只核对参考表中收录的编码，未收录的编码不提示。"""
    ref = classification()
    for t in doc.tables:
        for i, r in t.rows():
            code = (r.code or "").strip()
            e = ref.get(code)
            label = normalise(r.label or "", code)
            if e is None or not label:
                continue
            if not any(same_item(label, normalise(n)) for n in (e.name, *e.aliases)):
                yield _finding(t, i, code, "".join(r.label.split()), e)
