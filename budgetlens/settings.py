"""One settings object for CLI, app and tests (environment prefix BUDGETLENS_)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field
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

    def store_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'budgetlens.db').resolve()}"

    def files_dir(self) -> Path:
        """Where the store keeps its copy of every PDF (named by sha256), for the app to render."""
        return self.data_dir / "files"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
