"""Glue for `budgetlens eval`: run the extractor over fixtures and print what an auditor needs to see."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from eval.runner import evaluate_fixture, find_fixtures, overall
from extraction.pipeline import extract_file


def run_eval(roots: list[Path], shared: Path, console: Console) -> dict[str, Any]:
    folders = find_fixtures(roots)
    results = [evaluate_fixture(f, shared, extract_file) for f in folders]
    report = {"overall": overall(results), "fixtures": [r.summary() for r in results]}
    _print(report, console)
    return report


def _pct(x: float) -> str:
    return f"{100 * x:.2f}%"


def _print(report: dict[str, Any], console: Console) -> None:
    t = Table(title="extraction accuracy by fixture")
    for col in ("fixture", "status", "tables found/page ok", "values", "value acc.", "misplaced",
                "phantom", "claims recall", "claim value acc."):
        t.add_column(col, justify="right" if col != "fixture" else "left")
    for f in report["fixtures"]:
        if f["skipped"]:
            t.add_row(f["fixture"], "skipped", f["skipped"], "", "", "", "", "", "")
            continue
        t.add_row(f["fixture"], f["status"], f"{f['tables_found']}/{f['tables_page_ok']} of {f['tables']}",
                  str(f["values_labelled"]), _pct(f["value_accuracy"]), str(f["values_misplaced"]),
                  str(f["values_phantom"]), f"{_pct(f['claims_recall'])} of {f['claims_gold']}",
                  _pct(f["claims_value_accuracy"]))
    o = report["overall"]
    t.add_row("ALL", "", f"{o['tables_found']}/{o['tables_page_ok']} of {o['tables']}", str(o["values_labelled"]),
              _pct(o["value_accuracy"]), str(o["values_misplaced"]), str(o["values_phantom"]),
              f"{_pct(o['claims_recall'])} of {o['claims_gold']}", _pct(o["claims_value_accuracy"]), style="bold")
    console.print(t)
    _print_forms(report, console)
    for f in report["fixtures"]:
        bad = [r for r in f.get("per_table", []) if not r["found"] or r["accuracy"] < 1 or r["misplaced"]]
        for r in bad:
            console.print(f"  {f['fixture']}: {r['table']} found={r['found']} page_ok={r['page_ok']} "
                          f"acc={_pct(r['accuracy'])} missing={r['missing']} wrong={r['wrong']} "
                          f"misplaced={r['misplaced']}")
        for m in f.get("claim_misses", [])[:10]:
            console.print(f"  {f['fixture']}: claim missed {m}")
        for m in f.get("claim_wrong", [])[:10]:
            console.print(f"  {f['fixture']}: claim wrong {m}")


def _print_forms(report: dict[str, Any], console: Console) -> None:
    rows = [f for f in report["fixtures"] if not f["skipped"] and f["forms"]["forms"]]
    if not rows:
        return
    t = Table(title="self-evaluation forms and scoring tables")
    for col in ("fixture", "forms found/phantom", "pages ok", "numeric fields", "numeric acc.", "text fields",
                "text acc.", "indicator rows", "rows exact", "sections found", "section text"):
        t.add_column(col, justify="right" if col != "fixture" else "left")
    for f in [*rows, {"fixture": "ALL", "forms": report["overall"]["forms"]}]:
        s = f["forms"]
        t.add_row(f["fixture"], f"{s['forms_found']}/{s['forms_phantom']} of {s['forms']}", str(s["forms_pages_ok"]),
                  str(s["numeric_fields"]), _pct(s["numeric_accuracy"]), str(s["text_fields"]),
                  _pct(s["text_accuracy"]), str(s["indicator_rows"]), _pct(s["indicator_row_accuracy"]),
                  f"{s['sections_found']} of {s['sections']}", _pct(s["section_text_accuracy"]))
    console.print(t)
    for f in rows:
        for e in f["forms"]["errors"][:8]:
            console.print(f"  {f['fixture']}: {e}")
