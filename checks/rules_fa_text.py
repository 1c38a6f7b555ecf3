"""Narrative numbers against each other and against the tables: 三公 totals, year-on-year arithmetic and its direction
word, one classification code printed with two amounts (pure)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from checks.model import Evidence, Finding, fmt
from checks.registry import rule
from checks.rules_fa_groups import SANGONG
from checks.view import Cell, DocView, TableView, last_digit, norm_label
from extraction.numbers import MONEY_UNITS, convert
from extraction.records import NarrativeClaim

CLAIMS = ("narrative_claim",)
_CODE = re.compile(r"(?<!\d)(2\d{2}(?:\d{2}){0,2})(?!\d)")


def half_unit(v: Decimal) -> Decimal:
    return last_digit(v) / 2


def claim_ev(k: int, c: NarrativeClaim) -> Evidence:
    s = c.sources.get("value")
    return Evidence(record=f"claim[{k}]:{c.section or ''}/{c.metric}", path="value", page=c.page, bbox=s.bbox if s else None, quote=c.raw)


def claim_vs_cell(rule_id: str, title: str, k: int, c: NarrativeClaim, cell: Cell, t: TableView,
                  what: str) -> Finding | None:
    """The text may round to the digits it prints; more than that is an error, and a factor of ten thousand is
    named as a 元/万元 confusion."""
    if c.value is None or cell.value is None or t.table.unit is None or c.unit not in MONEY_UNITS:
        return None
    said = convert(c.value, c.unit, t.table.unit)
    half = convert(half_unit(c.value), c.unit, t.table.unit)
    if abs(said - cell.value) <= half:
        return None
    units = any(abs(said * f - cell.value) <= half * abs(f) for f in (Decimal(10000), Decimal("0.0001")))
    hint = "（相差一万倍：疑似元与万元混用）" if units else ""
    return Finding(rule_id=rule_id, severity="error", title=title,
                   message=f"情况说明称{c.metric}{c.raw}，{what}为{fmt(cell.value)}{t.table.unit}{hint}",
                   expected=f"{fmt(cell.value)}{t.table.unit}", found=c.raw, evidence=[claim_ev(k, c), cell.evidence])


def _claims(doc: DocView) -> Iterator[tuple[int, NarrativeClaim]]:
    for k, c in enumerate(doc.result.records):
        if isinstance(c, NarrativeClaim):
            yield k, c


_SANGONG_KEYS = (("因公出国", "因公出国"), ("公务用车运行", "公务用车运行"), ("公务用车购置及运行", "公务用车购置及运行"),
                 ("公务用车购置", "公务用车购置费"), ("公务接待", "公务接待"), ("三公", None))


def sangong_cell(t: TableView, key: str | None, kind: str) -> Cell | None:
    """The 三公 table printed by columns (合计/决算数 …) or by rows (支出合计 …); key None is the total."""
    cols = t.value_columns()
    if any("/" in c for c in cols):
        col = next((c for c in cols if c.endswith(kind) and (c.startswith("合计") if key is None else key in c)), None)
        return t.cell(0, col) if col is not None and t.table.rows else None
    col = next((c for c in cols if kind[:2] in c), None)
    if key is None:
        row = next((i for i, r in t.rows() if re.search(r"支出合计|^合计", norm_label(r.label))), None)
    else:
        row = next((i for i, r in t.rows() if key in r.label and "其中" not in r.label), None)
    return t.cell(row, col) if row is not None and col is not None else None


@rule("FA-074", "情况说明“三公”经费与报表一致", "final_accounts.narrative", "error", CLAIMS)
def sangong_text_vs_table(doc: DocView, params: dict[str, Any]) -> Iterator[Finding]:
    """情况说明（含绩效自评报告）里的“三公”经费合计及各项，应与“三公”经费支出决算表同一栏（预算数或决算数）一致。"""
    t = doc.table(SANGONG)
    if t is None:
        return
    for k, c in _claims(doc):
        if c.claim_kind != "total" or c.unit not in MONEY_UNITS:
            continue
        key = next((col for word, col in _SANGONG_KEYS if word in c.metric), "-")
        if key == "-":
            continue
        budget = "决算" not in c.metric and "预算" in c.metric.replace("一般公共预算", "")
        cell = sangong_cell(t, key, "预算数" if budget else "决算数")
        if cell is not None and (f := claim_vs_cell("FA-074", "情况说明“三公”经费与报表一致", k, c, cell, t,
                                                    f"“三公”经费表{'预算数' if budget else '决算数'}")):
            yield f


def _money(c: NarrativeClaim) -> tuple[Decimal, Decimal] | None:
    """(amount in 元, half a printed unit in 元)."""
    if c.value is None or c.amount_yuan is None or c.unit not in MONEY_UNITS:
        return None
    return c.amount_yuan, convert(half_unit(c.value), c.unit, "元")


@rule("FA-075", "同比增减额、增减率与方向词相符", "final_accounts.narrative", "warning", CLAIMS)
def year_on_year(doc: DocView, params: dict[str, Any]) -> Iterator[Finding]:
    """“X 万元，比上年增加 C 万元，增长 P%”：增减额与增减率的方向词要一致，P 应等于 C ÷ 上年数 × 100（上年数 = X ∓ C），
    允许印出位数的四舍五入。"""
    claims = list(_claims(doc))
    for n, (k, p) in enumerate(claims):
        if p.claim_kind != "yoy_pct" or p.value is None:
            continue
        same = [(j, c) for j, c in claims[:n] if c.sentence == p.sentence and c.metric == p.metric]
        change = next(((j, c) for j, c in reversed(same) if c.claim_kind == "yoy_change"), None)
        total = next(((j, c) for j, c in reversed(same) if c.claim_kind == "total"), None)
        if change is None:
            continue
        if change[1].direction and p.direction and change[1].direction != p.direction:
            yield Finding(rule_id="FA-075", severity="warning", title="同比增减额、增减率与方向词相符",
                          message=f"{p.metric}：增减额说“{change[1].direction}{change[1].raw}”，增减率却说“{p.direction}{p.raw}”",
                          found=p.raw, evidence=[claim_ev(*change), claim_ev(k, p)])
        elif total is not None and (f := _pct_check(k, p, change, total)):
            yield f


def _pct_check(k: int, p: NarrativeClaim, change: tuple[int, NarrativeClaim],
               total: tuple[int, NarrativeClaim]) -> Finding | None:
    a, b = _money(total[1]), _money(change[1])
    if a is None or b is None or p.value is None:
        return None
    sign = Decimal(-1) if change[1].direction == "增加" else Decimal(1)
    rates = [c / (x + sign * c) * 100 for x in (a[0] - a[1], a[0] + a[1]) for c in (b[0] - b[1], b[0] + b[1])
             if x + sign * c > 0]
    if not rates:
        return None
    low, high = min(rates) - half_unit(p.value), max(rates) + half_unit(p.value)
    if low <= p.value <= high:
        return None
    prior = a[0] + sign * b[0]
    rate = b[0] / prior * 100 if prior else Decimal(0)
    return Finding(rule_id="FA-075", severity="warning", title="同比增减额、增减率与方向词相符",
                   message=f"{p.metric}{total[1].raw}，{change[1].direction or ''}{change[1].raw}，上年应为{fmt(prior)}元，"
                           f"增减率应为{rate:.2f}%，情况说明印为{p.raw}",
                   expected=f"{rate:.2f}%", found=p.raw, evidence=[claim_ev(k, p), claim_ev(*change), claim_ev(*total)])


@rule("FA-076", "同一科目金额前后一致", "final_accounts.narrative", "warning", CLAIMS)
def one_code_one_amount(doc: DocView, params: dict[str, Any]) -> Iterator[Finding]:
    """说明里写明科目编码的金额（“20103款支出 1,470.37 万元”）在全文各处应相同，也应与支出决算表同一编码一致。"""
    by_code: dict[str, list[tuple[int, NarrativeClaim]]] = defaultdict(list)
    for k, c in _claims(doc):
        m = _CODE.search(c.metric)
        if m and c.claim_kind == "total" and c.amount_yuan is not None:
            by_code[m.group(1)].append((k, c))
    spend = doc.table("支出决算表")
    for code, group in by_code.items():
        first_k, first = group[0]
        for k, c in group[1:]:
            if c.amount_yuan != first.amount_yuan:
                yield Finding(rule_id="FA-076", severity="warning", title="同一科目金额前后一致",
                              message=f"科目{code}：第{first.page}页写“{first.metric}{first.raw}”，第{c.page}页写“{c.metric}{c.raw}”",
                              expected=first.raw, found=c.raw, evidence=[claim_ev(first_k, first), claim_ev(k, c)])
        row = next((i for i, r in spend.rows() if r.code == code), None) if spend else None
        col = next(iter(spend.value_columns()), None) if spend else None
        if spend is not None and row is not None and col is not None:
            for k, c in group:
                if f := claim_vs_cell("FA-076", "同一科目金额前后一致", k, c, spend.cell(row, col), spend,
                                      f"支出决算表科目{code}"):
                    yield f
