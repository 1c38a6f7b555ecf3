"""From a ruled grid to table rows: header analysis, column roles, sides, rows with sources (pure).

Column roles are decided from the body, not from header words alone: 项目 is both a label header and the
项 of 类/款/项, and regional templates word their headers differently.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from extraction.classify import compact
from extraction.layout.grid import Cell, Grid
from extraction.records import FinalAccountsRow, Issue, Source

NumberReader = Callable[[str], tuple[Decimal | None, bool]]
"""text → (value, unreadable). Blank/—/- give (None, False); garbage gives (None, True); never 0 for either."""

_DECIMAL = re.compile(r"\d[\d,，]*\s*[.．]\s*\d|\d{1,3}(,\d{3})+")
_CODE = re.compile(r"^\d{2,7}$")
_CODE_HEAD = {"类", "款", "项", "栏次"}
_FILLER = {"合计", "总计"}
_SUBHEADS = {"预算数", "决算数", "小计"}
_DASHES = re.compile(r"^[-—–－/／]+$")
_ELLIPSIS = re.compile(r"^[.。…·\s]+$")
_LABEL_ROW = re.compile(r"^(合计|总计|[一二三四五六七八九十]+、)")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_SIDES = {"收入": "收入", "支出": "支出"}


@dataclass(slots=True)
class Column:
    index: int
    role: str  # code | label | rowno | value
    block: int
    name: str = ""


@dataclass(slots=True)
class TableLayout:
    header_rows: int
    columns: list[Column]
    sections: dict[int, str | None] = field(default_factory=dict)

    @property
    def value_names(self) -> list[str]:
        names: list[str] = []
        for c in self.columns:
            if c.role == "value" and c.name not in names:
                names.append(c.name)
        return names

    def signature(self) -> tuple[str, ...]:
        return tuple(c.role for c in self.columns)


@dataclass(slots=True)
class ParsedRow:
    row: FinalAccountsRow
    sources: dict[str, Source]
    issues: list[Issue]


def _is_body_row(cells: list[Cell | None]) -> bool:
    dashes = 0
    for cell in cells:
        if cell is None:
            continue
        t = compact(cell.text)
        if _DECIMAL.search(t) or _CODE.match(t) and len(t) >= 3:
            return True
        dashes += bool(_DASHES.match(t))
    return dashes >= 2  # "—" marks a cell that is not applicable: only body rows print it


def _is_label_row(cells: list[Cell | None]) -> bool:
    """合计/总计/一、… in the leftmost columns: a body row even when the table prints no number."""
    return any(c is not None and c.c0 <= 1 and _LABEL_ROW.match(compact(c.text)) for c in cells[:2])


def _header_words_below(m: list[list[Cell | None]], r: int) -> bool:
    return any(c is not None and compact(c.text) in _SUBHEADS for row in m[r + 1:] for c in row)


def header_row_count(grid: Grid) -> int:
    """Rows above the first body row. A 合计 row right above the first number or code also opens the body
    (template tables print 合计 without a value); a header 合计 higher up (三公表) does not."""
    m = grid.matrix()
    first = next((r for r, row in enumerate(m) if _is_body_row(row)), None)
    if first is not None:
        return first - 1 if first > 0 and _is_label_row(m[first - 1]) else first
    label = next((r for r, row in enumerate(m) if _is_label_row(row) and not _header_words_below(m, r)), None)
    if label is not None:
        return label
    filled = [r for r, row in enumerate(m) if any(c is not None and compact(c.text) for c in row)]
    return filled[-1] + 1 if filled else 0


def _body_texts(m: list[list[Cell | None]], start: int, c: int) -> list[str]:
    out = []
    for row in m[start:]:
        cell = row[c]
        if cell is not None and cell.c0 == c and cell.c1 == c + 1:
            t = compact(cell.text)
            if t and t not in _CODE_HEAD and not _ELLIPSIS.match(t):
                out.append(t)
    return out


def _header_path(m: list[list[Cell | None]], header_rows: int, c: int) -> list[Cell]:
    path: list[Cell] = []
    for r in range(header_rows):
        cell = m[r][c]
        if cell is not None and (not path or path[-1] is not cell) and compact(cell.text):
            path.append(cell)
    return path


def _role(head: list[str], body: list[str]) -> str:
    head = [h for h in head if h != "栏次" and not h.isdigit()]  # the 栏次 row numbers columns, it names none
    joined = "".join(head)
    if "行次" in head:
        return "rowno"
    codes = [t for t in body if t not in _FILLER]
    if codes and all(_CODE.match(t) for t in codes) and (re.search(r"编码|类|款|科目", joined) or not head):
        return "code"
    if body:
        text = sum(1 for t in body if _CJK.search(t) and not _DECIMAL.search(t))
        return "label" if text * 2 > len(body) else "value"
    if head and head[-1] in ("类", "款", "项") or "编码" in joined and "名称" not in joined:
        return "code"
    if any(h == "项目" or "名称" in h for h in head):
        return "label"
    return "value"


def analyse(grid: Grid) -> TableLayout:
    """Header rows, the role of every column, blocks (sides) and value column names; computed once per grid."""
    if isinstance(grid.analysis, TableLayout):
        return grid.analysis
    grid.analysis = _analyse(grid)
    return grid.analysis


def _analyse(grid: Grid) -> TableLayout:
    m = grid.matrix()
    hr = header_row_count(grid)
    if 0 < hr < grid.n_rows and not _is_body_row(m[hr]) and _subheader_row(m, hr):
        hr += 1  # sub-headers printed in the 合计 row (seen in the national template)
    cols: list[Column] = []
    block, prev = -1, "value"
    for c in range(grid.n_cols):
        head = [compact(x.text) for x in _header_path(m, hr, c)]
        role = _role(head, _body_texts(m, hr, c))
        if role in ("code", "label") and prev in ("value", "rowno"):
            block += 1
        cols.append(Column(index=c, role=role, block=max(block, 0)))
        prev = role
    layout = TableLayout(header_rows=hr, columns=cols)
    layout.sections = _sections(m, hr, cols)
    _name_columns(m, layout)
    return layout


def _subheader_row(m: list[list[Cell | None]], r: int) -> bool:
    """Row r sits under a header cell spanning several columns and holds words there: it is header."""
    for c, cell in enumerate(m[r]):
        above = m[r - 1][c]
        if cell is None or above is None or above is cell or cell.c1 - cell.c0 != 1:
            continue
        t = compact(cell.text)
        if above.c1 - above.c0 > 1 and above.r1 == r and t and _CJK.search(t) and not _DECIMAL.search(t):
            return True
    return False


def _sections(m: list[list[Cell | None]], hr: int, cols: list[Column]) -> dict[int, str | None]:
    out: dict[int, str | None] = {}
    for col in cols:
        if col.block in out:
            continue
        side = None
        for cell in _header_path(m, hr, col.index):
            side = _SIDES.get(compact(cell.text)) or side
        out[col.block] = side
    return out


def _name_columns(m: list[list[Cell | None]], layout: TableLayout) -> None:
    all_values = [c.index for c in layout.columns if c.role == "value"]
    for col in layout.columns:
        if col.role != "value":
            continue
        block_cols = [c.index for c in layout.columns if c.block == col.block and c.role == "value"]
        path = []
        for cell in _header_path(m, layout.header_rows, col.index):
            t = compact(cell.text)
            if t in _SIDES or t == "栏次" or t.isdigit() or _DASHES.match(t):
                continue
            spans_block = cell.c0 <= min(block_cols) and cell.c1 > max(block_cols) and len(block_cols) > 1
            spans_table = cell.c0 <= min(all_values) and cell.c1 > max(all_values) and len(all_values) > 1
            path.append((t, spans_block or spans_table))
        kept = [t for t, spans_all in path if not spans_all] or [t for t, _ in path[-1:]]
        col.name = "/".join(kept) or f"列{col.index + 1}"


def read_rows(grid: Grid, layout: TableLayout, read_number: NumberReader, start: int | None = None) -> list[ParsedRow]:
    """Body rows, block by block (left side first), in printed order."""
    m = grid.matrix()
    first = layout.header_rows if start is None else start
    out: list[ParsedRow] = []
    consumed: set[tuple[int, int]] = set()
    for block in sorted({c.block for c in layout.columns}):
        cols = [c for c in layout.columns if c.block == block]
        for r in range(first, grid.n_rows):
            ctx = _RowCtx(grid.page, m[r], r, layout.sections.get(block), read_number, consumed)
            parsed = _read_row(ctx, cols, layout.columns)
            if parsed is not None:
                out.append(parsed)
    return out


@dataclass(slots=True)
class _RowCtx:
    page: int
    row: list[Cell | None]
    r: int
    section: str | None
    read_number: NumberReader
    consumed: set[tuple[int, int]]
    sources: dict[str, Source] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    cells: dict[str, Decimal | None] = field(default_factory=dict)

    def own(self, c: int) -> Cell | None:
        cell = self.row[c]
        return cell if cell is not None and cell.c0 == c and cell.r0 == self.r else None


def _read_row(ctx: _RowCtx, cols: list[Column], all_cols: list[Column]) -> ParsedRow | None:
    code_parts: list[str] = []
    code_cells: list[Cell] = []
    label_cells: list[Cell] = []
    for col in cols:
        cell = ctx.own(col.index)
        text = compact(cell.text) if cell is not None else ""
        if col.role == "code" and cell is not None and _CODE.match(text):
            code_parts.append(text)
            code_cells.append(cell)
        elif col.role in ("label", "code") and cell is not None and text and text not in _CODE_HEAD:
            label_cells.append(cell)  # a 合计 cell merged across the code columns is the row's label
        elif col.role == "value":
            _read_value(ctx, col)
    if label_cells and label_cells[-1].c1 > cols[-1].index + 1:
        _spill(ctx, label_cells[-1], all_cols)
    label = "".join(compact(c.text) for c in label_cells)
    code = "".join(code_parts) or None
    empty = all(v is None for v in ctx.cells.values())
    if not label and code is None and empty and not ctx.issues or label in ("项目", "科目名称", "栏次") and empty:
        return None
    if label_cells:
        ctx.sources["label"] = _source(ctx.page, *label_cells)
    if code_cells:
        ctx.sources["code"] = _source(ctx.page, *code_cells)
    row = FinalAccountsRow(section=ctx.section, code=code, label=label, cells=ctx.cells)
    return ParsedRow(row, ctx.sources, ctx.issues)


def _read_value(ctx: _RowCtx, col: Column) -> None:
    if ctx.cells.get(col.name) is None:
        ctx.cells[col.name] = None
    cell = ctx.own(col.index)
    if (ctx.r, col.index) in ctx.consumed or cell is None:
        return
    ctx.consumed.add((ctx.r, col.index))
    text = compact(cell.text)
    if not text or _ELLIPSIS.match(text):
        return
    value, bad = ctx.read_number(cell.text)
    if bad:
        ctx.issues.append(Issue(code="unreadable_number", page=ctx.page, path=f"cells.{col.name}",
                                message=f"cannot read the number “{cell.text}”; left empty, check the page"))
    if value is not None:
        ctx.cells[col.name] = value
    ctx.sources[f"cells.{col.name}"] = _source(ctx.page, cell)


def _spill(ctx: _RowCtx, label: Cell, all_cols: list[Column]) -> None:
    """A label merged across the next block (人员经费合计 | … | 公用经费合计 ……… 金额): the value columns right
    after the merged cell belong to this row, up to the next printed label or code."""
    for col in all_cols:
        if col.index < label.c1:
            continue
        if col.role != "value":
            cell = ctx.own(col.index)
            if cell is not None and compact(cell.text):
                return
            continue
        _read_value(ctx, col)


def _source(page: int, *cells: Cell) -> Source:
    boxes = [b for b in (c.words_bbox for c in cells) if b is not None]
    box = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
    raw = " ".join(c.text for c in cells)
    return Source(page=page, bbox=tuple(round(v, 2) for v in box), raw=raw, method="layout")  # type: ignore[arg-type]
