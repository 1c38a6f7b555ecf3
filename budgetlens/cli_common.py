"""What every command module shares: the stderr console, progress bars, the extractor choice."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from budgetlens.settings import Settings
from extraction.errors import BudgetlensError

err = Console(stderr=True, width=None if sys.stderr.isatty() else 160)


class Extractor(StrEnum):
    layout = "layout"
    llm = "llm"
    hybrid = "hybrid"


def extractor_for(settings: Settings, use: str) -> Any:
    """The extract function for --llm off|fill|only|cross-check; a bad LLM configuration ends the command (exit 2)."""
    from budgetlens.llm_setup import extractor_for as make

    try:
        return make(settings, use)  # type: ignore[arg-type]
    except BudgetlensError as exc:
        err.print(exc.message, style="red", markup=False, highlight=False)
        raise typer.Exit(2) from exc


def progress_bar(enabled: bool) -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err, disable=not enabled or not err.is_terminal,
    )
