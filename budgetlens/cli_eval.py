"""`budgetlens eval`: score extraction and the boilerplate rules against labelled fixtures, compare with a
baseline, gate on thresholds; `budgetlens eval validate` checks fixture folders."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from budgetlens.cli_common import Extractor, err, extractor_for
from budgetlens.settings import Settings, get_settings
from extraction.errors import BudgetlensError


def eval_cmd(
    fixtures: list[Path] = typer.Argument(..., help="fixture folders (each with gold.json) or folders holding them; "
                                          "a folder with labels.json is a labelled corpus for the BP rules"),
    shared: Path = typer.Option(None, "--shared", help="shared dir for fixtures whose PDF lives there"),
    json_out: Path | None = typer.Option(None, "--json", help="write the full report as JSON here"),
    html_out: Path | None = typer.Option(None, "--html", help="write a self-contained HTML report here (charts, the "
                                         "worst errors with their page renders) to open in a browser or send on"),
    extractors: list[Extractor] = typer.Option([Extractor.layout], "--extractor", help="layout: the parser alone; "
                                               "llm: claims and form values from the LLM (tables stay the parser's); "
                                               "hybrid: parser first, LLM fills gaps and adds claims. Repeat it to compare extractors: the first one's "
                                               "report is printed in full, the others' headline figures beside it"),
    baseline: Path | None = typer.Option(None, "--baseline", help="an earlier report (--json): print which figures "
                                         "got better or worse"),
    min_file: Path | None = typer.Option(None, "--min-file", help="thresholds YAML, e.g. eval/gate.yaml (the CI gate): "
                                         "exit code 3 when a figure falls below its floor (or above its ceiling)"),
    mins: list[str] = typer.Option([], "--min", help="a threshold NAME=VALUE, fnmatch patterns allowed "
                                   "(fixture.*.values.accuracy=0.995); over --min-file"),
) -> None:
    """Score extraction against labelled fixtures (tables, values, narrative claims, forms) and the boilerplate rules
    against a labelled corpus of past reports (eval/bp_corpus). `budgetlens eval validate FOLDER...` checks fixture
    folders instead and explains every problem (exit code 1 when there is one)."""
    settings = get_settings()
    if fixtures and str(fixtures[0]) == "validate" and not fixtures[0].exists():
        raise typer.Exit(_validate(fixtures[1:], shared or settings.shared_dir))
    from eval.gate import apply_gate, load_limits, load_report

    try:  # a bad gate file or option fails before the evaluation runs
        limits, base = load_limits(min_file, mins), (load_report(baseline) if baseline else None)
    except (OSError, ValueError) as exc:
        err.print(str(exc), style="red", markup=False)
        raise typer.Exit(2) from exc
    labelled = [f for f in fixtures if (f / "labels.json").is_file()]  # a labelled corpus of past reports (BP rules)
    fixtures = [f for f in fixtures if f not in labelled]
    report: dict[str, object] = {}
    if fixtures:
        try:
            report = _run(fixtures, shared or settings.shared_dir, settings, list(dict.fromkeys(extractors)))
        except BudgetlensError as exc:  # a malformed fixture: say which and what to do, not a traceback
            err.print(exc.message, style="red", markup=False, highlight=False)
            raise typer.Exit(2) from exc
    if labelled:
        from budgetlens.cli_corpus import eval_boilerplate

        report["boilerplate"] = [eval_boilerplate(folder, settings) for folder in labelled]
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
        err.print(f"report written to {json_out}")
    if html_out:
        from eval.html_report import fixture_pdfs, write_html

        pdfs = fixture_pdfs(fixtures, shared or settings.shared_dir)
        err.print(f"HTML report written to {write_html(report, html_out, pdfs)}")
    if fixtures and report["overall"]["scored"] == 0:  # type: ignore[index]
        raise typer.Exit(2)
    raise typer.Exit(apply_gate(report, err, base, limits))


def _run(fixtures: list[Path], shared: Path, settings: Settings, extractors: list[Extractor]) -> dict[str, Any]:
    from budgetlens.evaluate import run_eval
    from budgetlens.evaluate_print import print_sections
    from eval.breakdown import by_extractor

    use = {"layout": "off", "llm": "only", "hybrid": "fill"}
    reports = [run_eval(fixtures, shared, err, extractor_for(settings, use[x.value]), x.value, quiet=i > 0)
               for i, x in enumerate(extractors)]
    report = reports[0]
    if len(reports) > 1:
        report["by_extractor"] = by_extractor({x.value: r for x, r in zip(extractors, reports, strict=True)})
        print_sections({"by_extractor": report["by_extractor"]}, err)
    return report


def _validate(folders: list[Path], shared: Path) -> int:
    from eval.validate import validate_many

    if not folders:
        err.print("[red]give the fixture folders to validate, e.g. budgetlens eval validate eval/fixtures[/red]")
        return 2
    bad = 0
    for folder, problems in validate_many(folders, shared).items():
        err.print(f"{folder}: " + ("[green]ok[/green]" if not problems else f"[red]{len(problems)} problem(s)[/red]"))
        for p in problems:
            err.print(f"  {p}", markup=False, highlight=False)
        bad += bool(problems)
    return 1 if bad else 0


