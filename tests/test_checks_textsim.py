"""The exact text measure and the standard-text list behind the boilerplate rules (BP-001..004)."""

from __future__ import annotations

from pathlib import Path

import pytest

from checks.standard_text import load_standard_text, template_clauses
from checks.textsim import (
    compare,
    coverage,
    figures,
    is_generic,
    is_measurable,
    jaccard,
    line_overlap,
    prose_key,
    vague_words,
)
from eval.runner import load_gold
from extraction.errors import ConfigError
from extraction.passages import Passage, passages

FIXTURES = Path(__file__).resolve().parents[1] / "eval" / "fixtures"
PROBLEM = "资金执行进度缓慢，未来将优化资金管理使用流程，加快资金执行速度。"


def test_identical_and_lightly_edited_texts_are_near() -> None:
    assert compare(PROBLEM, PROBLEM).score == 1.0 and compare(PROBLEM, PROBLEM).mode == "near"
    edited = compare(PROBLEM, PROBLEM.replace("缓慢", "较慢"))
    assert edited.mode == "near" and edited.score > 0.9
    assert compare(PROBLEM, " ".join(PROBLEM)).score == 1.0  # whitespace and punctuation do not count


def test_different_texts_do_not_match() -> None:
    other = "注重绩效自评结果应用，对照绩效评价工作中发现的问题提出整改意见，进一步完善预算管理机制。"
    assert compare(PROBLEM, other).score < 0.5
    assert jaccard("", PROBLEM) == 0.0 and coverage("", PROBLEM) == 0.0


def test_a_passage_wholly_inside_a_longer_one_is_contained_one_way_only() -> None:
    para = "部分项目前期论证不充分，" + PROBLEM  # 30 key characters and more: a passage, not a phrase
    longer = "西山区人民政府办公室通过对整体支出的绩效目标设定进行了绩效评价。" + para + "认为预算绩效结果较好。"
    inside = compare(para, longer)
    assert inside.mode == "contained" and inside.score == 1.0
    assert compare(longer, para).score < 0.5  # the longer text is not a copy of the short one
    assert compare(PROBLEM, longer).mode == "near"  # 29 key characters: too short to count as contained


def test_a_short_text_is_not_contained() -> None:
    assert compare("加快资金执行速度", PROBLEM).score < 0.85  # 8 characters are a phrase, not a passage


def test_numbers_alone_do_not_make_a_copy_different() -> None:
    a = "2024年，我单位认真贯彻落实上级决策部署，切实加强预算管理，规范资金使用，提升资金使用效益。"
    assert compare(a, a.replace("2024", "2023")).score == 1.0  # a copy with the year updated is a copy


def test_a_template_filled_with_other_figures_is_not_a_copy() -> None:
    a = "本年收入合计2946.25万元，其中：财政拨款收入2940.05万元，占99.79%；其他收入6.2万元，占0.21%；"
    b = "本年收入合计1200.00万元，其中：财政拨款收入1100.00万元，占91.67%；其他收入100.00万元，占8.33%；"
    assert compare(a, b).score == 0.0
    assert compare(a, a).score == 1.0  # the same figures: the same text


def test_other_figures_with_the_same_wording_are_compared_on_the_wording() -> None:
    why = "主要原因：基本支出中人员进出及退休变化，以及项目支出中合同支付进度条款等原因减少支付。"
    a = "收入支出总计减少56.95万元，下降1.87%。" + why
    b = "收入支出总计增加12.00万元，增长3.10%。" + why
    m = compare(a, b)
    assert m.score > 0.85 and m.basis == "prose"
    assert compare(a, "收入支出总计增加12.00万元，增长3.10%。主要原因：新增社区养老服务项目。").score < 0.5


def test_figures_leave_out_years_and_list_numbers() -> None:
    assert figures("2024年度，1.前期调研。2.研究文件。") == []
    assert figures("2024年12月底前完成，完成率98.5%") == ["2024", "12", "98.5"]
    assert prose_key("本年收入合计2946.25万元，其中：财政拨款收入") == "其中财政拨款收入"


@pytest.mark.parametrize(("text", "measurable"), [
    ("进一步加强预算管理，切实提高资金使用效益。", False),
    ("2024年度，我单位扎实推进各项工作，不断提升服务水平。", False),  # a bare year is not a result
    ("1.前期调研。2.研究文件。", False),
    ("全年开展培训三次，覆盖十余家单位。", True),
    ("完成率达到98%。", True),
    ("2024年12月底前完成验收。", True),
    ("拟采购9辆公务用车。", True),
    ("严格执行《中华人民共和国政府采购法》，规范采购行为。", True),  # a named law is something one can check against
])
def test_is_measurable(text: str, measurable: bool) -> None:
    assert is_measurable(text) is measurable


def test_generic_text_is_made_of_stock_words() -> None:
    assert is_generic("加强项目管理，提高资金使用效益，确保项目顺利实施。")
    assert is_generic("下一步将继续加强绩效管理，不断完善内部管理制度，确保各项工作有序推进。")
    method = "确认当年度部门整体支出的绩效目标→梳理部门内部管理制度及存量资源→分析确定当年度部门整体支出的评价重点。"
    assert not is_generic(method)  # no figure, but a method described step by step is not a stock phrase
    assert not is_generic("进一步加强管理，全年开展培训三次。")  # measurable


def test_vague_words_for_the_message() -> None:
    assert vague_words("进一步加强预算管理，切实提高资金使用效益") == ["进一步", "切实", "加强"]


def test_indicator_sets_compare_line_by_line_without_target_figures() -> None:
    a = "购置设备数量 | ≥1 | 辆\n验收通过率 | =100 | %\n完成时间 | ≤1 | 年"
    assert line_overlap(a, a.replace("≥1", "≥5")) == 1.0
    assert line_overlap(a, a + "\n员工满意度测评 | =100 | %") == 0.75
    assert line_overlap(a, "招标次数 | ≥110 | 次\n完成时间 | ≤1 | 年") == 0.25


# -- the standard-text list ---------------------------------------------------------------------------------------

def _passage(text: str, kind: str = "section", heading: str = "四、存在的问题") -> Passage:
    return Passage(id="x", document_id="d", kind=kind, text=text, record=f"section[3]:{heading}",  # type: ignore[arg-type]
                   section=heading)


def test_standard_sections_notes_and_sentences() -> None:
    std = load_standard_text()
    assert std.clean(_passage("财政拨款收入：指本级财政当年拨付的资金。", heading="十二、名词解释")) is None
    assert std.clean(_passage("本部门主要职能是……", heading="（一）部门主要职能")) is None
    assert std.clean(_passage("昆明市西山区人民政府办公室是区政府工作部门。", heading="（一）部门概况")) is None
    assert std.clean(_passage("注：本表反映部门本年度一般公共预算财政拨款支出情况。", kind="paragraph")) is None
    left = std.clean(_passage("上海市普陀区财政局2024年度无政府性基金预算财政拨款收入和支出。另有说明文字。"))
    assert left == "另有说明文字"
    assert std.clean(_passage(PROBLEM)) == "资金执行进度缓慢，未来将优化资金管理使用流程，加快资金执行速度"


def test_the_disclosure_template_wording_is_taken_out_the_reasons_stay() -> None:
    std = load_standard_text()
    cleaned = {p.record: std.clean(p) for p in passages(load_gold(FIXTURES / "real_putuo")[1])}
    assert cleaned["section[108]:一、收入支出决算总体情况说明"] == \
        "基本支出中人员进出及退休变化，以及项目支出中合同支付进度条款等原因减少支付"
    assert cleaned["section[109]:二、收入决算情况说明"] == ""  # nothing but the template filled in
    assert cleaned["section[116]:九、国有资本经营预算财政拨款收入支出决算情况说明"] == ""
    assert "优化办公环境" in (cleaned["section[118]:十一、其他重要事项的情况说明"] or "")


def test_template_clauses_tell_figures_from_names() -> None:
    assert template_clauses("增长（下降）XX%") == ["(?:增加|减少|增长|下降|大于|小于|上升|持平)0"]
    assert template_clauses("XX（类）XX（款）XX（项）") == [".{0,40}?类.{0,40}?款.{0,40}?项"]
    assert template_clauses("主要原因：XXXXXXXX") == ["主要原因"]  # a free-text slot is content, not template


def test_a_user_list_adds_to_the_shipped_one(tmp_path: Path) -> None:
    extra = tmp_path / "mine.yaml"
    extra.write_text("sentences:\n  - 本单位无此项业务\n", encoding="utf-8")
    assert load_standard_text(str(extra)).clean(_passage("本单位无此项业务。其他文字。")) == "其他文字"
    bad = tmp_path / "bad.yaml"
    bad.write_text("phrases: [x]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown keys"):
        load_standard_text(str(bad))
