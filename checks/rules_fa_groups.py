"""基本支出表 and 三公 table identities (pure)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from checks.model import Finding
from checks.registry import rule
from checks.rules_fa import _gap
from checks.view import Cell, DocView, TableView, norm_label

BASIC = "一般公共预算财政拨款基本支出决算表"
SANGONG = "一般公共预算财政拨款“三公”经费支出决算表"


def _code_cell(t: TableView, code: str, col: str) -> Cell | None:
    i = next((i for i, r in t.rows() if r.code == code), None)
    return t.cell(i, col) if i is not None else None


@rule("FA-050", "基本支出经济分类合计关系", "final_accounts.basic", "error", (BASIC,), tolerance_factor=1)
def basic_expenditure(doc: DocView, params: dict[str, Any]) -> Iterator[Finding]:
    """人员经费合计 = 301 + 303；公用经费合计 = 302 + 310 (+ 307 + 399 where printed)；每一类 = 其各款之和。"""
    t = doc.table(BASIC)
    if t is None:
        return
    col = next(iter(t.value_columns()), None)
    if col is None:
        return
    for total_label, codes in (("人员经费合计", ("301", "303")), ("公用经费合计", ("302", "307", "310", "399"))):
        i = t.find(total_label)
        parts = [c for c in (_code_cell(t, code, col) for code in codes) if c is not None]
        if i is not None and parts and (f := _gap("基本支出经济分类合计关系", "FA-050", "error", t.cell(i, col), parts,
                                                 f"{BASIC}{total_label}", params)):
            yield f
    for i, r in t.rows():
        if r.code and len(r.code) == 3:
            kids = [t.cell(j, col) for j, k in t.rows() if k.code and len(k.code) == 5 and k.code.startswith(r.code)]
            if kids and (f := _gap("基本支出经济分类合计关系", "FA-050", "error", t.cell(i, col), kids,
                                   f"{BASIC}{r.code}{norm_label(r.label)}", params)):
                yield f


_PARTS = (("因公出国", "公务用车购置及运行", "公务接待"), ("公务用车购置费", "公务用车运行"))


@rule("FA-060", "“三公”经费合计关系", "final_accounts.sangong", "error", (SANGONG,), tolerance_factor=1)
def sangong(doc: DocView, params: dict[str, Any]) -> Iterator[Finding]:
    """“三公”合计 = 因公出国（境）费 + 公务用车购置及运行维护费 + 公务接待费；公务用车小计 = 购置费 + 运行维护费；
    预算数与决算数各算一遍。表的两种印法（按栏、按行）都适用。"""
    t = doc.table(SANGONG)
    if t is None:
        return
    cols = t.value_columns()
    if any("/" in c for c in cols):
        yield from _by_columns(t, cols, params)
    else:
        yield from _by_rows(t, cols, params)


def _by_columns(t: TableView, cols: list[str], params: dict[str, Any]) -> Iterator[Finding]:
    for kind in ("预算数", "决算数"):
        mine = [c for c in cols if c.endswith(kind)]
        total = next((c for c in mine if c.startswith("合计")), None)
        car = next((c for c in mine if "公务用车购置及运行" in c and ("小计" in c or c.count("/") == 1)), None)
        top = [c for c in mine if c.count("/") == 1 and not c.startswith("合计") and "公务用车" not in c]
        top += [car] if car else []
        subs = [c for c in mine if "公务用车购置及运行" in c and c != car]
        for i, _ in t.rows():
            if total and top and (f := _gap("“三公”经费合计关系", "FA-060", "error", t.cell(i, total),
                                            [t.cell(i, c) for c in top], f"“三公”经费{kind}合计", params)):
                yield f
            if car and subs and (f := _gap("“三公”经费合计关系", "FA-060", "error", t.cell(i, car),
                                           [t.cell(i, c) for c in subs], f"公务用车购置及运行维护费{kind}", params)):
                yield f


def _by_rows(t: TableView, cols: list[str], params: dict[str, Any]) -> Iterator[Finding]:
    def find(key: str) -> int | None:
        return next((i for i, r in t.rows() if key in r.label and "其中" not in r.label), None)

    total = next((i for i, r in t.rows() if re.search(r"支出合计|^合计", norm_label(r.label))), None)
    top, car = [find(k) for k in _PARTS[0]], find("公务用车购置及运行")
    subs = [find(k) for k in _PARTS[1]]
    for col in cols:
        if total is not None and None not in top and (f := _gap("“三公”经费合计关系", "FA-060", "error",
                                                              t.cell(total, col), [t.cell(i, col) for i in top if i is not None],
                                                              f"“三公”经费“{col}”合计", params)):
            yield f
        if car is not None and None not in subs and (f := _gap("“三公”经费合计关系", "FA-060", "error", t.cell(car, col),
                                                             [t.cell(i, col) for i in subs if i is not None],
                                                             f"公务用车购置及运行维护费“{col}”", params)):
            yield f


_SANGONG_LINES = (("30212", "因公出国"), ("30217", "公务接待"), ("30231", "公务用车运行"))


@rule("FA-061", "“三公”决算不小于基本支出中的对应科目", "final_accounts.sangong", "warning", (SANGONG, BASIC))
def sangong_vs_basic_lines(doc: DocView, params: dict[str, Any]) -> Iterator[Finding]:
    """“三公”经费决算包括基本支出和项目支出，所以不应小于基本支出表中的 30212 因公出国（境）费用、30217 公务接待费、
    30231 公务用车运行维护费。"""
    sg, basic = doc.table(SANGONG), doc.table(BASIC)
    if sg is None or basic is None:
        return
    bcol = next(iter(basic.value_columns()), None)
    for code, key in _SANGONG_LINES:
        line = _code_cell(basic, code, bcol) if bcol else None
        actual = _sangong_actual(sg, key)
        if line is None or actual is None or line.value is None or actual.value is None:
            continue
        if line.value > actual.value:
            yield Finding(rule_id="FA-061", severity="warning", title="“三公”决算不小于基本支出中的对应科目",
                          message=f"基本支出表{code}为{line.value:,.2f}，大于“三公”经费表中{key}的决算数{actual.value:,.2f}",
                          expected=f"≥{line.value:,.2f}", found=f"{actual.value:,.2f}",
                          evidence=[line.evidence, actual.evidence])


def _sangong_actual(t: TableView, key: str) -> Cell | None:
    cols = t.value_columns()
    by_col = next((c for c in cols if key in c and c.endswith("决算数")), None)
    if by_col is not None and t.table.rows:
        return t.cell(0, by_col)
    row = next((i for i, r in t.rows() if key in r.label and "其中" not in r.label), None)
    col = next((c for c in cols if "决算" in c), None)
    return t.cell(row, col) if row is not None and col is not None else None
