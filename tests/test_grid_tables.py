"""Pure grid and table parsing on synthetic layouts: merged headers, two sides, continuation, 续表."""

from __future__ import annotations

from decimal import Decimal

from extraction.final_accounts import PageTables, assemble, group_lines
from extraction.layout.grid import find_grids
from extraction.layout.model import Segment, Word
from extraction.layout.tables import analyse
from extraction.numbers import read_cell_number

D = Decimal


def ruled(x_edges: list[float], y_edges: list[float], merged: set[tuple[int, int, str]] = frozenset()) -> list[Segment]:
    """Full grid lines, minus the separators named in `merged`: (row, col, 'v'|'h') removes the line to the
    right of (v) or below (h) base cell (row, col)."""
    segs = []
    for r in range(len(y_edges) - 1):
        for c in range(len(x_edges) - 1):
            x0, x1, y0, y1 = x_edges[c], x_edges[c + 1], y_edges[r], y_edges[r + 1]
            if c == 0:
                segs.append(Segment(x0, y0, x0, y1))
            if (r, c, "v") not in merged:
                segs.append(Segment(x1, y0, x1, y1))
            if r == 0:
                segs.append(Segment(x0, y0, x1, y0))
            if (r, c, "h") not in merged:
                segs.append(Segment(x0, y1, x1, y1))
    return segs


def word(text: str, x: float, y: float) -> Word:
    return Word(text, (x, y, x + 6 * len(text), y + 9))


def at(xs: list[float], ys: list[float], r: int, c: int, text: str) -> Word:
    return word(text, xs[c] + 2, ys[r] + 3)


XS = [50, 100, 250, 330, 410]
YS = [100, 115, 130, 145, 160, 175]


def income_page(page: int = 1, title: bool = True) -> PageTables:
    """收入决算表: 科目编码/科目名称/本年收入合计 span both header rows; 事业收入 spans 小计 | 其中：教育收费."""
    xs = [*XS, 470]
    merged = {(0, 0, "h"), (0, 1, "h"), (0, 2, "h"), (0, 3, "v")}
    cells = [
        (0, 0, "科目编码"), (0, 1, "科目名称"), (0, 2, "本年收入合计"), (0, 3, "事业收入"),
        (1, 3, "小计"), (1, 4, "其中：教育收费"),
        (2, 1, "合计"), (2, 2, "1,234.50"), (2, 3, "34.50"),
        (3, 0, "201"), (3, 1, "一般公共服务支出"), (3, 2, "1,200.00"),
        (4, 0, "20101"), (4, 1, "人大事务"), (4, 2, "—"), (4, 3, "34.50"),
    ]
    words = [at(xs, YS, r, c, t) for r, c, t in cells]
    if title:
        words += [word("收入决算表", 200, 60), word("单位：元", 400, 85)]
    grids, rest = find_grids(page, ruled(xs, YS, merged), words)
    return PageTables(page=page, grids=grids, lines=group_lines(page, rest))


def test_merged_header_cells_name_the_columns() -> None:
    pt = income_page()
    assert len(pt.grids) == 1
    layout = analyse(pt.grids[0])
    assert layout.header_rows == 2
    assert [c.role for c in layout.columns] == ["code", "label", "value", "value", "value"]
    assert layout.value_names == ["本年收入合计", "事业收入/小计", "事业收入/其中：教育收费"]


def test_rows_cells_and_sources() -> None:
    (table,) = assemble([income_page()], read_cell_number)
    assert (table.std_name, table.unit, table.pages) == ("收入决算表", "元", [1])
    assert [(r.code, r.label) for r in table.rows] == [(None, "合计"), ("201", "一般公共服务支出"), ("20101", "人大事务")]
    assert table.rows[0].cells == {"本年收入合计": D("1234.50"), "事业收入/小计": D("34.50"), "事业收入/其中：教育收费": None}
    assert table.rows[2].cells["本年收入合计"] is None  # a printed dash is blank, never 0
    src = table.sources["rows[0].cells.本年收入合计"]
    assert src.raw == "1,234.50" and src.page == 1 and src.bbox[0] == XS[2] + 2


def test_untitled_grid_on_next_page_continues_the_table() -> None:
    (table,) = assemble([income_page(1), income_page(2, title=False)], read_cell_number)
    assert table.pages == [1, 2]
    assert len(table.rows) == 6
    assert table.sources["rows[3].cells.本年收入合计"].page == 2


def test_toc_page_yields_no_table() -> None:
    pt = income_page()
    pt.toc = True
    assert assemble([pt], read_cell_number) == []


def test_two_sided_table_rows_get_their_side() -> None:
    xs, ys = [50, 200, 260, 410, 470], [100, 115, 130, 145, 160]
    merged = {(0, 0, "v"), (0, 2, "v")}
    cells = [(0, 0, "收入"), (0, 2, "支出"), (1, 0, "项目"), (1, 1, "决算数"), (1, 2, "项目"), (1, 3, "决算数"),
             (2, 0, "一、财政拨款收入"), (2, 1, "10.00"), (2, 2, "一、一般公共服务支出"), (2, 3, "8.00"),
             (3, 0, "本年收入合计"), (3, 1, "10.00"), (3, 2, "本年支出合计"), (3, 3, "8.00")]
    words = [at(xs, ys, r, c, t) for r, c, t in cells] + [word("收入支出决算总表", 200, 60), word("单位：万元", 400, 85)]
    grids, rest = find_grids(1, ruled(xs, ys, merged), words)
    (table,) = assemble([PageTables(1, grids, group_lines(1, rest))], read_cell_number)
    assert table.std_name == "收入支出决算总表" and table.columns == ["决算数"]
    assert [(r.section, r.label, r.cells["决算数"]) for r in table.rows] == [
        ("收入", "一、财政拨款收入", D("10.00")), ("收入", "本年收入合计", D("10.00")),
        ("支出", "一、一般公共服务支出", D("8.00")), ("支出", "本年支出合计", D("8.00"))]


def test_garbled_number_is_an_issue_not_a_zero() -> None:
    xs, ys = [50, 100, 250, 330], [100, 115, 130]
    words = [at(xs, ys, 0, 0, "科目编码"), at(xs, ys, 0, 1, "科目名称"), at(xs, ys, 0, 2, "合计"),
             at(xs, ys, 1, 0, "201"), at(xs, ys, 1, 1, "一般公共服务支出"), at(xs, ys, 1, 2, "9746 50."),
             word("支出决算表", 200, 60)]
    grids, rest = find_grids(1, ruled(xs, ys), words)
    (table,) = assemble([PageTables(1, grids, group_lines(1, rest))], read_cell_number)
    assert table.rows[0].cells == {"合计": None}
    assert [i.code for i in table.issues] == ["unit_missing", "unreadable_number"]
    assert table.issues[1].path == "rows[0].cells.合计"


def test_empty_table_with_statement() -> None:
    xs, ys = [50, 100, 250, 330], [100, 115, 130]
    words = [at(xs, ys, 0, 0, "科目编码"), at(xs, ys, 0, 1, "科目名称"), at(xs, ys, 0, 2, "本年支出"),
             at(xs, ys, 1, 1, "合计"), word("政府性基金预算财政拨款收入支出决算表", 100, 60), word("单位：万元", 300, 85),
             word("注：本单位无政府性基金预算财政拨款收支，故本表无数据。", 50, 140)]
    grids, rest = find_grids(1, ruled(xs, ys), words)
    (table,) = assemble([PageTables(1, grids, group_lines(1, rest))], read_cell_number)
    assert table.empty and "本表无数据" in (table.empty_statement or "")
    assert table.rows[0].label == "合计" and table.rows[0].cells == {"本年支出": None}


def test_title_repeated_on_next_page_continues_the_table() -> None:
    (table,) = assemble([income_page(1), income_page(2, title=True)], read_cell_number)
    assert table.pages == [1, 2] and len(table.rows) == 6


def test_a_new_title_starts_a_new_table() -> None:
    second = income_page(2, title=False)
    second.lines.append(group_lines(2, [word("支出决算表", 200, 60)])[0])
    tables = assemble([income_page(1), second], read_cell_number)
    assert [t.std_name for t in tables] == ["收入决算表", "支出决算表"]


def test_heading_levels() -> None:
    from extraction.classify import heading_level

    assert heading_level("第三部分 情况说明") == 0 and heading_level("一、收入决算情况说明") == 1
    assert heading_level("（二）部门绩效目标") == 2 and heading_level("(一)一般公共预算") == 2
    assert heading_level("1.前期准备") == 3 and heading_level("（3）收入情况：") == 4  # (n) nests as the document uses it
    assert heading_level("57.37%,主要原因是人员经费增加。") is None  # a number wrapped to the line start
    assert heading_level("1.前期调研。进行调查核实，了解项目实施单位") is None  # a numbered paragraph
