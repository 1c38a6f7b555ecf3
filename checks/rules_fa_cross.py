"""Final-accounts rules across tables: the same quantity printed twice must be the same number (pure)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from checks.model import Finding, fmt
from checks.registry import rule
from checks.view import Cell, DocView, TableView, norm_label

CROSS = ("final_accounts_table",)


def _first_col(t: TableView, section: str | None, prefer: tuple[str, ...]) -> str | None:
    cols = t.value_columns(section)
    return next((c for c in cols if c in prefer), cols[0] if cols else None)


def _mismatch(rule_id: str, title: str, what: str, a: Cell, a_name: str, b: Cell, b_name: str,
              severity: str = "error") -> Finding | None:
    """One last-digit unit apart is a 尾差 (tables rounded separately from 元 figures): info, not an error."""
    if a.value is None or b.value is None or a.value == b.value:
        return None
    diff = a.value - b.value
    tail = abs(diff) <= _last_unit(a.value, b.value)
    msg = f"{what}：{a_name}为{fmt(a.value)}，{b_name}为{fmt(b.value)}，相差{fmt(diff)}"
    return Finding(rule_id=rule_id, severity="info" if tail else severity, title=title,  # type: ignore[arg-type]
                   message=msg + ("（尾数差异，可能是单位换算的四舍五入）" if tail else ""),
                   expected=fmt(a.value), found=fmt(b.value), evidence=[a.evidence, b.evidence])


def _last_unit(*values: Decimal) -> Decimal:
    exps = [v.as_tuple().exponent for v in values]
    return Decimal(1).scaleb(max(e for e in exps if isinstance(e, int)))


def _classes(rule_id: str, title: str, ov: TableView | None, ov_col: str | None, det: TableView | None,
             det_col: str | None) -> Iterator[Finding]:
    """Each 类 (3-digit code) of a detail table against the row of the same name on the 支出 side of an overview."""
    if ov is None or det is None or ov_col is None or det_col is None:
        return
    for i, r in det.rows():
        if not r.code or len(r.code) != 3:
            continue
        j = ov.find(norm_label(r.label), section="支出")
        if j is not None and (f := _mismatch(rule_id, title, f"{r.code}{norm_label(r.label)}", ov.cell(j, ov_col),
                                             ov.table.std_name, det.cell(i, det_col), det.table.std_name)):
            yield f


@rule("FA-040", "总表与支出决算表各类支出一致", "final_accounts.cross_table", "error", CROSS)
def overview_vs_classes(doc: DocView, params: dict[str, Any]) -> Iterator[Finding]:
    """收入支出决算总表支出栏的每一类（一、一般公共服务支出 …）应等于支出决算表同一类科目的本年支出合计。"""
    ov, ex = doc.table("收入支出决算总表"), doc.table("支出决算表")
    ov_col = _first_col(ov, "支出", ("决算数", "金额")) if ov else None
    ex_col = _first_col(ex, None, ("本年支出合计", "合计")) if ex else None
    yield from _classes("FA-040", "总表与支出决算表各类支出一致", ov, ov_col, ex, ex_col)


@rule("FA-041", "财政拨款总表与一般公共预算支出表一致", "final_accounts.cross_table", "error", CROSS)
def fiscal_overview_vs_gpb(doc: DocView, params: dict[str, Any]) -> Iterator[Finding]:
    """财政拨款收入支出决算总表支出栏各类的“一般公共预算财政拨款”数应等于一般公共预算财政拨款支出决算表同类合计。"""
    fo, gp = doc.table("财政拨款收入支出决算总表"), doc.table("一般公共预算财政拨款支出决算表")
    fo_col = next((c for c in fo.value_columns("支出") if "一般公共预算" in c), None) if fo else None
    gp_col = next((c for c in gp.value_columns() if "合计" in c or c == "小计"), None) if gp else None
    yield from _classes("FA-041", "财政拨款总表与一般公共预算支出表一致", fo, fo_col, gp, gp_col)


@rule("FA-042", "收支总表与财政拨款总表的结转一致", "final_accounts.cross_table", "warning", CROSS)
def carryover_when_all_fiscal(doc: DocView, params: dict[str, Any]) -> Iterator[Finding]:
    """本年收入全部是财政拨款时（两表本年收入合计相同），两张总表的年初结转和结余、总计通常相同；不同时要看差额是否为
    非财政拨款的结转（例如单位自有资金），所以是提示而非错误。"""
    ov, fo = doc.table("收入支出决算总表"), doc.table("财政拨款收入支出决算总表")
    if ov is None or fo is None:
        return
    a_col, b_col = _first_col(ov, "收入", ("决算数", "金额")), _first_col(fo, "收入", ("决算数", "金额"))
    if a_col is None or b_col is None:
        return
    pairs = [(("本年收入合计",), ("本年收入合计",)), (("年初结转和结余",), ("年初财政拨款结转和结余",)), (("总计",), ("总计",))]
    cells = []
    for a_names, b_names in pairs:
        i, j = ov.find(*a_names, section="收入"), fo.find(*b_names, section="收入")
        cells.append(None if i is None or j is None else (ov.cell(i, a_col), fo.cell(j, b_col)))
    if cells[0] is None or cells[0][0].value is None or cells[0][0].value != cells[0][1].value:
        return
    for (names, _), pair in zip(pairs[1:], cells[1:], strict=True):
        if pair is not None and (f := _mismatch("FA-042", "收支总表与财政拨款总表的结转一致", names[0],
                                                pair[0], "收入支出决算总表", pair[1], "财政拨款收入支出决算总表",
                                                "warning")):
            yield f
    yield from _spending_classes(ov, fo)


_NOT_CLASSES = {"本年支出合计", "总计", "结余分配", "年末结转和结余", "年末财政拨款结转和结余"}


def _spending_classes(ov: TableView, fo: TableView) -> Iterator[Finding]:
    """With all income fiscal, each 支出 class of the two overviews differs only by spending of non-fiscal carry-over:
    worth a look, so a warning that names the class."""
    a_col = _first_col(ov, "支出", ("决算数", "金额"))
    b_col = _first_col(fo, "支出", ("合计", "小计", "决算数", "金额"))
    if a_col is None or b_col is None:
        return
    for i, r in ov.rows("支出"):
        name = norm_label(r.label)
        j = fo.find(name, section="支出") if name not in _NOT_CLASSES else None
        if j is not None and (f := _mismatch("FA-042", "收支总表与财政拨款总表的结转一致", name, ov.cell(i, a_col),
                                             "收入支出决算总表", fo.cell(j, b_col), "财政拨款收入支出决算总表", "warning")):
            f.message += "；本年收入全部为财政拨款时，差额只能来自非财政拨款结转和结余的使用，请核对"
            yield f
