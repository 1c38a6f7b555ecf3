"""`budgetlens eval`: score extraction and the boilerplate rules against labelled fixtures, compare with a
baseline, gate on thresholds; `budgetlens eval validate` checks fixture folders."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from budgetlens.cli_common import Extractor, err, extractor_for
from budgetlens.settings import get_settings


def eval_cmd(
    fixtures: list[Path] = typer.Argument(..., help="fixture folders (each with gold.json) or folders holding them; "
                                          "a folder with labels.json is a labelled corpus for the BP rules"),
    shared: Path = typer.Option(None, "--shared", help="shared dir for fixtures whose PDF lives there"),
    json_out: Path | None = typer.Option(None, "--json", help="write the full report as JSON here"),
    extractor: Extractor = typer.Option(Extractor.layout, "--extractor", help="layout: the parser alone; llm: every "
                                        "value from the LLM; hybrid: parser first, LLM fills gaps and adds claims"),
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
    from budgetlens.evaluate import run_eval

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
        use = {"layout": "off", "llm": "only", "hybrid": "fill"}[extractor.value]
        report = run_eval(fixtures, shared or settings.shared_dir, err, extractor_for(settings, use), extractor.value)
    if labelled:
        from budgetlens.cli_corpus import eval_boilerplate

        report["boilerplate"] = [eval_boilerplate(folder, settings) for folder in labelled]
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
        err.print(f"report written to {json_out}")
    if fixtures and report["overall"]["scored"] == 0:  # type: ignore[index]
        raise typer.Exit(2)
    raise typer.Exit(apply_gate(report, err, base, limits))


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


