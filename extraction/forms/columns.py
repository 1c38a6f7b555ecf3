"""Column maps: which printed header sits over which x-range, and the cell of a row under each header."""

from __future__ import annotations

from dataclasses import dataclass

from extraction.forms.rows import FormCell, FormRow


@dataclass(slots=True)
class Column:
    field: str
    x0: float
    x1: float


def header_columns(rows: list[FormRow], names: list[tuple[str, str]]) -> list[Column]:
    """Columns named by header cells in `rows` (one or two header rows); the lowest matching cell wins, so
    年初预算数 over 目标申报数 | 预算编制数 yields the two sub-columns. `names` maps header text keys to fields,
    most specific first."""
    cols: list[Column] = []
    for row in reversed(rows):
        for cell in row.cells:
            field = _field(cell.text, names)
            if field is None or any(c.x0 < cell.x1 - 1 and cell.x0 < c.x1 - 1 for c in cols):
                continue
            cols.append(Column(field, cell.x0, cell.x1))
    return sorted(cols, key=lambda c: c.x0)


def _field(text: str, names: list[tuple[str, str]]) -> str | None:
    for key, field in names:
        if key in text:
            return field
    return None


def cell_under(row: FormRow, col: Column) -> FormCell | None:
    """The row's cell that overlaps the column most (at least half of the narrower of the two)."""
    best, best_ov = None, 0.0
    for c in row.cells:
        ov = c.overlap(col.x0, col.x1)
        if ov > best_ov:
            best, best_ov = c, ov
    if best is None or best_ov < 0.5 * min(best.x1 - best.x0, col.x1 - col.x0):
        return None
    return best


def cells_left_of(row: FormRow, x: float) -> list[FormCell]:
    return [c for c in row.cells if c.x1 <= x + 1]
