"""An in-memory corpus of past reports: a test double of `checks.corpus.CorpusQuery` for the boilerplate rules.

Brute force over every passage with a coarse shingle overlap in place of embedding similarity; it records each
search so that tests can see how the rules query. The real corpus (ChromaDB) is tested end to end elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from checks.corpus import Hit
from checks.textsim import shingles
from extraction.passages import Passage, PassageKind, match_key, passages
from extraction.records import ExtractionResult


@dataclass(frozen=True)
class Call:
    n_texts: int
    k: int
    kinds: tuple[PassageKind, ...] | None
    exclude_document: str | None


class FakeCorpus:
    def __init__(self, results: Iterable[ExtractionResult] = ()) -> None:
        self.passages: list[Passage] = []
        self.calls: list[Call] = []
        for r in results:
            self.add(r)

    def add(self, result: ExtractionResult) -> None:
        self.passages += passages(result)

    def search(self, texts: Sequence[str], *, k: int = 10, kinds: Sequence[PassageKind] | None = None,
               exclude_document: str | None = None) -> list[list[Hit]]:
        self.calls.append(Call(len(texts), k, tuple(kinds) if kinds is not None else None, exclude_document))
        pool = [p for p in self.passages
                if (kinds is None or p.kind in kinds) and p.document_id != exclude_document]
        return [self._nearest(t, pool, k) for t in texts]

    @staticmethod
    def _nearest(text: str, pool: list[Passage], k: int) -> list[Hit]:
        a = shingles(match_key(text))
        scored = []
        for p in pool:
            b = shingles(match_key(p.text))
            sim = len(a & b) / max(len(a), 1) if a and b else 0.0
            if sim > 0:
                scored.append(Hit(p, sim))
        scored.sort(key=lambda h: -h.similarity)
        return scored[:k]

    def document_count(self) -> int:
        return len({p.document_id for p in self.passages})
