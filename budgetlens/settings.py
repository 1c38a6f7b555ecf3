"""One settings object for CLI, app and tests (environment prefix BUDGETLENS_)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BUDGETLENS_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default=Path(".budgetlens"), description="where stores, caches and corpora live")
    shared_dir: Path = Field(default=Path("../shared"), description="seed documents and real PDFs")
    max_file_mb: float = Field(default=200.0, description="files larger than this are refused, not parsed")
    max_pages: int = Field(default=2000, description="documents with more pages are refused")
    min_text_chars_per_page: int = Field(
        default=20, description="below this average a PDF is treated as image-only (needs OCR)"
    )
    progress: bool = Field(default=True, description="show progress bars on a terminal")
    rules_config: Path | None = Field(default=None, description="rule configuration YAML over the shipped defaults")
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("BUDGETLENS_DATABASE_URL", "DATABASE_URL"),
        description="SQLAlchemy URL of the review store (PostgreSQL: postgresql+psycopg://…); default SQLite in data_dir")
    reviewer: str | None = Field(default=None, description="reviewer name for decisions made from the CLI")
    app_port: int = Field(default=8501, description="port of the review app (budgetlens review)")

    # LLM tier: any OpenAI-compatible endpoint; offline default is `budgetlens llm serve` (llama-cpp-python).
    llm_base_url: str | None = Field(
        default=None, description="OpenAI-compatible base URL, e.g. http://127.0.0.1:8080/v1; unset: no LLM tier")
    llm_provider: str = Field(default="openai", description="LLM provider in the registry (openai: any OpenAI-compatible endpoint)")
    llm_model: str = Field(default="gemma3-270m", description="model name sent to the endpoint")
    llm_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("BUDGETLENS_LLM_API_KEY", "OPENAI_API_KEY"),
        description="API key of the endpoint (a local server needs none)")
    llm_mode: Literal["auto", "json_schema", "json_object", "tools", "prompt"] = Field(
        default="auto", description="structured-output mode; auto probes the endpoint for the strongest it supports")
    llm_timeout_s: float = Field(default=120.0, description="timeout of one LLM request, seconds")
    llm_max_retries: int = Field(default=2, description="retries of a failed request (connection errors, 429, 5xx)")
    llm_concurrency: int = Field(default=2, description="LLM requests in flight at once")
    llm_max_tokens: int = Field(default=2048, description="completion token limit of one request")
    llm_temperature: float = Field(default=0.0, description="sampling temperature (0: reproducible extraction)")
    llm_cache: bool = Field(default=True, description="cache replies in data_dir by request hash")
    llm_port: int = Field(default=8080, description="port of the local server (budgetlens llm serve)")
    llm_ctx: int = Field(default=8192, description="context window of the local server, tokens")

    # Corpus of past reports (vectorstore/): ChromaDB on disk by default, a `chroma run` server when chroma_url is set.
    corpus_dir: Path | None = Field(default=None, description="ChromaDB PersistentClient directory; default data_dir/corpus")
    chroma_url: str | None = Field(
        default=None, description="URL of a ChromaDB server (chroma run), e.g. http://127.0.0.1:8000; overrides corpus_dir")
    corpus_collection: str = Field(default="passages", description="ChromaDB collection of the corpus")
    embedding: Literal["hashing", "openai"] = Field(
        default="hashing", description="hashing: offline character n-gram hashing; openai: an embeddings endpoint")
    embedding_dim: int = Field(default=1024, description="dimensions of the hashing embedding")
    embedding_base_url: str | None = Field(
        default=None, description="OpenAI-compatible embeddings endpoint, e.g. http://127.0.0.1:11434/v1 (Ollama)")
    embedding_model: str = Field(default="bge-m3", description="embedding model name sent to the endpoint")
    embedding_api_key: SecretStr | None = Field(default=None, description="API key of the embeddings endpoint")

    def corpus_path(self) -> Path:
        return self.corpus_dir or self.data_dir / "corpus"

    def store_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'budgetlens.db').resolve()}"

    def files_dir(self) -> Path:
        """Where the store keeps its copy of every PDF (named by sha256), for the app to render."""
        return self.data_dir / "files"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
