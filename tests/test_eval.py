"""`budgetlens eval` on the project's fixtures: the accuracy issue 2 promises, as a gate."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from budgetlens.cli import app
from eval.runner import evaluate_fixture, overall
from extraction.pipeline import extract_file
from extraction.records import STD_NAMES

from .broken_extractors import shifted_one_row
from .conftest import ROOT, SHARED, need_shared

FIXTURES = ROOT / "eval" / "fixtures"


def _check(summary: dict) -> None:
    assert summary["tables_found"] == summary["tables_page_ok"] == summary["tables"]
    assert summary["value_accuracy"] >= 0.995
    assert summary["values_misplaced"] == 0 and summary["values_phantom"] == 0
    assert summary["claims_recall"] >= 0.95
    assert summary["claims_value_accuracy"] == 1.0


def test_rendered_seed_fixtures_meet_the_bar(rendered_fixtures: dict) -> None:
    results = [evaluate_fixture(pdf.parent, SHARED, extract_file) for pdf, _ in rendered_fixtures.values()]
    for r in results:
        _check(r.summary())
    o = overall(results)
    assert o["values_labelled"] > 1000 and o["claims_gold"] > 200


@pytest.mark.parametrize("name", ["real_putuo", "real_template"])
def test_real_pdfs_meet_the_bar(name: str) -> None:
    need_shared(SHARED / "corpus" / "real")
    r = evaluate_fixture(FIXTURES / name, SHARED, extract_file)
    assert r.skipped is None
    _check(r.summary())
    assert {t.key for t in r.tables if t.found} >= set(STD_NAMES)


def test_eval_cli_prints_table_and_writes_json(rendered_fixtures: dict, tmp_path: Path) -> None:
    pdf, _ = rendered_fixtures[("seed004_fa", "printed")]
    out = tmp_path / "eval.json"
    res = CliRunner().invoke(app, ["eval", str(pdf.parent), "--json", str(out)])
    assert res.exit_code == 0, res.output
    assert "value acc." in res.output and "seed004_fa-printed" in res.output
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["overall"]["scored"] == 1
    assert report["fixtures"][0]["per_table"][0]["per_column"]


def test_a_broken_extractor_is_caught(rendered_fixtures: dict) -> None:
    """The metric must fail when values land in the wrong row: shift every cell one row down."""
    pdf, _ = rendered_fixtures[("seed002_fa", "yuan")]


    s = evaluate_fixture(pdf.parent, SHARED, shifted_one_row).summary()
    assert s["value_accuracy"] < 0.5 and s["values_misplaced"] > 100


def test_missing_source_pdf_is_reported_as_skipped(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "real_putuo", tmp_path / "real_putuo")
    r = evaluate_fixture(tmp_path / "real_putuo", tmp_path / "no-shared", extract_file)
    assert r.skipped and "not under" in r.skipped
