"""Glue for `budgetlens check`: records from PDFs or extract JSONL → findings JSONL + a per-document summary."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from budgetlens.batch import expand_paths, extract_many
from budgetlens.settings import get_settings
from checks.engine import load_config, risk_score, run_checks
from extraction.records import Document, ExtractionResult, Issue


def _results(paths: list[str], console: Console) -> Iterator[ExtractionResult]:
    """Records from extract output (JSONL or the JSON array) or, for anything else, from extraction. A line that
    is not a valid extraction result is reported and skipped: one bad line never stops the run."""
    pdfs: list[str] = []
    for p in paths:
        if p.endswith((".jsonl", ".json")) and Path(p).is_file():
            for n, line in enumerate(Path(p).read_text(encoding="utf-8").splitlines(), 1):
                text = line.strip().rstrip(",")
                if not text or text in ("[", "]"):
                    continue
                try:
                    yield ExtractionResult.model_validate_json(text)
                except ValidationError as exc:
                    console.print(f"[red]{p}:{n}: not an extraction result ({exc.error_count()} problems: "
                                  f"{exc.errors()[0]['msg']}); was it written by `budgetlens extract`?[/red]")
                    yield _unreadable(p, n)
        else:
            pdfs.append(p)
    if pdfs:
        yield from extract_many(expand_paths(pdfs), get_settings())


def _unreadable(path: str, line: int) -> ExtractionResult:
    issue = Issue(code="bad_record_line", severity="error", message=f"{path}:{line} is not an extraction result")
    doc = Document(id="", file_name=f"{Path(path).name}:{line}", status="failed", issues=[issue])
    return ExtractionResult(document=doc, status="failed", issues=[issue])


def check_paths(paths: list[str], out: Path | None, config_path: Path | None, console: Console) -> int:
    config = load_config(config_path)
    sink = out.open("w", encoding="utf-8") if out else sys.stdout
    table = Table(title="findings by document (risk = Σ weight[severity])")
    for col in ("document", "status", "error", "warning", "info", "risk"):
        table.add_column(col, justify="left" if col == "document" else "right")
    failed = 0
    try:
        for res in _results(paths, console):
            findings = run_checks(res, config) if res.status != "failed" else []
            for f in findings:
                sink.write(f.model_dump_json() + "\n")
            n = Counter(f.severity for f in findings)
            table.add_row(f"{res.document.file_name} {res.document.id[:8]}", res.status, str(n["error"]), str(n["warning"]), str(n["info"]),
                          f"{risk_score(findings, config):g}")
            failed += res.status == "failed"
    finally:
        if out:
            sink.close()
    console.print(table)
    return 1 if failed else 0
