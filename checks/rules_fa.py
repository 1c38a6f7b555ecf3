"""Final-accounts rules (部门决算公开): presence, 收支总表 identities, classification sums (pure)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from checks.model import Evidence, Finding, fmt
from checks.registry import rule
from checks.view import Cell, DocView, TableView, tolerance
from extraction.records import STD_NAMES

FA = ("final_accounts_table",)


def _gap(title: str, rule_id: str, severity: str, total: Cell, parts: list[Cell], what: str,
         params: dict[str, Any]) -> Finding | None:
    """Compare a printed total with the sum of its printed parts; rounding-sized gaps are info."""
    if total.value is None or all(p.value is None for p in parts):
        return None
    s = sum((p.value for p in parts if p.value is not None), Decimal(0))
    diff = total.value - s
    if diff == 0:
        return None
    tol = tolerance(len(parts)) * Decimal(str(params.get("tolerance_factor", 1)))
    rounding = abs(diff) <= tol
    msg = (f"{what}：合计为{fmt(total.value)}，各项之和为{fmt(s)}，相差{fmt(diff)}"
           + ("（在四舍五入误差范围内）" if rounding else ""))
    return Finding(rule_id=rule_id, severity="info" if rounding else severity, title=title, message=msg,  # type: ignore[arg-type]
                   expected=fmt(s), found=fmt(total.value),
                   evidence=[total.evidence, *(p.evidence for p in parts if p.value is not None)])


@rule("FA-001", "九张公开表齐全", "final_accounts.presence", "warning", FA)
def nine_tables(doc: DocView, params: dict[str, Any]) -> Iterator[Finding]:
    """部门决算公开 must print the nine standard tables; an empty one must say 本表无数据. A table-of-contents line
    does not count: only tables found on the pages."""
    if not any(t.table.std_name in STD_NAMES for t in doc.tables):
        return  # not a 部门决算 disclosure (a report may print one other table)
    for name in STD_NAMES:
        t = doc.table(name)
        if t is None:
            yield Finding(rule_id="FA-001", severity="warning", title="九张公开表齐全",
                          message=f"未找到公开表“{name}”", expected=name, found="缺失")
        elif not any(v is not None for r in t.table.rows for v in r.cells.values()) and not t.table.empty_statement:
            yield Finding(rule_id="FA-001", severity="info", title="九张公开表齐全",
                          message=f"“{name}”没有数据，也没有“本表无数据”等说明", expected="本表无数据的说明",
                          found="空表无说明", evidence=[_title_ev(t)])


def _title_ev(t: TableView) -> Evidence:
    s = t.table.sources.get("title")
    return Evidence(record=t.ref, path="title", page=s.page if s else (t.table.pages[0] if t.table.pages else None),
                    bbox=s.bbox if s else None, quote=t.table.title)


def _side(t: TableView, section: str, total: tuple[str, ...], parts: list[tuple[str, ...]]) -> tuple[Cell, list[Cell]] | None:
    col = next(iter(t.value_columns(section)), None)
    ti = t.find(*total, section=section)
    if col is None or ti is None:
        return None
    idx = [t.find(*p, section=section) for p in parts]
    if any(i is None for i in idx[:1]):
        return None
    return t.cell(ti, col), [t.cell(i, col) for i in idx if i is not None]


@rule("FA-010", "收入支出决算总表平衡关系", "final_accounts.identity", "error", FA, tolerance_factor=1)
def overview_identities(doc: DocView, params: dict[str, Any]) -> Iterator[Finding]:
    """收入总计 = 本年收入合计 + 使用非财政拨款结余 + 年初结转和结余；支出总计 = 本年支出合计 + 结余分配 + 年末结转和结余；
    收入总计 = 支出总计。"""
    t = doc.table("收入支出决算总表")
    if t is None:
        return
    sides: dict[str, tuple[tuple[str, ...], list[tuple[str, ...]]]] = {
        "收入": (("总计",), [("本年收入合计",), ("使用非财政拨款结余", "使用专用结余", "用事业基金弥补收支差额"),
                          ("年初结转和结余",)]),
        "支出": (("总计",), [("本年支出合计",), ("结余分配",), ("年末结转和结余",)]),
    }
    totals: dict[str, Cell] = {}
    for section, (total, parts) in sides.items():
        got = _side(t, section, total, parts)
        if got is None:
            continue
        totals[section] = got[0]
        f = _gap("收入支出决算总表平衡关系", "FA-010", "error", got[0], got[1], f"收入支出决算总表{section}总计", params)
        if f:
            yield f
    if len(totals) == 2:
        a, b = totals["收入"], totals["支出"]
        if a.value is not None and b.value is not None and a.value != b.value:
            yield Finding(rule_id="FA-010", severity="error", title="收入支出决算总表平衡关系",
                          message=f"收入总计{fmt(a.value)}与支出总计{fmt(b.value)}不相等，相差{fmt(a.value - b.value)}",
                          expected=fmt(a.value), found=fmt(b.value), evidence=[a.evidence, b.evidence])


CLASSIFIED = ("收入决算表", "支出决算表", "一般公共预算财政拨款支出决算表")


@rule("FA-020", "功能分类科目合计关系", "final_accounts.classification", "error", CLASSIFIED, tolerance_factor=1)
def classification_sums(doc: DocView, params: dict[str, Any]) -> Iterator[Finding]:
    """In tables by 支出功能分类科目: 合计 = Σ类, 类 = Σ其款, 款 = Σ其项, in every value column. Only codes printed
    with their children are compared (a 类 printed without its 款 rows is not a sum)."""
    for name in CLASSIFIED:
        t = doc.table(name)
        if t is None:
            continue
        coded = [(i, r.code) for i, r in t.rows() if r.code]
        total_i = t.find("合计")
        for col in t.value_columns():
            yield from _code_sums(t, coded, total_i, col, params)


def _code_sums(t: TableView, coded: list[tuple[int, str]], total_i: int | None, col: str,
               params: dict[str, Any]) -> Iterator[Finding]:
    lengths = sorted({len(c) for _, c in coded})
    if total_i is not None and lengths:
        tops = [i for i, c in coded if len(c) == lengths[0]]
        f = _gap("功能分类科目合计关系", "FA-020", "error", t.cell(total_i, col), [t.cell(i, col) for i in tops],
                 f"{t.table.std_name}“{col}”栏合计与各类之和", params)
        if f:
            yield f
    for i, code in coded:
        kids = [j for j, c in coded if len(c) > len(code) and c.startswith(code)
                and len(c) == min((len(x) for _, x in coded if len(x) > len(code) and x.startswith(code)), default=0)]
        if not kids:
            continue
        f = _gap("功能分类科目合计关系", "FA-020", "error", t.cell(i, col), [t.cell(j, col) for j in kids],
                 f"{t.table.std_name}“{col}”栏科目{code}与其下级之和", params)
        if f:
            yield f
