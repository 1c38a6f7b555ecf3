"""Ruled form tables for the self-evaluation fixtures (`eval.render_forms`): merged cells, wrapped cell
text, rows that grow with their text, and tables that continue on the next page.

A table is a list of rows over a fixed set of columns (relative widths in em). A cell may span columns
(`span`) and rows (`rowspan`). Rows tied together by a merged cell stay on one page unless the merged
cell is `loose` (an outer label such as 绩效指标 may break with the table) or the group is taller than a
page. A merged cell that breaks is ruled on each page and its text is set in the first part that holds it.
Rows may carry `repeat`: header rows drawn again at the top of a continuation page before that row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from eval.render_layout import Planner, wrap


@dataclass
class Cell:
    col: int
    text: str = ""
    span: int = 1
    rowspan: int = 1
    align: str = "c"  # l | c | r
    role: str = "body"
    nowrap: bool = False  # numbers: one line, the column widens to hold them
    loose: bool = False  # a merged cell that does not keep its rows on one page
    again: bool = False  # a merged cell broken by a page prints its text again on the next page


@dataclass
class Row:
    cells: list[Cell]
    refs: tuple[int, ...] = ()  # records printed on this row (their pages come from here)
    repeat: list[Row] | None = None  # header rows repeated above this row on a continuation page
    keep_next: bool = False  # never break between this row and the next (titles, header rows)


@dataclass
class Table:
    em: list[float]  # relative column widths
    rows: list[Row]
    size: float  # font size
    pad: float = 3.0
    lead: float = 1.3
    min_size: float = 5.0


class Cursor:
    """Where the next thing goes: page number, y, and the page's margins; starts pages on demand."""

    def __init__(self, pl: Planner, size: tuple[float, float], margin: float, margin_x: float | None = None):
        self.pl, self.size, self.margin = pl, size, margin
        self.margin_x = margin if margin_x is None else margin_x
        self.pno, self.y = 0, margin

    def page(
        self, size: tuple[float, float] | None = None, margin: float | None = None, margin_x: float | None = None
    ) -> int:
        """A new page (optionally of another size and margins) with the cursor at its top."""
        self.size = size or self.size
        if margin is not None:
            self.margin = margin
            self.margin_x = margin if margin_x is None else margin_x
        self.pno = self.pl.new_page(self.size)
        self.y = self.margin
        return self.pno

    @property
    def left(self) -> float:
        return self.margin_x

    @property
    def width(self) -> float:
        return self.size[0] - 2 * self.margin_x

    @property
    def bottom(self) -> float:
        return self.size[1] - self.margin

    @property
    def at_top(self) -> bool:
        return self.y <= self.margin + 0.01

    def need(self, h: float) -> int:
        """Start a new page unless `h` fits under the cursor."""
        if self.pno == 0 or (self.y + h > self.bottom + 0.01 and not self.at_top):
            self.page()
        return self.pno


@dataclass
class Geometry:
    """A table fitted to a width: font size, column widths, x of the left edge."""

    table: Table
    size: float
    widths: list[float]
    x0: float
    fonts: object = field(repr=False, default=None)

    @property
    def lead(self) -> float:
        return self.size * self.table.lead

    def span(self, cell: Cell) -> tuple[float, float]:
        x = self.x0 + sum(self.widths[: cell.col])
        return x, x + sum(self.widths[cell.col : cell.col + cell.span])

    def lines(self, cell: Cell) -> list[str]:
        if not cell.text:
            return []
        if cell.nowrap:
            return cell.text.split("\n")
        x0, x1 = self.span(cell)
        return wrap(cell.text, x1 - x0 - 2 * self.table.pad, self.fonts, self.size, cell.role)

    def text_height(self, cell: Cell) -> float:
        return max(1, len(self.lines(cell))) * self.lead + 2 * self.table.pad


def all_rows(table: Table) -> list[Row]:
    out = list(table.rows)
    for row in table.rows:
        out += row.repeat or []
    return out


def _needs(table: Table, fonts, size: float) -> list[float]:
    """Minimum column widths: every one-line (nowrap) text fits, split evenly over a spanned cell."""
    need = [2 * table.pad + size] * len(table.em)
    for row in all_rows(table):
        for cell in row.cells:
            if cell.nowrap and cell.text:
                w = max(fonts.width(t, size, cell.role) for t in cell.text.split("\n")) + 2 * table.pad + 1.0
                for c in range(cell.col, cell.col + cell.span):
                    need[c] = max(need[c], w / cell.span)
    return need


def fit(table: Table, fonts, avail: float, x0: float) -> Geometry:
    """Column widths for the available width: proportional to `em`, widened where one-line text needs it
    (taken from the columns with room to spare); the font shrinks when even that cannot work."""
    size = table.size
    while True:
        need = _needs(table, fonts, size)
        widths = [e * avail / sum(table.em) for e in table.em]
        for _ in range(len(widths)):
            short = [i for i, w in enumerate(widths) if w < need[i] - 1e-6]
            if not short:
                break
            deficit = sum(need[i] - widths[i] for i in short)
            for i in short:
                widths[i] = need[i]
            slack = {i: w - need[i] for i, w in enumerate(widths) if w > need[i] + 1e-6}
            if sum(slack.values()) < deficit:
                break
            total = sum(slack.values())
            for i, s in slack.items():
                widths[i] -= deficit * s / total
        if all(w >= n - 1e-3 for w, n in zip(widths, need, strict=True)) or size <= table.min_size:
            return Geometry(table, size, widths, x0, fonts)
        size = max(table.min_size, round(size * 0.92, 2))


def row_heights(geo: Geometry, rows: list[Row]) -> list[float]:
    """Each row as tall as its tallest one-row cell; a merged cell short of room spreads the rest evenly."""
    base = geo.lead + 2 * geo.table.pad
    h = [base] * len(rows)
    for i, row in enumerate(rows):
        for cell in row.cells:
            if cell.rowspan == 1:
                h[i] = max(h[i], geo.text_height(cell))
    for i, row in enumerate(rows):
        for cell in row.cells:
            if cell.rowspan > 1:
                end = min(len(rows), i + cell.rowspan)
                short = geo.text_height(cell) - sum(h[i:end])
                for k in range(i, end):
                    h[k] += max(0.0, short) / (end - i)
    return h


def bands(rows: list[Row]) -> list[tuple[int, int]]:
    """Groups of rows [a, b) that stay on one page: tied by a merged (not loose) cell or keep_next."""
    tie = [False] * len(rows)
    for i, row in enumerate(rows):
        if row.keep_next:
            tie[i] = True
        for cell in row.cells:
            if cell.rowspan > 1 and not cell.loose:
                for k in range(i, min(len(rows), i + cell.rowspan) - 1):
                    tie[k] = True
    out, start = [], 0
    for i in range(len(rows)):
        if not tie[i] or i == len(rows) - 1:
            out.append((start, i + 1))
            start = i + 1
    return out


@dataclass
class Placed:
    pno: int
    y: float
    h: float


def draw_rows(pl: Planner, geo: Geometry, rows: list[Row], spots: list[Placed]) -> None:
    """Rule and fill every cell; a merged cell broken by a page is ruled per page, its text in one part."""
    for i, row in enumerate(rows):
        for cell in row.cells:
            parts: dict[int, list[float]] = {}
            for k in range(i, min(len(rows), i + cell.rowspan)):
                s = spots[k]
                y0, y1 = parts.get(s.pno, [s.y, s.y])
                parts[s.pno] = [min(y0, s.y), max(y1, s.y + s.h)]
            x0, x1 = geo.span(cell)
            for pno, (y0, y1) in parts.items():
                pl.rect(pno, x0, y0, x1, y1)
            lines = geo.lines(cell)
            if lines:
                set_text(pl, geo, cell, lines, parts)


def set_text(pl: Planner, geo: Geometry, cell: Cell, lines: list[str], parts: dict[int, list[float]]) -> None:
    """The cell's text, centred vertically in the first part that holds it (in every part if `again`);
    `place_table` sees to it that one part does (else it would start at the top of the tallest part)."""
    text_h = len(lines) * geo.lead
    fits = [p for p, (y0, y1) in parts.items() if y1 - y0 >= text_h + 0.01]
    if not cell.again or not fits:
        fits = fits[:1] or [max(parts, key=lambda p: parts[p][1] - parts[p][0])]
    x0, x1 = geo.span(cell)
    pad = geo.table.pad
    for pno in fits:
        y0, y1 = parts[pno]
        top = y0 + max(0.0, (y1 - y0 - text_h) / 2)
        for n, text in enumerate(lines):
            pl.text(
                pno, x0 + pad, top + n * geo.lead, text, geo.size, cell.role, cell.align, x1 - x0 - 2 * pad, geo.lead
            )


@dataclass
class Merged:
    """A merged cell's text over rows [start, end): `need` is the least part height that holds its lines
    (what `set_text` asks of a part), `want` that plus the cell padding; `held` once some part holds it."""

    start: int
    end: int
    need: float
    want: float
    held: bool = False


def merged_cells(geo: Geometry, rows: list[Row]) -> list[Merged]:
    out = []
    for i, row in enumerate(rows):
        for cell in row.cells:
            end = min(len(rows), i + cell.rowspan)
            lines = geo.lines(cell)
            if end - i > 1 and lines:
                need = len(lines) * geo.lead + 0.02
                out.append(Merged(i, end, need, need + 2 * geo.table.pad))
    return out


def grow(h: list[float], a: int, b: int, total: float) -> None:
    """Rows [a, b) grow evenly until together `total` tall."""
    extra = total - sum(h[a:b])
    for k in range(a, b):
        h[k] += max(0.0, extra) / (b - a)


def place_table(cur: Cursor, table: Table, fonts, x0: float | None = None, width: float | None = None) -> dict:
    """Place the table under the cursor, breaking pages between row groups; returns {record ref: pages}.

    A merged cell broken by a page must hold its text in one of its parts (its text is never set outside
    its ruling): at a break, a part too short for the text grows into the room left on the page; a cell
    none of whose parts could hold it grows its last part (the row then moves on when it no longer fits)."""
    geo = fit(table, fonts, width or cur.width, cur.left if x0 is None else x0)
    rows = table.rows
    h = row_heights(geo, rows)
    spots: list[Placed | None] = [None] * len(rows)
    repeats: list[tuple[list[Row], int, float]] = []
    merged = merged_cells(geo, rows)
    first = 0  # the first row on the current page

    def restack(k: int) -> None:
        """Rows [first, k) on this page stacked again after growing; the cursor under them."""
        if first < k:
            y = spots[first].y  # type: ignore[union-attr]
            for j in range(first, k):
                spots[j] = Placed(cur.pno, y, h[j])
                y += h[j]
            cur.y = y

    def break_before(k: int) -> None:
        """Parts of merged cells that end on this page before row k: hold the text if the page has room."""
        for m in merged:
            s = max(m.start, first)
            if m.held or not m.start < k < m.end or s >= k:
                continue
            part = sum(h[s:k])
            room = cur.bottom - cur.y
            if part < m.need and part + room >= m.need:
                grow(h, s, k, min(m.want, part + room))
                restack(k)
            m.held = sum(h[s:k]) >= m.need

    def closing(k: int, start: int) -> list[float]:
        """Row heights with the merged cells that end at row k, none of whose parts held their text, grown
        to hold it in their last part (rows from `start`, the first row on this page, to k)."""
        hh = list(h)
        for m in merged:
            if not m.held and m.end - 1 == k:
                s = max(m.start, start)
                if sum(hh[s : k + 1]) < m.need:
                    grow(hh, s, k + 1, m.want)
        return hh

    def new_page(before: int) -> None:
        nonlocal first
        break_before(before)
        cur.page()
        first = before
        head = rows[before].repeat
        if head:
            repeats.append((head, cur.pno, cur.y))
            cur.y += sum(row_heights(geo, head))

    for a, b in bands(rows):
        total = sum(h[a:b])
        head = sum(row_heights(geo, rows[a].repeat)) if rows[a].repeat else 0.0
        usable = cur.bottom - cur.margin
        if cur.y + total > cur.bottom and not cur.at_top and total + head <= usable * (1.0 if b - a == 1 else 0.45):
            new_page(a)  # a group that fits under half a page moves whole; a longer one breaks between rows
        for k in range(a, b):
            hh = closing(k, first)
            grown = sum(hh[first : k + 1]) - sum(h[first : k + 1])
            if cur.y + h[k] + grown > cur.bottom + 0.01 and not cur.at_top:
                new_page(k)
                hh = closing(k, first)
            h[:] = hh
            restack(k)
            for m in merged:
                if m.end - 1 == k:
                    m.held = True
            spots[k] = Placed(cur.pno, cur.y, h[k])
            cur.y += h[k]
    for head, pno, y in repeats:
        hh = row_heights(geo, head)
        draw_rows(cur.pl, geo, head, [Placed(pno, y + sum(hh[:k]), hh[k]) for k in range(len(head))])
    draw_rows(cur.pl, geo, rows, spots)  # type: ignore[arg-type]
    pages: dict[int, set[int]] = {}
    for row, spot in zip(rows, spots, strict=True):
        for ref in row.refs:
            pages.setdefault(ref, set()).add(spot.pno)  # type: ignore[union-attr]
    return pages
