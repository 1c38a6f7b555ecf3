"""Row identities inside a table (合计 = its parts across the columns) and narrative claims vs tables (pure)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from checks.model import Finding, fmt
from checks.registry import rule
from checks.rules_fa import _gap
from checks.rules_fa_text import claim_ev, claim_vs_cell, half_unit
from checks.view import DocView, norm_label
from extraction.numbers import convert
from extraction.records import NarrativeClaim

ROW_TABLES = ("收入决算表", "支出决算表", "一般公共预算财政拨款支出决算表")


def _column_groups(cols: list[str]) -> list[tuple[str, list[str]]]:
    """(total column, its part columns): a flat 本年支出合计 over the other flat columns, and a P/合计 or P/小计 over
    the other P/x columns; 其中 columns are details, never parts."""
    flat = [c for c in cols if "/" not in c]
    groups: list[tuple[str, list[str]]] = []
    total = next((c for c in flat if c.endswith("合计")), None)
    if total is not None:
        tops = [c.split("/")[0] for c in cols if c != total]
        parts = list(dict.fromkeys(t for t in tops if t != total))
        groups.append((total, [next(c for c in cols if c.split("/")[0] == p and (c == p or c.endswith(("/小计", "/合计"))
                                                                                or not any(x.startswith(p + "/") and x != c for x in cols)))
                               for p in parts]))
    for prefix in sorted({c.rsplit("/", 1)[0] for c in cols if "/" in c}):
        kids = [c for c in cols if c.rsplit("/", 1)[0] == prefix]
        head = next((c for c in kids if c.endswith(("/合计", "/小计"))), None)
        nested = [c for c in cols if c.count("/") == prefix.count("/") + 2 and c.startswith(prefix + "/")
                  and c.endswith(("/合计", "/小计"))]  # 本年支出/基本支出/小计 is a part of 本年支出/合计
        rest = [c for c in kids if c != head and "其中" not in c] + nested
        if head is not None and rest:
            groups.append((head, rest))
    return groups


@rule("FA-030", "表内各栏合计关系", "final_accounts.row_identity", "error", ROW_TABLES, tolerance_factor=1)
def row_identities(doc: DocView, params: dict[str, Any]) -> Iterator[Finding]:
    """每一行：合计栏 = 各组成栏之和（本年支出合计 = 基本支出 + 项目支出 + …；本年收入合计 = 财政拨款收入 + 事业收入 + …）。"""
    for name in ROW_TABLES:
        t = doc.table(name)
        if t is None:
            continue
        groups = _column_groups(t.value_columns())
        for i, r in t.rows():
            for total, parts in groups:
                f = _gap("表内各栏合计关系", "FA-030", "error", t.cell(i, total), [t.cell(i, p) for p in parts],
                         f"{name}“{r.code or norm_label(r.label)}”行“{total}”", params)
                if f:
                    yield f


_METRICS: dict[str, tuple[str, str | None, tuple[str, ...]]] = {
    "收入支出总计": ("收入支出决算总表", "收入", ("总计",)),
    "财政拨款收入支出总计": ("财政拨款收入支出决算总表", "收入", ("总计",)),
    "本年收入合计": ("收入支出决算总表", "收入", ("本年收入合计",)),
    "本年支出合计": ("收入支出决算总表", "支出", ("本年支出合计",)),
    "基本支出": ("支出决算表", None, ("合计",)),
    "项目支出": ("支出决算表", None, ("合计",)),
    "一般公共预算财政拨款支出": ("一般公共预算财政拨款支出决算表", None, ("合计",)),
}
_COLUMN = {"基本支出": "基本支出", "项目支出": "项目支出"}


@rule("FA-070", "情况说明与报表数字一致", "final_accounts.narrative", "error", ("narrative_claim",))
def narrative_vs_tables(doc: DocView, params: dict[str, Any]) -> Iterator[Finding]:
    """情况说明里的总额（收入支出总计、本年收入合计、基本支出、项目支出…）应与报表同一数字一致（换算单位后，
    允许说明按其印出位数四舍五入）。"""
    for k, c in enumerate(doc.result.records):
        if not isinstance(c, NarrativeClaim) or c.claim_kind != "total" or c.value is None or c.zone == "self_evaluation":
            continue
        target = _METRICS.get(norm_label(c.metric))
        t = doc.table(target[0]) if target else None
        if target is None or t is None or t.table.unit is None or c.unit not in ("元", "万元", "亿元"):
            continue
        i = t.find(*target[2], section=target[1])
        col = _COLUMN.get(norm_label(c.metric)) or next(iter(t.value_columns(target[1])), None)
        if i is None or col is None:
            continue
        if f := claim_vs_cell("FA-070", "情况说明与报表数字一致", k, c, t.cell(i, col), t, t.table.std_name):
            yield f


def _section_claims(doc: DocView) -> dict[str, list[tuple[int, NarrativeClaim]]]:
    out: dict[str, list[tuple[int, NarrativeClaim]]] = {}
    for k, c in enumerate(doc.result.records):
        if isinstance(c, NarrativeClaim):
            out.setdefault(c.section or "", []).append((k, c))
    return out


@rule("FA-071", "情况说明占比与金额相符", "final_accounts.narrative", "warning", ("narrative_claim",))
def shares_match_amounts(doc: DocView, params: dict[str, Any]) -> Iterator[Finding]:
    """“其中：X 金额，占 Y%”：Y 应等于 X ÷ 它所属的总额 × 100，允许印出位数的四舍五入。总额取 X 之前最近的、不小于 X
    的“…总额/合计/总计”，没有时取本段第一个总额。"""
    for claims in _section_claims(doc).values():
        totals = [(k, c) for k, c in claims if c.claim_kind == "total" and c.amount_yuan is not None]
        if len(totals) < 2:
            continue
        pairs = list(_share_pairs(claims, totals[0]))
        sums: dict[int, Decimal] = {}
        for (_, c), _, (base_k, _) in pairs:
            sums[base_k] = sums.get(base_k, Decimal(0)) + (c.value or Decimal(0))
        for (k, c), amount, (base_k, base) in pairs:
            share = (amount[1].amount_yuan or Decimal(0)) / (base.amount_yuan or Decimal(1)) * 100
            if abs(share - (c.value or Decimal(0))) > _share_tolerance(c.value or Decimal(0), amount[1], base):
                forced = "（本段各项占比之和恰为100%：差额可能被并入了这一项）" if sums[base_k] == 100 else ""
                yield Finding(rule_id="FA-071", severity="warning", title="情况说明占比与金额相符",
                              message=f"{amount[1].metric}{amount[1].raw}占{base.metric}{base.raw}应为{share:.2f}%，"
                                      f"情况说明印为{c.raw}{forced}", expected=f"{share:.2f}%", found=c.raw,
                              evidence=[claim_ev(k, c), claim_ev(amount[0], amount[1]), claim_ev(base_k, base)])


Pair = tuple[int, NarrativeClaim]


def _share_pairs(claims: list[Pair], first: Pair) -> Iterator[tuple[Pair, Pair, Pair]]:
    """(share, the amount it is a share of, the whole) for every “X 金额，占 Y%” of a section."""
    for n, (k, c) in enumerate(claims):
        if c.claim_kind != "share" or c.value is None or n == 0:
            continue
        amount = next(((j, a) for j, a in reversed(claims[:n]) if a.claim_kind == "total"), None)
        if amount is None or amount[1].amount_yuan is None:
            continue
        base = _base(claims[:n], amount, first)
        if base[0] != amount[0] and base[1].amount_yuan:
            yield (k, c), amount, base


_WHOLE = ("总额", "合计", "总计")


def _base(before: list[tuple[int, NarrativeClaim]], part: tuple[int, NarrativeClaim],
          first: tuple[int, NarrativeClaim]) -> tuple[int, NarrativeClaim]:
    value = part[1].amount_yuan or Decimal(0)
    for j, a in reversed(before):
        if (j != part[0] and a.claim_kind == "total" and a.amount_yuan is not None and a.amount_yuan >= value
                and any(w in a.metric for w in _WHOLE)):
            return j, a
    return first


def _share_tolerance(printed: Decimal, part: NarrativeClaim, whole: NarrativeClaim) -> Decimal:
    """Half the share's last digit plus what rounding of the two printed amounts can move it."""
    p, w = part.value or Decimal(0), whole.value or Decimal(1)
    return half_unit(printed) + 100 * (half_unit(p) / w + p * half_unit(w) / (w * w))


@rule("FA-072", "情况说明完成率与预算、决算数相符", "final_accounts.narrative", "warning", ("narrative_claim",))
def completion_rates(doc: DocView, params: dict[str, Any]) -> Iterator[Finding]:
    """“年初预算为 A 万元，支出决算为 B 万元，完成年初预算的 C%”：C 应等于 B ÷ A × 100；A 为 0 时不应给出完成率。"""
    for claims in _section_claims(doc).values():
        for n, (k, c) in enumerate(claims):
            if c.claim_kind != "completion_rate" or c.value is None:
                continue
            before = [(j, a) for j, a in claims[:n] if a.claim_kind == "total" and a.sentence == c.sentence]
            budget = next(((j, a) for j, a in before if "预算" in a.metric), None)
            actual = next(((j, a) for j, a in reversed(before) if "决算" in a.metric or "支出" in a.metric), None)
            if budget is None or actual is None or budget[0] == actual[0] or budget[1].value is None:
                continue
            if budget[1].value == 0:
                yield Finding(rule_id="FA-072", severity="warning", title="情况说明完成率与预算、决算数相符",
                              message=f"年初预算为{budget[1].raw}，却给出完成率{c.raw}", found=c.raw,
                              evidence=[claim_ev(k, c), claim_ev(*budget)])
                continue
            rate = (actual[1].value or Decimal(0)) / budget[1].value * 100
            if abs(rate - c.value) > _share_tolerance(c.value, actual[1], budget[1]):
                yield Finding(rule_id="FA-072", severity="warning", title="情况说明完成率与预算、决算数相符",
                              message=f"决算{actual[1].raw}÷预算{budget[1].raw}应为{rate:.2f}%，情况说明印为{c.raw}",
                              expected=f"{rate:.2f}%", found=c.raw,
                              evidence=[claim_ev(k, c), claim_ev(*actual), claim_ev(*budget)])


@rule("FA-073", "机关运行经费与公用经费", "final_accounts.narrative", "info", ("narrative_claim",))
def running_costs(doc: DocView, params: dict[str, Any]) -> Iterator[Finding]:
    """机关运行经费是行政单位（含参公事业单位）的公用经费：与基本支出表的公用经费合计不同，值得核对单位构成。"""
    t = doc.table("一般公共预算财政拨款基本支出决算表")
    if t is None or t.table.unit is None:
        return
    i = t.find("公用经费合计")
    col = next(iter(t.value_columns()), None)
    if i is None or col is None or (cell := t.cell(i, col)).value is None:
        return
    for k, c in enumerate(doc.result.records):
        if (isinstance(c, NarrativeClaim) and c.claim_kind == "total" and "机关运行经费" in c.metric and c.zone != "self_evaluation"
                and c.value is not None and c.unit in ("元", "万元", "亿元")):
            said = convert(c.value, c.unit, t.table.unit)
            if said != cell.value:
                yield Finding(rule_id="FA-073", severity="info", title="机关运行经费与公用经费",
                              message=f"机关运行经费{c.raw}，基本支出表公用经费合计{fmt(cell.value)}{t.table.unit}",
                              expected=fmt(cell.value), found=c.raw, evidence=[claim_ev(k, c), cell.evidence])
