"""Self-evaluation rules that read the report text, and the graded SE-006, on small records built here."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from checks.engine import load_config, run_checks
from extraction.records import (
    DeptFundRow,
    DeptSelfEvaluation,
    Document,
    ExtractionResult,
    Indicator,
    ReportSection,
    ScoringNode,
    ScoringTable,
    Source,
)
from tests.test_checks_se import form

D = Decimal


def section(text: str, heading: str = "（4）项目产出情况分析。") -> ReportSection:
    r = ReportSection(heading_path=["四、绩效评价指标分析", heading], text=text, pages=[6])
    r.sources["text"] = Source(page=6, bbox=(70, 100, 520, 180), raw=text[:20])
    return r


def with_records(base: ExtractionResult, *more: object) -> ExtractionResult:
    return ExtractionResult(document=Document(id="d", file_name="x.pdf"), records=[*base.records, *more])  # type: ignore[list-item]


def found(res: ExtractionResult, rule_id: str) -> list[tuple[str, str]]:
    return [(f.severity, f.message) for f in run_checks(res) if f.rule_id == rule_id]


def test_se015_funds_score_against_the_scoring_rule() -> None:
    assert found(form(rate="100.00", executed="10.00"), "SE-015") == []
    res = form(rate="10.69", executed="1.069")  # 10 of 10 points for 10.69 % execution
    [(severity, msg)] = found(res, "SE-015")
    assert severity == "warning" and "1.07" in msg and "10.00" in msg
    res.records[0].funds.total.score = D(2)  # type: ignore[union-attr]
    assert [s for s, _ in found(res, "SE-015")] == ["info"]  # rounded up to whole points
    res.records[0].funds.total.score = D(1)  # type: ignore[union-attr]
    assert found(res, "SE-015") == []


def test_se015_can_be_switched_to_another_regional_rule(tmp_path: Path) -> None:
    conf = tmp_path / "rules.yaml"
    conf.write_text("rules:\n  SE-015: {formula: none}\n", encoding="utf-8")
    res = form(rate="10.69", executed="1.069")
    assert not [f for f in run_checks(res, load_config(conf)) if f.rule_id == "SE-015"]


def _scoring(score: str) -> ScoringTable:
    return ScoringTable(title="绩效评价指标评分", nodes=[
        ScoringNode(level=1, path=["产出"], name="产出", weight=D(2)),
        ScoringNode(level=2, path=["产出", "产出数量"], name="咨询台新建数量", weight=D(1), score=D(score)),
        ScoringNode(level=2, path=["产出", "产出数量"], name="发布信息次数", weight=D(1), score=D(1))], pages=[3])


def test_se016_zero_points_yet_described_as_achieved() -> None:
    text = "咨询工作完成1项，咨询台新建数量不低于1个，发布信息次数4次。"
    [(severity, msg)] = found(with_records(form(), _scoring("0"), section(text)), "SE-016")
    assert severity == "warning" and "咨询台新建数量" in msg and "不低于1个" in msg
    assert found(with_records(form(), _scoring("1"), section(text)), "SE-016") == []
    honest = "咨询台新建数量未完成，原因是场地调整。"
    assert found(with_records(form(), _scoring("0"), section(honest)), "SE-016") == []


def test_se018_grade_word_against_the_score() -> None:
    ok = section("本次绩效考核得分94.25分，评价结果为“优”。")
    assert found(with_records(form(), ok), "SE-018") == []
    bad = section("2023年工作目标绩效管理考核得分96.27分，获得良好等次。")
    [(severity, msg)] = found(with_records(form(), bad), "SE-018")
    assert severity == "warning" and "96.27" in msg and "良好" in msg and "“优”" in msg
    assert found(with_records(form(), section("收入99.43分（其中财政拨款…）")), "SE-018") == []


def test_se019_arrival_rate_against_the_money_that_arrived() -> None:
    res = form(rate="73.68", executed="7.368")
    res.records[0].funds.total.annual_budget = D("397.80")  # type: ignore[union-attr]
    res.records[0].funds.unit = "万元"  # type: ignore[attr-defined]
    text = [section("经费到位数为293.08万元、及时性高。"), section("实际到位资金与预算资金的比率为100%，项目预算资金按照计划执行。")]
    [(severity, msg)] = found(with_records(res, *text), "SE-019")
    assert severity == "warning" and "100%" in msg and "293.08万元" in msg and "73.68%" in msg
    text[0] = section("经费到位数为397.80万元。")
    assert found(with_records(res, *text), "SE-019") == []


def _dept(actuals: list[str], rate: str) -> DeptSelfEvaluation:
    names = ["经济效益", "社会效益", "可持续影响", "部门人员满意度"]
    return DeptSelfEvaluation(department="某部门", fund_rows=[DeptFundRow(label="年度资金总额", execution_rate=D(rate))],
                              indicators=[Indicator(level1="效益指标", level2="满意度指标" if "满意" in n else "效益指标",
                                                    level3=n, target="95", target_value=D(95), actual=a,
                                                    actual_value=D(a), deviation_note="无偏差")
                                          for n, a in zip(names, actuals, strict=True)], pages=[2])


def test_se006_severity_grows_with_the_share_on_target() -> None:
    base = ExtractionResult(document=Document(id="d", file_name="x.pdf"), records=[])
    assert [s for s, _ in found(with_records(base, _dept(["95", "95", "95", "95"], "77.63")), "SE-006")] == ["warning"]
    [(severity, msg)] = found(with_records(base, _dept(["95", "95", "95", "95"], "40.00")), "SE-006")
    assert severity == "error" and "40.00%" in msg and "满意度" in msg and "部门整体" in msg
    assert [s for s, _ in found(with_records(base, _dept(["95", "95", "97", "96"], "77.63")), "SE-006")] == []
    three_of_four = found(with_records(base, _dept(["95", "95", "95", "99"], "77.63")), "SE-006")
    assert [s for s, _ in three_of_four] == ["info"] and "3/4" in three_of_four[0][1]


def test_se020_actual_printed_as_a_range() -> None:
    res = form(actual=("98", "95"))
    assert found(res, "SE-020") == []
    res.records[0].indicators[1].actual = "≥95%"  # type: ignore[union-attr]
    [(severity, msg)] = found(res, "SE-020")
    assert severity == "warning" and "≥95%" in msg and "1项" in msg


def test_se021_budget_not_spent() -> None:
    assert found(form(), "SE-021") == []
    idle = form(rate="0.00", executed="0")
    [(severity, msg)] = found(idle, "SE-021")
    assert severity == "warning" and "10.00" in msg and "执行率0.00%" in msg
    empty = form(rate="0.00", executed="0")
    empty.records[0].funds.total.annual_budget = D(0)  # type: ignore[union-attr]
    assert [s for s, _ in found(empty, "SE-021")] == ["info"]


def _problem_list(texts: list[str]) -> list[ReportSection]:
    title = "某项目绩效评价问题清单"
    return [ReportSection(heading_path=[title, f"类别{k // 2}", str(k % 2 + 1)], text=t, pages=[8])
            for k, t in enumerate(texts)]


def test_se017_problem_list_all_none_beside_lost_points() -> None:
    lost = form(total="91", scores=(40, 41))  # 9 points off
    [(severity, msg)] = found(with_records(lost, *_problem_list(["无"] * 10 + ["绩效管理认识不够", ""])), "SE-017")
    assert severity == "warning" and "12项中11项" in msg and "9.00" in msg
    assert found(with_records(lost, *_problem_list(["无", "资金拨付滞后", "台账不全", "无"])), "SE-017") == []
    assert found(with_records(form(), *_problem_list(["无"] * 6)), "SE-017") == []  # nothing lost, nothing to list


def test_a_shifted_form_is_left_to_dq001() -> None:
    from extraction.records import Issue

    res = form(total="98")  # SE-001 would fire
    res.records[0].issues.append(Issue(code="column_shift", message="shifted", page=1))  # type: ignore[union-attr]
    fired = {f.rule_id for f in run_checks(res)}
    assert "SE-001" not in fired and "DQ-001" in fired


def test_se012_weight_cell_over_two_rows_is_info() -> None:
    def tree(next_weight: str | None) -> ScoringTable:
        w = D(next_weight) if next_weight else None
        return ScoringTable(title="评分", nodes=[
            ScoringNode(level=1, path=["决策"], name="决策", weight=D(40)),
            ScoringNode(level=2, path=["决策", "a"], name="a", weight=D(20), score=D(20)),
            ScoringNode(level=1, path=["过程"], name="过程", weight=w),
            ScoringNode(level=2, path=["过程", "b"], name="b", weight=D(20), score=D(20))], pages=[2])

    base = ExtractionResult(document=Document(id="d", file_name="x.pdf"), records=[])
    [(severity, msg)] = found(with_records(base, tree(None)), "SE-012")
    assert severity == "info" and "合并单元格" in msg
    assert [s for s, _ in found(with_records(base, tree("20")), "SE-012")] == ["error"]
