"""More self-evaluation rules: budgets cut to make 100 %, copied indicator sets, units that do not fit, targets
missed yet scored in full (pure)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from checks.model import Evidence, Finding, fmt
from checks.registry import rule
from checks.rules_se import NO_DEVIATION, SE, _finding, _projects
from checks.view import DocView
from extraction.forms.values import target
from extraction.records import Indicator, ScoringTable

_COUNT_WORDS = ("期数", "次数", "个数", "人数", "件数", "户数", "场次", "批次", "册数", "篇数", "份数", "期")


@rule("SE-008", "调减全年预算使执行率达100%", "self_evaluation.funds", "warning", SE, min_cut=0.2, min_rate=99.5)
def budget_cut_to_full(doc: DocView, params: dict[str, Any]) -> Iterator[Finding]:
    """全年预算数比年初预算数调减了 min_cut 以上，执行率却恰好在 min_rate% 以上：执行率靠调预算“做”出来。"""
    cut, floor = Decimal(str(params["min_cut"])), Decimal(str(params["min_rate"]))
    for i, rec in _projects(doc):
        row = rec.funds.total
        if row is None or None in (row.initial_budget, row.annual_budget, row.execution_rate):
            continue
        if row.initial_budget and row.annual_budget < row.initial_budget * (1 - cut) and row.execution_rate >= floor:  # type: ignore[operator]
            yield _finding("SE-008", "调减全年预算使执行率达100%", "warning", i, rec,
                           f"年初预算{fmt(row.initial_budget)}调减为全年预算{fmt(row.annual_budget)}，执行率{fmt(row.execution_rate)}%",
                           ["funds.total.initial_budget", "funds.total.annual_budget", "funds.total.execution_rate"])


def _signature(inds: list[Indicator]) -> tuple[tuple[str | None, ...], ...]:
    return tuple((x.level3, x.target, x.unit) for x in inds)


@rule("SE-009", "指标体系在项目间照搬", "self_evaluation.copy", "warning", SE, min_indicators=3)
def copied_indicator_sets(doc: DocView, params: dict[str, Any]) -> Iterator[Finding]:
    """同一份材料里两个不同项目的绩效指标（三级指标、指标值、单位）完全相同：指标很可能是照搬的。"""
    seen: dict[tuple[tuple[str | None, ...], ...], list[tuple[int, Any]]] = defaultdict(list)
    for i, rec in _projects(doc):
        if len(rec.indicators) >= int(params["min_indicators"]):
            seen[_signature(rec.indicators)].append((i, rec))
    for group in seen.values():
        names = {r.project_name for _, r in group}
        if len(names) < 2:
            continue
        first_i, first = group[0]
        for i, rec in group[1:]:
            yield _finding("SE-009", "指标体系在项目间照搬", "warning", i, rec,
                           f"{len(rec.indicators)}项绩效指标与项目“{first.project_name}”完全相同",
                           ["indicators[0].level3"])


@rule("SE-010", "计量单位与指标不符", "self_evaluation.units", "warning", SE)
def unit_mismatch(doc: DocView, params: dict[str, Any]) -> Iterator[Finding]:
    """数量类指标（期数、次数、个数…）用“%”计量，或实际完成值的单位与指标值的单位不同。"""
    for i, rec in _projects(doc):
        for k, x in enumerate(rec.indicators):
            name = x.level3 or ""
            actual_unit = target(x.actual).unit if x.actual else None
            if x.unit == "%" and name.endswith(_COUNT_WORDS):
                yield _finding("SE-010", "计量单位与指标不符", "warning", i, rec,
                               f"指标“{name}”是数量，却以“%”计量（指标值{x.target}）", [f"indicators[{k}].unit"])
            elif x.unit and actual_unit and actual_unit.split("/")[0] != x.unit.split("/")[0] and "%" not in (
                    x.unit, actual_unit):
                yield _finding("SE-010", "计量单位与指标不符", "warning", i, rec,
                               f"指标“{name}”的指标值单位为“{x.unit}”，实际完成值为“{x.actual}”",
                               [f"indicators[{k}].unit", f"indicators[{k}].actual"])


def _missed(x: Indicator) -> bool:
    """Operator-aware; a cost (成本指标) printed with "=" is a ceiling: spending less is not a miss."""
    t, a = x.target_value, x.actual_value
    if t is None or a is None:
        return False
    op = x.operator or "="
    if op == "=" and "成本" in (x.level2 or ""):
        op = "≤"
    return {"≥": a < t, ">": a <= t, "≤": a > t, "<": a >= t, "=": a != t}.get(op, False)


@rule("SE-011", "未达标却得满分", "self_evaluation.scores", "warning", SE)
def missed_but_full_score(doc: DocView, params: dict[str, Any]) -> Iterator[Finding]:
    """按指标性质（≥、≤、=）实际完成值没有达到指标值，却给了满分或偏差说明写“无”。"""
    for i, rec in _projects(doc):
        for k, x in enumerate(rec.indicators):
            if not _missed(x):
                continue
            full = x.score is not None and x.weight is not None and x.score >= x.weight
            silent = (x.deviation_note or "").strip() in NO_DEVIATION
            if full or silent:
                why = "得满分" if full else "偏差说明为“无”"
                yield _finding("SE-011", "未达标却得满分", "warning", i, rec,
                               f"指标“{x.level3}”目标{x.operator or ''}{x.target}，实际{x.actual}，未达标却{why}",
                               [f"indicators[{k}].actual", f"indicators[{k}].score"], f"{x.operator or ''}{x.target}",
                               x.actual)


@rule("SE-012", "评分表分值与得分合计", "self_evaluation.scores", "error", ("scoring_table",))
def scoring_tree(doc: DocView, params: dict[str, Any]) -> Iterator[Finding]:
    """评分表：下级指标分值之和应等于上级分值；得分不超过分值；末级得分之和应等于总分。"""
    for i, t in enumerate(doc.result.records):
        if not isinstance(t, ScoringTable) or not t.nodes:
            continue
        ref = f"scoring[{i}]:{t.title or ''}"
        yield from _weights_add_up(t, ref)
        leaves = [n for k, n in enumerate(t.nodes) if not _children(t.nodes, k)]
        scores = [n.score for n in leaves if n.score is not None]
        if t.total_score is not None and scores and len(scores) == len(leaves):
            s = sum(scores, Decimal(0))
            if s != t.total_score:
                yield Finding(rule_id="SE-012", severity="error", title="评分表分值与得分合计",
                              message=f"评分表“{t.title}”总分{fmt(t.total_score)}，末级得分之和{fmt(s)}",
                              expected=fmt(s), found=fmt(t.total_score),
                              evidence=[Evidence(record=ref, path="total_score", page=t.pages[0] if t.pages else None)])


def _children(nodes: list, k: int) -> list:  # type: ignore[type-arg]
    """The nodes one level down that follow node k before the next node at its level or above (printed order:
    two groups may share a name, as 001's two 资金管理)."""
    out = []
    for m in nodes[k + 1:]:
        if m.level <= nodes[k].level:
            break
        if m.level == nodes[k].level + 1:
            out.append(m)
    return out


def _merged_with_next(t: ScoringTable, k: int, rest: Decimal) -> str | None:
    """The next node of the same level prints no weight and its children make up the difference: one weight cell
    printed over two rows (001: 决策 40 = 决策 20 + 过程 20)."""
    level = t.nodes[k].level
    nxt = next((m for m, n in enumerate(t.nodes[k + 1:], k + 1) if n.level <= level), None)
    if nxt is None or t.nodes[nxt].level != level or t.nodes[nxt].weight is not None:
        return None
    kids = [m.weight for m in _children(t.nodes, nxt)]
    return t.nodes[nxt].name if kids and None not in kids and sum(kids, Decimal(0)) == rest else None  # type: ignore[arg-type]


def _weights_add_up(t: ScoringTable, ref: str) -> Iterator[Finding]:
    for k, n in enumerate(t.nodes):
        kids = _children(t.nodes, k)
        weights = [m.weight for m in kids if m.weight is not None]
        if n.weight is None or not kids or len(weights) < len(kids):
            continue
        s = sum(weights, Decimal(0))
        if s != n.weight:
            merged = _merged_with_next(t, k, n.weight - s)
            yield Finding(rule_id="SE-012", severity="info" if merged else "error", title="评分表分值与得分合计",
                          message=f"评分表“{t.title}”中“{n.name}”分值为{fmt(n.weight)}，其下级分值之和为{fmt(s)}"
                                  + (f"；下一项“{merged}”没有印分值而其下级正好是{fmt(n.weight - s)}：分值单元格"
                                     "可能跨了两行（合并单元格），请对照原表" if merged else ""),
                          expected=fmt(s), found=fmt(n.weight),
                          evidence=[Evidence(record=ref, path=f"nodes[{k}].weight", page=t.pages[0] if t.pages else None,
                                             quote=n.name)])


@rule("SE-013", "分值合计为100", "self_evaluation.scores", "error", SE, total=100)
def weights_add_to_total(doc: DocView, params: dict[str, Any]) -> Iterator[Finding]:
    """资金执行分值 + 各指标分值 = 总分值（通常100）。"""
    for i, rec in _projects(doc):
        weights = [x.weight for x in rec.indicators if x.weight is not None]
        if not weights or len(weights) < len(rec.indicators):
            continue
        total_row = rec.funds.total
        if total_row is not None and total_row.weight is None and total_row.score is not None:
            continue  # funds are scored but their 分值 is not printed (大同 forms): nothing to add up
        fund = total_row.weight if total_row is not None and total_row.weight is not None else Decimal(0)
        want = rec.total_weight if rec.total_weight is not None else Decimal(str(params["total"]))
        s = sum(weights, Decimal(0)) + fund
        if s != want:
            yield _finding("SE-013", "分值合计为100", "error", i, rec,
                           f"资金分值与各指标分值之和为{fmt(s)}，应为{fmt(want)}",
                           [f"indicators[{k}].weight" for k in range(len(weights))][:6], fmt(want), fmt(s))


def _same_text(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return False
    x, y = "".join(a.split()), "".join(b.split())
    return x == y or (len(x) > 20 and (x in y or y in x) and min(len(x), len(y)) > 0.9 * max(len(x), len(y)))


@rule("SE-014", "实际完成情况照抄年度目标", "self_evaluation.copy", "warning", SE)
def result_copies_goal(doc: DocView, params: dict[str, Any]) -> Iterator[Finding]:
    """“实际完成情况”与“年度总体目标”一字不差（或几乎相同）：没有写实际完成了什么。"""
    for i, rec in _projects(doc):
        if _same_text(rec.goal_text, rec.result_text):
            yield _finding("SE-014", "实际完成情况照抄年度目标", "warning", i, rec,
                           f"实际完成情况与年度总体目标相同（“{(rec.result_text or '')[:30]}…”）",
                           ["goal_text", "result_text"])


_RANGE = re.compile(r"^\s*(≥|≤|>|<|＞|＜|>=|<=)")


@rule("SE-020", "实际完成值填成了指标区间", "self_evaluation.plausibility", "warning", SE)
def actual_is_a_range(doc: DocView, params: dict[str, Any]) -> Iterator[Finding]:
    """实际完成值应是一个实际数（如 97%），印成“≥98%”这样的区间，等于照抄了指标值，没有报告实际完成了多少。"""
    for i, rec in _projects(doc):
        if rec.funds.total is not None and rec.funds.total.executed == 0:
            continue  # a project that did not run is SE-021's
        hits = [k for k, x in enumerate(rec.indicators) if x.actual and _RANGE.match(x.actual)]
        if hits:
            shown = "、".join(f"{rec.indicators[k].level3}“{rec.indicators[k].actual}”" for k in hits[:3])
            yield _finding("SE-020", "实际完成值填成了指标区间", "warning", i, rec,
                           f"{len(hits)}项指标的实际完成值是区间而不是实际数：{shown}",
                           [f"indicators[{k}].actual" for k in hits[:6]], "实际数", rec.indicators[hits[0]].actual)


@rule("SE-021", "预算资金未执行", "self_evaluation.funds", "warning", SE)
def funds_not_spent(doc: DocView, params: dict[str, Any]) -> Iterator[Finding]:
    """全年预算安排了资金而全年执行数为 0：项目未开展、资金闲置，要看是否按规定收回或调整；预算本身为 0 的空表为提示。"""
    for i, rec in _projects(doc):
        row = rec.funds.total
        if row is None or row.executed is None or row.executed != 0 or row.annual_budget is None:
            continue
        unit = rec.funds.unit or ""
        if row.annual_budget > 0:
            yield _finding("SE-021", "预算资金未执行", "warning", i, rec,
                           f"全年预算数{fmt(row.annual_budget)}{unit}，全年执行数0，执行率{fmt(row.execution_rate)}%，"
                           f"总分{fmt(rec.total_score)}", ["funds.total.annual_budget", "funds.total.executed"])
        else:
            yield _finding("SE-021", "预算资金未执行", "info", i, rec,
                           "全年预算数与执行数均为0，仍填报了自评表（项目未开展）",
                           ["funds.total.annual_budget", "funds.total.executed"])
