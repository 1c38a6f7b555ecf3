"""Self-evaluation rules (绩效自评表): scores, grades, execution and the tell-tale "all on target" pattern (pure)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from checks.model import Evidence, Finding, fmt
from checks.registry import rule
from checks.view import DocView, last_digit
from extraction.records import DeptSelfEvaluation, FundRow, Indicator, ProjectSelfEvaluation

SE = ("project_self_evaluation",)
NO_DEVIATION = {"", "无", "无偏差", "不存在偏差", "没有偏差", "/", "—", "-"}
GRADE_BANDS = [("优", 90), ("良", 80), ("中", 60), ("差", 0)]


def _projects(doc: DocView) -> Iterator[tuple[int, ProjectSelfEvaluation]]:
    """A form printed with a shifted block is left to DQ-001: its numbers sit under the wrong headers, so sums and
    scores computed from them would accuse the wrong thing."""
    for i, r in enumerate(doc.result.records):
        if isinstance(r, ProjectSelfEvaluation) and not any(x.code == "column_shift" for x in r.issues):
            yield i, r


def _ev(i: int, rec: ProjectSelfEvaluation | DeptSelfEvaluation, path: str) -> Evidence:
    s = rec.sources.get(path)
    name = getattr(rec, "project_name", None) or rec.kind
    return Evidence(record=f"form[{i}]:{name}", path=path, page=s.page if s else (rec.pages[0] if rec.pages else None),
                    bbox=s.bbox if s else None, quote=s.raw if s else "")


def _finding(rule_id: str, title: str, severity: str, i: int, rec: ProjectSelfEvaluation, message: str,
             paths: list[str], expected: str | None = None, found: str | None = None) -> Finding:
    return Finding(rule_id=rule_id, severity=severity, title=title, message=f"项目“{rec.project_name}”：{message}",  # type: ignore[arg-type]
                   expected=expected, found=found, evidence=[_ev(i, rec, p) for p in paths])


@rule("SE-001", "得分合计与总分一致", "self_evaluation.scores", "error", SE)
def total_is_sum(doc: DocView, params: dict[str, Any]) -> Iterator[Finding]:
    """总分 = 资金执行得分 + Σ 指标得分 (when every part prints a score)."""
    for i, rec in _projects(doc):
        parts = [ind.score for ind in rec.indicators if ind.score is not None]
        fund = rec.funds.total.score if rec.funds.total else None
        if rec.total_score is None or not parts or len(parts) < len(rec.indicators):
            continue
        s = sum(parts, Decimal(0)) + (fund or Decimal(0))
        if s != rec.total_score:
            yield _finding("SE-001", "得分合计与总分一致", "error", i, rec,
                           f"总分为{fmt(rec.total_score)}，资金得分与各指标得分之和为{fmt(s)}",
                           ["total_score", *(f"indicators[{k}].score" for k in range(len(parts)))], fmt(s),
                           fmt(rec.total_score))


@rule("SE-002", "指标得分不超过分值", "self_evaluation.scores", "error", SE)
def score_within_weight(doc: DocView, params: dict[str, Any]) -> Iterator[Finding]:
    """每项得分不得高于其分值。"""
    for i, rec in _projects(doc):
        for k, ind in enumerate(rec.indicators):
            if ind.score is not None and ind.weight is not None and ind.score > ind.weight:
                yield _finding("SE-002", "指标得分不超过分值", "error", i, rec,
                               f"指标“{ind.level3}”得分{fmt(ind.score)}高于分值{fmt(ind.weight)}",
                               [f"indicators[{k}].score", f"indicators[{k}].weight"], f"≤{fmt(ind.weight)}",
                               fmt(ind.score))


@rule("SE-003", "等级与总分相符", "self_evaluation.grade", "error", SE, bands=GRADE_BANDS)
def grade_matches_total(doc: DocView, params: dict[str, Any]) -> Iterator[Finding]:
    """等级按总分划分 (默认 ≥90 优, ≥80 良, ≥60 中, 其余差；地区规则不同可在配置中改)。"""
    bands = [(g, Decimal(str(low))) for g, low in params["bands"]]
    for i, rec in _projects(doc):
        if rec.total_score is None or not rec.grade:
            continue
        want = next(g for g, low in bands if rec.total_score >= low)
        if not rec.grade.startswith(want):
            yield _finding("SE-003", "等级与总分相符", "error", i, rec,
                           f"总分{fmt(rec.total_score)}应评为“{want}”，表中为“{rec.grade}”", ["grade", "total_score"],
                           want, rec.grade)


def _rate(row: FundRow) -> Decimal | None:
    if row.executed is None or not row.annual_budget:
        return None
    return row.executed / row.annual_budget * 100


def _half_unit(v: Decimal) -> Decimal:
    return last_digit(v) / 2


def _rounding_pct(row: FundRow) -> Decimal:
    """How far a rate computed from rounded printed amounts can be from the true one, in percentage points."""
    ex, ab = row.executed or Decimal(0), row.annual_budget or Decimal(1)
    return 100 * (_half_unit(ex) / ab + ex * _half_unit(ab) / (ab * ab)) + _half_unit(row.execution_rate or Decimal(0))


@rule("SE-004", "执行率与执行数、预算数相符", "self_evaluation.funds", "warning", SE, tolerance_pct=0.1)
def execution_rate(doc: DocView, params: dict[str, Any]) -> Iterator[Finding]:
    """表列执行率应等于 全年执行数 ÷ 全年预算数；差距在 tolerance_pct 个百分点内视为四舍五入。"""
    tol = Decimal(str(params["tolerance_pct"]))
    for i, rec in _projects(doc):
        row = rec.funds.total
        rate = _rate(row) if row else None
        if row is None or rate is None or row.execution_rate is None:
            continue
        diff = abs(rate - row.execution_rate)
        if diff <= tol:
            continue
        rounding = diff <= _rounding_pct(row)
        yield _finding("SE-004", "执行率与执行数、预算数相符", "info" if rounding else "warning", i, rec,
                           f"执行率印为{fmt(row.execution_rate)}%，按执行数{fmt(row.executed)}÷全年预算数"
                           f"{fmt(row.annual_budget)}应为{fmt(rate)}%" + ("（在印出金额的四舍五入误差内）" if rounding else ""),
                           ["funds.total.execution_rate", "funds.total.executed", "funds.total.annual_budget"],
                           fmt(rate), fmt(row.execution_rate))


@rule("SE-005", "低执行率评为优", "self_evaluation.plausibility", "warning", SE, max_rate=60)
def low_execution_top_grade(doc: DocView, params: dict[str, Any]) -> Iterator[Finding]:
    """预算执行率很低（低于 max_rate%）却评为“优”：自评结果与资金执行明显不符。"""
    limit = Decimal(str(params["max_rate"]))
    for i, rec in _projects(doc):
        row = rec.funds.total
        if row is None or row.execution_rate is None or not (rec.grade or "").startswith("优"):
            continue
        if row.execution_rate < limit:
            yield _finding("SE-005", "低执行率评为优", "warning", i, rec,
                           f"执行率仅{fmt(row.execution_rate)}%，总分{fmt(rec.total_score)}，评为“{rec.grade}”",
                           ["funds.total.execution_rate", "grade"], f"执行率≥{limit}%", f"{fmt(row.execution_rate)}%")


@rule("SE-006", "全部指标恰好达标且无偏差", "self_evaluation.plausibility", "warning", SE + ("dept_self_evaluation",),
      min_indicators=3, min_share=0.6, low_rate=60)
def all_on_target(doc: DocView, params: dict[str, Any]) -> Iterator[Finding]:
    """实际完成值恰好等于目标值且偏差说明为“无/无偏差”的指标占多数：典型的照抄目标式自评。占比达 min_share 为提示，
    八成以上为警告；全部如此、满意度也恰好等于目标而资金执行率低于 low_rate% 时为错误（目标全部“完成”而钱没花出去）。"""
    for i, rec in _self_evaluations(doc):
        if len(rec.indicators) < int(params["min_indicators"]):
            continue
        exact = [x for x in rec.indicators if _exactly_on_target(x)]
        share = Decimal(len(exact)) / len(rec.indicators)
        if share < Decimal(str(params["min_share"])):
            continue
        satisfied = [x for x in exact if "满意" in (x.level3 or "") + (x.level2 or "")]
        rate = _execution_rate(rec)
        low = rate is not None and rate < Decimal(str(params["low_rate"]))
        severity = "error" if share == 1 and satisfied and low else "warning" if share >= Decimal("0.8") else "info"
        msg = (f"{len(exact)}/{len(rec.indicators)}项指标的实际完成值恰好等于目标值，偏差说明均为“无”"
               + (f"，满意度指标也恰为{satisfied[0].actual}" if satisfied else "")
               + (f"，而资金执行率{'仅' if low else '为'}{fmt(rate)}%" if rate is not None and rate < 100 else ""))
        yield Finding(rule_id="SE-006", severity=severity, title="全部指标恰好达标且无偏差",  # type: ignore[arg-type]
                      message=f"{_name(rec)}：{msg}", found=f"{len(exact)}/{len(rec.indicators)}",
                      evidence=[_ev(i, rec, f"indicators[{k}].actual") for k in range(len(rec.indicators))[:6]])


def _exactly_on_target(x: Indicator) -> bool:
    """Actual equal to the target (as a number, or as printed text for 定性 indicators) and no deviation noted."""
    if (x.deviation_note or "").strip() not in NO_DEVIATION:
        return False
    if x.target_value is not None and x.actual_value is not None:
        return x.actual_value == x.target_value
    return bool(x.actual) and "".join((x.actual or "").split()) == "".join((x.target or "").split())


def _self_evaluations(doc: DocView) -> Iterator[tuple[int, ProjectSelfEvaluation | DeptSelfEvaluation]]:
    for i, r in enumerate(doc.result.records):
        if isinstance(r, ProjectSelfEvaluation | DeptSelfEvaluation) and not any(
                x.code == "column_shift" for x in r.issues):
            yield i, r


def _name(rec: ProjectSelfEvaluation | DeptSelfEvaluation) -> str:
    if isinstance(rec, ProjectSelfEvaluation):
        return f"项目“{rec.project_name}”"
    return f"部门整体“{rec.department or ''}”"


def _execution_rate(rec: ProjectSelfEvaluation | DeptSelfEvaluation) -> Decimal | None:
    if isinstance(rec, ProjectSelfEvaluation):
        return rec.funds.total.execution_rate if rec.funds.total else None
    return next((r.execution_rate for r in rec.fund_rows if r.group is None and r.execution_rate is not None), None)


_FUND_COLUMNS = {"initial_budget": "年初预算数", "annual_budget": "全年预算数", "executed": "全年执行数"}


@rule("SE-007", "资金行合计", "self_evaluation.funds", "error", SE)
def fund_rows_add_up(doc: DocView, params: dict[str, Any]) -> Iterator[Finding]:
    """年度资金总额 = 当年财政拨款 + 上年结转资金 + 非财政拨款，每一栏 (only where the sub-rows print numbers)."""
    for i, rec in _projects(doc):
        f = rec.funds
        parts = [r for r in (f.current_year_appropriation, f.carryover, f.non_fiscal) if r is not None]
        if f.total is None or not parts:
            continue
        for col in ("initial_budget", "annual_budget", "executed"):
            total = getattr(f.total, col)
            vals = [getattr(r, col) for r in parts]
            if total is None or all(v is None for v in vals):
                continue
            s = sum((v for v in vals if v is not None), Decimal(0))
            if s != total:
                yield _finding("SE-007", "资金行合计", "error", i, rec,
                               f"{_FUND_COLUMNS[col]}：年度资金总额{fmt(total)}，分项之和{fmt(s)}",
                               [f"funds.total.{col}"], fmt(s), fmt(total))
