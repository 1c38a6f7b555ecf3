"""Self-evaluation rules on small forms built here: each fires where it must and stays quiet where it must not."""

from __future__ import annotations

from decimal import Decimal

from checks.engine import run_checks
from extraction.records import (
    Document,
    ExtractionResult,
    FundRow,
    Indicator,
    Issue,
    NarrativeClaim,
    ProjectFunds,
    ProjectSelfEvaluation,
    ReportSection,
    ScoringNode,
    ScoringTable,
)

D = Decimal


def form(rate: str = "100.00", executed: str = "10.00", grade: str = "优", total: str = "100", scores: tuple = (45, 45),
         weights: tuple = (45, 45), actual: tuple = ("98", "95"), notes: tuple = ("", ""), sub: str | None = "10.00",
         ) -> ExtractionResult:
    total_row = FundRow(label="年度资金总额", initial_budget=D("10.00"), annual_budget=D("10.00"), executed=D(executed),
                        weight=D(10), execution_rate=D(rate), score=D(10))
    cur = FundRow(label="其中：当年财政拨款", initial_budget=D(sub) if sub else None)
    inds = [Indicator(level1="产出指标", level2="数量指标", level3=f"指标{k}", operator="≥", target="95",
                      target_value=D(95), actual=a, actual_value=D(a), weight=D(w), score=D(s), deviation_note=n or None)
            for k, (a, w, s, n) in enumerate(zip(actual, weights, scores, notes, strict=True))]
    rec = ProjectSelfEvaluation(project_name="测试项目", funds=ProjectFunds(total=total_row, current_year_appropriation=cur),
                                indicators=inds, total_score=D(total), grade=grade, pages=[1])
    return ExtractionResult(document=Document(id="d", file_name="x.pdf"), records=[rec])


def rules(res: ExtractionResult) -> list[tuple[str, str]]:
    return sorted((f.rule_id, f.severity) for f in run_checks(res))


def test_a_clean_form_raises_nothing() -> None:
    assert rules(form()) == []


def test_se001_total_is_not_the_sum() -> None:
    fs = [f for f in run_checks(form(total="98")) if f.rule_id == "SE-001"]
    assert len(fs) == 1 and "98.00" in fs[0].message and "100.00" in fs[0].message


def test_se002_score_above_weight() -> None:
    assert ("SE-002", "error") in rules(form(scores=(46, 44)))


def test_se003_grade_against_bands() -> None:
    assert ("SE-003", "error") in rules(form(grade="良"))
    assert ("SE-003", "error") not in rules(form(total="100", grade="优"))


def test_se004_rate_vs_amounts_and_rounding() -> None:
    assert ("SE-004", "warning") in rules(form(rate="80.00"))
    assert ("SE-004", "info") in rules(form(rate="95.30", executed="9.5"))  # 9.5 printed: ±0.05 万元 = ±0.5 pct


def test_se005_low_execution_top_grade() -> None:
    fs = [f for f in run_checks(form(rate="10.69", executed="1.069")) if f.rule_id == "SE-005"]
    assert len(fs) == 1 and "10.69%" in fs[0].message
    assert not [f for f in run_checks(form(rate="10.69", executed="1.069", grade="差", total="50",
                                           scores=(20, 20))) if f.rule_id == "SE-005"]


def test_se006_everything_exactly_on_target() -> None:
    res = form(actual=("95", "95", "95"), weights=(30, 30, 30), scores=(30, 30, 30), notes=("无偏差", "无", ""))
    assert ("SE-006", "warning") in rules(res)
    res = form(actual=("95", "96", "95"), weights=(30, 30, 30), scores=(30, 30, 30), notes=("无偏差", "无", ""))
    assert ("SE-006", "warning") not in rules(res)


def test_se007_fund_rows_do_not_add_up() -> None:
    fs = [f for f in run_checks(form(sub="9.00")) if f.rule_id == "SE-007"]
    assert len(fs) == 1 and "10.00" in fs[0].message and "9.00" in fs[0].message


def _two(ind_a: list[Indicator], ind_b: list[Indicator], names: tuple[str, str] = ("甲", "乙")) -> ExtractionResult:
    recs = [ProjectSelfEvaluation(project_name=n, indicators=i, pages=[1]) for n, i in zip(names, (ind_a, ind_b),
                                                                                              strict=True)]
    return ExtractionResult(document=Document(id="d", file_name="x.pdf"), records=recs)


def _inds(*names: str, unit: str = "次") -> list[Indicator]:
    return [Indicator(level3=n, target="10", target_value=D(10), unit=unit) for n in names]


def test_se008_budget_cut_to_reach_full_execution() -> None:
    res = form(rate="100.00", executed="10.00")
    res.records[0].funds.total.initial_budget = D("20.00")  # type: ignore[union-attr]
    assert ("SE-008", "warning") in rules(res)
    assert ("SE-008", "warning") not in rules(form(rate="100.00", executed="10.00"))


def test_se009_copied_indicator_sets() -> None:
    fs = [f for f in run_checks(_two(_inds("a", "b", "c"), _inds("a", "b", "c"))) if f.rule_id == "SE-009"]
    assert len(fs) == 1 and "甲" in fs[0].message
    assert not [f for f in run_checks(_two(_inds("a", "b", "c"), _inds("a", "b", "d"))) if f.rule_id == "SE-009"]


def test_se010_counted_things_in_percent() -> None:
    assert [f.rule_id for f in run_checks(_two(_inds("编印期数", unit="%"), [])) if f.rule_id == "SE-010"] == ["SE-010"]
    assert not [f for f in run_checks(_two(_inds("编印期数", unit="期"), [])) if f.rule_id == "SE-010"]


def test_se011_target_missed_yet_full_score() -> None:
    miss = Indicator(level2="质量指标", level3="合格率", operator="≥", target="98", target_value=D(98), actual="90",
                     actual_value=D(90), weight=D(10), score=D(10), deviation_note="无")
    assert [f.rule_id for f in run_checks(_two([miss], [])) if f.rule_id == "SE-011"] == ["SE-011"]
    cost = miss.model_copy(update={"level2": "成本指标", "operator": "=", "target_value": D(100), "actual_value": D(90)})
    assert not [f for f in run_checks(_two([cost], [])) if f.rule_id == "SE-011"]  # spending less is no miss
    met = miss.model_copy(update={"actual_value": D(99)})
    assert not [f for f in run_checks(_two([met], [])) if f.rule_id == "SE-011"]


def test_se012_scoring_weights_and_totals() -> None:
    def table(parent_weight: str, total: str) -> ExtractionResult:
        nodes = [ScoringNode(level=1, path=["决策"], name="决策", weight=D(parent_weight)),
                 ScoringNode(level=2, path=["决策", "立项"], name="立项", weight=D(10), score=D(8)),
                 ScoringNode(level=2, path=["决策", "目标"], name="目标", weight=D(10), score=D(10))]
        st = ScoringTable(title="评分表", nodes=nodes, total_score=D(total), pages=[1])
        return ExtractionResult(document=Document(id="d", file_name="x.pdf"), records=[st])

    assert not [f for f in run_checks(table("20", "18")) if f.rule_id == "SE-012"]
    msgs = [f.message for f in run_checks(table("40", "20")) if f.rule_id == "SE-012"]
    assert len(msgs) == 2 and any("40.00" in m and "20.00" in m for m in msgs) and any("18.00" in m for m in msgs)


def test_rp001_template_placeholders() -> None:
    claim = NarrativeClaim(claim_kind="total", sentence="收入合计XXX万元", metric="收入合计", raw="XXX万元", value=None,
                           unit="万元", page=1, section="一、概况", issues=[Issue(code="placeholder", message="p")])
    sec = ReportSection(heading_path=["一、概况"], text="本单位2024年收入合计XXX万元。")
    res = ExtractionResult(document=Document(id="d", file_name="x.pdf"), records=[claim, sec])
    fs = run_checks(res)
    assert [f.rule_id for f in fs] == ["RP-001"] and "XXX万元" in fs[0].message and fs[0].evidence[0].quote == "XXX万元"
    clean = ReportSection(heading_path=["一、概况"], text="本单位2024年收入12.5万元。")
    assert run_checks(ExtractionResult(document=Document(id="d", file_name="x.pdf"), records=[clean])) == []


def test_se013_weights_add_to_100() -> None:
    assert ("SE-013", "error") not in rules(form())  # 10 + 45 + 45
    assert ("SE-013", "error") in rules(form(weights=(40, 45), scores=(40, 45), total="95"))
    unweighted = form(weights=(40, 45), scores=(40, 45), total="95")
    unweighted.records[0].funds.total.weight = None  # type: ignore[union-attr]  # 大同: funds scored, no 分值
    assert ("SE-013", "error") not in rules(unweighted)


def test_se014_result_copies_goal() -> None:
    res = form()
    rec = res.records[0]
    rec.goal_text = rec.result_text = "保障市政府办公室日常运转，完成全年会务、接待和后勤保障工作任务。"  # type: ignore[union-attr]
    assert ("SE-014", "warning") in rules(res)
    rec.result_text = "已完成全年会务32次、接待18批次。"  # type: ignore[union-attr]
    assert ("SE-014", "warning") not in rules(res)


def test_rp002_fiscal_year_disagrees() -> None:
    res = form()
    res.document.fiscal_year = 2024
    res.records[0].fiscal_year = 2023  # type: ignore[union-attr]
    fs = [f for f in run_checks(res) if f.rule_id == "RP-002"]
    assert len(fs) == 1 and "2024" in fs[0].message and "2023" in fs[0].message
    res.records[0].fiscal_year = 2024  # type: ignore[union-attr]
    assert not [f for f in run_checks(res) if f.rule_id == "RP-002"]
