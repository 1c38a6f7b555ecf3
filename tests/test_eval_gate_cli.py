"""`budgetlens eval --min-file / --min / --baseline`: the gate and the comparison from the command line."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from budgetlens.cli import app

from .conftest import ROOT

GATE = ROOT / "eval" / "gate.yaml"


def test_eval_cli_gate_and_baseline(rendered_fixtures: dict, tmp_path: Path) -> None:
    pdf, _ = rendered_fixtures[("seed004_fa", "printed")]
    out = tmp_path / "r.json"
    res = CliRunner().invoke(app, ["eval", str(pdf.parent), "--json", str(out), "--min-file", str(GATE)])
    assert res.exit_code == 0, res.output
    assert "gate passed" in res.output and "not measured" in res.output
    worse = json.loads(out.read_text(encoding="utf-8"))
    worse["overall"]["value_accuracy"] = 1.0
    worse["overall"]["claims_recall"] = 0.5
    base = tmp_path / "base.json"
    base.write_text(json.dumps(worse), encoding="utf-8")
    res = CliRunner().invoke(app, ["eval", str(pdf.parent), "--baseline", str(base),
                                   "--min", "fixture.*.claims.gold=1000"])
    assert res.exit_code == 3, res.output
    assert "overall.claims.recall" in res.output and "better" in res.output and "gate failed" in res.output
    res = CliRunner().invoke(app, ["eval", str(pdf.parent), "--min", "oops"])
    assert res.exit_code == 2 and "--min" in res.output
    res = CliRunner().invoke(app, ["eval", str(pdf.parent), "--min-file", str(tmp_path / "nope.yaml")])
    assert res.exit_code == 2


def test_malformed_findings_labels_name_the_fixture(rendered_fixtures: dict, tmp_path: Path) -> None:
    """A fixture whose labels lack a severity stops eval with the file and the command that explains it."""
    import shutil

    pdf, _ = rendered_fixtures[("seed004_fa", "printed")]
    folder = tmp_path / "fx"
    shutil.copytree(pdf.parent, folder)
    raw = json.loads((folder / "gold.json").read_text(encoding="utf-8"))
    del raw["findings"]["expected"][0]["severity"]
    (folder / "gold.json").write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    res = CliRunner().invoke(app, ["eval", str(folder)])
    assert res.exit_code == 2, res.output
    out = " ".join(res.output.split())  # the console wraps long lines
    assert "fx/gold.json" in out and "malformed" in out and f"budgetlens eval validate {folder}" in out
