"""`make bench` merges what each benchmark wrote (benchmarks/figures.py) into out/bench.json and out/bench.md
(benchmarks/report.py): every figure next to its reference and ratio, a skipped benchmark shown as skipped."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.figures import figure, read_figures, write_figures, write_skipped
from benchmarks.report import load, markdown

ROOT = Path(__file__).resolve().parents[1]


def _write_three(out: Path) -> None:
    """Two benchmarks with figures and one skipped, written as the scripts write them with --out."""
    write_figures(out / "bench_index.json", [
        figure("query p50", 5.0, "ms", "brute-force p50", 0.5, group="2000 passages"),
        figure("recall@10", 0.97, "×", group="2000 passages"),
    ])
    write_figures(out / "bench_extract.json", [
        figure("ours, all documents", 120.0, "pages/s", "find_tables() on every page", 12.0,
               note="target ≥ 10× | find_tables"),
    ])
    write_skipped(out / "bench_llm.json", "llama_cpp is not importable")


def test_figure_ratio_is_value_over_reference() -> None:
    row = figure("checks", 9.0, "ms", "extraction", 180.0)
    assert row["ratio"] == pytest.approx(0.05)
    assert figure("x", 1.0, "ms", "nothing", 0.0)["ratio"] is None  # no division by zero
    alone = figure("recall@10", 1 / 3, "×")
    assert alone["reference"] is None and alone["ratio"] is None and alone["value"] == 0.333333
    assert "group" not in alone and "note" not in alone


def test_load_orders_as_the_issue_and_keeps_the_skipped(tmp_path: Path) -> None:
    _write_three(tmp_path)
    merged = load(tmp_path)
    assert [b["name"] for b in merged] == ["extract", "llm", "index"]
    llm = merged[1]
    assert llm["skipped"] == "llama_cpp is not importable" and llm["rows"] == []
    assert merged[0]["skipped"] is None and merged[0]["rows"][0]["ratio"] == 10.0
    assert len(merged[2]["rows"]) == 2


def test_markdown_puts_each_figure_next_to_its_reference(tmp_path: Path) -> None:
    _write_three(tmp_path)
    md = markdown(load(tmp_path))
    assert ("| ours, all documents | 120 pages/s | find_tables() on every page: 12.0 pages/s | 10.0× "
            "| target ≥ 10× \\| find_tables |") in md  # a | in a note does not break the table
    assert "| 2000 passages: query p50 | 5 ms | brute-force p50: 0.5 ms | 10.0× |" in md
    assert "| 2000 passages: recall@10 | 0.97× |  |  |" in md
    assert "Skipped here: llm" in md and "**skipped**: llama_cpp is not importable" in md
    assert md.index("Extraction") < md.index("Local LLM") < md.index("Corpus index")


def test_report_writes_bench_json_and_md(tmp_path: Path) -> None:
    _write_three(tmp_path)
    run = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "report.py"), "--dir", str(tmp_path)],
                         capture_output=True, text=True, check=True)
    data = json.loads((tmp_path / "bench.json").read_text(encoding="utf-8"))
    assert [b["name"] for b in data["benchmarks"]] == ["extract", "llm", "index"]
    assert data["benchmarks"][1]["skipped"] == "llama_cpp is not importable"
    md = (tmp_path / "bench.md").read_text(encoding="utf-8")
    assert md.startswith("# budgetlens benchmarks") and md in run.stdout
    assert load(tmp_path) == data["benchmarks"]  # bench.json itself is not read back as a benchmark


def test_an_old_or_foreign_file_is_refused_with_a_reason(tmp_path: Path) -> None:
    (tmp_path / "bench_extract.json").write_text('{"final accounts": {"files": []}}', encoding="utf-8")
    with pytest.raises(ValueError, match="run it again with --out"):
        read_figures(tmp_path / "bench_extract.json")
    run = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "report.py"), "--dir", str(tmp_path)],
                         capture_output=True, text=True)
    assert run.returncode != 0 and "run it again with --out" in run.stderr
    assert not (tmp_path / "bench.md").exists()
