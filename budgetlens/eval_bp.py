"""Glue for the boilerplate part of `budgetlens eval`: index the labelled corpus (eval/bp_corpus/) into a corpus of
past reports, run the checks on every document against it, score the BP-* findings (eval/metrics_bp.py) and print
what an auditor needs to see: per rule precision and recall, then the misses and false alarms."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

from rich.console import Console
from rich.table import Table

from checks.corpus import CorpusQuery
from checks.engine import Config, load_config, run_checks
from checks.model import Finding
from eval.metrics_bp import RULES, score_findings
from extraction.records import ExtractionResult

BP_CORPUS = Path(__file__).resolve().parents[1] / "eval" / "bp_corpus"


class IndexingCorpus(CorpusQuery, Protocol):
    """What the evaluation needs: a corpus it can fill (vectorstore.corpus.Corpus, or a test double)."""

    def index(self, result: ExtractionResult) -> int: ...


def load_bp_corpus(folder: Path = BP_CORPUS) -> tuple[dict[str, ExtractionResult], dict[str, Any]]:
    """The corpus documents by file name, and labels.json."""
    labels = json.loads((folder / "labels.json").read_text(encoding="utf-8"))
    docs = {p.name: ExtractionResult.model_validate_json(p.read_text(encoding="utf-8"))
            for p in sorted(folder.glob("*.json")) if p.name != "labels.json"}
    return docs, labels


def uncapped(config: Config) -> Config:
    """The configuration with the BP rules' per-report cap (max_findings, a reading aid: the 20 closest matches)
    lifted: the evaluation measures what the rules detect, not what a reviewer is shown first."""
    rules = {rid: dict(conf) for rid, conf in config.rules.items()}
    for rid in RULES:
        rules.setdefault(rid, {})["max_findings"] = 1_000_000
    return replace(config, rules=rules)


def run_bp_eval(corpus: IndexingCorpus, folder: Path = BP_CORPUS, config: Config | None = None,
                progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Index every document of the labelled corpus into `corpus`, check each one against it (the rule configuration
    given or the shipped one, BP caps lifted), score the BP findings. The corpus should start empty (a fresh temp
    dir or collection): other documents in it would add matches the labels do not know."""
    docs, labels = load_bp_corpus(folder)
    config = uncapped(config or load_config())
    started = time.perf_counter()
    for name, res in docs.items():
        corpus.index(res)
        if progress:
            progress(f"indexed {name}")
    indexed = time.perf_counter()
    findings: list[Finding] = []
    for name, res in docs.items():
        findings += [f for f in run_checks(res, config, corpus=corpus) if f.rule_id in RULES]
        if progress:
            progress(f"checked {name}")
    files = {res.document.id: name for name, res in docs.items()}
    files.update({res.document.file_name: name for name, res in docs.items()})
    score = score_findings(findings, labels, files)
    return {"corpus": str(folder), "documents": len(docs), "findings": len(findings),
            "index_s": round(indexed - started, 2), "check_s": round(time.perf_counter() - indexed, 2),
            **score.summary()}


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def print_bp_report(report: dict[str, Any], console: Console, details: int = 30) -> None:
    """The per-rule table, then up to `details` misses and false alarms (with the reason of each false alarm)."""
    t = Table(title=f"boilerplate rules on the labelled corpus ({report['documents']} documents)")
    for col in ("rule", "labelled", "found", "TP", "FP", "FN", "precision", "recall", "F1"):
        t.add_column(col, justify="left" if col == "rule" else "right")
    for r in [*report["rules"], report["overall"]]:
        t.add_row(r["rule"], str(r["labelled"]), str(r["found"]), str(r["tp"]), str(r["fp"]), str(r["fn"]),
                  _pct(r["precision"]), _pct(r["recall"]), _pct(r["f1"]),
                  style="bold" if r["rule"] == "ALL" else None)
    console.print(t)
    misses, alarms = report["misses"], report["false_alarms"]
    for m in misses[:details]:
        console.print(f"  missed {m['rule_id']} {m['document']} {m['record']} {m['path']} ({m.get('edit', '')}; "
                      f"copies in {', '.join(m.get('matches', [])[:3])})", markup=False)
    if len(misses) > details:
        console.print(f"  … {len(misses) - details} more misses")
    for a in alarms[:details]:
        console.print(f"  false alarm {a['rule_id']} {a['document']} {a['record']} {a['path']} → "
                      f"{', '.join(a['matched']) or '-'}: {a['reason']}", markup=False)
    if len(alarms) > details:
        console.print(f"  … {len(alarms) - details} more false alarms")
