"""The 项目资金 / 部门预算资金 block: a header row (or two, 大同's 年初预算数 over 目标申报数 | 预算编制数) and
labelled rows of amounts read through the header columns."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from extraction.forms.columns import Column, cell_under, cells_left_of, header_columns
from extraction.forms.rows import FormRow
from extraction.forms.values import number
from extraction.records import Issue, Source

PROJECT_HEADERS: list[tuple[str, str]] = [
    ("目标申报数", "declared_target"), ("预算编制数", "budgeted"), ("年初预算数", "initial_budget"),
    ("全年预算数", "annual_budget"), ("全年执行数", "executed"), ("实际支出数", "executed"), ("结(转)余", "balance"), ("结转", "balance"),
    ("分值", "weight"), ("执行率", "execution_rate"), ("得分", "score"), ("偏差原因", "note"),
]
DEPT_HEADERS: list[tuple[str, str]] = [
    ("年初预算数", "initial_budget"), ("预算调整数", "budget_adjustment"), ("预算确定数", "final_budget"),
    ("执行数", "executed"), ("执行率", "execution_rate"), ("情况说明", "note"), ("备注", "remark"),
]
TEXT_COLUMNS = {"note", "remark"}
_UNIT = re.compile(r"[（(](万元|元|亿元|万)[）)]")
BLOCK_TITLES = ("项目资金", "部门预算资金", "资金投入", "项目年度支出")


def is_subheader(row: FormRow) -> bool:
    """The second header row of 大同's fund block (目标申报数 | 预算编制数 under 年初预算数)."""
    j = row.joined
    return ("目标申报数" in j or "预算编制数" in j) and not any(ch.isdigit() for ch in j)


def unit_of(row: FormRow) -> str | None:
    """项目资金（万元） / 部门预算资金（元）: the unit printed in the block title, if any."""
    for c in row.cells:
        m = _UNIT.search(c.text)
        if m:
            return "万元" if m.group(1) in ("万元", "万") else m.group(1)
    return None


def is_header(row: FormRow) -> bool:
    j = row.joined
    return ("年初预算数" in j or "目标申报数" in j) and ("执行数" in j or "执行率" in j)


@dataclass(slots=True)
class FundLine:
    label: str
    group: str | None
    values: dict[str, Decimal | str | None]
    sources: dict[str, Source] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)


def parse_rows(header_rows: list[FormRow], rows: list[FormRow], headers: list[tuple[str, str]]) -> list[FundLine]:
    cols = header_columns(header_rows, headers)
    if not cols:
        return []
    first_x = min(c.x0 for c in cols)
    out: list[FundLine] = []
    for row in rows:
        labels = [c for c in cells_left_of(row, first_x) if c.text and not c.text.startswith(BLOCK_TITLES)]
        if not labels:
            continue
        out.append(_line(row, labels, cols))
    return out


def _line(row: FormRow, labels: list, cols: list[Column]) -> FundLine:  # type: ignore[type-arg]
    own = [c for c in labels if not c.continued]
    group = labels[0].text if len(labels) > 1 else None
    label = (own[-1] if own else labels[-1]).text.rstrip(":：")
    line = FundLine(label=label, group=group, values={})
    if label_src := (own[-1] if own else labels[-1]).source():
        line.sources["label"] = label_src
    for col in cols:
        cell = cell_under(row, col)
        if cell is None or cell.x0 < col.x0 - 1 and cell.x1 > col.x1 + 1:
            line.values.setdefault(col.field, None)
            continue
        if col.field in TEXT_COLUMNS:
            line.values[col.field] = cell.text or None
        else:
            n = number(cell.text)
            line.values[col.field] = n.value
            if n.unreadable:
                line.issues.append(Issue(code="unreadable_number", page=row.page, path=col.field,
                                         message=f"cannot read the number “{cell.cell.text}”; left empty"))
        if cell.text and (s := cell.source()):
            line.sources[col.field] = s
    return line
