"""Report-level rules: template residue and what the extractor could not read (pure)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from checks.model import Evidence, Finding
from checks.registry import rule
from checks.rules_fa_text import claim_ev
from checks.view import DocView
from extraction.records import NarrativeClaim, ReportSection

_RESIDUE = re.compile(r"X{2,}|×{2,}|（\s*）|\(\s*\)|20XX|XX年")


@rule("RP-001", "模板残留", "report.template", "warning", ("narrative_claim", "report_section"))
def template_residue(doc: DocView, params: dict[str, Any]) -> Iterator[Finding]:
    """公开文本里留着模板占位符（XXX 万元、XX%、××、空括号）：没有按实际情况填写。一节一条，列出占位符的位置。"""
    placeholders: dict[str, list[tuple[int, NarrativeClaim]]] = {}
    for i, r in enumerate(doc.result.records):
        if isinstance(r, NarrativeClaim) and any(x.code == "placeholder" for x in r.issues):
            placeholders.setdefault(r.section or "", []).append((i, r))
    for i, r in enumerate(doc.result.records):
        if not isinstance(r, ReportSection) or not r.heading_path:
            continue
        heading = r.heading_path[-1]
        claims = placeholders.get(heading, [])
        m = _RESIDUE.search(r.text)
        if not claims and m is None:
            continue
        shown = "、".join(dict.fromkeys(c.raw for _, c in claims)) or (m.group(0) if m else "")
        s = r.sources.get("text")
        evidence = [claim_ev(k, c) for k, c in claims[:8]] or [
            Evidence(record=f"section[{i}]:{heading}", path="text", page=s.page if s else None,
                     bbox=s.bbox if s else None, quote=m.group(0) if m else "")]
        yield Finding(rule_id="RP-001", severity="warning", title="模板残留",
                      message=f"“{heading}”一节有{max(len(claims), 1)}处模板占位符未填写（{shown[:40]}）",
                      found=shown[:40], evidence=evidence)


@rule("DQ-001", "提取时发现的问题", "report.extraction", "warning",
      ("final_accounts_table", "project_self_evaluation", "dept_self_evaluation"))
def extraction_problems(doc: DocView, params: dict[str, Any]) -> Iterator[Finding]:
    """提取时读不出的数字、印错列的指标块等：数值未被采信，需要对照原页核实。"""
    for i, r in enumerate(doc.result.records):
        if isinstance(r, NarrativeClaim | ReportSection):
            continue
        for x in r.issues:
            if x.code in ("unreadable_number", "column_shift"):
                yield Finding(rule_id="DQ-001", severity="warning", title="提取时发现的问题", message=x.message,
                              found=x.code, evidence=[Evidence(record=f"{r.kind}[{i}]", path=x.path or "",
                                                               page=x.page, quote="")])


@rule("RP-002", "年度前后不一", "report.consistency", "warning",
      ("project_self_evaluation", "dept_self_evaluation", "final_accounts_table"))
def fiscal_year_mismatch(doc: DocView, params: dict[str, Any]) -> Iterator[Finding]:
    """封面/标题的年度与各表单印出的年度不一致（例如 2024 年度报告里一张 2023 年度自评表）。"""
    year = doc.result.document.fiscal_year
    if year is None:
        return
    for i, r in enumerate(doc.result.records):
        other = getattr(r, "fiscal_year", None)
        if other is not None and other != year:
            name = getattr(r, "project_name", None) or r.kind
            yield Finding(rule_id="RP-002", severity="warning", title="年度前后不一",
                          message=f"文件年度为{year}年，“{name}”印为{other}年度", expected=str(year), found=str(other),
                          evidence=[Evidence(record=f"{r.kind}[{i}]", path="fiscal_year",
                                             page=(getattr(r, "pages", None) or [None])[0])])
