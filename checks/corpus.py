"""What the boilerplate rules (BP-001..004) need from a corpus of past reports, as a protocol: the rules stay pure
and testable, and `vectorstore` (ChromaDB) or any other store can answer.

The corpus answers a coarse question (the k passages nearest by embedding); the rules then decide with an exact
text measure (checks.textsim), so a weak embedding costs recall at worst, never a false accusation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from extraction.passages import Hit, PassageKind

__all__ = ["CorpusQuery", "Hit"]


class CorpusQuery(Protocol):
    def search(self, texts: Sequence[str], *, k: int = 10, kinds: Sequence[PassageKind] | None = None,
               exclude_document: str | None = None) -> list[list[Hit]]:
        """For each text, up to k nearest passages of the given kinds, best first, none from exclude_document."""
        ...

    def document_count(self) -> int:
        """How many documents the corpus holds (BP-004 needs to know what "many reports" means)."""
        ...
