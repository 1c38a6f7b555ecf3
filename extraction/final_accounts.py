"""Final-accounts tables of a whole document: titles, continuation across pages, empty statements (pure).

Works on `PageTables` (grids + the text lines around them) so it never touches PyMuPDF.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from extraction.classify import (
    SANGONG,
    classify_title,
    compact,
    empty_statement_in,
    normalise_title,
    table_number_in,
    unit_in,
)
from extraction.layout.grid import Grid
from extraction.layout.model import BBox, Word
from extraction.layout.tables import NumberReader, TableLayout, analyse, read_rows
from extraction.records import OTHER, FinalAccountsTable, Issue, Source


@dataclass(slots=True)
class TextRow:
    """A line of words outside any grid."""

    page: int
    bbox: BBox
    text: str


@dataclass(slots=True)
class PageTables:
    page: int
    grids: list[Grid]
    lines: list[TextRow]  # text outside the grids, top to bottom
    toc: bool = False
    form_grids: list[Grid] = field(default_factory=list)  # self-evaluation forms, kept out of the tables
    table_grids: list[Grid] = field(default_factory=list)  # the grids `assemble` read (no other reader takes them)


@dataclass(slots=True)
class _Open:
    table: FinalAccountsTable
    layout: TableLayout
    n_cols: int
    xs: list[float]
    last_page: int
    fragments: int = 1


def group_lines(page: int, words: list[Word]) -> list[TextRow]:
    rows: list[list[Word]] = []
    for w in sorted(words, key=lambda w: (w.cy, w.bbox[0])):
        if rows and abs(rows[-1][-1].cy - w.cy) < max(2.0, 0.5 * (w.bbox[3] - w.bbox[1])):
            rows[-1].append(w)
        else:
            rows.append([w])
    out = []
    for r in rows:
        r.sort(key=lambda w: w.bbox[0])
        box = (min(w.bbox[0] for w in r), min(w.bbox[1] for w in r),
               max(w.bbox[2] for w in r), max(w.bbox[3] for w in r))
        out.append(TextRow(page, box, " ".join(w.text for w in r)))
    return out


def assemble(pages: list[PageTables], read_number: NumberReader) -> list[FinalAccountsTable]:
    """Every titled grid starts a table; an untitled grid at the top of the next page continues it."""
    tables: list[FinalAccountsTable] = []
    current: _Open | None = None
    for pt in pages:
        if pt.toc:
            continue
        for gi, grid in enumerate(pt.grids):
            above = _lines_between(pt, grid, gi, above=True)
            title_line = _title_line(above)
            if current is not None and _continues(current, grid, pt.page, gi, above, title_line):
                _append(current, grid, read_number)
            elif title_line is not None:
                current = _start(grid, title_line, above, read_number)
                tables.append(current.table)
            else:
                continue
            pt.table_grids.append(grid)
            _note_empty(current.table, _lines_between(pt, grid, gi, above=False))
    _resolve_sangong(tables)
    for t in tables:
        _finish(t)
    return tables


def _lines_between(pt: PageTables, grid: Grid, gi: int, above: bool) -> list[TextRow]:
    top, bottom = grid.bbox[1], grid.bbox[3]
    if above:
        lo = pt.grids[gi - 1].bbox[3] if gi > 0 else float("-inf")
        return [ln for ln in pt.lines if lo - 1 <= ln.bbox[1] and ln.bbox[3] <= top + 1]
    hi = pt.grids[gi + 1].bbox[1] if gi + 1 < len(pt.grids) else float("inf")
    return [ln for ln in pt.lines if ln.bbox[1] >= bottom - 1 and ln.bbox[3] <= hi + 1]


def _title_line(lines: list[TextRow]) -> TextRow | None:
    for ln in reversed(lines):
        if classify_title(ln.text) is not None:
            return ln
    return None


def _continues(cur: _Open, grid: Grid, page: int, gi: int, above: list[TextRow], title: TextRow | None) -> bool:
    """Untitled (or 续表, or the same title printed again) grid at the top of the next page, same columns."""
    if page not in (cur.last_page, cur.last_page + 1):
        return False
    if page == cur.last_page + 1 and gi != 0:
        return False
    if title is not None:
        repeated = classify_title(title.text) == cur.table.std_name and normalise_title(title.text) == cur.table.title
        return repeated and page == cur.last_page + 1 and analyse(grid).value_names == cur.layout.value_names
    if grid.n_cols == cur.n_cols:
        return True
    return any("续表" in compact(ln.text) for ln in above) and _edges_match(cur.xs, grid.xs)


def _edges_match(a: list[float], b: list[float]) -> bool:
    return len(a) == len(b) and all(abs(x - y) <= 3 for x, y in zip(a, b, strict=True))


def _start(grid: Grid, title: TextRow, above: list[TextRow], read_number: NumberReader) -> _Open:
    std = classify_title(title.text) or OTHER
    unit = next((u for u in (unit_in(ln.text) for ln in above) if u), None)
    number = next((n for n in (table_number_in(ln.text) for ln in above) if n), None)
    layout = analyse(grid)
    table = FinalAccountsTable(
        std_name=std,
        title=normalise_title(title.text),
        number=number,
        unit=unit,  # type: ignore[arg-type]
        pages=[grid.page],
        columns=layout.value_names,
    )
    table.sources["title"] = Source(page=title.page, bbox=_round(title.bbox), raw=title.text)
    if unit is None:
        table.issues.append(Issue(code="unit_missing", page=grid.page,
                                  message="no 单位 line found above the table; amounts have no unit"))
    cur = _Open(table=table, layout=layout, n_cols=grid.n_cols, xs=grid.xs, last_page=grid.page)
    _add_rows(cur, grid, layout, None, read_number)
    return cur


def _append(cur: _Open, grid: Grid, read_number: NumberReader) -> None:
    """A continued table: reuse the first page's column roles; skip a repeated header if printed."""
    own = analyse(grid)
    start = own.header_rows if own.header_rows and own.value_names == cur.layout.value_names else 0
    if start == 0 and own.header_rows:
        start = own.header_rows if own.signature() == cur.layout.signature() else 0
    _add_rows(cur, grid, cur.layout, start, read_number)
    if grid.page not in cur.table.pages:
        cur.table.pages.append(grid.page)
    cur.last_page = grid.page
    cur.fragments += 1


def _add_rows(cur: _Open, grid: Grid, layout: TableLayout, start: int | None, read_number: NumberReader) -> None:
    table = cur.table
    for parsed in read_rows(grid, layout, read_number, start):
        label = parsed.row.label
        if label.startswith(("注", "说明")) and all(v is None for v in parsed.row.cells.values()):
            _note_empty(table, [TextRow(grid.page, parsed.sources["label"].bbox, label)])
            continue
        i = len(table.rows)
        table.rows.append(parsed.row)
        for key, src in parsed.sources.items():
            table.sources[f"rows[{i}].{key}"] = src
        for issue in parsed.issues:
            issue.path = f"rows[{i}].{issue.path}"
            table.issues.append(issue)


def _note_empty(table: FinalAccountsTable, below: list[TextRow]) -> None:
    for ln in below[:4]:
        if table.empty_statement is None and empty_statement_in(ln.text):
            table.empty_statement = compact(ln.text)
            table.sources["empty_statement"] = Source(page=ln.page, bbox=_round(ln.bbox), raw=ln.text)


def _resolve_sangong(tables: list[FinalAccountsTable]) -> None:
    """Some regions print two 三公 tables; the first is the standard one, the others are 其他."""
    seen = False
    for t in tables:
        if t.std_name == SANGONG:
            if seen:
                t.std_name = OTHER
            seen = True


def _finish(table: FinalAccountsTable) -> None:
    has_value = any(v is not None for r in table.rows for v in r.cells.values())
    table.empty = not has_value and table.empty_statement is not None
    if has_value and table.empty_statement is not None:
        table.issues.append(Issue(code="empty_statement_with_values", page=table.pages[0],
                                  message="the table says it has no data but prints values; check the page"))


def _round(b: BBox) -> tuple[float, float, float, float]:
    return (round(b[0], 2), round(b[1], 2), round(b[2], 2), round(b[3], 2))
