"""Grid reconstruction from ruling lines and word positions (pure).

Why not `Table.extract()`: it has been seen to move decimal points in real disclosures; here the grid comes
from the ruling lines and every cell's text from the words whose centre lies inside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from extraction.layout.model import BBox, Segment, Word

SNAP = 1.6  # points: lines closer than this are the same line
GAP = 2.5  # points: collinear pieces closer than this are one line
COVER = 0.5  # a separator must cover this share of a cell edge to separate


@dataclass(slots=True)
class Line:
    pos: float  # y for horizontal, x for vertical
    lo: float
    hi: float


@dataclass(slots=True)
class Cell:
    r0: int
    c0: int
    r1: int  # exclusive
    c1: int  # exclusive
    bbox: BBox
    words: list[Word] = field(default_factory=list)
    _text: str | None = None

    @property
    def text(self) -> str:
        """Words in reading order: lines top to bottom, words left to right, a space between words."""
        if self._text is None:
            self._text = " ".join(" ".join(w.text for w in line) for line in self.lines())
        return self._text

    @property
    def compact(self) -> str:
        return "".join(self.text.split())

    def lines(self) -> list[list[Word]]:
        """Printed lines as PyMuPDF assembled them (block, line): a comma set lower than the characters around
        it stays on its own line, which grouping by y alone gets wrong."""
        groups: dict[tuple[int, int], list[Word]] = {}
        for w in self.words:
            groups.setdefault((w.block, w.line), []).append(w)
        lines = sorted(groups.values(), key=lambda ws: (min(w.bbox[1] for w in ws), min(w.bbox[0] for w in ws)))
        merged: list[list[Word]] = []
        for ws in lines:  # two PyMuPDF lines on one baseline (a gap in the text) read as one
            if merged and abs(_cy(merged[-1]) - _cy(ws)) < 0.3 * (ws[0].bbox[3] - ws[0].bbox[1]):
                merged[-1].extend(ws)
            else:
                merged.append(list(ws))
        return [sorted(ws, key=lambda w: w.bbox[0]) for ws in merged]

    @property
    def words_bbox(self) -> BBox | None:
        if not self.words:
            return None
        return (
            min(w.bbox[0] for w in self.words),
            min(w.bbox[1] for w in self.words),
            max(w.bbox[2] for w in self.words),
            max(w.bbox[3] for w in self.words),
        )


def _cy(ws: list[Word]) -> float:
    return sum(w.cy for w in ws) / len(ws)


@dataclass(slots=True)
class Grid:
    page: int
    xs: list[float]
    ys: list[float]
    cells: list[Cell]
    _matrix: list[list[Cell | None]] | None = None
    analysis: object | None = None  # TableLayout, set once by tables.analyse (grid.py stays import-free of it)

    @property
    def bbox(self) -> BBox:
        return (self.xs[0], self.ys[0], self.xs[-1], self.ys[-1])

    @property
    def n_rows(self) -> int:
        return len(self.ys) - 1

    @property
    def n_cols(self) -> int:
        return len(self.xs) - 1

    def cell_at(self, r: int, c: int) -> Cell | None:
        for cell in self.cells:
            if cell.r0 <= r < cell.r1 and cell.c0 <= c < cell.c1:
                return cell
        return None

    def matrix(self) -> list[list[Cell | None]]:
        """Row-major view where a merged cell appears in every base position it covers (built once)."""
        if self._matrix is None:
            m: list[list[Cell | None]] = [[None] * self.n_cols for _ in range(self.n_rows)]
            for cell in self.cells:
                for r in range(cell.r0, cell.r1):
                    for c in range(cell.c0, cell.c1):
                        m[r][c] = cell
            self._matrix = m
        return self._matrix


def _merge(lines: list[Line]) -> list[Line]:
    """Snap lines to common positions and join collinear pieces."""
    out: list[Line] = []
    for ln in sorted(lines, key=lambda ln: (ln.pos, ln.lo)):
        for o in reversed(out[-12:]):
            if abs(o.pos - ln.pos) <= SNAP and ln.lo <= o.hi + GAP and ln.hi >= o.lo - GAP:
                o.lo, o.hi = min(o.lo, ln.lo), max(o.hi, ln.hi)
                break
        else:
            out.append(Line(ln.pos, ln.lo, ln.hi))
    return _snap_positions(out)


def _snap_positions(lines: list[Line]) -> list[Line]:
    lines.sort(key=lambda ln: ln.pos)
    anchor = None
    for ln in lines:
        if anchor is not None and ln.pos - anchor <= SNAP:
            ln.pos = anchor
        else:
            anchor = ln.pos
    return lines


def split_lines(segments: list[Segment]) -> tuple[list[Line], list[Line]]:
    hs = [Line((s.y0 + s.y1) / 2, s.x0, s.x1) for s in segments if s.horizontal and s.x1 - s.x0 > 3]
    vs = [Line((s.x0 + s.x1) / 2, s.y0, s.y1) for s in segments if not s.horizontal and s.y1 - s.y0 > 3]
    return _merge(hs), _merge(vs)


def _components(hs: list[Line], vs: list[Line]) -> list[tuple[list[Line], list[Line]]]:
    """Groups of lines that touch each other: each group is one table region."""
    parent = list(range(len(hs) + len(vs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, h in enumerate(hs):
        for j, v in enumerate(vs):
            if v.lo - GAP <= h.pos <= v.hi + GAP and h.lo - GAP <= v.pos <= h.hi + GAP:
                parent[find(i)] = find(len(hs) + j)
    groups: dict[int, tuple[list[Line], list[Line]]] = {}
    for i, h in enumerate(hs):
        groups.setdefault(find(i), ([], []))[0].append(h)
    for j, v in enumerate(vs):
        groups.setdefault(find(len(hs) + j), ([], []))[1].append(v)
    return [g for g in groups.values() if len(g[0]) >= 2 and len(g[1]) >= 2]


def _positions(lines: list[Line]) -> list[float]:
    pos: list[float] = []
    for p in sorted(ln.pos for ln in lines):
        if not pos or p - pos[-1] > SNAP:
            pos.append(p)
    return pos


def _by_position(lines: list[Line], positions: list[float]) -> list[list[Line]]:
    """The lines lying on each grid position: the separator test then looks at a handful, not all."""
    return [[ln for ln in lines if abs(ln.pos - p) <= SNAP] for p in positions]


def _covered(lines: list[Line], lo: float, hi: float) -> bool:
    got = 0.0
    for ln in lines:
        if ln.hi > lo and ln.lo < hi:
            got += min(ln.hi, hi) - max(ln.lo, lo)
    return got >= (hi - lo) * COVER


def build_grid(page: int, hs: list[Line], vs: list[Line]) -> Grid | None:
    """Base cells from line positions, merged where the separating line is missing."""
    ys, xs = _positions(hs), _positions(vs)
    if len(ys) < 2 or len(xs) < 2:
        return None
    nr, nc = len(ys) - 1, len(xs) - 1
    parent = list(range(nr * nc))
    vat, hat = _by_position(vs, xs), _by_position(hs, ys)

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for r in range(nr):
        for c in range(nc):
            if c + 1 < nc and not _covered(vat[c + 1], ys[r], ys[r + 1]):
                parent[find(r * nc + c)] = find(r * nc + c + 1)
            if r + 1 < nr and not _covered(hat[r + 1], xs[c], xs[c + 1]):
                parent[find(r * nc + c)] = find((r + 1) * nc + c)
    spans: dict[int, list[int]] = {}
    for i in range(nr * nc):
        root = find(i)
        r, c = divmod(i, nc)
        s = spans.setdefault(root, [r, c, r, c])
        s[0], s[1], s[2], s[3] = min(s[0], r), min(s[1], c), max(s[2], r), max(s[3], c)
    cells = [
        Cell(r0, c0, r1 + 1, c1 + 1, (xs[c0], ys[r0], xs[c1 + 1], ys[r1 + 1]))
        for r0, c0, r1, c1 in sorted(spans.values())
    ]
    return Grid(page=page, xs=xs, ys=ys, cells=cells)


def assign_words(grid: Grid, words: list[Word]) -> list[Word]:
    """Put each word in the cell holding its centre; return the words outside the grid."""
    outside: list[Word] = []
    x0, y0, x1, y1 = grid.bbox
    m = grid.matrix()
    for w in words:
        cx, cy = w.cx, w.cy
        if not (x0 <= cx <= x1 and y0 <= cy <= y1):
            outside.append(w)
            continue
        c = _index(grid.xs, cx)
        r = _index(grid.ys, cy)
        cell = m[r][c]
        if cell is not None:
            cell.words.append(w)
            cell._text = None
    return outside


def _index(edges: list[float], v: float) -> int:
    for i in range(len(edges) - 1):
        if v <= edges[i + 1]:
            return i
    return len(edges) - 2


def find_grids(page: int, segments: list[Segment], words: list[Word]) -> tuple[list[Grid], list[Word]]:
    """All ruled tables on a page, top to bottom, with their words; plus the words outside any table."""
    hs, vs = split_lines(segments)
    grids: list[Grid] = []
    for gh, gv in _components(hs, vs):
        g = build_grid(page, gh, gv)
        if g is not None and g.n_rows >= 1 and g.n_cols >= 2:
            grids.append(g)
    grids.sort(key=lambda g: (g.ys[0], g.xs[0]))
    rest = words
    for g in grids:
        rest = assign_words(g, rest)
    return grids, rest


def crossing_words(grids: list[Grid]) -> dict[Word, list[float]]:
    """Words that straddle a vertical ruling line of their grid, with the x of each line they cross.

    PyMuPDF joins glyphs with no space between them into one word even across a cell border (a long header
    that fills its cell and touches the next one); such a word must be cut at the border."""
    out: dict[Word, list[float]] = {}
    for g in grids:
        for cell in g.cells:
            for w in cell.words:
                cuts = [x for x in g.xs[1:-1] if w.bbox[0] + 1.0 < x < w.bbox[2] - 1.0 and _has_vline(g, x, w.cy)]
                if cuts:
                    out[w] = cuts
    return out


def _has_vline(g: Grid, x: float, y: float) -> bool:
    """Is there a cell border at x on the row holding y (i.e. two different cells meet there)?"""
    if not (g.ys[0] <= y <= g.ys[-1]):
        return False
    r = _index(g.ys, y)
    c = _index(g.xs, x - 0.01)
    m = g.matrix()
    return c + 1 < g.n_cols and m[r][c] is not m[r][c + 1]
