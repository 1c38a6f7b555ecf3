"""`budgetlens llm …`: the local LLM server (and, later, probes of any OpenAI-compatible endpoint)."""

from __future__ import annotations

import typer
from rich.console import Console

from budgetlens.settings import get_settings
from extraction.errors import ConfigError, LlmUnavailableError

llm_app = typer.Typer(no_args_is_help=True, help="The LLM tier: serve the bundled local model (Gemma 3 270M).")
err = Console(stderr=True)


@llm_app.command()
def serve(
    port: int | None = typer.Option(None, "--port", help="default: BUDGETLENS_LLM_PORT (8080)"),
    host: str = typer.Option("127.0.0.1", "--host", help="interface to listen on (loopback unless --allow-remote)"),
    ctx: int | None = typer.Option(None, "--ctx", help="context window in tokens; default: BUDGETLENS_LLM_CTX (8192)"),
    threads: int | None = typer.Option(None, "--threads", help="CPU threads (default: llama.cpp's choice)"),
    allow_remote: bool = typer.Option(False, "--allow-remote", help="allow a non-loopback --host (no auth!)"),
) -> None:
    """Serve the local model over the OpenAI API in the foreground until Ctrl-C (assembles it on first use)."""
    from budgetlens.llm_local import MODEL_ALIAS, MODEL_NAME, start_server

    settings = get_settings()
    first = not (settings.data_dir / "models" / MODEL_NAME).is_file()
    err.print("starting the local LLM server" + (" (assembling the model first, ~250 MB)…" if first else "…"))
    try:
        server = start_server(settings, host=host, port=port, n_ctx=ctx, n_threads=threads, allow_remote=allow_remote)
    except (ConfigError, LlmUnavailableError) as exc:
        err.print(exc.message, style="red", markup=False, highlight=False)
        raise typer.Exit(1) from exc
    with server:
        err.print(f"ready: model {MODEL_ALIAS!r} at {server.url}  (log: {server.log_path})")
        err.print("use it from another shell with (Ctrl-C here stops it):")
        typer.echo(f"BUDGETLENS_LLM_BASE_URL={server.url}", err=False)
        try:
            code = server.process.wait()
        except KeyboardInterrupt:
            err.print("stopping…")
            return
    err.print(f"[red]the server exited with code {code}; see {server.log_path}[/red]")
    raise typer.Exit(1)


@llm_app.command()
def probe() -> None:
    """Ask the configured endpoint which structured-output mode it supports (remembered in the LLM cache)."""
    from budgetlens.llm_setup import make_client
    from extraction.errors import BudgetlensError

    settings = get_settings()
    try:
        client = make_client(settings)
        mode = client.mode()
    except BudgetlensError as exc:
        err.print(exc.message, style="red", markup=False, highlight=False)
        raise typer.Exit(1) from exc
    typer.echo(f"{settings.llm_base_url} model {settings.llm_model}: mode {mode}")
