"""Final-accounts rules across tables: the same quantity printed twice must be the same number (pure)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from checks.model import Finding, fmt
from checks.registry import rule
from checks.view import Cell, DocView, TableView, last_digit, norm_label
from extraction.numbers import convert

CROSS = ("final_accounts_table",)


def _first_col(t: TableView, section: str | None, prefer: tuple[str, ...]) -> str | None:
    cols = t.value_columns(section)
    return next((c for c in cols if c in prefer), cols[0] if cols else None)


def _mismatch(rule_id: str, title: str, what: str, a: Cell, ta: TableView, b: Cell, tb: TableView,
              severity: str = "error") -> Finding | None:
    """The same quantity in two tables, compared in one unit. One last-digit unit apart is a 尾差 (tables rounded
    separately from 元 figures): info. Equal digits under different units, or a factor of 10 000, is a 元/万元 slip."""
    if a.value is None or b.value is None:
        return None
    ua, ub = ta.table.unit, tb.table.unit
    bv = convert(b.value, ub, ua) if ua and ub and ua != ub else b.value
    if a.value == bv:
        return None
    diff = a.value - bv
    b_step = convert(last_digit(b.value), ub, ua) if ua and ub and ua != ub else last_digit(b.value)
    tail = abs(diff) <= max(last_digit(a.value), b_step)
    units = ua != ub and a.value == b.value or bv and abs(a.value / bv) in (Decimal(10000), Decimal("0.0001"))
    msg = f"{what}：{ta.table.std_name}为{fmt(a.value)}{ua or ''}，{tb.table.std_name}为{fmt(b.value)}{ub or ''}"
    if units:
        msg += "（数字相同或相差一万倍：疑似元与万元混用或金额单位标错）"
    elif tail:
        msg += f"，相差{fmt(diff)}（尾数差异，可能是单位换算的四舍五入）"
    else:
        msg += f"，相差{fmt(diff)}"
    return Finding(rule_id=rule_id, severity="info" if tail and not units else severity, title=title,  # type: ignore[arg-type]
                   message=msg, expected=fmt(a.value), found=fmt(b.value), evidence=[a.evidence, b.evidence])


def _classes(rule_id: str, title: str, ov: TableView | None, ov_col: str | None, det: TableView | None,
             det_col: str | None) -> Iterator[Finding]:
    """Each 类 (3-digit code) of a detail table against the row of the same name on the 支出 side of an overview."""
    if ov is None or det is None or ov_col is None or det_col is None:
        return
    for i, r in det.rows():
        if not r.code or len(r.code) != 3:
            continue
        j = ov.find(norm_label(r.label), section="支出")
        if j is not None and (f := _mismatch(rule_id, title, f"{r.code}{norm_label(r.label)}", ov.cell(j, ov_col), ov,
                                             det.cell(i, det_col), det)):
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
                                                pair[0], ov, pair[1], fo, "warning")):
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
        if j is not None and (f := _mismatch("FA-042", "收支总表与财政拨款总表的结转一致", name, ov.cell(i, a_col), ov,
                                             fo.cell(j, b_col), fo, "warning")):
            f.message += "；本年收入全部为财政拨款时，差额只能来自非财政拨款结转和结余的使用，请核对"
            yield f


def _spend_col(t: TableView) -> str | None:
    cols = t.value_columns()
    for want in ("本年支出/合计", "本年支出合计", "合计", "小计"):
        if want in cols:
            return want
    return next((c for c in cols if c.endswith(("合计", "小计"))), cols[0] if cols else None)


@rule("FA-043", "财政拨款支出不超过该科目全部支出", "final_accounts.cross_table", "error", CROSS)
def fiscal_part_within_total(doc: DocView, params: dict[str, Any]) -> Iterator[Finding]:
    """同一功能分类科目：一般公共预算财政拨款支出决算表的数是支出决算表该科目的一部分，不能更大；数字相同而两表单位
    不同、或相差一万倍，是元与万元混用。"""
    total, fiscal = doc.table("支出决算表"), doc.table("一般公共预算财政拨款支出决算表")
    if total is None or fiscal is None or (tc := _spend_col(total)) is None or (fc := _spend_col(fiscal)) is None:
        return
    rows = {r.code: i for i, r in total.rows() if r.code}
    for j, r in fiscal.rows():
        i = rows.get(r.code) if r.code else None
        if i is None:
            continue
        a, b = total.cell(i, tc), fiscal.cell(j, fc)
        f = _mismatch("FA-043", "财政拨款支出不超过该科目全部支出", f"科目{r.code}{norm_label(r.label)}", a, total, b, fiscal)
        if f is None or f.severity == "info":
            continue
        if "一万倍" in f.message or _bigger(b, fiscal, a, total):
            f.message += "；财政拨款部分不应大于全部支出" if "一万倍" not in f.message else ""
            yield f


def _bigger(b: Cell, tb: TableView, a: Cell, ta: TableView) -> bool:
    if a.value is None or b.value is None:
        return False
    ua, ub = ta.table.unit, tb.table.unit
    return (convert(b.value, ub, ua) if ua and ub and ua != ub else b.value) > a.value
