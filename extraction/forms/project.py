"""项目支出绩效自评表 (all three layout families) → ProjectSelfEvaluation.

The form is read row by row by its printed labels (项目名称, 主管部门, 项目资金, 年度总体目标, 绩效指标, 总分 …);
values come from the cell after a label or from the column under a header, never from fixed positions.
"""

from __future__ import annotations

from extraction.forms import funds, indicators
from extraction.forms.rows import FormCell, FormRow
from extraction.forms.sections import (
    GOAL_LABELS,
    analysis_rows,
    fill_totals,
    index_of,
    value_after,
)
from extraction.records import FundRow, Issue, ProjectFunds, ProjectSelfEvaluation, Source

FUND_FIELDS = {"年度资金总额": "total", "资金总额": "total", "合计": "total", "当年财政拨款": "current_year_appropriation",
               "上年结转": "carryover", "非财政拨款": "non_fiscal"}


def build_project(rows: list[FormRow]) -> ProjectSelfEvaluation:
    rec = ProjectSelfEvaluation(project_name="")
    rec.pages = sorted({r.page for r in rows})
    _header_fields(rec, rows)
    i = index_of(rows, funds.is_header)
    if i is not None:
        _funds(rec, rows, i)
    _goals(rec, rows)
    j = index_of(rows, indicators.is_header)
    if j is not None:
        _indicators(rec, rows, j)
    fill_totals(rec, rows, rec.sources, rec.issues)
    for heading, cell in analysis_rows(rows):
        rec.analysis[heading] = cell.text
        _src(rec.sources, f"analysis.{heading}", cell)
    if not rec.project_name:
        rec.issues.append(Issue(code="missing_field", path="project_name", page=rec.pages[0] if rec.pages else None,
                                message="no 项目名称 found in this form; check the page"))
    return rec


def _src(sources: dict[str, Source], path: str, cell: FormCell | None) -> None:
    if cell is not None and (s := cell.source()) is not None:
        sources[path] = s


def _header_fields(rec: ProjectSelfEvaluation, rows: list[FormRow]) -> None:
    for key, attr in (("项目名称", "project_name"), ("主管部门", "department"),
                      ("实施单位", "implementing_unit"), ("预算单位", "implementing_unit")):
        cell = value_after(rows, key)
        if cell is not None and not getattr(rec, attr):
            setattr(rec, attr, cell.text)
            _src(rec.sources, attr, cell)


def _funds(rec: ProjectSelfEvaluation, rows: list[FormRow], i: int) -> None:
    header = [rows[i]]
    k = i + 1
    while k < len(rows) and funds.is_subheader(rows[k]):
        header.append(rows[k])
        k += 1
    end = k
    while end < len(rows) and not _ends_funds(rows[end]):
        end += 1
    pf = ProjectFunds(unit=funds.unit_of(rows[i]))
    for line in funds.parse_rows(header, rows[k:end], funds.PROJECT_HEADERS):
        key = next((v for k2, v in FUND_FIELDS.items() if k2 in line.label), None)
        values = {f: v for f, v in line.values.items() if f in FundRow.model_fields}
        row = FundRow(label=line.label, **values)  # type: ignore[arg-type]
        path = f"funds.{key}" if key and getattr(pf, key) is None else f"funds.others[{len(pf.others)}]"
        if path.startswith("funds.others"):
            pf.others.append(row)
        else:
            setattr(pf, key, row)  # type: ignore[arg-type]
        rec.sources.update({f"{path}.{f}": s for f, s in line.sources.items()})
        rec.issues.extend(i.model_copy(update={"path": f"{path}.{i.path}"}) for i in line.issues)
    rec.funds = pf


def _ends_funds(row: FormRow) -> bool:
    j = row.joined
    return any(k in j for k in (*GOAL_LABELS, "预期目标", "绩效指标", "一级指标", "年度目标", "绩效目标"))


_GOAL_HEADS = ("预期目标", "实际完成情况", "年度目标", "目标完成情况", "实际完成")


def _goals(rec: ProjectSelfEvaluation, rows: list[FormRow]) -> None:
    """年度总体目标 | goal | result; the label may span the 预期目标 | 实际完成情况 header row too. The result is
    the cell under 实际完成情况, so an empty goal cell never shifts the result into the goal."""
    for n, row in enumerate(rows):
        k = row.first(*GOAL_LABELS)
        if k is None:
            continue
        label = row.cells[k].cell
        head = next((c for r in rows[max(0, n - 2):n + 1] for c in r.cells if c.text.startswith("实际完成")), None)
        texts: list[FormCell] = []
        for r in rows[n:]:
            if r is not row and not any(c.cell is label for c in r.cells):
                break
            texts += [c for c in r.cells if c.x0 >= label.bbox[2] - 1 and not c.continued and c.text
                      and c.text not in _GOAL_HEADS]
        result = [c for c in texts if head is not None and c.overlap(head.x0, head.x1) > 0.5 * (c.x1 - c.x0)]
        goal = [c for c in texts if c not in result] if head is not None else texts[:1]
        if head is None and len(texts) > 1:
            result = texts[1:2]
        if goal:
            rec.goal_text = goal[0].text
            _src(rec.sources, "goal_text", goal[0])
        if result:
            rec.result_text = result[0].text
            _src(rec.sources, "result_text", result[0])
        return


def _indicators(rec: ProjectSelfEvaluation, rows: list[FormRow], j: int) -> None:
    header = [rows[j - 1], rows[j]] if j > 0 and "指标值" in rows[j - 1].joined else [rows[j]]
    end = j + 1
    while end < len(rows) and not indicators.ends_block(rows[end]):
        end += 1
    block = indicators.parse_block(header, rows[j + 1:end])
    rec.indicators = block.indicators
    rec.sources.update(block.sources)
    rec.issues.extend(block.issues)
