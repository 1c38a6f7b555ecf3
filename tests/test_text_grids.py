"""Text grids (问题清单, 工作底稿 …) read as report sections: synthetic layouts, then the rendered seed fixtures."""

from __future__ import annotations

from extraction.final_accounts import PageTables, assemble, group_lines
from extraction.layout.grid import find_grids
from extraction.layout.model import Segment, Word
from extraction.narrative_sections import Zone
from extraction.numbers import read_cell_number
from extraction.pipeline import extract_file
from extraction.records import ReportSection
from extraction.text_grids import clip_zones, read_text_grids


def ruled(xs: list[float], ys: list[float], merged: set[tuple[int, int]] = frozenset()) -> list[Segment]:
    """Every ruling line except the one below base cell (row, col) for each (row, col) in `merged`."""
    segs = [Segment(x, ys[0], x, ys[-1]) for x in xs]
    segs += [Segment(xs[c], y, xs[c + 1], y) for r, y in enumerate(ys) for c in range(len(xs) - 1)
             if (r - 1, c) not in merged]
    return segs


def word(text: str, x: float, y: float, size: float = 9) -> Word:
    return Word(text, (x, y, x + 6 * len(text), y + size))


def centred(text: str, y: float, size: float = 9, mid: float = 250) -> Word:
    return word(text, mid - 3 * len(text), y, size)


def page(n: int, xs: list[float], ys: list[float], cells: list[tuple[int, int, str]], merged: set[tuple[int, int]],
         above: list[Word]) -> PageTables:
    words = [word(t, xs[c] + 2, ys[r] + 3) for r, c, t in cells] + above
    grids, rest = find_grids(n, ruled(xs, ys, merged), words)
    return PageTables(page=n, grids=grids, lines=group_lines(n, rest))


LABELLED_XS, LABELLED_YS = [50, 150, 450], [100, 115, 130, 145, 160]


def labelled_page() -> PageTables:
    """附件5 / 工作底稿 / A11 …评价底稿 / 项目名称：… over 指标解释 | … and 评价结果 merged over two rows."""
    cells = [(0, 0, "指标解释"), (0, 1, "按照附件1的指标解释进行自评。"), (1, 0, "评价结果"),
             (1, 1, "考核得分96.27分，获得良好等次。"), (2, 1, "指标得分：94.25分"), (3, 0, "数据来源"), (3, 1, "评价小组自评")]
    above = [word("附件5", 50, 20), centred("工作底稿", 35, size=14), centred("A11“目标的明确性”评价底稿", 55, size=11),
             word("项目名称：某局2023年部门整体支出", 50, 75), word("评价机构：某局", 50, 87)]
    return page(3, LABELLED_XS, LABELLED_YS, cells, {(1, 0)}, above)


def by_path(sections: list[ReportSection]) -> dict[tuple[str, ...], ReportSection]:
    return {tuple(s.heading_path): s for s in sections}


def test_label_content_grid_gives_one_section_per_label() -> None:
    sections, starts = read_text_grids([labelled_page()])
    got = by_path(sections)
    head = ("工作底稿", "A11“目标的明确性”评价底稿")
    assert list(got) == [head, (*head, "指标解释"), (*head, "评价结果"), (*head, "数据来源")]
    assert got[head].text == "项目名称：某局2023年部门整体支出评价机构：某局"
    result = got[(*head, "评价结果")]
    assert result.text == "考核得分96.27分，获得良好等次。指标得分：94.25分"  # both rows under the merged label
    assert result.pages == [3] and result.sources["heading_path"].raw == "评价结果"
    assert result.sources["text"].bbox[1] == LABELLED_YS[1] + 3 and result.sources["text"].bbox[3] > LABELLED_YS[2] + 3
    assert starts == [(3, 20)]  # the 附件 label line: a narrative zone before it stops there


def problem_page(n: int = 2, title: bool = True, header: bool = True) -> PageTables:
    """附件3：/ …问题清单 over 问题分类 (merged) | 序号 | 项目责任单位 | 问题描述, then a 备注 row across the grid."""
    xs, ys = [50, 150, 190, 300, 450], [100 + 15 * i for i in range(7)]
    rows = [["问题分类", "序号", "项目责任单位", "问题描述"]] if header else []
    rows += [["项目立项存在的问题", "1", "", "无"], ["", "2", "", "无"], ["其他问题", "1", "某局", "绩效管理认识不够"],
             ["", "2", "", ""]]
    ys = ys[: len(rows) + 2]
    first = 1 if header else 0
    segs = [Segment(xs[0], ys[0], xs[0], ys[-1]), Segment(xs[-1], ys[0], xs[-1], ys[-1])]
    segs += [Segment(x, ys[0], x, ys[-2]) for x in xs[1:-1]]  # the last row (备注) spans the grid
    for r, y in enumerate(ys):
        merged_cat = r in (first + 1, first + 3)  # 问题分类 merged over its two rows
        segs.append(Segment(xs[1] if merged_cat else xs[0], y, xs[-1], y))
    words = [word(t, xs[c] + 2, ys[r] + 3) for r, row in enumerate(rows) for c, t in enumerate(row) if t]
    words.append(word("备注：本表由单位填写", xs[0] + 2, ys[-2] + 3))
    if title:
        words += [word("附件3：", 50, 40), centred("某局项目绩效评价问题清单", 60, size=14)]
    grids, rest = find_grids(n, segs, words)
    return PageTables(page=n, grids=grids, lines=group_lines(n, rest))


def test_problem_list_gives_one_section_per_numbered_row() -> None:
    sections, starts = read_text_grids([problem_page()])
    title = "某局项目绩效评价问题清单"
    assert [s.heading_path for s in sections] == [
        [title, "项目立项存在的问题", "1"], [title, "项目立项存在的问题", "2"], [title, "其他问题", "1"], [title, "其他问题", "2"]]
    assert [s.text for s in sections] == ["无", "无", "绩效管理认识不够", ""]  # 项目责任单位 is not the text
    assert {s.section_type for s in sections} == {"问题清单"}
    assert "text" not in sections[3].sources and sections[2].sources["text"].raw == "绩效管理认识不够"
    assert starts == [(2, 40)]


def test_untitled_grid_on_next_page_continues_the_list() -> None:
    sections, _ = read_text_grids([problem_page(2), problem_page(3, title=False, header=False)])
    assert len(sections) == 8
    assert sections[4].heading_path[1:] == ["项目立项存在的问题", "1"] and sections[4].pages == [3]


def test_grids_of_other_readers_and_grids_of_figures_are_left_alone() -> None:
    pt = labelled_page()
    pt.table_grids = list(pt.grids)  # claimed by the final-accounts reader
    assert read_text_grids([pt]) == ([], [])
    pt = labelled_page()
    pt.form_grids = list(pt.grids)
    assert read_text_grids([pt]) == ([], [])
    # a 决算表 title never makes a text grid, even with no figure in it
    xs, ys = LABELLED_XS, LABELLED_YS[:3]
    titled = page(1, xs, ys, [(0, 0, "项目"), (0, 1, "说明文字很长的一段内容")], set(),
                  [centred("某部门收入支出决算表", 40, size=14)])
    assert read_text_grids([titled]) == ([], [])
    assert len(assemble([titled], read_cell_number)) == 1 and titled.table_grids == titled.grids
    # a list of amounts is a table of figures, not text
    figures = page(1, [50, 100, 250, 400], ys, [(0, 0, "序号"), (0, 1, "项目"), (0, 2, "金额"),
                                                 (1, 0, "1"), (1, 1, "12.50"), (1, 2, "3,400.00")], set(),
                   [centred("某项目资金明细表", 40, size=14)])
    assert read_text_grids([figures]) == ([], [])


def test_untitled_text_grid_is_left_alone() -> None:
    """A grid under running text (纳入…的单位包括：) has no title: nothing says what its rows are."""
    pt = page(1, LABELLED_XS, LABELLED_YS[:3], [(0, 0, "序号"), (0, 1, "单位名称")], set(),
              [word("纳入本部门决算编制范围的单位包括：", 50, 80)])
    assert read_text_grids([pt]) == ([], [])


def test_zone_before_a_text_grid_stops_at_its_title_block() -> None:
    zones = clip_zones([Zone(kind="self_evaluation", start=(1, 50.0)), Zone(kind="final_accounts", start=(5, 0.0))],
                       [(3, 20.0)])
    assert zones[0].end == (3, 20.0) and zones[1].end == (10**9, 0.0)


def test_rendered_fixtures_problem_list_and_work_paper(rendered_fixtures: dict) -> None:
    result = extract_file(rendered_fixtures[("seed001_se", "original")][0])
    sections = [r for r in result.records if isinstance(r, ReportSection)]
    problems = [s for s in sections if s.section_type == "问题清单"]
    assert len(problems) == 12
    assert all(s.heading_path[0].endswith("绩效评价问题清单") and len(s.heading_path) == 3 for s in problems)
    assert problems[0].heading_path[1:] == ["项目立项存在的问题", "1"] and problems[0].text == "无"
    assert (problems[-2].heading_path[1:], problems[-2].text) == (["其他问题", "1"], "绩效管理认识不够")
    assert (problems[-1].heading_path[1:], problems[-1].text) == (["其他问题", "2"], "")
    assert all(s.sources["heading_path"].page == s.pages[0] for s in problems)
    other = next(s for s in sections if s.heading_path[-1] == "八、其他需要说明的问题")
    assert other.text == "无"  # the 附件3 title that follows is not its text

    result = extract_file(rendered_fixtures[("seed003_se", "original")][0])
    paper = {tuple(r.heading_path[2:]): r for r in result.records
             if isinstance(r, ReportSection) and r.heading_path[0] == "工作底稿"}
    assert set(paper) == {(), ("指标解释",), ("指标权重",), ("评价标准",), ("数据来源及取数方式",), ("评价结果",)}
    assert "96.27分，获得良好等次" in paper[("评价结果",)].text
    assert paper[("评价结果",)].text.endswith("指标得分：94.25分")
    assert paper[()].text.startswith("项目名称：") and "评价机构：" in paper[()].text
    assert paper[("评价结果",)].sources["text"].page == paper[("评价结果",)].pages[0]
