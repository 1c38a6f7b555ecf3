"""Glue for `budgetlens check`: records from PDFs or extract JSONL → findings JSONL + a per-document summary."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from rich.console import Console
from rich.table import Table

from budgetlens.batch import expand_paths, extract_many
from budgetlens.settings import get_settings
from checks.engine import load_config, risk_score, run_checks
from extraction.records import ExtractionResult


def _results(paths: list[str]) -> Iterator[ExtractionResult]:
    pdfs: list[str] = []
    for p in paths:
        if p.endswith((".jsonl", ".json")) and Path(p).is_file():
            for line in Path(p).read_text(encoding="utf-8").splitlines():
                if line.strip() and line.strip() not in ("[", "]"):
                    yield ExtractionResult.model_validate_json(line.strip().rstrip(","))
        else:
            pdfs.append(p)
    if pdfs:
        yield from extract_many(expand_paths(pdfs), get_settings())


def check_paths(paths: list[str], out: Path | None, config_path: Path | None, console: Console) -> int:
    config = load_config(config_path)
    sink = out.open("w", encoding="utf-8") if out else sys.stdout
    table = Table(title="findings by document (risk = Σ weight[severity])")
    for col in ("document", "status", "error", "warning", "info", "risk"):
        table.add_column(col, justify="left" if col == "document" else "right")
    failed = 0
    try:
        for res in _results(paths):
            findings = run_checks(res, config) if res.status != "failed" else []
            for f in findings:
                sink.write(f.model_dump_json() + "\n")
            n = Counter(f.severity for f in findings)
            table.add_row(res.document.file_name, res.status, str(n["error"]), str(n["warning"]), str(n["info"]),
                          f"{risk_score(findings, config):g}")
            failed += res.status == "failed"
    finally:
        if out:
            sink.close()
    console.print(table)
    return 1 if failed else 0
