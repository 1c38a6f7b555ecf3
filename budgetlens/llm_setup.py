"""The LLM client from the one settings object, so CLI, app and tests build it the same way."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from budgetlens.settings import Settings
from extraction.errors import ConfigError
from extraction.llm.cache import LlmCache
from extraction.llm.client import LlmClient
from extraction.llm.hybrid import extract_with_llm
from extraction.llm.registry import create
from extraction.pipeline import extract_file
from extraction.records import ExtractionResult

LlmUse = Literal["off", "fill", "only", "cross-check"]


def make_client(settings: Settings, **backend_options: object) -> LlmClient:
    if not settings.llm_base_url:
        raise ConfigError("no LLM endpoint: set BUDGETLENS_LLM_BASE_URL (e.g. http://127.0.0.1:8080/v1 after "
                          "`budgetlens llm serve`, or a DeepSeek / DashScope / vLLM / Ollama URL; see README)")
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    backend = create(settings.llm_provider, base_url=settings.llm_base_url, model=settings.llm_model, api_key=key,
                     timeout_s=settings.llm_timeout_s, max_retries=settings.llm_max_retries,
                     temperature=settings.llm_temperature, **backend_options)
    cache = LlmCache(settings.data_dir / "llm_cache.sqlite") if settings.llm_cache else None
    return LlmClient(backend, mode=settings.llm_mode, cache=cache, max_tokens=settings.llm_max_tokens)


def extractor_for(settings: Settings, use: LlmUse, client: LlmClient | None = None):  # type: ignore[no-untyped-def]
    """A `Path -> ExtractionResult` function for the chosen tier (what batch extraction and eval call)."""
    max_bytes = int(settings.max_file_mb * 1024 * 1024)
    if use == "off":
        return lambda path: extract_file(path, max_pages=settings.max_pages, max_bytes=max_bytes)
    llm = client or make_client(settings)

    def run(path: Path) -> ExtractionResult:
        return extract_with_llm(path, llm, extractor="llm" if use == "only" else "hybrid",
                                cross_check=use == "cross-check", concurrency=settings.llm_concurrency,
                                max_pages=settings.max_pages, max_bytes=max_bytes)
    return run
