"""PDF → ExtractionResult for one file: the I/O edge that drives the pure parsers.

One pass over the pages with `get_text("words")` + `get_drawings()` (cheap); `find_tables()` only on a page
that has a table title but no ruled grid; glyph-level text only on 情况说明 pages.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pymupdf

from extraction.classify import classify_title, compact, is_toc_page
from extraction.errors import InputError, NoTextLayerError
from extraction.final_accounts import PageTables, assemble, group_lines
from extraction.forms.rows import is_form_grid
from extraction.forms.split import FormRecord, read_forms
from extraction.layout.grid import Grid, crossing_words, find_grids
from extraction.layout.ingest import open_pdf, page_layout, page_text_lines, sha256_bytes, split_words, text_page
from extraction.layout.model import PageLayout, TextLine, Word
from extraction.narrative_sections import Zone, find_zones, narrative_records
from extraction.numbers import is_number_like, read_cell_number
from extraction.records import (
    OTHER,
    DocKind,
    Document,
    ExtractionResult,
    Issue,
    NarrativeClaim,
    ReportSection,
    decide_status,
)
from extraction.text_grids import clip_zones, read_text_grids

log = logging.getLogger(__name__)
MIN_CHARS = 20
KEEP_TEXTPAGES = 400  # up to this many pages, text is extracted once and reused for the narrative pass


def extract_file(path: Path, max_pages: int = 2000, max_bytes: int | None = None) -> ExtractionResult:
    """Never raises for a bad file: the result is `failed` with the reason, so a batch goes on."""
    doc_meta = Document(id="", file_name=path.name)
    try:
        size = path.stat().st_size
        if max_bytes is not None and size > max_bytes:  # refuse before reading it into memory
            raise InputError(f"is {size / 1e6:.0f} MB, above the limit (BUDGETLENS_MAX_FILE_MB)", path)
        data = path.read_bytes()
        doc_meta.id = sha256_bytes(data)
        return extract_bytes(path, data, max_pages)
    except InputError as exc:
        return _failed(doc_meta, exc.code, exc.message, exc.page)
    except OSError as exc:
        return _failed(doc_meta, "unreadable_file", f"{path}: cannot read the file ({exc.strerror})", None)
    except Exception as exc:  # a parser bug must cost one document, never the batch
        log.exception("extraction failed on %s", path)
        return _failed(doc_meta, "internal_error", f"{path.name}: budgetlens failed on this file "
                       f"({type(exc).__name__}: {exc}); please report it with the file", None)


def _failed(doc: Document, code: str, message: str, page: int | None) -> ExtractionResult:
    issue = Issue(code=code, message=message, severity="error", page=page)
    doc.status, doc.issues = "failed", [issue]
    return ExtractionResult(document=doc, records=[], status="failed", issues=[issue])


def extract_bytes(path: Path, data: bytes, max_pages: int = 2000) -> ExtractionResult:
    doc = open_pdf(path, data, max_pages)
    try:
        keep = doc.page_count <= KEEP_TEXTPAGES
        pages = [doc[i] for i in range(doc.page_count)] if keep else []  # a TextPage lives as long as its Page
        tps: list[pymupdf.TextPage | None] = [text_page(p) for p in pages] if keep else [None] * doc.page_count
        layouts = [page_layout(pages[i] if keep else doc[i], tps[i]) for i in range(doc.page_count)]
        _require_text(path, doc, layouts)
        page_tables = [_page_tables(pages[i] if keep else doc[i], pl, tps[i]) for i, pl in enumerate(layouts)]
        forms, form_issues = _forms_safely(page_tables)
        tables = assemble(page_tables, read_cell_number)
        grid_sections, grid_starts, grid_issues = _text_grids_safely(page_tables)  # grids no reader above took
        zones = find_zones([(ln.page, ln.bbox, ln.text) for pt in page_tables if not pt.toc for ln in pt.lines])
        zones = clip_zones(zones, grid_starts)
        narrative = [_in_zone(r, zone.kind) for zone, lines in _narrative_lines(pages or doc, zones, page_tables, tps)
                     for r in narrative_records(lines, title_block=zone.kind != "final_accounts", titled=zone.titled)]
        meta = _document(path, data, doc.page_count, layouts)
    finally:
        doc.close()
    records = [*tables, *narrative, *grid_sections, *forms]
    _department_from_forms(meta, forms)
    issues = [*form_issues, *grid_issues, *(i for r in records for i in r.issues)]
    meta.doc_kinds = doc_kinds(records)
    if not records:
        issues.append(Issue(code="no_disclosure_content", severity="error",
                            message=f"{path.name}: no 部门决算 table, 情况说明 or 绩效自评表 found; "
                                    "is this a budget disclosure?"))
    meta.status = decide_status(issues, bool(records))
    meta.issues = issues
    return ExtractionResult(document=meta, records=records, status=meta.status, issues=issues)


def _in_zone(r: NarrativeClaim | ReportSection, kind: str) -> NarrativeClaim | ReportSection:
    if isinstance(r, NarrativeClaim):
        r.zone = "final_accounts" if kind == "final_accounts" else "self_evaluation"
    return r


def _forms_safely(page_tables: list[PageTables]) -> tuple[list[FormRecord], list[Issue]]:
    """Forms are read after the tables are set aside; a failure there must not lose the tables."""
    try:
        return _forms(page_tables), []
    except Exception as exc:
        log.exception("reading self-evaluation forms failed")
        return [], [Issue(code="forms_not_read", severity="error", message="the self-evaluation forms of this "
                          f"document could not be read ({type(exc).__name__}: {exc}); please report it")]


def _forms(page_tables: list[PageTables]) -> list[FormRecord]:
    """Take the self-evaluation grids out of the pages (so that no final-accounts table claims them) and read
    them as forms."""
    grids: list[Grid] = []
    last_was_form = False
    for pt in page_tables:
        mine = [g for i, g in enumerate(pt.grids) if is_form_grid(g) or i == 0 and last_was_form and not _titled(pt, g)]
        pt.grids = [g for g in pt.grids if all(g is not m for m in mine)]
        pt.form_grids = mine
        grids.extend(mine)
        last_was_form = bool(mine) and (not pt.grids or mine[-1].bbox[1] > pt.grids[-1].bbox[1])
    lines = [ln for pt in page_tables for ln in pt.lines]
    return read_forms(grids, lines) if grids else []


def _text_grids_safely(pts: list[PageTables]) -> tuple[list[ReportSection], list[tuple[int, float]], list[Issue]]:
    """Text grids (问题清单, 工作底稿) are read last; a failure there must not lose the tables and forms."""
    try:
        return (*read_text_grids(pts), [])
    except Exception as exc:
        log.exception("reading text grids failed")
        return [], [], [Issue(code="text_grids_not_read", severity="warning", message="the text tables (问题清单 …) "
                              f"of this document could not be read ({type(exc).__name__}: {exc}); please report it")]


def _titled(pt: PageTables, grid: Grid) -> bool:
    """Text printed above the grid (a title, an 附件 label): something new begins, not a form continued."""
    return any(ln.bbox[3] <= grid.bbox[1] + 1 and len(compact(ln.text)) >= 4 for ln in pt.lines)


def doc_kinds(records: list) -> list[DocKind]:  # type: ignore[type-arg]
    """The kinds of disclosure the document holds. A 部门决算 needs one of the standard tables: an evaluation report
    that prints its own 收入支出决算表 (a table classed 其他) is not a final-accounts disclosure."""
    kinds: list[DocKind] = []
    for r in records:
        kind: DocKind | None = {"final_accounts_table": "final_accounts", "project_self_evaluation":
                                "project_self_evaluation", "dept_self_evaluation": "dept_self_evaluation",
                                "scoring_table": "evaluation_report"}.get(r.kind)  # type: ignore[assignment]
        if kind == "final_accounts" and r.std_name == OTHER:
            continue
        if kind is not None and kind not in kinds:
            kinds.append(kind)
    return kinds


def _require_text(path: Path, doc: pymupdf.Document, layouts: list[PageLayout]) -> None:
    chars = sum(len(w.text) for pl in layouts for w in pl.words)
    if chars < MIN_CHARS * max(1, len(layouts)) // 4:
        has_images = any(doc[i].get_images() for i in range(min(doc.page_count, 5)))
        what = "image-only (scanned)" if has_images else "without a text layer"
        raise NoTextLayerError(f"is {what}; OCR is needed (install the 'ocr' extra) before extraction", path)


def _page_tables(page: pymupdf.Page, pl: PageLayout, tp: pymupdf.TextPage | None) -> PageTables:
    grids, rest = find_grids(pl.number, pl.segments, pl.words)
    cuts = crossing_words(grids)
    if cuts:  # rare: glyphs of two cells joined into one word; cut them at the border and place again
        pieces = split_words(page, tp, cuts)
        pl.words = [p for w in pl.words for p in pieces.get(w, [w])]
        grids, rest = find_grids(pl.number, pl.segments, pl.words)
    lines = group_lines(pl.number, rest)
    texts = [ln.text for ln in lines]
    if not grids and any(classify_title(t) for t in texts) and sum(is_number_like(w.text) for w in rest) >= 2:
        grids, rest = _fallback_grids(page, pl)
        lines = group_lines(pl.number, rest)
    return PageTables(page=pl.number, grids=grids, lines=lines, toc=is_toc_page(texts))


def _fallback_grids(page: pymupdf.Page, pl: PageLayout) -> tuple[list[Grid], list[Word]]:
    """Unruled or partly ruled table: let find_tables place the cells, then fill them from our words."""
    from extraction.layout.grid import Line, assign_words, build_grid

    grids: list[Grid] = []
    for tab in page.find_tables(vertical_strategy="text", horizontal_strategy="text").tables:
        xs = sorted({round(c[0], 1) for c in tab.cells if c} | {round(c[2], 1) for c in tab.cells if c})
        ys = sorted({round(c[1], 1) for c in tab.cells if c} | {round(c[3], 1) for c in tab.cells if c})
        hs = [Line(y, xs[0], xs[-1]) for y in ys]
        vs = [Line(x, ys[0], ys[-1]) for x in xs]
        g = build_grid(pl.number, hs, vs)
        if g is not None:
            grids.append(g)
    rest = pl.words
    for g in grids:
        rest = assign_words(g, rest)
    return grids, rest


def _narrative_lines(
    doc: pymupdf.Document | list[pymupdf.Page], zones: list[Zone], pts: list[PageTables],
    tps: list[pymupdf.TextPage | None],
) -> list[tuple[Zone, list[TextLine]]]:
    """Glyph lines of each narrative zone (rawdict only on the pages a zone covers), outside every grid."""
    cache: dict[int, list[TextLine]] = {}
    out: list[tuple[Zone, list[TextLine]]] = []
    for zone in zones:
        mine: list[TextLine] = []
        for n in zone.pages():
            if n > len(pts):
                break
            if pts[n - 1].toc:
                continue  # a 目录 after a report's title lists headings; it is not the report's text
            if n not in cache:
                grids = pts[n - 1].grids + pts[n - 1].form_grids
                cache[n] = [ln for ln in page_text_lines(doc[n - 1], tps[n - 1]) if not _in_grid(ln, grids)]
            mine += [ln for ln in cache[n] if zone.holds(ln.page, (ln.bbox[1] + ln.bbox[3]) / 2)]
        out.append((zone, mine))
    return out


def _in_grid(line: TextLine, grids: list[Grid]) -> bool:
    cx, cy = (line.bbox[0] + line.bbox[2]) / 2, (line.bbox[1] + line.bbox[3]) / 2
    return any(g.bbox[0] <= cx <= g.bbox[2] and g.bbox[1] <= cy <= g.bbox[3] for g in grids)


_YEAR = re.compile(r"(20\d{2})\s*年度?")
_DEPT = re.compile(r"(?:部门|单位)(?:名称)?[:：]\s*(\S+?)(?:（本级）|\(本级\))?(?:\s|$)")
_REGION = re.compile(r"^(.{2,12}?(?:省|自治区|市))?(.{1,10}?(?:市|区|县|旗))?")


def _document(path: Path, data: bytes, n_pages: int, layouts: list[PageLayout]) -> Document:
    head = [ln.text for pl in layouts[:6] for ln in group_lines(pl.number, pl.words)]
    year = next((int(m.group(1)) for t in head for m in [_YEAR.search(compact(t))] if m), None)
    dept = _department(head)
    region = None
    if dept:
        m = _REGION.match(dept)
        region = "".join(g for g in (m.groups() if m else ()) if g) or None
    return Document(id=sha256_bytes(data), file_name=path.name, pages=n_pages, department=dept,
                    region=region, fiscal_year=year)


def _department_from_forms(meta: Document, forms: list[FormRecord]) -> None:
    """A self-evaluation's cover may not name the department; its 部门整体 form or its projects' 主管部门 do."""
    if meta.department:
        return
    names = [re.sub(r"^\d+\s*[-－]\s*|[\[【（(][^\]】）)]*[\]】）)]$", "", str(getattr(f, "department", None) or ""))
             for f in forms]
    names = [n for n in names if 4 <= len(n) <= 40]
    if not names:
        return
    dept = max(set(names), key=names.count)
    meta.department = dept
    m = _REGION.match(dept)
    meta.region = "".join(g for g in (m.groups() if m else ()) if g) or None


def _department(head: list[str]) -> str | None:
    for t in head:
        m = _DEPT.search(t)
        if m and m.group(1) not in ("元", "万元", "亿元") and "金额" not in t[: m.start() + 2]:
            return m.group(1)
    for t in head[:3]:
        c = compact(t)
        m = re.match(r"^(.{4,40}?)(20\d{2})年度?(部门|单位)?决算", c)
        if m:
            return m.group(1)
        if re.search(r"(局|办公室|委员会|政府|厅|中心|院|所)$", c) and len(c) <= 30:
            return c
    return None
