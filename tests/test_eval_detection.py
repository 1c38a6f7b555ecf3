"""Detection scores (eval/metrics_findings.py), per-field scores (eval/metrics_fields.py) and the pooled report
sections (eval/breakdown.py): on small records built here and on the rendered fixtures with their labels."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from checks.model import Evidence, Finding
from eval.breakdown import by_extractor, headline, kinds
from eval.metrics_fields import FieldScore, score_fields, tolerance
from eval.metrics_findings import record_pages, resolve, score_findings
from eval.runner import FixtureResult, evaluate_fixture, load_gold
from extraction.pipeline import extract_file
from extraction.records import (
    Document,
    ExtractionResult,
    FinalAccountsRow,
    FinalAccountsTable,
    NarrativeClaim,
    ReportSection,
)

from .conftest import ROOT


def _finding(rule: str, severity: str, *pages: int) -> Finding:
    return Finding(rule_id=rule, severity=severity, title=rule, message=f"{rule} on {pages}",  # type: ignore[arg-type]
                   evidence=[Evidence(record="r", path="p", page=p) for p in pages])


def _doc(**kw: object) -> Document:
    return Document(id="x" * 64, file_name="d.pdf", pages=9, **kw)  # type: ignore[arg-type]


def test_findings_match_by_rule_and_evidence_page() -> None:
    labels = {"complete": True, "expected": [
        {"rule": "FA-042", "severity": "warning", "page": 2, "count": 2},
        {"rule": "SE-006", "severity": "error", "pages": [5, 6]},
        {"rule": "SE-001", "severity": "error", "page": 9, "note": "总分与得分之和不符"}]}
    raised = [_finding("FA-042", "warning", 2, 6), _finding("FA-042", "warning", 6, 2),
              _finding("SE-006", "error", 6), _finding("SE-001", "error", 8),  # wrong page: a miss and a false alarm
              _finding("FA-020", "info", 3)]  # out of scope
    s = score_findings(labels, raised).summary()
    assert s is not None
    assert {k: s["all"][k] for k in ("expected", "found", "tp", "fp", "fn")} == {
        "expected": 4, "found": 4, "tp": 3, "fp": 1, "fn": 1}
    assert s["per_rule"]["FA-042"]["recall"] == 1.0 and s["per_rule"]["SE-001"]["recall"] == 0.0
    assert s["per_severity"]["error"]["tp"] == 1 and s["per_severity"]["error"]["fn"] == 1
    assert s["misses"] == [{"rule": "SE-001", "page": 9, "severity": "error", "note": "总分与得分之和不符"}]
    assert [(m["rule"], m["page"]) for m in s["false_alarms"]] == [("SE-001", 8)]
    assert "FA-020" not in s["per_rule"]


def test_incomplete_labels_measure_recall_only_and_no_labels_nothing() -> None:
    labels = {"expected": [{"rule": "FA-042", "severity": "warning", "page": 2}]}
    s = score_findings(labels, [_finding("FA-042", "warning", 2), _finding("FA-070", "error", 4)])
    assert s.all.tp == 1 and s.all.fp == 0 and s.all.found == 2 and s.summary()["all"]["precision"] == 1.0
    assert score_findings(None, [_finding("FA-042", "warning", 2)]).summary() is None
    only_errors = score_findings({"scope": ["error"], "complete": True, "expected": []},
                                 [_finding("FA-042", "warning", 2)])
    assert only_errors.all.fp == 0 and only_errors.all.found == 0


def _gold() -> ExtractionResult:
    table = FinalAccountsTable(std_name="收入支出决算总表", title="收入支出决算总表", unit="万元", pages=[2, 3],
                               columns=["金额"], rows=[FinalAccountsRow(label="总计", cells={"金额": Decimal("10.50")}),
                                                       FinalAccountsRow(label="结余", cells={"金额": Decimal("1.00")})])
    claim = NarrativeClaim(sentence="支出合计10.50万元。", raw="支出合计10.50万元", metric="支出合计",
                           value=Decimal("10.50"), unit="万元", claim_kind="total", page=7)
    sec = ReportSection(heading_path=["第三部分", "一、收入支出决算总体情况说明"], text="收入总计10.50万元。", pages=[7])
    return ExtractionResult(document=_doc(doc_kinds=["final_accounts"]), records=[table, claim, sec])


def test_labels_name_records_and_resolve_to_their_pages() -> None:
    g = _gold()
    assert record_pages(g, "table:收入支出决算总表") == [2, 3]
    assert record_pages(g, "claim:支出合计10.50") == [7]
    assert record_pages(g, "section:一、收入支出决算总体情况说明") == [7]
    assert record_pages(g, "form:没有的项目") == []
    block = resolve({"expected": [{"rule": "FA-042", "severity": "warning", "record": "table:收入支出决算总表"},
                                  {"rule": "FA-070", "severity": "error", "page": 7}]}, g)
    assert block["expected"][0]["pages"] == [2, 3] and block["expected"][1] == {"rule": "FA-070", "severity": "error",
                                                                               "page": 7}
    assert block["scope"] == ["error", "warning"] and block["complete"] is False
    with pytest.raises(ValueError, match="no such record"):
        resolve({"expected": [{"rule": "X", "severity": "error", "record": "table:其他"}]}, g)
    with pytest.raises(ValueError, match="severity"):
        resolve({"expected": [{"rule": "X", "record": "table:收入支出决算总表"}]}, g)


def test_fields_precision_recall_tolerance_and_cer() -> None:
    gold = _gold()
    pred = gold.model_copy(deep=True)
    t = pred.records[0]
    assert isinstance(t, FinalAccountsTable)
    t.rows[0].cells["金额"] = Decimal("10.51")  # a misread
    t.rows[1].cells["金额"] = None  # a value lost
    sec = pred.records[2]
    assert isinstance(sec, ReportSection)
    sec.text = "收入总计10.5万元。"  # one character lost
    pred.records.append(NarrativeClaim(sentence="x", raw="收入合计3万元", metric="收入合计", value=Decimal(3),
                                       unit="万元", claim_kind="total", page=7))  # a claim gold does not have
    out = score_fields(gold, pred).summary()
    cells = out["final_accounts_table"]["cells.金额"]
    assert (cells["gold"], cells["predicted"], cells["correct"]) == (2, 1, 0) and cells["cer"] is None
    value = out["narrative_claim"]["value"]
    assert (value["gold"], value["predicted"], value["correct"], value["precision"]) == (1, 2, 1, 0.5)
    text = out["report_section"]["text"]
    assert text["correct"] == 0 and text["cer"] == pytest.approx(1 / len("收入总计10.50万元。"))
    loose = FieldScore()
    table = (("final_accounts_table.cells.*", Decimal("0.01")),)
    assert tolerance("final_accounts_table", "cells.金额", table) == Decimal("0.01")
    assert tolerance("narrative_claim", "value", table) == 0 and tolerance("narrative_claim", "value") == 0
    loose.pair("x", "y", Decimal(1), Decimal(1))
    assert loose.summary()["x"]["y"]["accuracy"] == 1.0


def test_a_section_labelled_whole_matches_the_text_split_at_its_subheadings() -> None:
    gold = ExtractionResult(document=_doc(), records=[
        ReportSection(heading_path=["五、支出说明"], text="(一)总体甲。(二)结构乙。", pages=[3])])  # whole
    pred = ExtractionResult(document=_doc(), records=[
        ReportSection(heading_path=["五、支出说明"], text="", pages=[3]),
        ReportSection(heading_path=["五、支出说明", "(一)总体"], text="甲。", pages=[3]),
        ReportSection(heading_path=["五、支出说明", "(二)结构"], text="乙。", pages=[3]),
        ReportSection(heading_path=["六、其他"], text="丙。", pages=[4])])
    s = score_fields(gold, pred).summary()["report_section"]
    assert s["text"]["correct"] == 1 and s["text"]["cer"] == 0.0
    assert s["heading"]["predicted"] == 2  # 六 is a section gold lacks; the sub-headings of 五 are not


def test_kinds_confusion_and_extractor_comparison() -> None:
    rs = [FixtureResult("a", None, "ok", [], _claims(),
                        doc_kinds={"gold": ["final_accounts"], "predicted": ["final_accounts"]}),
          FixtureResult("b", None, "ok", [], _claims(),
                        doc_kinds={"gold": ["evaluation_report"], "predicted": ["final_accounts", "evaluation_report"]})]
    k = kinds(rs)
    assert (k["documents"], k["exact"], k["accuracy"]) == (2, 1, 0.5)
    assert {(c["gold"], c["predicted"], c["count"]) for c in k["confusion"]} == {
        ("final_accounts", "final_accounts", 1), ("evaluation_report", "evaluation_report", 1),
        ("—", "final_accounts", 1)}


def _claims():  # type: ignore[no-untyped-def]
    from eval.metrics import ClaimScore

    return ClaimScore()


def test_rendered_fixtures_carry_their_labels_and_are_scored(rendered_fixtures: dict) -> None:
    pdf, gold_path = rendered_fixtures[("seed000_se", "alt")]
    raw = json.loads(gold_path.read_text(encoding="utf-8"))
    assert raw["findings"]["complete"] and all(e["pages"] for e in raw["findings"]["expected"])
    load_gold(gold_path.parent)  # the labels do not disturb the records
    r = evaluate_fixture(gold_path.parent, ROOT.parent / "shared", extract_file)
    line = r.summary()["findings"]
    assert line["expected"] == line["tp"] == 29 and line["fp"] == line["fn"] == 0
    kinds_read = r.summary()["doc_kinds"]
    assert "project_self_evaluation" in kinds_read["gold"] and set(kinds_read["gold"]) == set(kinds_read["predicted"])
    assert r.family == "alt" and r.summary()["pdf"] == str(pdf)


def test_a_broken_extractor_shows_in_detection_and_fields(rendered_fixtures: dict) -> None:
    """Values lost by the extractor: findings that depend on them disappear, and the per-field scores say where."""
    _, gold_path = rendered_fixtures[("seed004_fa", "printed")]

    def lossy(path: Path) -> ExtractionResult:
        res = extract_file(path)
        for rec in res.records:
            if isinstance(rec, FinalAccountsTable) and rec.std_name == "收入支出决算总表":
                for row in rec.rows:
                    row.cells = {c: None for c in row.cells}
        return res

    good = evaluate_fixture(gold_path.parent, ROOT.parent / "shared", extract_file)
    bad = evaluate_fixture(gold_path.parent, ROOT.parent / "shared", lossy)
    assert good.findings.all.fn == 0 and bad.findings.all.fn == 2  # both FA-042 findings on 收入支出决算总表
    assert [m["rule"] for m in bad.findings.misses] == ["FA-042", "FA-042"]
    g, b = good.fields.summary()["final_accounts_table"], bad.fields.summary()["final_accounts_table"]
    assert g["cells.金额"]["recall"] == 1.0 and b["cells.金额"]["recall"] < g["cells.金额"]["recall"]
    table = next(t for t in bad.summary()["per_table"] if t["table"] == "收入支出决算总表")
    assert table["cells"] and {c["kind"] for c in table["cells"]} == {"missing"}  # cell by cell, for the HTML report
    assert all(c["page"] == 3 and c["bbox"] and c["expected"] and c["found"] is None for c in table["cells"])
    reports = {"layout": _report(good), "lossy": _report(bad)}
    cmp = by_extractor(reports)
    assert cmp["layout"]["findings_recall"] == 1.0 and cmp["lossy"]["findings_recall"] == 0.0
    assert cmp["lossy"]["value_accuracy"] < cmp["layout"]["value_accuracy"]


def _report(r: FixtureResult) -> dict:  # type: ignore[type-arg]
    from eval.breakdown import sections
    from eval.runner import overall

    return {"overall": overall([r]), **sections([r])}


def test_headline_without_labelled_findings() -> None:
    from eval.runner import overall

    h = headline(overall([]), None)
    assert h["findings_recall"] is None and h["fixtures"] == 0


def test_a_bad_tolerance_file_is_a_clear_error(tmp_path: Path) -> None:
    from eval.metrics_fields import tolerances
    from extraction.errors import ConfigError

    bad = tmp_path / "tolerance.yaml"
    bad.write_text('"*.execution_rate": lots\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="not a mapping"):
        tolerances(bad)
    bad.write_text('"*.execution_rate": -0.1\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="negative"):
        tolerances(bad)
    assert tolerances(ROOT / "eval" / "tolerance.yaml")  # the shipped file loads
