"""Place one final-accounts table on pages: column widths, wrapped cells, page breaks, repeated header.

Why widths are computed from the strings: a number must never wrap or touch its neighbour (it has to
come out of `get_text("words")` as one word), while long labels wrap inside their cell as they do in
real disclosures. Wide tables go landscape, then shrink their font, as printed reports do.
"""

from __future__ import annotations

from dataclasses import dataclass

from eval.render_grid import Cell, Grid, Line, build_grid
from eval.render_layout import Planner, Style, wrap

BASE_EM = {"no": 2.2, "code": 1.4}  # minimum widths (em) of 行次 and of one split 类/款/项 column


def natural_em(grid: Grid, pl: Planner, style: Style) -> list[float]:
    """Column widths in em (at font size 1): numbers and codes fit on one line, labels get label_chars."""
    em: list[float] = []
    split = "code,code,code" in ",".join(grid.kinds)
    for c, kind in enumerate(grid.kinds):
        need = max((pl.fonts.width(t, 1.0) for t in grid.values[c] if t), default=0.0)
        if kind == "label":
            em.append(style.label_chars)
        elif kind == "value":
            em.append(max(style.value_min_em, need))
        elif kind == "code" and not split:
            em.append(max(3.2, need))  # one 科目代码 column (or one per block): room for its header
        else:
            em.append(max(BASE_EM[kind], need))
    for line in grid.lines:  # a code merged over 类|款|项 must fit the three columns together
        for cell in line.cells:
            if cell.span > 1 and grid.kinds[cell.col] == "code":
                need = pl.fonts.width(cell.text, 1.0)
                have = sum(em[cell.col : cell.col + cell.span])
                for k in range(cell.col, cell.col + cell.span):
                    em[k] += max(0.0, need - have) / cell.span
    return em


def fit(em: list[float], kinds: list[str], avail: float, style: Style) -> tuple[float, list[float]]:
    """Font size and column widths (pt) for the available width: shrink the font, then the labels."""
    pads = 2 * style.pad * len(em)
    size = min(style.font_size, (avail - pads) / sum(em))
    if size < style.min_font:
        size = style.min_font
        labels = [i for i, k in enumerate(kinds) if k == "label"]
        excess = (sum(em) * size + pads - avail) / size
        for i in labels:  # (a table without labels that is still too wide overflows its margins)
            em[i] = max(4.0, em[i] - excess / len(labels))
    widths = [e * size + 2 * style.pad for e in em]
    grow = [i for i, k in enumerate(kinds) if k in ("label", "value")] or list(range(len(em)))
    extra = min(avail - sum(widths), sum(widths[i] for i in grow) * (style.max_stretch - 1))
    if extra > 0:
        base = sum(widths[i] for i in grow)
        for i in grow:
            widths[i] += extra * widths[i] / base
    return size, widths


def page_size(em: list[float], style: Style, spec: dict) -> tuple[float, float]:
    """Portrait unless the table cannot fit at the variant's font size (or the spec/variant says landscape)."""
    if "landscape" in spec:
        return style.page(style.table_page, bool(spec["landscape"]))
    if style.orientation == "landscape":
        return style.page(style.table_page, True)
    w, _ = style.page(style.table_page, False)
    natural = sum(em) * style.font_size + 2 * style.pad * len(em)
    return style.page(style.table_page, natural > w - 2 * style.margin)


@dataclass
class Frame:
    """A table being placed: where its columns are and at what size its text is set."""

    pl: Planner
    grid: Grid
    widths: list[float]
    x0: float
    size: float
    style: Style
    page: tuple[float, float]

    @property
    def lead(self) -> float:
        return self.size * self.style.lead

    @property
    def width(self) -> float:
        return sum(self.widths)

    def span(self, cell: Cell) -> tuple[float, float]:
        x = self.x0 + sum(self.widths[: cell.col])
        return x, x + sum(self.widths[cell.col : cell.col + cell.span])

    def lines_of(self, cell: Cell) -> list[str]:
        x0, x1 = self.span(cell)
        if cell.align == "r":
            return [cell.text]
        return wrap(cell.text, x1 - x0 - 2 * self.style.pad, self.pl.fonts, self.size)

    def height_of(self, cell: Cell) -> float:
        return len(self.lines_of(cell)) * self.lead + 2 * self.style.pad

    def draw_cell(self, pno: int, cell: Cell, y0: float, y1: float) -> None:
        """Rule the cell and set its text, wrapped and vertically centred."""
        x0, x1 = self.span(cell)
        self.pl.rect(pno, x0, y0, x1, y1)
        lines = self.lines_of(cell)
        top = y0 + (y1 - y0 - len(lines) * self.lead) / 2
        pad = self.style.pad
        for i, text in enumerate(lines):
            self.pl.text(
                pno,
                x0 + pad,
                top + i * self.lead,
                text,
                self.size,
                align=cell.align,
                width=x1 - x0 - 2 * pad,
                lead=self.lead,
            )


def header_heights(fr: Frame) -> list[float]:
    """Row heights of the header: single-row cells set their row, merged cells stretch the last row."""
    h = [fr.lead + 2 * fr.style.pad] * fr.grid.n_header
    for cell in fr.grid.header:
        if cell.rowspan == 1:
            h[cell.row] = max(h[cell.row], fr.height_of(cell))
    for cell in fr.grid.header:
        rows = range(cell.row, cell.row + cell.rowspan)
        short = fr.height_of(cell) - sum(h[r] for r in rows)
        if cell.rowspan > 1 and short > 0:
            h[rows[-1]] += short
    return h


def draw_header(fr: Frame, pno: int, y: float, heights: list[float]) -> float:
    tops = [y + sum(heights[:r]) for r in range(len(heights) + 1)]
    for cell in fr.grid.header:
        fr.draw_cell(pno, cell, tops[cell.row], tops[cell.row + cell.rowspan])
    return tops[-1]


def draw_line(fr: Frame, pno: int, line: Line, y: float, h: float) -> None:
    for cell in line.cells:
        fr.draw_cell(pno, cell, y, y + h)


def title_block(fr: Frame, pno: int, t: dict, spec: dict, head: dict) -> float:
    """Title centred, 公开NN表 at the right, then 部门 | 年度 | 单位 on one line over the table
    (over at least 500pt of the page when the table is narrower, so the line does not crowd)."""
    st, pl = fr.style, fr.pl
    w = max(fr.width, min(fr.page[0] - 2 * st.margin, 500.0))
    x = (fr.page[0] - w) / 2
    y = st.margin
    pl.text(pno, 0, y, t["title"], st.title_size, "bold", "c", fr.page[0], st.title_size * 1.4)
    y += st.title_size * 1.6
    small = max(fr.size, 9.0)
    if t.get("number"):
        pl.text(pno, x, y, t["number"], small, "body", "r", w, small * 1.4)
        y += small * 1.5
    pl.text(pno, x, y, spec.get("dept_line", head["dept_line"]), small, lead=small * 1.4)
    if head.get("year_line"):
        pl.text(pno, x, y, head["year_line"], small, "body", "c", w, small * 1.4)
    pl.text(pno, x, y, spec["unit_label"], small, "body", "r", w, small * 1.4)
    return y + small * 1.6


def note_lines(fr: Frame, texts: list[str]) -> tuple[list[str], float, float]:
    """The 注 lines and 无数据 statement wrapped to the table width, their size and line height."""
    size = max(fr.size, 8.0)
    return [ln for text in texts for ln in wrap(text, fr.width, fr.pl.fonts, size)], size, size * 1.5


def notes(fr: Frame, pno: int, y: float, texts: list[str]) -> tuple[int, float]:
    """注 lines and the 无数据 statement under the table (plan_table keeps room for them)."""
    lines, size, lead = note_lines(fr, texts)
    y += lead * 0.4
    for line in lines:
        if y + lead > fr.page[1] - fr.style.margin:
            pno, y = fr.pl.new_page(fr.page), fr.style.margin
        fr.pl.text(pno, fr.x0, y, line, size, lead=lead)
        y += lead
    return pno, y


def plan_table(pl: Planner, t: dict, spec: dict, style: Style, ctx: dict, head: dict) -> list[int]:
    """Place the table from a fresh page on; returns the pages its rows occupy (continued tables too)."""
    grid = build_grid(t, spec, ctx)
    em = natural_em(grid, pl, style)
    page = page_size(em, style, spec)
    size, widths = fit(em, grid.kinds, page[0] - 2 * style.margin, style)
    fr = Frame(pl, grid, widths, (page[0] - sum(widths)) / 2, size, style, page)
    heights = header_heights(fr)
    pno = pl.new_page(page)
    pages = [pno]
    y = draw_header(fr, pno, title_block(fr, pno, t, spec, head), heights)
    texts = list(spec.get("note") or []) + ([t["empty_statement"]] if t.get("empty_statement") else [])
    lines, _, lead = note_lines(fr, texts)
    tail = min((len(lines) + 0.4) * lead, page[1] / 4)  # the last row stays with the notes under it
    for k, line in enumerate(grid.lines):
        h = max(fr.height_of(c) for c in line.cells)
        if y + h + (tail if k == len(grid.lines) - 1 else 0) > page[1] - style.margin:
            pno = pl.new_page(page)
            pages.append(pno)
            y = continued(fr, pno)
            y = draw_header(fr, pno, y, heights)
        draw_line(fr, pno, line, y, h)
        y += h
    notes(fr, pno, y, texts)
    return pages


def continued(fr: Frame, pno: int) -> float:
    """Top of a continuation page: the variant's 续表 marker (if any) above the repeated header."""
    y = fr.style.margin
    marker = fr.style.continued_marker
    if marker:
        size = max(fr.size, 9.0)
        fr.pl.text(pno, fr.x0, y, marker, size, "bold", "r", fr.width, size * 1.4)
        y += size * 1.6
    return y
