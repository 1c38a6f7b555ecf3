"""Helpers shared by the form builders: labelled values, goals, totals and the 自评结果分析 block."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from extraction.forms.columns import cell_under, header_columns
from extraction.forms.rows import FormCell, FormRow
from extraction.forms.values import number
from extraction.records import Issue, Source

GOAL_LABELS = ("年度总体目标", "部门年度目标", "年度绩效目标", "总体目标")
GRADES = re.compile(r"^(优秀|优|良好|良|中等|中|合格|差|不合格)$")
ANALYSIS_TITLES = ("自评结果分析", "项目绩效分析", "自评结果", "项目绩效")
OTHER_NOTES = ("其他需要说明的事项", "其他需说明事项", "其他需要说明事项", "其他需说明的事项")


def index_of(rows: list[FormRow], pred: Callable[[FormRow], bool]) -> int | None:
    return next((i for i, r in enumerate(rows) if pred(r)), None)


def value_after(rows: list[FormRow], key: str) -> FormCell | None:
    """The first non-empty own cell to the right of the cell labelled `key`."""
    for row in rows:
        k = row.first(key)
        if k is None or row.cells[k].text.startswith(("其中", "备注")):
            continue
        for c in row.cells[k + 1:]:
            if c.text and not c.continued:
                return c
        return None
    return None


def fill_totals(rec: Any, rows: list[FormRow], sources: dict[str, Source], issues: list[Issue]) -> None:
    """总分 row: 分值 and 得分 under their indicator headers when printed there, else in printed order; grade."""
    head = next((r for r in rows if "一级指标" in r.joined), None)
    cols = header_columns([head], [("分值", "weight"), ("得分", "score")]) if head else []
    notes = value_after(rows, "其他需") or None
    if notes is not None and hasattr(rec, "other_notes"):
        rec.other_notes = notes.text
        _put(sources, "other_notes", notes)
    row = next((r for r in rows if r.joined.startswith(("总分", "合计")) or "总分" in r.joined[:4]), None)
    if row is None:
        return
    values = [c for c in row.cells[1:] if c.text and not c.continued]
    by_col = {col.field: cell_under(row, col) for col in cols}
    numbers = [c for c in values if number(c.text).value is not None]
    weight = by_col.get("weight") if by_col.get("weight") in numbers else None
    score = by_col.get("score") if by_col.get("score") in numbers else None
    if score is None and numbers:
        score = numbers[-1]
        weight = weight or (numbers[0] if len(numbers) > 1 else None)
    if hasattr(rec, "total_weight") and weight is not None:
        rec.total_weight = number(weight.text).value
        _put(sources, "total_weight", weight)
    if score is not None:
        rec.total_score = number(score.text).value
        _put(sources, "total_score", score)
    grade = next((c for c in values if GRADES.match(c.text)), None)
    if grade is not None:
        rec.grade = grade.text
        _put(sources, "grade", grade)


def _put(sources: dict[str, Source], path: str, cell: FormCell) -> None:
    if (s := cell.source()) is not None:
        sources[path] = s


def analysis_rows(rows: list[FormRow]) -> list[tuple[str, FormCell]]:
    """大同's 自评结果分析 block: label cells (whatever their nesting) then one text cell per row."""
    start = next((i for i, r in enumerate(rows) if any(t in r.joined for t in ANALYSIS_TITLES)), None)
    if start is None:
        return []
    out = []
    for row in rows[start:]:
        own = [c for c in row.cells if c.text]
        if len(own) < 2:
            continue
        labels = [c.text for c in own[:-1] if not c.text.startswith(ANALYSIS_TITLES)]
        heading = "".join(labels)
        if heading:
            out.append((heading, own[-1]))
    return out
