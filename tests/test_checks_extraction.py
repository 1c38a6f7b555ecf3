"""EX-001 on small records built here: one finding per extraction_disagreement issue, with both readings boxed."""

from __future__ import annotations

from decimal import Decimal

from checks.engine import run_checks
from checks.model import Finding
from checks.registry import REGISTRY
from checks.rules_extraction import MISSING, resolve, split_path
from extraction.records import (
    Document,
    ExtractionResult,
    FinalAccountsRow,
    FinalAccountsTable,
    FundRow,
    Indicator,
    Issue,
    ProjectFunds,
    ProjectSelfEvaluation,
    Source,
)

D = Decimal
PROMPT = "form_project@1:abc123"
LAYOUT_BOX = (300.0, 200.0, 340.0, 214.0)
LLM_BOX = (300.5, 200.5, 339.0, 213.0)


def _form(*issues: Issue) -> ProjectSelfEvaluation:
    inds = [Indicator(level1="产出指标", level2="数量指标", level3=f"指标{k}", weight=D(45), score=D(s))
            for k, s in enumerate((45, 40))]
    return ProjectSelfEvaluation(
        project_name="测试项目", indicators=inds, total_score=D("95.5"), pages=[3],
        funds=ProjectFunds(total=FundRow(label="年度资金总额", weight=D(10), score=D(10))),
        sources={"indicators[1].score": Source(page=3, bbox=LAYOUT_BOX, raw="40"),
                 "total_score": Source(page=3, bbox=(500, 600, 530, 612), raw="95.5")},
        issues=list(issues))


def _disagree(path: str, raw: str, page: int = 3) -> Issue:
    return Issue(code="extraction_disagreement", severity="warning", path=path, page=page,
                 message=f"{path}: the layout parser and the LLM differ",
                 source=Source(page=page, bbox=LLM_BOX, raw=raw, method="llm", prompt=PROMPT))


def _ex(*records: ProjectSelfEvaluation | FinalAccountsTable) -> list[Finding]:
    res = ExtractionResult(document=Document(id="d", file_name="x.pdf"), records=list(records))
    return [f for f in run_checks(res) if f.rule_id == "EX-001"]


def test_registered_with_its_record_kinds() -> None:
    r = REGISTRY["EX-001"]
    assert (r.title, r.family, r.severity) == ("提取结果不一致", "extraction.crosscheck", "warning")
    assert set(r.applies_to) == {"project_self_evaluation", "dept_self_evaluation", "final_accounts_table",
                                 "narrative_claim"}
    assert "原页" in r.explanation and "大模型" in r.explanation


def test_fires_with_both_values_and_both_boxes() -> None:
    [f] = _ex(_form(_disagree("indicators[1].score", "46")))
    assert f.severity == "warning" and f.title == "提取结果不一致"
    assert "测试项目" in f.message and "指标1" in f.message and "得分" in f.message
    assert "“40”" in f.message and "“46”" in f.message and "版面解析" in f.message and "大模型" in f.message
    assert (f.expected, f.found) == ("40", "46")
    layout, llm = f.evidence
    assert (layout.path, layout.page, layout.bbox, layout.quote) == ("indicators[1].score", 3, LAYOUT_BOX, "40")
    assert (llm.path, llm.page, llm.bbox, llm.quote) == ("indicators[1].score", 3, LLM_BOX, "46")
    assert layout.record.startswith("form[0]:") and llm.record.startswith("form[0]:")
    assert f.fingerprint


def test_one_finding_per_issue() -> None:
    fs = _ex(_form(_disagree("indicators[1].score", "46"), _disagree("total_score", "96.5"),
                   _disagree("funds.total.score", "1O")))
    assert len(fs) == 3 and len({f.fingerprint for f in fs}) == 3
    total = next(f for f in fs if f.evidence[0].path == "total_score")
    assert (total.expected, total.found) == ("95.5", "96.5") and "总分" in total.message
    funds = next(f for f in fs if f.evidence[0].path == "funds.total.score")
    assert funds.evidence[0].bbox is None and funds.evidence[1].bbox == LLM_BOX  # no layout box recorded: the page
    assert funds.evidence[0].page == 3 and "年度资金总额" in funds.message


def test_quiet_without_the_issue_and_for_other_codes() -> None:
    assert _ex(_form()) == []
    other = Issue(code="unreadable_number", path="total_score", page=3, message="unreadable",
                  source=Source(page=3, bbox=LLM_BOX, raw="9?", method="llm", prompt=PROMPT))
    assert _ex(_form(other)) == []


def test_table_cell_paths() -> None:
    table = FinalAccountsTable(
        std_name="支出决算表", title="支出决算表", pages=[5], columns=["合计", "1.因公出国（境）费"],
        rows=[FinalAccountsRow(label="合计", cells={"合计": D("100.00"), "1.因公出国（境）费": D("1234.50")})],
        sources={"rows[0].cells.1.因公出国（境）费": Source(page=5, bbox=LAYOUT_BOX, raw="1,234.50")},
        issues=[_disagree("rows[0].cells.1.因公出国（境）费", "1,284.50", page=5)])
    [f] = _ex(table)
    assert (f.expected, f.found) == ("1,234.50", "1,284.50") and "“合计”的1.因公出国（境）费" in f.message
    assert [e.bbox for e in f.evidence] == [LAYOUT_BOX, LLM_BOX] and f.evidence[0].record == "table[0]:支出决算表"


def test_path_resolver() -> None:
    assert split_path("rows[3].cells.1.因公出国（境）费") == ["rows", 3, "cells", "1.因公出国（境）费"]
    assert split_path("indicators[2].score") == ["indicators", 2, "score"]
    rec = _form()
    assert resolve(rec, "indicators[1].score") == (D(40), "“指标1”的得分")
    assert resolve(rec, "total_score")[0] == D("95.5")
    assert resolve(rec, "indicators[9].score")[0] is MISSING  # out of range: the marker, never a crash
    assert resolve(rec, "no_such_field")[0] is MISSING
