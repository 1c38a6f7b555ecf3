"""The 绩效指标 block shared by project and department forms: header → columns, rows → Indicators.

Level names merged upward (产出指标 spanning its rows) or left blank inherit from the row above. A row whose
cells do not fit their headers (an operator column holding a name) is kept as printed with a `column_shift`
issue: guessing the intended structure would hide the problem from the auditor.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from extraction.forms.columns import Column, cell_under, header_columns
from extraction.forms.rows import FormRow
from extraction.forms.values import number, operator, target, unit_only
from extraction.records import Indicator, Issue, Source

HEADERS: list[tuple[str, str]] = [
    ("一级指标", "level1"), ("二级指标", "level2"), ("三级指标", "level3"),
    ("指标性质", "operator"), ("年初指标值", "initial_target"), ("调整后指标值", "target"),
    ("指标值", "target"), ("度量单位", "unit"), ("实际完成值", "actual"), ("定性值情况说明", "qualitative_note"),
    ("分值", "weight"), ("得分", "score"), ("偏差原因", "deviation_note"),
]
TEXT_FIELDS = ("level1", "level2", "level3", "initial_target", "unit", "qualitative_note", "deviation_note")
END_KEYS = ("其他需要说明", "其他需说明", "总分", "总 分", "自评结果分析", "项目绩效分析", "合计")
# rows of the form's footer that follow the indicators when no 总分 row closes them (seed001's 评价等次 block)
END_STARTS = ("评价等次", "问题和建议", "评价人员", "评价结论")


def ends_block(row: FormRow) -> bool:
    """The first row after the indicator block."""
    return any(k in row.joined for k in END_KEYS) or row.joined.startswith(END_STARTS)


def is_header(row: FormRow) -> bool:
    j = row.joined
    return "一级指标" in j and "二级指标" in j


@dataclass(slots=True)
class IndicatorBlock:
    indicators: list[Indicator] = field(default_factory=list)
    sources: dict[str, Source] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    columns: list[Column] = field(default_factory=list)


def parse_block(header_rows: list[FormRow], rows: list[FormRow], path: str = "indicators") -> IndicatorBlock:
    block = IndicatorBlock(columns=header_columns(header_rows, HEADERS))
    prev: Indicator | None = None
    for row in rows:
        if _repeated_header(row):
            continue  # the header printed again at the top of a continued page
        ind, src = _indicator(row, block.columns, prev)
        i = len(block.indicators)
        block.indicators.append(ind)
        block.sources.update({f"{path}[{i}].{k}": v for k, v in src.items()})
        shift = _shift_problem(ind, block.columns)
        if shift:
            block.issues.append(Issue(code="column_shift", page=row.page, path=f"{path}[{i}]", message=shift))
        prev = ind
    return block


def _repeated_header(row: FormRow) -> bool:
    j = row.joined
    return is_header(row) or ("年度指标值" in j and "指标完成情况" in j) or j in ("绩效指标", "年度指标值")


def _indicator(row: FormRow, cols: list[Column], prev: Indicator | None) -> tuple[Indicator, dict[str, Source]]:
    raw: dict[str, str] = {}
    src: dict[str, Source] = {}
    for col in cols:
        cell = cell_under(row, col)
        if cell is None or not cell.text or col.field in raw:
            continue
        raw[col.field] = cell.text
        s = cell.source()
        if s is not None:
            src[col.field] = s
    ind = Indicator()
    for f in ("level1", "level2"):
        setattr(ind, f, raw.get(f) or (getattr(prev, f) if prev else None))
    for f in TEXT_FIELDS[2:]:
        setattr(ind, f, raw.get(f))
    _fill_values(ind, raw)
    return ind, src


def _fill_values(ind: Indicator, raw: dict[str, str]) -> None:
    op_text = raw.get("operator")
    ind.operator = (operator(op_text) or op_text) if op_text else None
    if "target" in raw:
        ind.target = raw["target"]
        t = target(raw["target"])
        ind.target_value = t.value
        ind.operator = ind.operator or t.operator
        if "unit" not in raw and t.unit:
            ind.unit = t.unit
    if "unit" not in raw and ind.unit is None and "initial_target" in raw:
        ind.unit = unit_only(raw["initial_target"])  # 大同: 年初指标值 "=元/年" carries the unit alone
    if "actual" in raw:
        ind.actual = raw["actual"]
        ind.actual_value = target(raw["actual"]).value
    for f in ("weight", "score"):
        if f in raw:
            setattr(ind, f, number(raw[f]).value)


def _shift_problem(ind: Indicator, cols: list[Column]) -> str | None:
    """An operator column that holds a name while the value column holds an operator: printed one column off."""
    if not any(c.field == "operator" for c in cols) or ind.operator is None:
        return None
    if operator(ind.operator) is not None:
        return None
    if ind.target is not None and operator(ind.target) is not None:
        return (f"indicator “{ind.level3}”: the 指标性质 column holds “{ind.operator}” and the 指标值 column holds "
                f"“{ind.target}”: this row is printed one column to the right of its headers; values are kept "
                "as printed, check the page")
    return (f"indicator “{ind.level3}”: the 指标性质 column holds “{ind.operator}”, not an operator; "
            "the row does not fit its headers, check the page")
