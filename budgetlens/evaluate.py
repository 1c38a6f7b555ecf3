"""Glue for `budgetlens eval`: run the extractor over fixtures and print what an auditor needs to see."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from budgetlens.evaluate_print import print_sections
from eval.breakdown import sections
from eval.runner import evaluate_fixture, find_fixtures, overall
from extraction.pipeline import extract_file
from extraction.records import ExtractionResult, LlmUsage


def run_eval(roots: list[Path], shared: Path, console: Console,
             extract: Callable[[Path], ExtractionResult] = extract_file, extractor: str = "layout",
             quiet: bool = False) -> dict[str, Any]:
    folders = find_fixtures(roots)
    usage: list[LlmUsage] = []

    def counted(path: Path) -> ExtractionResult:
        res = extract(path)
        if res.llm is not None:
            usage.append(res.llm)
        return res

    results = [evaluate_fixture(f, shared, counted) for f in folders]
    report = {"extractor": extractor, "overall": overall(results), **sections(results),
              "fixtures": [r.summary() for r in results]}
    if usage:
        report["llm"] = _llm_summary(usage)
    if not quiet:
        _print(report, console)
        print_sections(report, console)
    return report


def _llm_summary(usage: list[LlmUsage]) -> dict[str, Any]:
    """Calls and cache hits show the cache effect (a second run should make 0 calls); tokens/s the speed."""
    out: dict[str, Any] = {k: sum(getattr(u, k) for u in usage) for k in (
        "calls", "cache_hits", "prompt_tokens", "completion_tokens", "values_kept", "values_dropped")}
    latency = sum(u.latency_s for u in usage)
    out["latency_s"] = round(latency, 2)
    out["tokens_per_s"] = round(out["completion_tokens"] / latency, 1) if latency else 0.0
    out["model"], out["mode"] = usage[0].model, next((u.mode for u in usage if u.mode), "")
    return out


def _pct(x: float) -> str:
    return f"{100 * x:.2f}%"


def _print(report: dict[str, Any], console: Console) -> None:
    t = Table(title="extraction accuracy by fixture")
    for col in ("fixture", "status", "tables found/page ok", "values", "value acc.", "misplaced",
                "phantom", "claims recall", "claims prec.", "claim value acc."):
        t.add_column(col, justify="right" if col != "fixture" else "left")
    for f in report["fixtures"]:
        if f["skipped"]:
            t.add_row(f["fixture"], "skipped", f["skipped"], "", "", "", "", "", "", "")
            continue
        t.add_row(f["fixture"], f["status"], f"{f['tables_found']}/{f['tables_page_ok']} of {f['tables']}",
                  str(f["values_labelled"]), _pct(f["value_accuracy"]), str(f["values_misplaced"]),
                  str(f["values_phantom"]), f"{_pct(f['claims_recall'])} of {f['claims_gold']}",
                  _pct(f["claims_precision"]), _pct(f["claims_value_accuracy"]))
    o = report["overall"]
    t.add_row("ALL", "", f"{o['tables_found']}/{o['tables_page_ok']} of {o['tables']}", str(o["values_labelled"]),
              _pct(o["value_accuracy"]), str(o["values_misplaced"]), str(o["values_phantom"]),
              f"{_pct(o['claims_recall'])} of {o['claims_gold']}", _pct(o["claims_precision"]),
              _pct(o["claims_value_accuracy"]), style="bold")
    console.print(t)
    if "llm" in report:
        u = report["llm"]
        console.print(f"extractor {report['extractor']}, model {u['model']} ({u['mode']}): {u['calls']} LLM call(s), "
                      f"{u['cache_hits']} cache hit(s), {u['prompt_tokens']}+{u['completion_tokens']} tokens, "
                      f"{u['tokens_per_s']} tokens/s; LLM values kept {u['values_kept']}, dropped as ungrounded "
                      f"{u['values_dropped']}")
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
