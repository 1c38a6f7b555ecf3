"""Which corpus of past reports the commands use: the one the settings name, when it exists. A machine that never
ran `budgetlens index` (and has no BUDGETLENS_CHROMA_URL) has none, and the boilerplate rules stay silent there
instead of creating an empty index as a side effect of `check`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from budgetlens.settings import Settings

if TYPE_CHECKING:
    from vectorstore.corpus import Corpus


def corpus_exists(settings: Settings) -> bool:
    if settings.chroma_url:
        return True
    return (settings.corpus_path() / "chroma.sqlite3").is_file()


def corpus_if_present(settings: Settings) -> Corpus | None:
    """The corpus to check against, or None when there is none yet."""
    return open_cached(settings) if corpus_exists(settings) else None


_OPEN: dict[tuple[object, ...], Corpus] = {}


def open_cached(settings: Settings) -> Corpus:
    """Opening a Chroma client is not free: one per corpus and process (the app re-checks on every correction)."""
    from vectorstore.corpus import open_corpus

    key = (settings.chroma_url, str(settings.corpus_path().resolve()), settings.corpus_collection, settings.embedding,
           settings.embedding_dim, settings.embedding_base_url, settings.embedding_model)
    if key not in _OPEN:
        _OPEN[key] = open_corpus(settings)
    return _OPEN[key]
