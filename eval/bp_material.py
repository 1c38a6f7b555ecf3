"""Material of the boilerplate corpus (eval/bp_corpus.py): the seeds' gold records cut into slots of text whose
every sentence keeps the id of the seed sentence it stands for, the text edits (another year, refreshed amounts,
another department's names), and what each real department keeps of its seed (KEEP; the rest is the pool of unused
seed material that invented departments and rewritten text are drawn from: eval/bp_pool.py)."""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eval.bp_texts import DEPTS, GENERIC, MANDATE_HEADINGS, SEED_NAMES, SHANGHAI_OWN_WORDS, Dept
from extraction.passages import match_key
from extraction.records import (
    DeptSelfEvaluation,
    ExtractionResult,
    Indicator,
    ProjectSelfEvaluation,
    ReportSection,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SOURCES: dict[str, tuple[str, ...]] = {
    "s0": ("seed000_se/source.json",),
    "s1": ("seed001_se/source.json",),
    "s2": ("seed002_se/source.json",),
    "s3": ("seed003_se/source.json",),
    "s4": ("seed004_fa/source.json", "seed004_se/source.json"),
    "pt": ("real_putuo/gold.json",),
}
DEPT = {d.key: d for d in DEPTS}
GENERIC_KEY = {match_key(t): g for g, t, _ in GENERIC}  # 000's own 五、绩效自评结果应用情况 is G4


# -- text pieces with provenance ----------------------------------------------------------------------------------

_SENT_END = re.compile(r"(?<=[。；！？!?;])")


def split_sentences(text: str) -> list[str]:
    return [s for s in _SENT_END.split(text) if s.strip()]


def sid_of(text: str, prefix: str = "s") -> str:
    key = match_key(text) or text
    return prefix + hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True)
class Para:
    """A paragraph: sentences with the id of the source sentence each one stands for."""

    pieces: tuple[tuple[str, str], ...]
    tag: str = ""  # generic:G1 | standard:<why> | ""

    @staticmethod
    def of(text: str, tag: str = "") -> Para:
        return Para(tuple((sid_of(s), s) for s in split_sentences(text)), tag)

    @property
    def text(self) -> str:
        return "".join(t for _, t in self.pieces)

    @property
    def generic(self) -> str | None:
        return self.tag.split(":", 1)[1] if self.tag.startswith("generic:") else None

    @property
    def standard(self) -> str | None:
        return self.tag.split(":", 1)[1] if self.tag.startswith("standard:") else None

    def map(self, fn: Callable[[str], str]) -> Para:
        return Para(tuple((s, fn(t)) for s, t in self.pieces), self.tag)


@dataclass
class IndSlot:
    ind: Indicator
    sid: str
    dev: Para | None = None


@dataclass
class SectionSlot:
    key: str  # stable identity across years (for the README and the edit log)
    heading_path: list[str]
    section_type: str | None
    paras: list[Para]
    standard: str | None = None
    edit: str = "base"


@dataclass
class FormSlot:
    key: str
    template: ProjectSelfEvaluation | DeptSelfEvaluation  # numbers and names; texts and indicators come from below
    goal: Para | None
    result: Para | None
    inds: list[IndSlot]
    edit: dict[str, str] = field(default_factory=lambda: {"goal_text": "base", "result_text": "base",
                                                          "indicators": "base"})


Slot = SectionSlot | FormSlot


@dataclass
class DocPlan:
    dept: Dept
    year: int
    slots: list[Slot]

    @property
    def name(self) -> str:
        return f"{self.dept.key}-{self.year}"


def shanghai(dept_key: str) -> bool:
    return DEPT[dept_key].region.startswith("上海")


def own_words(sentence: str) -> bool:
    """A sentence of the Shanghai template narrative where the department writes its own words (see bp_texts)."""
    return any(w in sentence for w in SHANGHAI_OWN_WORDS)


def own_part(sentence: str) -> str:
    """What the department wrote into the template's slot: the words after 主要原因：/主要用于：."""
    for w in SHANGHAI_OWN_WORDS:
        if w in sentence:
            return sentence.split(w, 1)[1].lstrip("：:是")
    return sentence


def line_sid(ind: Indicator) -> str:
    return sid_of(f"{ind.level3 or ind.level2 or ''}|{ind.unit or ''}", "i")


# -- text edits ---------------------------------------------------------------------------------------------------

_YEAR_IN_TEXT = re.compile(r"(?<!\d)(20[0-3]\d)(?=\s*年)")
_AMOUNT = re.compile(r"(?<![\d.,])(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+)(?![\d.])")


def shift_years(text: str, delta: int) -> str:
    if not delta:
        return text
    return _YEAR_IN_TEXT.sub(lambda m: str(int(m.group(1)) + delta), text)


def refresh_amounts(text: str, rng: random.Random) -> str:
    """Every amount with decimals or thousands separators becomes another one of the same form (next year's figures)."""

    def new(m: re.Match[str]) -> str:
        raw = m.group(0)
        decimals = len(raw.split(".")[1]) if "." in raw else 0
        value = float(raw.replace(",", "")) * rng.uniform(0.82, 1.18)
        if value == float(raw.replace(",", "")):
            value += 1
        out = f"{value:,.{decimals}f}" if "," in raw else f"{value:.{decimals}f}"
        return out if out != raw else f"{value + 1:.{decimals}f}"

    return _AMOUNT.sub(new, text)


def renamer(src: str, dept: Dept) -> Callable[[str], str]:
    """Swap a seed's department names for the target department's, all at once (longest first)."""
    pairs = [(name, getattr(dept, role)) for name, role in SEED_NAMES[src]]
    pairs = [(a, b) for a, b in pairs if a != b]
    if not pairs:
        return lambda t: t
    table = dict(pairs)
    rx = re.compile("|".join(re.escape(a) for a, _ in sorted(pairs, key=lambda p: -len(p[0]))))
    return lambda t: rx.sub(lambda m: table[m.group(0)], t)


# -- seeds --------------------------------------------------------------------------------------------------------


@dataclass
class Item:
    src: str
    idx: int
    kind: str  # section | project | dept
    record: ReportSection | ProjectSelfEvaluation | DeptSelfEvaluation
    year: int

    @property
    def name(self) -> str:
        r = self.record
        if isinstance(r, ReportSection):
            return r.heading_path[-1] if r.heading_path else ""
        return getattr(r, "project_name", None) or r.department or ""

    def texts(self) -> list[str]:
        r = self.record
        if isinstance(r, ReportSection):
            return [r.text]
        out = [t for t in (r.goal_text, r.result_text) if t]
        return out + [i.deviation_note for i in r.indicators if i.deviation_note]

    def analysis(self) -> list[str]:
        """自评结果分析 (004): prose that is no passage; the corpus leaves it out of the records and uses it as pool."""
        return list(getattr(self.record, "analysis", {}).values())

    def sentence_sids(self) -> set[str]:
        return {sid_of(s) for t in self.texts() for s in split_sentences(t) if len(match_key(s)) >= 8}

    def line_sids(self) -> Counter[str]:
        r = self.record
        return Counter(line_sid(i) for i in r.indicators) if not isinstance(r, ReportSection) else Counter()


def load_seeds() -> list[Item]:
    items: list[Item] = []
    for src, files in SOURCES.items():
        for f in files:
            raw = json.loads((FIXTURES / f).read_text(encoding="utf-8"))
            res = ExtractionResult.model_validate({"document": raw["document"], "records": raw.get("records", [])})
            year = res.document.fiscal_year or 2024
            for rec in res.records:
                if isinstance(rec, ReportSection):
                    if len(match_key(rec.text)) >= 12:
                        items.append(Item(src, len(items), "section", rec, year))
                elif isinstance(rec, ProjectSelfEvaluation):
                    items.append(Item(src, len(items), "project", rec, year))
                elif isinstance(rec, DeptSelfEvaluation):
                    items.append(Item(src, len(items), "dept", rec, year))
    return items


# Which of its own material each real department keeps in its base-year report; the rest is the pool. Sections are
# kept by position among the seed's sections (those of >= 12 key characters), projects by name.
KEEP: dict[str, dict[str, Any]] = {
    "s0": {"sections": "all", "projects": ("流动人口和出租房屋服务管理工作经费", "后勤保障经费", "差旅经费",
                                            "车辆购置专项经费", "爱国卫生七个专项行动保障经费", "赴老挝交流访问工作经费",
                                            "党建活动经费", "设备购置及低值易耗品专项经费")},
    "s1": {"sections": range(9), "projects": "all"},
    "s2": {"sections": "all", "projects": ("单位自有资金专项经费", "政府办机关专项经费", "督办及调研工作经费",
                                            "应急管理工作经费", "会议费专项资金", "春节走访慰问经费",
                                            "公益性岗位社保补贴资金", "公益性岗位岗位补贴资金")},
    # 003: not its long 工作完成情况 (printed twice, 3-6 and 29-31) nor 主要绩效 (which repeats parts of it): those
    # are the pool's richest prose.
    "s3": {"sections": (0, 1, 2, 3, 7, 8, 9, 10, 15, 16, 17, 18, 20, 21, 24),
           "projects": "all"},
    "s4": {"sections": "all", "projects": ("J办公设备购置费", "J残疾人就业保障金", "J电费", "J水费",
                                            "J调研会务工作经费", "J资料及印刷费", "XM大同市招待所人员经费",
                                            "Z大同市招待所经费", "Z大同市12345政务服务便民热线受理业务外包服务费")},
    "pt": {"sections": "all", "projects": "all"},
}


def allocate(items: list[Item]) -> tuple[dict[str, list[Item]], list[Item]]:
    """Base material per real department (KEEP, and every department form) and the pool."""
    base: dict[str, list[Item]] = defaultdict(list)
    pool: list[Item] = []
    n_sec: Counter[str] = Counter()
    for it in items:
        rule = KEEP[it.src]
        if it.kind == "section":
            pos = n_sec[it.src]
            n_sec[it.src] += 1
            keep = rule["sections"] == "all" or pos in rule["sections"]
        elif it.kind == "dept":
            keep = True
        else:
            keep = rule["projects"] == "all" or it.name in rule["projects"]
        (base[it.src].append(it) if keep else pool.append(it))
    return base, pool


# -- slots from seed items ----------------------------------------------------------------------------------------


def is_mandate(heading: str) -> bool:
    return any(h in heading for h in MANDATE_HEADINGS) or "编制情况" in heading


def section_slot(it: Item, dept: Dept, year: int, key: str | None = None) -> SectionSlot:
    rec = it.record
    assert isinstance(rec, ReportSection)
    fix = _fixer(it, dept, year)
    heading = [fix(h) for h in rec.heading_path]
    std = "mandate (三定方案)" if heading and is_mandate(heading[-1]) else None
    generic = GENERIC_KEY.get(match_key(rec.text))
    tag = f"standard:{std}" if std else f"generic:{generic}" if generic else ""
    para = Para.of(rec.text, tag).map(fix)
    return SectionSlot(key or f"{it.src}#{it.idx}", heading, rec.section_type, [para], std)


def form_slot(it: Item, dept: Dept, year: int, key: str | None = None) -> FormSlot:
    rec = it.record
    assert isinstance(rec, ProjectSelfEvaluation | DeptSelfEvaluation)
    fix = _fixer(it, dept, year)
    tpl = rec.model_copy(deep=True)
    tpl.department = fix(tpl.department) if tpl.department else dept.department
    if isinstance(tpl, ProjectSelfEvaluation):
        tpl.project_name = fix(tpl.project_name)
        if tpl.implementing_unit:
            tpl.implementing_unit = fix(tpl.implementing_unit)
    tpl.fiscal_year = year
    if isinstance(tpl, ProjectSelfEvaluation):
        tpl.analysis = {}  # its prose is pool material (Item.analysis)
    goal = Para.of(rec.goal_text).map(fix) if rec.goal_text else None
    result = Para.of(rec.result_text).map(fix) if rec.result_text else None
    inds = []
    for ind in rec.indicators:
        new = ind.model_copy(deep=True)
        new.target = shift_years(new.target, year - it.year) if new.target else new.target
        dev = Para.of(ind.deviation_note).map(fix) if ind.deviation_note else None
        new.deviation_note = None
        inds.append(IndSlot(new, line_sid(ind), dev))
    return FormSlot(key or f"{it.src}#{it.idx}", tpl, goal, result, inds)


def _fixer(it: Item, dept: Dept, year: int) -> Callable[[str], str]:
    rename = renamer(it.src, dept)
    return lambda t: shift_years(rename(t), year - it.year)


def standard_section(heading: list[str], lines: Iterable[str], why: str, key: str) -> SectionSlot:
    return SectionSlot(key, heading, None, [Para.of(t, f"standard:{why}") for t in lines], why)

