"""Extraction cross-check rules: where two independent readings of the same page disagree (pure).

The LLM tier's cross-check mode (`--llm cross-check`) reads forms a second time and records every field where its
grounded value differs from the layout parser's as an Issue(code="extraction_disagreement", source=<the LLM's
Source>); the record itself keeps the layout value. EX-001 turns each such issue into a finding with both boxes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from checks.model import Evidence, Finding
from checks.registry import rule
from checks.view import DocView
from extraction.records import (
    DeptSelfEvaluation,
    FinalAccountsTable,
    Issue,
    NarrativeClaim,
    ProjectSelfEvaluation,
    Source,
)

DISAGREEMENT = "extraction_disagreement"
_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
MISSING: Any = object()  # what resolve() returns for a path that leads nowhere
_CONTEXT = ("level3", "label", "name")  # what names a list element: an indicator, a table row, a scoring node


def split_path(path: str) -> list[str | int]:
    """indicators[2].score → ['indicators', 2, 'score']; a table's cells key is taken whole (it may hold dots, as
    in 1.因公出国（境）费), as budgetlens.corrections.split_path does."""
    head, sep, key = path.partition(".cells.")
    steps: list[str | int] = [int(m.group(2)) if m.group(2) else m.group(1) for m in _STEP.finditer(head)]
    return [*steps, "cells", key] if sep else steps


def resolve(record: BaseModel, path: str) -> tuple[Any, str]:
    """The value at a field path of a record (MISSING when the path leads nowhere) and a Chinese name for the
    field: its description, after the name of the list element on the way (指标“…”的得分, “…”行决算数)."""
    node: Any = record
    desc, context = "", ""
    for step in split_path(path):
        if isinstance(step, int):
            if not isinstance(node, list) or not 0 <= step < len(node):
                return MISSING, desc
            node = node[step]
            context = next((str(v) for a in _CONTEXT if (v := getattr(node, a, None))), context)
        elif isinstance(node, BaseModel) and step in type(node).model_fields:
            named = (type(node).model_fields[step].description or step).split()[0]
            node = getattr(node, step)
            if isinstance(node, BaseModel):  # funds.total.score: “年度资金总额”的得分
                context = named
            else:
                desc = named
        elif isinstance(node, dict) and step in node:
            desc, node = step, node[step]
        else:
            return MISSING, desc
    return node, f"“{context}”的{desc}" if context and desc else desc


def _show(v: Any) -> str:
    if v is None or v is MISSING:
        return "空"
    return f"{v:,}" if isinstance(v, Decimal) else str(v)


def _ref(i: int, r: BaseModel) -> tuple[str, str]:
    """(evidence record id, how the message names the record), as the other rule families write them."""
    if isinstance(r, ProjectSelfEvaluation):
        return f"form[{i}]:{r.project_name}", f"项目“{r.project_name}”"
    if isinstance(r, DeptSelfEvaluation):
        return f"form[{i}]:{r.department or r.kind}", f"部门自评表“{r.department or ''}”"
    if isinstance(r, FinalAccountsTable):
        return f"table[{i}]:{r.std_name}", f"“{r.title or r.std_name}”"
    if isinstance(r, NarrativeClaim):
        return f"claim[{i}]:{r.section or ''}/{r.metric}", f"情况说明“{r.metric}”"
    return f"{getattr(r, 'kind', 'record')}[{i}]", ""


def _ev(record: str, path: str, src: Source | None, page: int | None) -> Evidence:
    return Evidence(record=record, path=path, page=src.page if src else page, bbox=src.bbox if src else None,
                    quote=src.raw if src else "")


@rule("EX-001", "提取结果不一致", "extraction.crosscheck", "warning",
      ("project_self_evaluation", "dept_self_evaluation", "final_accounts_table", "narrative_claim"))
def extraction_disagreement(doc: DocView, params: dict[str, Any]) -> Iterator[Finding]:
    """交叉核对（--llm cross-check）时，版面解析和大模型各自独立读了同一页，同一字段却读出了不同的数：两次读取中至少有一次读错了原页。记录里保留的是版面解析的值，其他规则也按这个值检查；在对照原页核实之前，两个值都不能直接采信。页面上同时框出两处读取位置，核实后可直接更正字段。"""
    for i, r in enumerate(doc.result.records):
        issues: list[Issue] = [x for x in getattr(r, "issues", []) if x.code == DISAGREEMENT]
        if not issues:
            continue
        record, name = _ref(i, r)
        pages = getattr(r, "pages", None) or [getattr(r, "page", None)]
        for x in issues:
            path = x.path or ""
            ours, label = resolve(r, path) if path else (MISSING, "")
            layout = r.sources.get(path) if path else None
            llm = x.source
            theirs = llm.raw if llm else None
            field = f"{label}（{path}）" if label else path or "某字段"
            message = (f"{name}{'：' if name else ''}{field}，版面解析读为“{_show(ours)}”，大模型读为“{_show(theirs)}”，"
                       "两次读取不一致，请对照原页核实")
            page = x.page or pages[0]
            evidence = [_ev(record, path, layout, layout.page if layout else page)]
            if llm is not None:
                evidence.append(_ev(f"{record}（大模型读数）", path, llm, llm.page))
            yield Finding(rule_id="EX-001", severity="warning", title="提取结果不一致", message=message,
                          expected=None if ours is MISSING or ours is None else _show(ours), found=theirs,
                          evidence=evidence)
