"""Turn a gold `FinalAccountsTable` (as a dict) plus its layout spec into a drawable grid.

The gold `columns` are header paths joined by "/": shared prefixes become merged parent cells.
What the gold leaves out (the 收入/支出 side header, a top header spanning all value columns,
the label/code/行次 columns, the 栏次 row) comes from the table's entry in spec.yaml, per table family:

- `coded`: 项目 over (科目编码 | 科目名称), value columns, a 栏次 row (公开02/03/05 …)
- `two_sided`: 收入 | 支出 halves, each 项目 | 行次 | values (公开01/04)
- `items`: 项目 | 行次 | values (三公 tables, 统计表)
- `blocks`: side-by-side 科目编码 | 科目名称 | 金额 blocks (基本支出/项目支出 by economic class)
- `flat`: value columns only (山西 三公 table)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from eval.render_layout import fmt_amount

CENTERED = {"合计", "总计", "本年收入合计", "本年支出合计", "人员经费合计", "公用经费合计", "栏次"}
DASH = "—"


@dataclass
class Cell:
    col: int
    text: str
    span: int = 1
    row: int = 0  # header row index (header cells only)
    rowspan: int = 1
    align: str = "c"


@dataclass
class Line:
    cells: list[Cell]
    rows: list[int] = field(default_factory=list)  # gold row indices drawn on this line


@dataclass
class Grid:
    kinds: list[str]  # per column: code | label | no | value
    header: list[Cell]
    n_header: int
    lines: list[Line]
    values: list[list[str]]  # per column: the strings it must fit (numbers never wrap)


def expand(spec) -> list[int | None]:
    """[1-8, 27, "29-30", null] -> [1..8, 27, 29, 30, None]: compact number lists in spec.yaml."""
    out: list[int | None] = []
    for item in spec:
        if item is None:
            out.append(None)
            continue
        a, _, b = str(item).partition("-")
        out += list(range(int(a), int(b or a) + 1))
    return out


def value_header(paths: list[list[str]], col0: int, row0: int, depth: int) -> list[Cell]:
    """Merged header cells: a shared prefix is one cell over its leaves; a short path spans down."""
    cells: list[Cell] = []

    def walk(start: int, end: int, level: int) -> None:
        i = start
        while i < end:
            p = paths[i]
            if len(p) == level + 1:
                cells.append(Cell(col0 + i, p[level], row=row0 + level, rowspan=depth - level))
                i += 1
                continue
            j = i
            while j < end and len(paths[j]) > level + 1 and paths[j][level] == p[level]:
                j += 1
            cells.append(Cell(col0 + i, p[level], span=j - i, row=row0 + level))
            walk(i, j, level + 1)
            i = j

    walk(0, len(paths), 0)
    return cells


def col_numbers(col0: int, n: int, row: int, first: int = 1) -> list[Cell]:
    return [Cell(col0 + i, str(first + i), row=row) for i in range(n)]


def value_cells(
    row: dict, cols: list[str], col0: int, ctx: dict, dashes: frozenset[int] | set[int] = frozenset()
) -> list[Cell]:
    cells = []
    for i, name in enumerate(cols):
        v = row["cells"].get(name)
        text = DASH if v is None and i in dashes else fmt_amount(v, ctx["thousands"])
        cells.append(Cell(col0 + i, text, align="c" if text == DASH else "r"))
    return cells


def label_cell(col: int, label: str, span: int = 1) -> Cell:
    return Cell(col, label, span=span, align="c" if label in CENTERED else "l")


def _paths(cols: list[str], top: str | None) -> list[list[str]]:
    return [([top] if top else []) + c.split("/") for c in cols]


def _strings(grid_cols: int, lines: list[Line]) -> list[list[str]]:
    out: list[list[str]] = [[] for _ in range(grid_cols)]
    for line in lines:
        for c in line.cells:
            if c.span == 1:
                out[c.col].append(c.text)
    return out


def build_coded(t: dict, spec: dict, ctx: dict) -> Grid:
    """项目(科目编码 | 科目名称) | values, with 类|款|项 (or one 科目代码 column) and a 栏次 row."""
    ncode = ctx["code_cols"]
    split = ncode == 3 and ctx["split_codes"]
    paths = _paths(t["columns"], spec.get("top"))
    depth = max(2, max(len(p) for p in paths))
    v0 = ncode + 1
    header = [
        Cell(0, "项目", span=v0),
        Cell(0, spec.get("code_header", ctx["code_header"]), span=ncode, row=1, rowspan=depth - 1),
        Cell(ncode, "科目名称", row=1, rowspan=depth - 1),
    ]
    header += value_header(paths, v0, 0, depth)
    last = [Cell(i, x, row=depth) for i, x in enumerate("类款项")] if ncode == 3 else [Cell(0, "", row=depth)]
    header += last + [Cell(ncode, "栏次", row=depth)] + col_numbers(v0, len(paths), depth)
    lines = []
    for i, row in enumerate(t["rows"]):
        code = row["code"] or ""
        if split:
            parts = [code[:3], code[3:5], code[5:]]
            cells = [Cell(k, parts[k], align="l") for k in range(3)]
        else:
            cells = [Cell(0, code, span=ncode, align="l")]
        cells += [label_cell(ncode, row["label"])] + value_cells(row, t["columns"], v0, ctx)
        lines.append(Line(cells, [i]))
    kinds = ["code"] * ncode + ["label"] + ["value"] * len(paths)
    return Grid(kinds, header, depth + 1, lines, _strings(len(kinds), lines))


def _side_cols(t: dict, section: str) -> list[str]:
    first = next(r for r in t["rows"] if r["section"] == section)
    return [c for c in t["columns"] if c in first["cells"]]


def build_two_sided(t: dict, spec: dict, ctx: dict) -> Grid:
    """收入 | 支出 halves side by side; rows pair up by printed line, 行次 numbered down each side."""
    sides = ["收入", "支出"]
    cols = {s: _side_cols(t, s) for s in sides}
    depth = max(len(p) for s in sides for p in _paths(cols[s], None))
    header: list[Cell] = []
    lines_cells: dict[int, list[Cell]] = {n: [] for n in range(1, spec["lines"] + 1)}
    refs: dict[int, list[int]] = {n: [] for n in lines_cells}
    c0 = 0
    for k, side in enumerate(sides):
        n = len(cols[side])
        header += [
            Cell(c0, side, span=n + 2),
            Cell(c0, spec["label_headers"][k], row=1, rowspan=depth),
            Cell(c0 + 1, "行次", row=1, rowspan=depth),
        ]
        header += value_header(_paths(cols[side], None), c0 + 2, 1, depth)
        header += [Cell(c0, "栏次", row=depth + 1), Cell(c0 + 1, "", row=depth + 1)]
        header += col_numbers(c0 + 2, n, depth + 1, 1 + (len(cols["收入"]) if k else 0))
        rows = [i for i, r in enumerate(t["rows"]) if r["section"] == side]
        at = dict(zip(expand(spec["rows_at"][side]), rows, strict=True))
        for ln in lines_cells:
            i = at.get(ln)
            row: dict = t["rows"][i] if i is not None else {"label": "", "cells": {}}
            lines_cells[ln] += [label_cell(c0, row["label"]), Cell(c0 + 1, str(spec["first_no"][k] + ln - 1))]
            lines_cells[ln] += value_cells(row, cols[side], c0 + 2, ctx)
            refs[ln] += [i] if i is not None else []
        c0 += n + 2
    lines = [Line(lines_cells[n], refs[n]) for n in lines_cells]
    kinds = [k for s in sides for k in ["label", "no"] + ["value"] * len(cols[s])]
    return Grid(kinds, header, depth + 2, lines, _strings(len(kinds), lines))


def build_items(t: dict, spec: dict, ctx: dict) -> Grid:
    """项目 | 行次 | values; `numbers` gives each row's 行次 (null: none), `dash` the cells printed —."""
    paths = _paths(t["columns"], spec.get("top"))
    depth = max(len(p) for p in paths)
    header = [Cell(0, "项目", rowspan=depth), Cell(1, "行次", rowspan=depth)] + value_header(paths, 2, 0, depth)
    if spec.get("col_nums", True):
        header += [Cell(0, "栏次", row=depth), Cell(1, "", row=depth)] + col_numbers(2, len(paths), depth)
    numbers = expand(spec.get("numbers") or [f"1-{len(t['rows'])}"])
    dashes: dict[int, set[int]] = {}
    for first, last, cols in spec.get("dash", []):
        for r in range(first, last + 1):
            dashes[r - 1] = set(cols)
    lines = []
    for i, row in enumerate(t["rows"]):
        no = "" if numbers[i] is None else str(numbers[i])
        cells = [label_cell(0, row["label"]), Cell(1, no)] + value_cells(
            row, t["columns"], 2, ctx, dashes.get(i, set())
        )
        lines.append(Line(cells, [i]))
    kinds = ["label", "no"] + ["value"] * len(paths)
    n_header = depth + (1 if spec.get("col_nums", True) else 0)
    return Grid(kinds, header, n_header, lines, _strings(len(kinds), lines))


def build_flat(t: dict, spec: dict, ctx: dict) -> Grid:
    """Value columns only: merged headers, a 栏次 row of column numbers, the value rows."""
    paths = _paths(t["columns"], spec.get("top"))
    depth = max(len(p) for p in paths)
    header = value_header(paths, 0, 0, depth) + col_numbers(0, len(paths), depth)
    lines = [Line(value_cells(row, t["columns"], 0, ctx), [i]) for i, row in enumerate(t["rows"])]
    kinds = ["value"] * len(paths)
    return Grid(kinds, header, depth + 1, lines, _strings(len(kinds), lines))


def _block_header(spec: dict, block_cols: list[str], ctx: dict) -> list[Cell]:
    groups = [c.split("/")[0] if "/" in c else spec.get("top", "") for c in block_cols]
    header, k = [], 0
    while k < len(groups):
        j = k
        while j < len(groups) and groups[j] == groups[k]:
            j += 1
        header.append(Cell(3 * k, groups[k], span=3 * (j - k)))
        k = j
    for k, col in enumerate(block_cols):
        header += [
            Cell(3 * k, spec.get("code_header", "科目编码"), row=1),
            Cell(3 * k + 1, "科目名称", row=1),
            Cell(3 * k + 2, col.split("/")[-1], row=1),
        ]
    return header


def build_blocks(t: dict, spec: dict, ctx: dict) -> Grid:
    """Blocks of 科目编码 | 科目名称 | 金额 side by side; `totals` rows share one closing line."""
    sizes = spec["block_rows"]
    nb = len(sizes)
    starts = [sum(sizes[:k]) for k in range(nb)]
    block_cols = [next(iter(t["rows"][s]["cells"])) for s in starts]
    lines = []
    for ln in range(max(sizes)):
        cells, refs = [], []
        for k in range(nb):
            if ln < sizes[k]:
                i = starts[k] + ln
                row = t["rows"][i]
                cells += [Cell(3 * k, row["code"] or "", align="l"), label_cell(3 * k + 1, row["label"])]
                cells += value_cells(row, [block_cols[k]], 3 * k + 2, ctx)
                refs.append(i)
            else:
                cells += [Cell(3 * k + j, "") for j in range(3)]
        lines.append(Line(cells, refs))
    if spec.get("totals"):
        lines.append(_totals_line(t, spec, block_cols, ctx, sum(sizes)))
    kinds = ["code", "label", "value"] * nb
    return Grid(kinds, _block_header(spec, block_cols, ctx), 2, lines, _strings(len(kinds), lines))


def _totals_line(t: dict, spec: dict, block_cols: list[str], ctx: dict, first: int) -> Line:
    cells, refs, col = [], [], 0
    for j, (b0, b1) in enumerate(spec["totals"]):
        i = first + j
        row = t["rows"][i]
        cells += [Cell(c, "") for c in range(col, 3 * b0)]
        cells.append(label_cell(3 * b0, row["label"], span=3 * (b1 - b0) + 2))
        cells += value_cells(row, [block_cols[b1]], 3 * b1 + 2, ctx)
        refs.append(i)
        col = 3 * b1 + 3
    cells += [Cell(c, "") for c in range(col, 3 * len(block_cols))]
    return Line(cells, refs)


BUILDERS = {
    "coded": build_coded,
    "two_sided": build_two_sided,
    "items": build_items,
    "flat": build_flat,
    "blocks": build_blocks,
}


def build_grid(t: dict, spec: dict, ctx: dict) -> Grid:
    return BUILDERS[spec["family"]](t, spec, ctx)
