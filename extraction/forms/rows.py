"""Grids as a stream of printed rows, each a list of cells with their x-range: the form parsers read rows
by their labels and find values by the column header above them, so they do not depend on one renderer's
column positions."""

from __future__ import annotations

from dataclasses import dataclass

from extraction.classify import compact
from extraction.layout.grid import Cell, Grid
from extraction.layout.model import BBox
from extraction.records import Source


@dataclass(slots=True)
class FormCell:
    cell: Cell
    page: int
    continued: bool  # merged down from a row above

    @property
    def text(self) -> str:
        return compact(self.cell.text)

    @property
    def x0(self) -> float:
        return self.cell.bbox[0]

    @property
    def x1(self) -> float:
        return self.cell.bbox[2]

    def overlap(self, x0: float, x1: float) -> float:
        return max(0.0, min(self.x1, x1) - max(self.x0, x0))

    def source(self) -> Source | None:
        box: BBox | None = self.cell.words_bbox
        if box is None:
            return None
        return Source(page=self.page, bbox=tuple(round(v, 2) for v in box), raw=self.cell.text)  # type: ignore[arg-type]


@dataclass(slots=True)
class FormRow:
    page: int
    cells: list[FormCell]

    @property
    def texts(self) -> list[str]:
        return [c.text for c in self.cells]

    @property
    def joined(self) -> str:
        return "".join(c.text for c in self.cells if not c.continued)

    def first(self, *keys: str) -> int | None:
        """Index of the first own cell whose text contains one of the keys."""
        for i, c in enumerate(self.cells):
            if not c.continued and any(k in c.text for k in keys):
                return i
        return None

    def after(self, i: int) -> FormCell | None:
        return self.cells[i + 1] if i + 1 < len(self.cells) else None


def grid_rows(grid: Grid) -> list[FormRow]:
    """Each base row of the grid with its distinct cells left to right."""
    out: list[FormRow] = []
    m = grid.matrix()
    for r, row in enumerate(m):
        cells: list[FormCell] = []
        seen: set[int] = set()
        for cell in row:
            if cell is None or id(cell) in seen:
                continue
            seen.add(id(cell))
            cells.append(FormCell(cell=cell, page=grid.page, continued=cell.r0 < r))
        if any(c.text for c in cells if not c.continued):
            out.append(FormRow(page=grid.page, cells=cells))
    return out


FORM_MARKERS = ("项目名称", "部门名称", "一级指标", "绩效指标", "项目资金", "部门预算资金", "选项内容")


def is_form_grid(grid: Grid) -> bool:
    """A self-evaluation form or scoring table, not a final-accounts table."""
    texts = {compact(c.text) for c in grid.cells}
    return any(any(k in t for k in FORM_MARKERS) for t in texts)
