"""Self-evaluation rules on small forms built here: each fires where it must and stays quiet where it must not."""

from __future__ import annotations

from decimal import Decimal

from checks.engine import run_checks
from extraction.records import Document, ExtractionResult, FundRow, Indicator, ProjectFunds, ProjectSelfEvaluation

D = Decimal


def form(rate: str = "95.00", executed: str = "9.50", grade: str = "优", total: str = "100", scores: tuple = (45, 45),
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
