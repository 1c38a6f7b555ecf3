"""The worst errors of an eval report, each with the page it is on and, where it can be found, its box — for the
HTML report (eval/html_report.py) to list and to show on the page render.

A fixture summary may carry `errors`: a list of dicts `{kind, record, field, expected, found, page, bbox}` (kind one
of KINDS; page and bbox from the extractor's source, bbox in the page as displayed). Without it the error strings
the report holds today are parsed (claim misses and wrong claims carry their page; form and section errors do not)
and the table counts stand in for the cells. A missing box is looked for by text on the page (the claim's printed
number near its metric, a section's heading), and marked as found by search.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pymupdf

from review_app.render import Box, page_png

# kind → (rank: lower is worse, label: Chinese with the English in brackets)
KINDS: dict[str, tuple[int, str]] = {
    "misplaced": (0, "串行串列 (value in another row or column)"),
    "unit": (1, "单位错误 (wrong unit)"),
    "wrong": (1, "数值错误 (wrong value)"),
    "table_missed": (1, "漏表 (table not found)"),
    "form_missed": (1, "漏表 (form not found)"),
    "claim_wrong": (2, "说明数字读错 (claim misread)"),
    "form_field": (2, "字段错误 (form field wrong)"),
    "phantom": (3, "多出数值 (value where gold is blank)"),
    "form_phantom": (3, "多出表格 (form not in gold)"),
    "missing": (4, "漏取数值 (value missed)"),
    "claim_missed": (4, "漏取说明数字 (claim missed)"),
    "table_page": (5, "页码不符 (table on another page)"),
    "form_page": (5, "页码不符 (form pages differ)"),
    "section_missed": (5, "漏取章节 (section missed)"),
    "section_text": (6, "章节文字不符 (section text differs)"),
}


@dataclass
class Error:
    kind: str
    fixture: str
    record: str
    field: str = ""
    expected: str = ""
    found: str = ""
    page: int | None = None
    bbox: tuple[float, float, float, float] | None = None
    located: str = ""  # "source": the extractor's own source; "search": found by text on the page
    hint: str = ""  # text to look for when there is no box
    near: str = ""  # and the text it should sit near (a claim's metric)
    render: int | None = None  # index into the page renders

    @property
    def rank(self) -> int:
        return KINDS.get(self.kind, (9, ""))[0]

    @property
    def label(self) -> str:
        return KINDS.get(self.kind, (9, self.kind))[1]


def _num(s: str) -> Decimal | None:
    try:
        return Decimal(s.replace(",", "").strip("'\""))
    except (InvalidOperation, ValueError):
        return None


def _size(e: Error) -> Decimal:
    """How far off a number is (relative), so the worst of one kind comes first; 0 when not numbers."""
    a, b = _num(e.expected), _num(e.found)
    if a is None or b is None:
        return Decimal(0)
    return abs(a - b) / max(abs(a), Decimal(1))


def _structured(fixture: str, rows: list[dict[str, Any]]) -> Iterator[Error]:
    for r in rows:
        bbox = r.get("bbox")
        yield Error(str(r.get("kind", "")), fixture, str(r.get("record", "")), str(r.get("field", "")),
                    _show(r.get("expected")), _show(r.get("found")), r.get("page"),
                    tuple(bbox) if bbox else None, "source" if bbox else "",  # type: ignore[arg-type]
                    hint=str(r.get("hint", "")), near=str(r.get("near", "")))


def _show(v: Any) -> str:
    return "—" if v is None else str(v)


_CLAIM_MISS = re.compile(r"^p(\d+) (.*) \((\w+): (.*)\)$")
_CLAIM_WRONG = re.compile(r"^p(\d+) (.*): gold (.*), got (.*)$")
_FORM_FIELD = re.compile(r"^(\S+) (\S+): gold (.*) got (.*)$")
_SECTION = re.compile(r"^section (.*): text differs$")
_SECTION_MISSED = re.compile(r"^section missed (\[.*\])$")


def _parsed(f: dict[str, Any]) -> Iterator[Error]:
    name = f["fixture"]
    for t in f.get("per_table", []):
        if not t["found"]:
            yield Error("table_missed", name, t["table"], expected=f"{t['labelled']} 个数值 (values)", found="—")
            continue
        if isinstance(t.get("cells"), list):  # cell by cell, each with the page and box it was read at
            yield from _structured(name, t["cells"])
        else:
            for kind in ("misplaced", "wrong", "phantom", "missing"):
                if t[kind]:
                    yield Error(kind, name, t["table"], f"{t[kind]} 处 (cells); 单元格明细未记录 (no cell detail)")
            if not t["unit_ok"]:
                yield Error("unit", name, t["table"], "单位 (unit)")
        if not t["page_ok"]:
            yield Error("table_page", name, t["table"])
    for s in f.get("claim_misses", []):
        if m := _CLAIM_MISS.match(s):
            yield Error("claim_missed", name, m[4], m[3], m[2], "—", int(m[1]), hint=m[2], near=m[4])
    for s in f.get("claim_wrong", []):
        if m := _CLAIM_WRONG.match(s):
            yield Error("claim_wrong", name, m[2], "", m[3], m[4], int(m[1]), hint=m[2])
    yield from _form_errors(name, f.get("forms", {}).get("errors", []))


def _form_errors(name: str, errors: list[str]) -> Iterator[Error]:
    for s in errors:
        if m := _SECTION.match(s):
            yield Error("section_text", name, m[1], "正文 (text)", "与标注一致 (as labelled)", "不一致 (differs)",
                        hint=m[1])
        elif m := _SECTION_MISSED.match(s):
            path = _heading_path(m[1])
            yield Error("section_missed", name, " › ".join(path[:-1]) or path[-1], "", path[-1], "—", hint=path[-1])
        elif s.startswith(("missed ", "phantom ")):
            kind, rec = s.split(" ", 1)
            yield Error("form_missed" if kind == "missed" else "form_phantom", name, rec)
        elif m := _FORM_FIELD.match(s):
            yield Error("form_field", name, m[1], m[2], m[3].strip("'"), m[4].strip("'"))


def _heading_path(text: str) -> list[str]:
    """The heading path the forms metric prints as a Python list."""
    try:
        path = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        path = None
    return [str(h) for h in path] if isinstance(path, list) and path else [text.strip("[]'\"")]


def collect(report: Mapping[str, Any]) -> list[Error]:
    """Every error the report names, worst first: by kind, then by how far off the number is."""
    out: list[Error] = []
    for f in report.get("fixtures", []):
        if f.get("skipped"):
            continue
        rows = f.get("errors")
        out += list(_structured(f["fixture"], rows) if isinstance(rows, list) else _parsed(f))
    return sorted(out, key=lambda e: (e.rank, -_size(e), e.fixture, e.page or 0))


def _display(page: pymupdf.Page, r: pymupdf.Rect) -> tuple[float, float, float, float]:
    d = r * page.rotation_matrix if page.rotation else r
    return (d.x0, d.y0, d.x1, d.y1)


_TOC = re.compile(r"目\s*录")


def _search(doc: pymupdf.Document, e: Error) -> tuple[int, pymupdf.Rect] | None:
    """The hint on the error's page, else on the first page holding it that is not a table of contents (a heading
    is listed there first); of several hits on the page, the one nearest `near`."""
    needle = e.hint[:24]
    pages = [e.page] if e.page else range(1, doc.page_count + 1)
    toc: tuple[int, pymupdf.Rect] | None = None
    for n in pages:
        if not 1 <= n <= doc.page_count:
            continue
        page = doc[n - 1]
        hits = page.search_for(needle)
        if not hits:
            continue
        anchor = page.search_for(e.near[:12]) if e.near and len(hits) > 1 else []
        if anchor:
            a = anchor[0]
            hits.sort(key=lambda h: (abs(h.y0 - a.y0) > 4, abs(h.x0 - a.x1) + abs(h.y0 - a.y0)))
        if e.page or not _TOC.search(page.get_text()[:400]):
            return n, hits[0]
        toc = toc or (n, hits[0])
    return toc


def locate(errors: list[Error], pdfs: Mapping[str, Path]) -> None:
    """Fill page and box of errors without a box by searching their text in the fixture's PDF."""
    for name, pdf in pdfs.items():
        todo = [e for e in errors if e.fixture == name and e.bbox is None and e.hint]
        if not todo or not Path(pdf).is_file():
            continue
        with pymupdf.open(pdf) as doc:
            for e in todo:
                hit = _search(doc, e)
                if hit:
                    e.page, e.bbox, e.located = hit[0], _display(doc[hit[0] - 1], hit[1]), "search"


def render_pages(errors: list[Error], pdfs: Mapping[str, Path], limit: int = 24,
                 zoom: float = 1.25) -> list[tuple[str, int, bytes]]:
    """One PNG per (fixture, page) holding an error, every box of that page drawn; at most `limit` pages, in the
    order of the errors (worst first). Sets each error's `render` to the index of its page's image."""
    pages: dict[tuple[str, int], list[Error]] = {}
    for e in errors:
        if e.page and e.fixture in pdfs and Path(pdfs[e.fixture]).is_file():
            key = (e.fixture, e.page)
            if key in pages or len(pages) < limit:
                pages.setdefault(key, []).append(e)
    out: list[tuple[str, int, bytes]] = []
    for (name, page), errs in pages.items():
        boxes = [Box(e.bbox, "error" if e.rank < 4 else "warning", e.kind) for e in errs if e.bbox]
        try:
            png = page_png(pdfs[name], page, boxes, zoom=zoom)
        except (ValueError, RuntimeError):
            continue
        for e in errs:
            e.render = len(out)
        out.append((name, page, png))
    return out
