"""`budgetlens index` and `budgetlens similar`: build the corpus of past reports and ask it questions."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from budgetlens.batch import expand_paths
from budgetlens.settings import Settings, get_settings
from extraction.errors import BudgetlensError
from extraction.passages import PASSAGE_KINDS, PassageKind


def index_cmd(
    paths: list[str] = typer.Argument(None, help="PDFs, directories, or extraction results (JSONL / JSON) to index"),
    list_only: bool = typer.Option(False, "--list", help="list the indexed documents instead of indexing"),
) -> None:
    """Add documents to the corpus of past reports (re-indexing a document replaces its passages). The corpus lives
    in BUDGETLENS_CORPUS_DIR (default data_dir/corpus) or on the ChromaDB server at BUDGETLENS_CHROMA_URL."""
    from budgetlens.checking import read_results
    from budgetlens.cli_common import err
    from budgetlens.cli_common import progress_bar as _progress
    from budgetlens.corpus_setup import corpus_exists, open_cached

    if not paths and not list_only:
        err.print("[red]nothing to index: give PDFs, directories or extraction results (or --list)[/red]")
        raise typer.Exit(2)
    settings = get_settings()
    if list_only and not corpus_exists(settings):
        err.print(f"no corpus at {settings.corpus_path()} yet: `budgetlens index PATH...` builds it")
        return
    try:
        corpus = open_cached(settings)
    except BudgetlensError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    if list_only:
        _list(corpus, err)
        return
    failed = indexed = passages = 0
    todo = [p for p in paths if not p.endswith((".json", ".jsonl"))]
    total = len(expand_paths(todo)) + (len(paths) - len(todo)) if todo else None
    with _progress(settings.progress) as progress:
        task = progress.add_task("indexing", total=total)
        for res in read_results(paths, err):
            name = res.document.file_name
            if res.status == "failed":
                failed += 1
                reason = "; ".join(i.message for i in res.issues if i.severity == "error")
                err.print(f"[red]failed[/red] {name}: {reason}")
            else:
                try:
                    n = corpus.index(res)
                except BudgetlensError as exc:
                    err.print(f"[red]{exc}[/red]")
                    raise typer.Exit(2) from exc
                indexed, passages = indexed + 1, passages + n
            progress.update(task, advance=1, description=f"{name[:40]} ({passages} passages)")
    err.print(f"indexed {indexed} document(s), {passages} passage(s), {failed} failed; the corpus at {corpus.where} "
              f"holds {corpus.document_count()} document(s), {corpus.passage_count()} passage(s)")
    raise typer.Exit(1 if failed else 0)


def _list(corpus, console: Console) -> None:  # type: ignore[no-untyped-def]
    table = Table(title=f"corpus at {corpus.where}")
    for col in ("document", "department", "year", "passages", "indexed"):
        table.add_column(col)
    for d in corpus.documents():
        table.add_row(f"{d.file_name} {d.id[:8]}", d.department or "", str(d.fiscal_year or ""), str(d.passages),
                      d.indexed_at)
    console.print(table)


def similar_cmd(
    text: str = typer.Argument(..., help="the text to look for"),
    k: int = typer.Option(5, "-k", help="how many passages"),
    kind: list[str] = typer.Option([], "--kind", help=f"only these passage kinds: {', '.join(PASSAGE_KINDS)}"),
) -> None:
    """The passages of past reports nearest to TEXT: embedding similarity and the exact copy measure the
    boilerplate rules decide with."""
    from budgetlens.cli_common import err
    from budgetlens.corpus_setup import corpus_if_present
    from checks.textsim import compare

    bad = [x for x in kind if x not in PASSAGE_KINDS]
    if bad:
        err.print(f"[red]unknown passage kind {', '.join(bad)}; known: {', '.join(PASSAGE_KINDS)}[/red]")
        raise typer.Exit(2)
    settings = get_settings()
    try:
        corpus = corpus_if_present(settings)
        if corpus is None:
            err.print(f"no corpus at {settings.corpus_path()}: build it with `budgetlens index PATH...` "
                      "(or set BUDGETLENS_CHROMA_URL)")
            raise typer.Exit(2)
        kinds: list[PassageKind] | None = [x for x in kind if x in PASSAGE_KINDS] or None  # type: ignore[misc]
        [hits] = corpus.search([text], k=k, kinds=kinds)
    except BudgetlensError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    out = Console(width=None, highlight=False)
    out.print(f"{len(hits)} nearest of {corpus.passage_count()} passages (sim.: embedding; copy: the exact measure "
              "BP rules decide with)")
    for n, h in enumerate(hits, 1):
        p, m = h.passage, compare(text, h.passage.text)
        copy = f"copy {m.score:.2f} {m.mode}" if m.mode != "none" else "no copy"
        where = " · ".join(x for x in (p.department, str(p.fiscal_year or ""), p.record, p.path,
                                       f"p.{p.page}" if p.page else "") if x)
        out.print(f"{n}. sim. {h.similarity:.2f} · {copy} · {p.file_name} · {where}")
        out.print(f"   {_short(p.text)}")


def _short(text: str, n: int = 120) -> str:
    t = "".join(text.split())
    return t if len(t) <= n else t[:n] + "…"


def eval_boilerplate(folder: Path, settings: Settings) -> dict[str, Any]:
    """BP rules on a labelled corpus, indexed into a fresh corpus in a temporary directory (with the configured
    embedding): other documents would add matches the labels do not know."""
    from budgetlens.cli_common import err
    from budgetlens.eval_bp import print_bp_report, run_bp_eval
    from checks.engine import load_config
    from vectorstore.corpus import open_corpus

    with tempfile.TemporaryDirectory(prefix="bp-eval-") as tmp:
        corpus = open_corpus(settings.model_copy(update={"corpus_dir": Path(tmp), "chroma_url": None}))
        with err.status(f"indexing and checking {folder}") as status:
            report = run_bp_eval(corpus, folder, load_config(settings.rules_config),
                                 progress=lambda msg: status.update(f"{folder.name}: {msg}"))
        print_bp_report(report, err)
    return report
