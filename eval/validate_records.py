"""Problems inside the records of one ExtractionResult file that the schema alone does not catch: records repeated,
pages beyond the document, sources that point nowhere, values without a source where sources are expected.

Pure: works on a `JsonFile` already read (eval/validate_json.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from eval.validate_json import JsonFile, Problem, iter_records, resolves
from extraction.records import OTHER

SHOWN = 5  # paths listed in one message; the count says how many there are


def record_name(rec: dict[str, Any]) -> str:
    names = ("std_name", "project_name", "title", "department", "raw", "heading_path")
    name = next((rec[a] for a in names if rec.get(a)), "")
    return f"{rec.get('kind')} {'/'.join(name) if isinstance(name, list) else name}".strip()


def duplicate_problems(f: JsonFile) -> list[Problem]:
    """A record repeated value for value (sources and issues aside), and a second table under one standard name."""
    out: list[Problem] = []
    seen: dict[str, int] = {}
    copies: dict[str, int] = {}
    std: dict[str, int] = {}
    for i, rec in iter_records(f.data):
        key = json.dumps({k: v for k, v in rec.items() if k not in ("sources", "issues")}, sort_keys=True,
                         ensure_ascii=False)
        copies[key] = copies.get(key, 0) + 1
        if key in seen and copies[key] > _printed_times(rec):
            out.append(f.problem(("records", i), f"repeats records[{seen[key]}] ({record_name(rec)}) value for "
                                                 "value: delete the copy (eval would match it against a second "
                                                 "reading that the page does not print)"))
            continue
        seen.setdefault(key, i)
        name = rec.get("std_name")
        if rec.get("kind") == "final_accounts_table" and name and name != OTHER:
            if name in std:
                out.append(f.problem(("records", i, "std_name"), f"a second table named {name} (the first is "
                                     f"records[{std[name]}]): eval pairs tables by this name; docs/records.md gives "
                                     f"it to the first such table only, a second one is {OTHER}"))
            std.setdefault(name, i)
    return out


def _printed_times(rec: dict[str, Any]) -> int:
    """How often a record may stand: a claim as often as its sentence prints the number (收回问卷：70 份 有效问卷：70 份)."""
    if rec.get("kind") != "narrative_claim":
        return 1
    raw, sentence = "".join(str(rec.get("raw", "")).split()), "".join(str(rec.get("sentence", "")).split())
    return max(1, sentence.count(raw)) if raw else 1


def _pages_of(rec: dict[str, Any]) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    for n, p in enumerate(rec.get("pages") or []):
        yield ("pages", n), p
    if "page" in rec:
        yield ("page",), rec["page"]
    for key, src in (rec.get("sources") or {}).items():
        if isinstance(src, dict):
            yield ("sources", key, "page"), src.get("page")


def page_problems(f: JsonFile) -> list[Problem]:
    """Pages a record or source names beyond the document's page count (when the count is known)."""
    doc = f.data.get("document") if isinstance(f.data, dict) else None
    total = doc.get("pages") if isinstance(doc, dict) else None
    if not isinstance(total, int) or total <= 0:
        return []
    out = []
    for i, rec in iter_records(f.data):
        for where, page in _pages_of(rec):
            if isinstance(page, int) and not 1 <= page <= total:
                out.append(f.problem(("records", i, *where), f"page {page} is not a page of this {total}-page "
                                     "document: correct the page (or document.pages)"))
    return out


def sourced_paths(rec: dict[str, Any]) -> Iterator[str]:
    """The values the extractor ties to their place on the page (docs/records.md, "Sources"): a table's title,
    无数据 statement, every row's code and label and every printed cell; a claim's value; a section's text."""
    kind = rec.get("kind")
    if kind == "final_accounts_table":
        yield from (k for k in ("title", "empty_statement") if rec.get(k))
        for n, row in enumerate(rec.get("rows") or []):
            yield from (f"rows[{n}].{k}" for k in ("code", "label") if row.get(k))
            yield from (f"rows[{n}].cells.{c}" for c, v in (row.get("cells") or {}).items() if v is not None)
    elif kind == "narrative_claim" and rec.get("value") is not None:
        yield "value"
    elif kind == "report_section" and rec.get("text"):
        yield "text"


def has_sources(f: JsonFile) -> bool:
    return any(rec.get("sources") for _, rec in iter_records(f.data))


def source_problems(f: JsonFile, expected: bool, excused: set[tuple[int, str]], why: str) -> list[Problem]:
    """Sources that name a field the record does not have; with `expected`, values without a source (one problem
    per record, listing them), except the (record index, path) pairs in `excused`. `why` ends the message."""
    out = []
    for i, rec in iter_records(f.data):
        sources = rec.get("sources") or {}
        for key in sources:
            if not resolves(rec, key):
                out.append(f.problem(("records", i, "sources", key), "names a field this record does not have "
                                     "(no value at that path): correct the path or remove the source"))
        if not expected:
            continue
        missing = [p for p in sourced_paths(rec) if p not in sources and (i, p) not in excused]
        if missing:
            shown = ", ".join(missing[:SHOWN]) + (f" … ({len(missing)} in all)" if len(missing) > SHOWN else "")
            out.append(f.problem(("records", i), f"{record_name(rec)}: values without a source: {shown}; {why}"))
    return out


_ROW = re.compile(r"(?<!\\)\|")


def corrected_paths(notes: str) -> set[tuple[int, str]]:
    """(record index, field path) of every correction in the table `budgetlens export-fixture` writes into NOTES.md
    (`| # | when | who | [idx] kind name | `path` | old → new | why |`): their sources were left out on purpose."""
    out: set[tuple[int, str]] = set()
    for line in notes.split("## Corrections", 1)[-1].splitlines():
        cells = [c.strip() for c in _ROW.split(line)]
        if len(cells) < 7:
            continue
        idx, path = re.match(r"\[(\d+)\]", cells[4]), re.fullmatch(r"`(.+)`", cells[5])
        if idx and path:
            out.add((int(idx.group(1)), path.group(1).replace("\\|", "|")))
    return out


def record_problems(f: JsonFile, sources_expected: bool, excused: set[tuple[int, str]] | None = None,
                    why: str = "") -> list[Problem]:
    return [*duplicate_problems(f), *page_problems(f),
            *source_problems(f, sources_expected, excused or set(), why)]
