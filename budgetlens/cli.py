"""Command line: extract, schema, check, rules, run, review, export; eval, index and similar live in their own
modules (cli_eval, cli_corpus) and the local LLM server in cli_llm."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path

import typer

from budgetlens.batch import expand_paths, extract_many
from budgetlens.cli_common import err, extractor_for, progress_bar
from budgetlens.cli_corpus import index_cmd, similar_cmd
from budgetlens.cli_eval import eval_cmd
from budgetlens.cli_llm import llm_app
from budgetlens.settings import get_settings
from extraction.llm.types import Usage
from extraction.records import ExtractionResult

app = typer.Typer(add_completion=False, no_args_is_help=True, help="budgetlens: read, check and triage budget disclosures.")
app.add_typer(llm_app, name="llm")


@app.callback()
def _settings_ok() -> None:
    """A bad BUDGETLENS_* value stops every command with what to fix, not a validation traceback."""
    from pydantic import ValidationError

    try:
        get_settings()
    except ValidationError as exc:
        for e in exc.errors():
            name = "BUDGETLENS_" + "_".join(str(x) for x in e["loc"]).upper()
            err.print(f"setting {name}={e.get('input')!r}: {e['msg']}; correct or unset it (environment or .env)",
                      style="red", markup=False, highlight=False)
        raise typer.Exit(2) from exc



class LlmChoice(StrEnum):
    off = "off"
    fill = "fill"
    only = "only"
    cross_check = "cross-check"


class OutFormat(StrEnum):
    jsonl = "jsonl"
    json = "json"


@app.command()
def extract(
    paths: list[str] = typer.Argument(..., help="PDF files, directories (walked) or globs"),
    out: Path | None = typer.Option(None, "--out", "-o", help="write here instead of stdout"),
    fmt: OutFormat = typer.Option(OutFormat.jsonl, "--format", help="jsonl: one object per line; json: one array"),
    llm: LlmChoice = typer.Option(LlmChoice.off, "--llm", help="off: layout only; fill: the LLM adds claims and "
                                  "fills gaps (hybrid); only: every value from the LLM; cross-check: the LLM re-reads "
                                  "forms and disagreements become EX-001 findings"),
) -> None:
    """Extract records from PDFs. Exit code 1 when any file failed (its entry says why)."""
    settings = get_settings()
    files = expand_paths(paths)
    if not files:
        err.print("[red]no files matched[/red]")
        raise typer.Exit(2)
    extract_one = extractor_for(settings, llm.value)
    total = Usage()
    sink = out.open("w", encoding="utf-8") if out else sys.stdout
    failed = partial = 0
    results: list[str] = []
    try:
        with progress_bar(settings.progress) as progress:
            task = progress.add_task("extracting", total=len(files))
            for res in extract_many(files, settings, extract_one):
                _account(total, res)
                line = res.model_dump_json()
                if fmt is OutFormat.jsonl:
                    sink.write(line + "\n")
                    sink.flush()
                else:
                    results.append(line)
                failed += res.status == "failed"
                partial += res.status == "partial"
                progress.update(task, advance=1, description=_describe(res))
        if fmt is OutFormat.json:
            sink.write("[\n" + ",\n".join(results) + "\n]\n")
    finally:
        if out:
            sink.close()
    err.print(f"{len(files)} file(s): {len(files) - failed - partial} ok, {partial} partial, {failed} failed")
    if llm is not LlmChoice.off:
        _print_usage(total)
    raise typer.Exit(1 if failed else 0)


def _account(total: Usage, res: ExtractionResult) -> None:
    if res.llm is not None:
        total.calls += res.llm.calls
        total.cache_hits += res.llm.cache_hits
        total.prompt_tokens += res.llm.prompt_tokens
        total.completion_tokens += res.llm.completion_tokens
        total.latency_s += res.llm.latency_s


def _print_usage(u: Usage) -> None:
    err.print(f"LLM: {u.calls} call(s), {u.cache_hits} cache hit(s), {u.prompt_tokens} prompt + "
              f"{u.completion_tokens} completion tokens, {u.latency_s:.1f} s in calls, {u.tokens_per_s:.1f} tokens/s")


def _describe(res: ExtractionResult) -> str:
    return f"{res.document.file_name[:40]} [{res.status}]"


@app.command()
def schema() -> None:
    """Print the JSON Schema of one `extract` output object."""
    typer.echo(json.dumps(ExtractionResult.model_json_schema(), ensure_ascii=False, indent=2))


app.command("eval")(eval_cmd)
app.command("index")(index_cmd)
app.command("similar")(similar_cmd)


def main() -> None:  # pragma: no cover
    app()


@app.command()
def check(
    paths: list[str] = typer.Argument(..., help="PDFs, directories, or JSONL written by `budgetlens extract`"),
    out: Path | None = typer.Option(None, "--out", "-o", help="findings JSONL (default: stdout)"),
    config: Path | None = typer.Option(None, "--config", help="rule configuration YAML over the defaults"),
) -> None:
    """Run the rules; print per document the findings by severity and its risk score (Σ weight[severity])."""
    from budgetlens.checking import check_paths

    raise typer.Exit(check_paths(paths, out, config or get_settings().rules_config, err))


@app.command()
def rules(markdown: bool = typer.Option(False, "--markdown", help="print docs/rules.md")) -> None:
    """List the rules: id, family, default severity, title (and with --markdown, what each checks)."""
    from budgetlens.checking import rules_markdown

    text = rules_markdown()
    if markdown:
        typer.echo(text)
        return
    for line in text.splitlines():
        if line.startswith("| ") and not line.startswith(("| id", "|---")):
            typer.echo("  ".join(c.strip() for c in line.strip("|").split("|")[:4]))


@app.command()
def run(
    paths: list[str] = typer.Argument(..., help="PDF files, directories (walked) or globs"),
    config: Path | None = typer.Option(None, "--config", help="rule configuration YAML over the defaults"),
) -> None:
    """Extract, check and store documents for review (the store: BUDGETLENS_DATABASE_URL or data_dir/budgetlens.db).
    When a corpus of past reports exists (`budgetlens index`), every document joins it and is checked against it.
    Exit code 1 when any file failed (it is stored with its reason)."""
    from budgetlens.corpus_setup import corpus_if_present
    from budgetlens.intake import intake_file
    from budgetlens.review import recheck_documents
    from budgetlens.store import Store
    from checks.engine import load_config

    settings = get_settings()
    files = expand_paths(paths)
    if not files:
        err.print("[red]no files matched[/red]")
        raise typer.Exit(2)
    store, conf = Store(settings.store_url()), load_config(config or settings.rules_config)
    corpus = corpus_if_present(settings)
    failed, stored = 0, []
    with progress_bar(settings.progress) as progress:
        task = progress.add_task("extract + check + store" + (" + index" if corpus else ""), total=len(files))
        for f in files:
            out = intake_file(store, f, settings, conf, corpus=corpus)
            failed += out.status == "failed"
            if out.status == "failed":
                err.print(f"[red]failed[/red] {f.name}: {out.reason}")
            else:
                stored.append(out.document_id)
            progress.update(task, advance=1, description=f"{out.file_name[:40]} [{out.status}] {out.findings} findings")
    if corpus is not None and len(stored) > 1:  # a document checked early in the batch now sees the later ones
        changed = recheck_documents(store, stored, conf, corpus)
        err.print(f"corpus of past reports at {corpus.where}: {corpus.document_count()} document(s); "
                  f"re-checked the batch against it, {changed} finding(s) appeared")
    err.print(f"{len(files)} file(s) stored in {settings.store_url()}: {len(files) - failed} read, {failed} failed")
    raise typer.Exit(1 if failed else 0)


@app.command()
def review(
    port: int | None = typer.Option(None, "--port", help="default: BUDGETLENS_APP_PORT (8501)"),
    browser: bool = typer.Option(False, "--browser/--no-browser", help="open a browser window"),
) -> None:
    """Start the review app on the existing store and print its URL."""
    import subprocess

    settings = get_settings()
    port = port or settings.app_port
    app_file = Path(__file__).resolve().parents[1] / "review_app" / "app.py"
    err.print(f"review app: http://localhost:{port}  (store: {settings.store_url()})")
    cmd = [sys.executable, "-m", "streamlit", "run", str(app_file), "--server.port", str(port),
           "--server.headless", str(not browser).lower(), "--browser.gatherUsageStats", "false"]
    raise typer.Exit(subprocess.call(cmd))


class ExportFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"
    pdf = "pdf"


def _export_bytes(fmt: ExportFormat, docs: list[str] | None) -> bytes:
    """The export of the store in `fmt`; a StoreError says what is missing (a document, the PDF copy)."""
    from budgetlens.store import Store
    from review_app import export as ex

    store = Store(get_settings().store_url())
    try:
        ids = [ex.resolve_document(store, d) for d in docs] if docs else None
        if fmt is ExportFormat.pdf:
            return ex.annotated_pdf(store, ids[0]) if ids else b""
        rows = ex.findings_table(store, ids)
        return ex.to_csv(rows) if fmt is ExportFormat.csv else ex.to_xlsx(rows)
    finally:
        store.close()


@app.command("export")
def export_cmd(
    fmt: ExportFormat = typer.Option(ExportFormat.csv, "--format", help="csv (UTF-8 with BOM, opens in Excel), "
                                     "xlsx, or pdf: the stored PDF with the findings drawn on it (one --doc)"),
    out: Path | None = typer.Option(None, "--out", "-o", help="write here (default: csv to stdout)"),
    docs: list[str] | None = typer.Option(None, "--doc", help="document id or its first 12 characters; "
                                          "repeat for several (default: every document)"),
) -> None:
    """Export the findings with the decisions made on them (the audit file), or one annotated PDF."""
    from budgetlens.store import StoreError

    if fmt is not ExportFormat.csv and out is None:
        err.print(f"[red]--format {fmt.value} writes a binary file: give --out FILE[/red]")
        raise typer.Exit(2)
    if fmt is ExportFormat.pdf and len(docs or []) != 1:
        err.print("[red]--format pdf exports one document: give exactly one --doc ID[/red]")
        raise typer.Exit(2)
    try:
        data = _export_bytes(fmt, docs)
    except StoreError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    if out is None:
        typer.echo(data.decode("utf-8-sig"), nl=False)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    err.print(f"{fmt.value} written to {out}")


@app.command("export-fixture")
def export_fixture_cmd(
    doc: str = typer.Argument(..., help="document id or its first 12 characters"),
    out: Path = typer.Option(..., "--out", "-o", help="folder to write the fixture folder into (e.g. eval/fixtures)"),
) -> None:
    """Turn a reviewed document into an eval fixture: gold.json = the records as corrected, document.pdf, and
    NOTES.md listing every correction; `budgetlens eval OUT` then scores the extractor against it."""
    from budgetlens.store import Store, StoreError
    from review_app.export import corrections_fixture, resolve_document

    try:
        store = Store(get_settings().store_url())
        try:
            folder = corrections_fixture(store, resolve_document(store, doc), out)
        finally:
            store.close()
    except StoreError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    typer.echo(str(folder))
