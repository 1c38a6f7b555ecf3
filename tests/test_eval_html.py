"""`budgetlens eval --html`: one self-contained file whose charts and error links work, on a real eval run and on a
report holding the keys newer reports add (fields, kinds, findings, by_family, per fixture errors with boxes)."""

from __future__ import annotations

import base64
import copy
import json
import re
from pathlib import Path
from typing import Any

import pymupdf
import pytest
from typer.testing import CliRunner

from budgetlens.cli import app
from eval.html_report import write_html
from eval.render import render_fixture

from .conftest import ROOT

SEED = ROOT / "eval" / "fixtures" / "seed004_fa"
NAME = "seed004_fa-printed"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any], str]:
    """seed004_fa rendered, one gold claim changed so the eval has an error to show, then `budgetlens eval --html`:
    (the PDF, the JSON report, the HTML)."""
    out = tmp_path_factory.mktemp("html")
    pdf, gold = render_fixture(SEED, out, "printed")
    raw = json.loads(gold.read_text(encoding="utf-8"))
    claim = next(r for r in raw["records"] if r["kind"] == "narrative_claim")
    claim["value"] += 1
    gold.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    res = CliRunner().invoke(app, ["eval", str(pdf.parent), "--json", str(out / "r.json"),
                                   "--html", str(out / "r.html")])
    assert res.exit_code == 0, res.output
    assert "HTML report written to" in res.output
    report = json.loads((out / "r.json").read_text(encoding="utf-8"))
    return pdf, report, (out / "r.html").read_text(encoding="utf-8")


def _self_contained(html: str) -> None:
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html, re.I)
    assert "<script" not in html and "<link" not in html and "@import" not in html


def _links_resolve(html: str) -> int:
    """Every link to a page render lands on an embedded PNG, and every render links back to its error rows."""
    pages = set(re.findall(r'href="#page-(\d+)"', html))
    for n in pages:
        fig = re.search(rf'<figure id="page-{n}".*?</figure>', html, re.S)
        assert fig, f"#page-{n} has no figure"
        data = re.search(r"src='data:image/png;base64,([A-Za-z0-9+/=]+)'", fig[0])
        assert data and base64.b64decode(data[1])[:8] == b"\x89PNG\r\n\x1a\n"
        for i in re.findall(r'href="#err-(\d+)"', fig[0]):
            assert f'<tr id="err-{i}">' in html
    return len(pages)


def test_eval_cli_writes_a_self_contained_report(run: tuple[Path, dict[str, Any], str]) -> None:
    _, report, html = run
    _self_contained(html)
    assert html.count('<svg class="chart"') >= 2  # per fixture, per field
    assert "各文档准确率" in html and "各字段准确率" in html and NAME in html
    assert report["overall"]["claims_value_accuracy"] < 1 and '<tr id="err-1">' in html  # the changed claim
    assert _links_resolve(html) >= 1


def _newer(report: dict[str, Any], pdf: Path) -> dict[str, Any]:
    """The report with every key newer reports add, the error boxes taken from the PDF itself."""
    r = copy.deepcopy(report)
    with pymupdf.open(pdf) as doc:
        hits = [(n + 1, doc[n].search_for("合计")) for n in range(doc.page_count)]
    boxes = [(n, tuple(h[0])) for n, h in hits if h][:3]
    assert len(boxes) == 3
    f = r["fixtures"][0]
    f["family"], f["doc_kinds"] = "printed", {"gold": ["final_accounts"], "predicted": ["final_accounts"]}
    f["errors"] = [{"kind": k, "record": "收入支出决算总表", "field": "合计/决算数", "expected": "100.00",
                    "found": found, "page": n, "bbox": list(b)}
                   for k, found, (n, b) in zip(["misplaced", "wrong", "phantom"], ["90.00", "100.01", "3"], boxes, strict=True)]
    f["errors"].append({"kind": "table_missed", "record": "其他:附表", "field": "", "expected": None, "found": None,
                        "page": None, "bbox": None})
    pr = {"expected": 4, "found": 5, "tp": 3, "fp": 2, "fn": 1, "precision": 0.6, "recall": 0.75, "f1": 0.667}
    miss = {"expected": 2, "found": 0, "tp": 0, "fp": 0, "fn": 2, "precision": None, "recall": 0.0, "f1": 0.0}
    r["kinds"] = {"confusion": [{"gold": "final_accounts", "predicted": "final_accounts", "count": 5},
                                {"gold": "dept_self_evaluation", "predicted": "project_self_evaluation", "count": 1},
                                {"gold": "evaluation_report", "predicted": "—", "count": 1}], "accuracy": 5 / 7}
    r["findings"] = {"scope": ["error", "warning"], "per_rule": {"FA-010": pr, "SE-001": miss},
                     "per_severity": {"error": pr}, "all": pr,
                     "misses": [{"fixture": NAME, "rule": "FA-010", "page": 3, "note": "总表不平衡"}],
                     "false_alarms": [{"fixture": NAME, "rule": "SE-001", "page": 2, "severity": "warning",
                                       "message": "得分与分值不符"}]}
    r["fields"] = {"narrative_claim": {"value": {"gold": 10, "predicted": 9, "matched": 9, "correct": 8,
                                                 "precision": 0.89, "recall": 0.9, "f1": 0.89, "accuracy": 0.8,
                                                 "cer": None}},
                   "report_section": {"text": {"gold": 4, "predicted": 4, "matched": 4, "correct": 3, "precision": 1,
                                               "recall": 1, "f1": 1, "accuracy": 0.75, "cer": 0.012}}}
    r["by_family"] = {"printed": {"fixtures": 1, "value_accuracy": 1.0, "claims_recall": 0.99,
                                  "form_numeric_accuracy": None, "form_text_accuracy": None, "findings_recall": 0.75}}
    r["by_extractor"] = {"layout": {"value_accuracy": 1.0, "claims_recall": 0.99}}
    return r


def test_newer_keys_are_drawn(run: tuple[Path, dict[str, Any], str], tmp_path: Path) -> None:
    pdf, report, _ = run
    html = write_html(_newer(report, pdf), tmp_path / "new.html", {NAME: pdf}).read_text(encoding="utf-8")
    _self_contained(html)
    assert "文档类型混淆矩阵" in html and "评价报告" in html  # the confusion matrix, "—" drawn as 无 (none)
    assert "FA-010" in html and "总表不平衡" in html and "得分与分值不符" in html  # findings P/R, misses, alarms
    assert "CER 1.2%" in html and "8/10" in html  # per-field chart from `fields`
    assert "按版式" in html and "printed" in html and "按抽取方式" in html
    assert html.index("串行串列") < html.index("数值错误") < html.index("多出数值")  # worst first
    assert _links_resolve(html) == 3
    assert str(pdf) in html


def test_a_boilerplate_only_report(tmp_path: Path) -> None:
    rule = {"rule": "BP-001", "labelled": 3, "found": 3, "tp": 2, "fp": 1, "fn": 1, "ignored": 0,
            "precision": 2 / 3, "recall": 2 / 3, "f1": 2 / 3}
    bp = {"corpus": "eval/bp_corpus", "documents": 4, "findings": 3, "rules": [rule], "overall": {**rule, "rule": "ALL"},
          "misses": ["BP-001 a-2023.json form[1]"], "false_alarms": []}
    html = write_html({"boilerplate": [bp]}, tmp_path / "bp.html").read_text(encoding="utf-8")
    _self_contained(html)
    assert "BP-001" in html and "段落与其他报告雷同" in html and "a-2023.json" in html
    assert 'id="errors"' not in html and 'id="fixtures"' not in html
