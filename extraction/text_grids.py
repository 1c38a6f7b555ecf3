"""Ruled tables that hold text, not amounts (问题清单, 工作底稿 …) → ReportSection records (pure).

Runs after the forms and final-accounts readers: it sees only the grids neither of them took. A grid is read
when its shape says "text": a title printed above it (centred, ending 清单/底稿/表 …, not a 决算 table title),
few amounts in its cells, and either a label | content layout or a 序号 list whose last column describes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from extraction.classify import classify_title, compact, section_type
from extraction.final_accounts import PageTables, TextRow
from extraction.layout.grid import Cell, Grid
from extraction.layout.model import BBox, union
from extraction.narrative_sections import Zone
from extraction.numbers import read_cell_number
from extraction.records import ReportSection, Source

_TITLE_END = re.compile(r"(清单|底稿|表|明细|台账|一览)$")
_ATTACHMENT = re.compile(r"^附[件表]\s*[\d\-—]*\s*[:：]?$")  # 附件3： / 附件 5: a label, left out of the path
_KEY_VALUE = re.compile(r"^[^:：]{2,12}[:：]\S")  # 项目名称：… printed between the title and the grid
_STOPS = tuple("。；;，,：:、")
_SERIAL = ("序号", "编号")
MAX_AMOUNT_SHARE = 0.2  # more amounts than this and the grid is a table of figures, not text


@dataclass(slots=True)
class _Open:
    """The text grid being read: an untitled grid at the top of the next page with the same columns goes on."""

    path: list[str]
    serial: int | None  # 序号 column of a list; None for label | content
    xs: list[float]
    page: int
    last: ReportSection | None = None
    category: str = ""
    seen: set[int] = field(default_factory=set)  # ids of merged cells already read

    def same_columns(self, grid: Grid) -> bool:
        return len(self.xs) == len(grid.xs) and all(abs(a - b) <= 3 for a, b in zip(self.xs, grid.xs, strict=True))


def read_text_grids(pages: list[PageTables]) -> tuple[list[ReportSection], list[tuple[int, float]]]:
    """Sections of every unclaimed text grid, and where each title block starts (the narrative before it ends
    there: a report's last section must not swallow the next attachment's title)."""
    out: list[ReportSection] = []
    starts: list[tuple[int, float]] = []
    cur: _Open | None = None
    for pt in pages:
        for gi, grid in enumerate(pt.grids):
            if pt.toc or any(grid is t for t in pt.table_grids + pt.form_grids):  # another reader's grid
                cur = None
                continue
            block = _title_block(_above(pt, grid), grid)
            if block is not None:
                cur = _opening(grid, block, out, starts)
            elif not (cur and gi == 0 and pt.page == cur.page + 1 and cur.same_columns(grid)):
                cur = None
            if cur is not None:
                _read_rows(grid, cur, out)
                cur.page = grid.page
    return out, starts


def clip_zones(zones: list[Zone], starts: list[tuple[int, float]]) -> list[Zone]:
    """A narrative zone ends where a text grid's title block (附件 label included) begins."""
    for z in zones:
        z.end = min([z.end, *(s for s in starts if z.start < s)])
    return zones


@dataclass(slots=True)
class _Block:
    titles: list[list[TextRow]]  # headings, outermost first; a title wrapped over two lines is one heading
    lead: list[TextRow]  # key: value lines between the title and the grid (text of the innermost heading)
    start: tuple[int, float]


def _above(pt: PageTables, grid: Grid) -> list[TextRow]:
    """Lines between the grid and the nearest grid (of any reader) or page top above it."""
    tops = [g.bbox[3] for g in pt.grids + pt.form_grids if g.bbox[3] <= grid.bbox[1] + 1 and g is not grid]
    lo = max(tops, default=float("-inf"))
    return [ln for ln in pt.lines if lo - 1 <= ln.bbox[1] and ln.bbox[3] <= grid.bbox[1] + 1]


def _title_block(lines: list[TextRow], grid: Grid) -> _Block | None:
    """Walk up from the grid: key: value lines, then centred title lines, then an optional 附件 label."""
    rows = lines[::-1]
    lead: list[TextRow] = []
    while rows and len(lead) < 4 and _KEY_VALUE.match(compact(rows[0].text)):
        lead.insert(0, rows.pop(0))
    titles: list[list[TextRow]] = []
    while rows and not _ATTACHMENT.match(compact(rows[0].text)) and _title_like(rows[0], grid):
        ln = rows.pop(0)
        if titles and _wraps(ln, titles[0][0], grid):
            titles[0].insert(0, ln)
        else:
            titles.insert(0, [ln])
    inner = compact("".join(ln.text for ln in titles[-1])) if 0 < len(titles) <= 3 else ""
    if not _TITLE_END.search(inner) or classify_title(inner) is not None:
        return None
    first = rows[0] if rows and _ATTACHMENT.match(compact(rows[0].text)) else titles[0][0]
    return _Block(titles, lead, (first.page, first.bbox[1]))


def _title_like(ln: TextRow, grid: Grid) -> bool:
    """Centred over the grid, short, no sentence end: running text above a grid is not its title."""
    t, width = compact(ln.text), grid.bbox[2] - grid.bbox[0]
    centre = (ln.bbox[0] + ln.bbox[2]) / 2 - (grid.bbox[0] + grid.bbox[2]) / 2
    return 2 <= len(t) <= 40 and not t.endswith(_STOPS) and abs(centre) <= 0.1 * width


def _wraps(upper: TextRow, lower: TextRow, grid: Grid) -> bool:
    """A title that filled its line goes on below in the same size: one heading, not two."""
    same_size = abs((upper.bbox[3] - upper.bbox[1]) - (lower.bbox[3] - lower.bbox[1])) <= 2
    return same_size and upper.bbox[2] - upper.bbox[0] >= 0.75 * (grid.bbox[2] - grid.bbox[0])


def _opening(grid: Grid, block: _Block, out: list[ReportSection], starts: list[tuple[int, float]]) -> _Open | None:
    """A titled grid of a text shape opens a text grid; its key: value lines are the title's own section."""
    serial = _serial_column(grid)
    if serial is None and not _labelled(grid) or not _text_heavy(grid, serial):
        return None
    path = [compact("".join(ln.text for ln in t)) for t in block.titles]
    starts.append(block.start)
    if block.lead:
        text = compact("".join(ln.text for ln in block.lead))
        rs = ReportSection(heading_path=path, section_type=_kind(path), text=text, pages=[grid.page])
        rs.sources["heading_path"] = _src(grid.page, [ln.bbox for ln in block.titles[-1]], block.titles[-1][0].text)
        rs.sources["text"] = _src(grid.page, [ln.bbox for ln in block.lead], block.lead[0].text)
        out.append(rs)
    return _Open(path=path, serial=serial, xs=grid.xs, page=grid.page)


def _serial_column(grid: Grid) -> int | None:
    """A list: 序号 printed in the header row, at least one column after it (the description)."""
    head = [compact(c.text) if c else "" for c in grid.matrix()[0]]
    col = next((i for i, h in enumerate(head) if h in _SERIAL), None)
    return col if col is not None and col < grid.n_cols - 1 and grid.n_rows >= 2 else None


def _labelled(grid: Grid) -> bool:
    """Label | content: two columns, short labels on the left, longer text on the right."""
    labels = [c.compact for c in grid.cells if c.c0 == 0 and c.c1 == 1]
    contents = "".join(c.compact for c in grid.cells if c.c0 == 1)
    short = bool(labels) and max(map(len, labels)) <= 12
    return grid.n_cols == 2 and short and len(contents) > len("".join(labels))


def _text_heavy(grid: Grid, serial: int | None) -> bool:
    """Few amounts (序号 aside): a grid of figures that no table reader took is not text either."""
    texts = [c.compact for c in grid.cells if c.compact and c.c0 != serial]
    return bool(texts) and sum(read_cell_number(t)[0] is not None for t in texts) <= MAX_AMOUNT_SHARE * len(texts)


def _read_rows(grid: Grid, cur: _Open, out: list[ReportSection]) -> None:
    """One section per label (label | content) or per 序号 (list); a row without one continues the last."""
    m = grid.matrix()
    key_col = cur.serial if cur.serial is not None else 0
    head = m[0][key_col]
    for r in range(int(cur.serial is not None and head is not None and head.compact in _SERIAL), grid.n_rows):
        key, text = m[r][key_col], m[r][grid.n_cols - 1]
        if key is None or text is None or key is text:
            continue  # a row across the whole grid (备注：…) is not an entry
        if id(key) not in cur.seen and key.compact:
            cur.seen.add(id(key))
            if key_col > 0:  # the column before 序号 (merged over its rows) names the entry's category
                cat = m[r][0]
                cur.category = cat.compact if cat is not None and cat.compact else cur.category
            path = cur.path + ([cur.category] if key_col > 0 else []) + [key.compact]
            cur.last = ReportSection(heading_path=path, section_type=_kind(path), text="", pages=[grid.page])
            cur.last.sources["heading_path"] = _src(grid.page, [key.words_bbox or key.bbox], key.text)
            out.append(cur.last)
        if cur.last is not None and id(text) not in cur.seen and text.compact:
            cur.seen.add(id(text))
            _add_text(cur.last, grid.page, text)


def _add_text(rs: ReportSection, page: int, cell: Cell) -> None:
    """The text source covers the section's cells on the page where its text starts."""
    rs.text += cell.compact
    rs.pages += [] if page in rs.pages else [page]
    old = rs.sources.get("text")
    if old is None or old.page == page:
        boxes = [cell.words_bbox or cell.bbox, *([old.bbox] if old else [])]
        rs.sources["text"] = _src(page, boxes, old.raw if old else cell.text)


def _kind(path: list[str]) -> str | None:
    """问题清单 entries are typed as such; otherwise the narrative's section type of the nearest heading."""
    listed = any(p.endswith("问题清单") for p in path)
    return "问题清单" if listed else next((t for t in map(section_type, reversed(path)) if t), None)


def _src(page: int, boxes: list[BBox], raw: str) -> Source:
    x0, y0, x1, y1 = union(boxes)
    return Source(page=page, bbox=(round(x0, 2), round(y0, 2), round(x1, 2), round(y1, 2)), raw=raw)
