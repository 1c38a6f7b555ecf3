"""部门整体支出绩效自评表 → DeptSelfEvaluation."""

from __future__ import annotations

from extraction.forms import funds, indicators
from extraction.forms.rows import FormRow
from extraction.forms.sections import GOAL_LABELS, fill_totals, index_of, value_after
from extraction.records import DeptFundRow, DeptSelfEvaluation


def build_dept(rows: list[FormRow]) -> DeptSelfEvaluation:
    rec = DeptSelfEvaluation()
    rec.pages = sorted({r.page for r in rows})
    name = value_after(rows, "部门名称")
    if name is not None:
        rec.department = name.text
        if s := name.source():
            rec.sources["department"] = s
    i = index_of(rows, funds.is_header)
    if i is not None:
        _funds(rec, rows, i)
    goal = next((r for r in rows if r.first(*GOAL_LABELS) is not None), None)
    if goal is not None:
        k = goal.first(*GOAL_LABELS) or 0
        texts = [c for c in goal.cells[k + 1:] if c.text and not c.continued]
        if texts:
            rec.goal_text = texts[0].text
            if s := texts[0].source():
                rec.sources["goal_text"] = s
        if len(texts) > 1:
            rec.result_text = texts[1].text
    j = index_of(rows, indicators.is_header)
    if j is not None:
        header = [rows[j - 1], rows[j]] if j > 0 and "指标值" in rows[j - 1].joined else [rows[j]]
        end = j + 1
        while end < len(rows) and not indicators.ends_block(rows[end]):
            end += 1
        block = indicators.parse_block(header, rows[j + 1:end])
        rec.indicators, rec.issues = block.indicators, [*rec.issues, *block.issues]
        rec.sources.update(block.sources)
    fill_totals(rec, rows, rec.sources, rec.issues)
    return rec


def _funds(rec: DeptSelfEvaluation, rows: list[FormRow], i: int) -> None:
    rec.unit = funds.unit_of(rows[i]) or next((u for r in rows[:i] if (u := funds.unit_of(r))), None)  # type: ignore[assignment]
    end = i + 1
    while end < len(rows) and not any(k in rows[end].joined for k in (*GOAL_LABELS, "绩效指标", "一级指标")):
        end += 1
    for line in funds.parse_rows([rows[i]], rows[i + 1:end], funds.DEPT_HEADERS):
        n = len(rec.fund_rows)
        values = {f: v for f, v in line.values.items() if f in DeptFundRow.model_fields}
        rec.fund_rows.append(DeptFundRow(label=line.label, group=line.group, **values))  # type: ignore[arg-type]
        rec.sources.update({f"fund_rows[{n}].{f}": s for f, s in line.sources.items()})
        rec.issues.extend(x.model_copy(update={"path": f"fund_rows[{n}].{x.path}"}) for x in line.issues)
