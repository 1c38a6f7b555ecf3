"""The corpus of past reports: every passage of every indexed document in a ChromaDB collection, answering the
boilerplate rules' question (`checks.corpus.CorpusQuery`): which past passages are nearest to these texts?

- Storage: a `PersistentClient` directory (`BUDGETLENS_CORPUS_DIR`, default data_dir/corpus) or a `chroma run`
  server (`BUDGETLENS_CHROMA_URL`, e.g. http://127.0.0.1:8000). Telemetry is off.
- Collection `BUDGETLENS_CORPUS_COLLECTION` (default "passages"), cosine space: id = passage id, document = passage
  text, embedding = ours (precomputed: Chroma's default model is never used), metadata = the passage's provenance
  (None values dropped, bbox as a JSON string). The collection metadata records the embedding's signature and
  dimension; opening it with another embedding is an `EmbeddingMismatchError`, not a silent garbage search.
- A second small collection "<name>-documents" lists the indexed documents (one entry each, with its passage
  count), so `document_count()` and `documents()` need not scan every passage. A document enters it once all its
  passages are in; re-indexing deletes the document's old passages first (idempotent, nothing stale is left).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx
import numpy as np

from extraction.errors import (
    ConfigError,
    CorpusError,
    CorpusUnavailableError,
    EmbeddingError,
    EmbeddingMismatchError,
)
from extraction.passages import Hit, Passage, PassageKind, passages
from extraction.records import Document, ExtractionResult
from vectorstore.embedding import Embedding, make_embedding

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.api.collection_configuration import CreateHNSWConfiguration
    from chromadb.api.models.Collection import Collection

    from budgetlens.settings import Settings

CORPUS_FORMAT = "budgetlens-corpus-v1"
GROUP = 1000  # passages to a Chroma write when indexing many documents
OVERFETCH = 3  # unfiltered neighbours per wanted one before a filtered query is needed
# HNSW graph of the passages: Chroma's defaults (16 neighbours, ef_construction 100) find a copy's source among the
# 10 hits in 93 % of queries at 100 000 passages, these in 99.7 %, for ~1.5x the insert cost (bench_index.py)
HNSW: CreateHNSWConfiguration = {"space": "cosine", "max_neighbors": 32, "ef_construction": 200}
_PASSAGE_FIELDS = set(Passage.model_fields) - {"id", "text"}


@dataclass(frozen=True)
class IndexedDocument:
    id: str
    file_name: str
    department: str | None
    region: str | None
    fiscal_year: int | None
    passages: int
    indexed_at: str


def open_corpus(settings: Settings, embedding: Embedding | None = None) -> Corpus:
    """The corpus the settings name (server when BUDGETLENS_CHROMA_URL is set, else the directory), created empty
    on first use. `embedding` overrides the one the settings ask for (tests, benchmarks)."""
    emb = embedding or make_embedding(settings)
    if settings.chroma_url:
        client, where = _http_client(settings.chroma_url), settings.chroma_url
    else:
        path = settings.corpus_path()
        client, where = _persistent_client(path), str(path)
    return Corpus(client, settings.corpus_collection, emb, where)


def _chroma_settings() -> Any:
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False)


def _persistent_client(path: Path) -> ClientAPI:
    import chromadb

    try:
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=_chroma_settings())
    except OSError as e:
        raise CorpusUnavailableError(f"cannot open the corpus directory {path}: {e}. Set BUDGETLENS_CORPUS_DIR "
                                     "to a writable directory") from e


def parse_chroma_url(url: str) -> tuple[str, int, bool]:
    """(host, port, ssl) of a Chroma server URL; the port defaults to 8000 (http) or 443 (https)."""
    parts = urlsplit(url if "://" in url else f"http://{url}")
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
        raise ConfigError(f"BUDGETLENS_CHROMA_URL={url!r} is not a Chroma server URL such as http://127.0.0.1:8000")
    try:
        port = parts.port
    except ValueError as e:
        raise ConfigError(f"BUDGETLENS_CHROMA_URL={url!r}: {e}") from e
    ssl = parts.scheme == "https"
    return parts.hostname, port or (443 if ssl else 8000), ssl


def _http_client(url: str) -> ClientAPI:
    import chromadb

    host, port, ssl = parse_chroma_url(url)
    try:
        return chromadb.HttpClient(host=host, port=port, ssl=ssl, settings=_chroma_settings())
    except (ValueError, httpx.TransportError, ConnectionError) as e:
        raise CorpusUnavailableError(_unreachable(url, e)) from e


def _unreachable(where: str, e: Exception) -> str:
    return (f"cannot reach the ChromaDB server at {where} ({e}). Start it (`chroma run --path DIR --port PORT`), "
            "fix BUDGETLENS_CHROMA_URL, or unset it to use the corpus directory (BUDGETLENS_CORPUS_DIR)")


class Corpus:
    """Implements `checks.corpus.CorpusQuery`; see the module docstring. Obtain one with `open_corpus(settings)`."""

    def __init__(self, client: ClientAPI, name: str, embedding: Embedding, where: str) -> None:
        self.client, self.name, self.embedding, self.where = client, name, embedding, where
        self.refiltered = 0  # texts the over-fetched answer did not serve (asked again with `where`): a statistic
        with self._guard():
            self._batch = max(1, client.get_max_batch_size())
            self._passages = self._collection(name, "passages")
            self._docs = self._collection(f"{name}-documents", "documents")
        self._check_embedding()

    # -- opening -----------------------------------------------------------------------------------------------

    def _collection(self, name: str, role: str) -> Collection:
        meta: dict[str, Any] = {"budgetlens": CORPUS_FORMAT, "role": role}
        hnsw: CreateHNSWConfiguration = {"space": "cosine"}  # the document list: one dummy dimension
        if role == "passages":
            meta["embedding"] = self.embedding.signature
            if self.embedding.dim:
                meta["dim"] = self.embedding.dim
            hnsw = HNSW
        return self.client.get_or_create_collection(name, metadata=meta, embedding_function=None,
                                                    configuration={"hnsw": hnsw})

    def _check_embedding(self) -> None:
        meta = self._passages.metadata or {}
        if meta.get("budgetlens") != CORPUS_FORMAT:
            raise CorpusError(f"the collection {self.name!r} at {self.where} is not a budgetlens corpus "
                              f"({CORPUS_FORMAT}): choose another BUDGETLENS_CORPUS_COLLECTION")
        built, dim = meta.get("embedding"), meta.get("dim")
        if built != self.embedding.signature or (dim and self.embedding.dim and dim != self.embedding.dim):
            raise EmbeddingMismatchError(
                f"the corpus {self.name!r} at {self.where} was built with the embedding {built} (dim {dim}), the "
                f"settings ask for {self.embedding.signature}: its vectors cannot be compared. Set "
                "BUDGETLENS_EMBEDDING (and BUDGETLENS_EMBEDDING_DIM / _MODEL) back to what built it, or re-index "
                "into a new corpus (another BUDGETLENS_CORPUS_COLLECTION or BUDGETLENS_CORPUS_DIR, or delete this "
                "one)")

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """Chroma's and the transport's exceptions as our errors, with what to do."""
        from chromadb.errors import ChromaError

        try:
            yield
        except (httpx.TransportError, ConnectionError) as e:
            raise CorpusUnavailableError(_unreachable(self.where, e)) from e
        except ChromaError as e:
            raise CorpusError(f"the corpus {self.name!r} at {self.where} refused the request: {e}") from e
        except ValueError as e:
            if "Could not connect" in str(e):
                raise CorpusUnavailableError(_unreachable(self.where, e)) from e
            raise

    # -- writing -----------------------------------------------------------------------------------------------

    def index(self, result: ExtractionResult) -> int:
        """Index one document's passages, replacing whatever was indexed for it before; returns how many."""
        return self.index_many([result])

    def index_many(self, results: Iterable[ExtractionResult], group: int = GROUP) -> int:
        """Index many documents, several to a Chroma write (about `group` passages: Chroma's cost per write is
        high, so a batch is ~2x faster than one document at a time); returns how many passages."""
        return self.index_documents(((r.document, passages(r)) for r in results), group)

    def index_document(self, document: Document, items: Sequence[Passage]) -> int:
        """Replace the document's passages by `items` (cut by `extraction.passages.passages`) and list it."""
        return self.index_documents([(document, items)])

    def index_documents(self, docs: Iterable[tuple[Document, Sequence[Passage]]], group: int = GROUP) -> int:
        """`index_document` for many, about `group` passages to a write; a document given twice counts once."""
        total, pending = 0, {}
        for doc, items in docs:
            pending[doc.id] = (doc, items)
            if sum(len(i) for _, i in pending.values()) >= group:
                total += self._replace(list(pending.values()))
                pending = {}
        return total + (self._replace(list(pending.values())) if pending else 0)

    def _replace(self, docs: list[tuple[Document, Sequence[Passage]]]) -> int:
        """Stale passages of these documents out, the new ones in, then the documents listed (last: a document
        is listed only once all its passages are in; an interrupted run leaves nothing a re-index won't fix)."""
        items = list({p.id: p for _, ps in docs for p in ps}.values())
        new = {p.id for p in items}
        where: dict[str, Any] = {"document_id": {"$in": [d.id for d, _ in docs]}}
        with self._guard():
            old = self._passages.get(where=where, include=[])["ids"]
        self._delete([i for i in old if i not in new])
        self.index_passages(items)
        now = datetime.now(UTC).isoformat(timespec="seconds")
        entries: list[Mapping[str, Any]] = [
            _clean({"file_name": d.file_name, "department": d.department, "region": d.region,
                    "fiscal_year": d.fiscal_year, "passages": len({p.id for p in ps}), "indexed_at": now})
            for d, ps in docs]
        with self._guard():
            self._docs.upsert(ids=[d.id for d, _ in docs], metadatas=entries,
                              embeddings=np.ones((len(docs), 1), dtype=np.float32))
        return len(items)

    def index_passages(self, items: Sequence[Passage]) -> int:
        """Upsert passages (embedded here, in batches Chroma accepts); returns how many. Low level: the documents
        are not listed (`document_count`), and a document's old passages stay; `index` does both."""
        for start in range(0, len(items), self._batch):
            batch = items[start:start + self._batch]
            vectors = self._embed([p.text for p in batch])
            with self._guard():
                self._passages.upsert(ids=[p.id for p in batch], embeddings=vectors,
                                      documents=[p.text for p in batch], metadatas=[_to_meta(p) for p in batch])
        return len(items)

    def remove(self, document_id: str) -> int:
        """Drop a document and its passages; returns how many passages were removed."""
        with self._guard():
            ids = self._passages.get(where={"document_id": document_id}, include=[])["ids"]
            self._docs.delete(ids=[document_id])
        self._delete(ids)
        return len(ids)

    def _delete(self, ids: list[str]) -> None:
        for start in range(0, len(ids), self._batch):
            with self._guard():
                self._passages.delete(ids=ids[start:start + self._batch])

    # -- reading -----------------------------------------------------------------------------------------------

    def search(self, texts: Sequence[str], *, k: int = 10, kinds: Sequence[PassageKind] | None = None,
               exclude_document: str | None = None) -> list[list[Hit]]:
        """For each text, up to k nearest passages of the given kinds, best first, none from exclude_document.
        A text with nothing comparable in it (no letters, no digits) gets no hits.

        Filters are applied to an over-fetched unfiltered answer (OVERFETCH x k, plus k for the excluded document's
        own passages); only a text left with fewer than k hits is asked again with Chroma's `where`, whose cost
        grows with the corpus (benchmarks/bench_index.py)."""
        out: list[list[Hit]] = [[] for _ in texts]
        if not texts or k <= 0 or (kinds is not None and not kinds):
            return out
        vectors = self._embed(list(texts))
        todo = [i for i in range(len(texts)) if np.any(vectors[i])]
        if kinds is None and exclude_document is None:
            return self._query(vectors, todo, k, None, out)
        n = (OVERFETCH + (exclude_document is not None)) * k  # room for the excluded document's own passages
        wanted = set(kinds) if kinds is not None else None
        self._query(vectors, todo, n, None, out)
        again = []
        for i in todo:
            kept = [h for h in out[i] if (wanted is None or h.passage.kind in wanted)
                    and h.passage.document_id != exclude_document]
            if len(kept) < k and len(out[i]) == n:  # the unfiltered answer did not see everything: ask with where
                again.append(i)
            out[i] = kept[:k]
        self.refiltered += len(again)
        return self._query(vectors, again, k, _where(kinds, exclude_document), out)

    def _query(self, vectors: np.ndarray, rows: list[int], n: int, where: dict[str, Any] | None,
               out: list[list[Hit]]) -> list[list[Hit]]:
        for start in range(0, len(rows) if n > 0 else 0, self._batch):
            chunk = rows[start:start + self._batch]
            with self._guard():
                res = self._passages.query(query_embeddings=vectors[chunk], n_results=n, where=where,
                                           include=["documents", "metadatas", "distances"])
            for j, i in enumerate(chunk):
                out[i] = _hits(res, j)
        return out

    def document_count(self) -> int:
        with self._guard():
            return self._docs.count()

    def passage_count(self) -> int:
        with self._guard():
            return self._passages.count()

    def documents(self) -> list[IndexedDocument]:
        """The indexed documents, by file name."""
        with self._guard():
            got = self._docs.get(include=["metadatas"])
        docs = [IndexedDocument(id=i, file_name=str(m.get("file_name", "")), department=_opt_str(m, "department"),
                                region=_opt_str(m, "region"), fiscal_year=_opt_int(m, "fiscal_year"),
                                passages=_opt_int(m, "passages") or 0, indexed_at=str(m.get("indexed_at", "")))
                for i, m in zip(got["ids"], got["metadatas"] or [], strict=True)]
        return sorted(docs, key=lambda d: (d.file_name, d.id))

    def _embed(self, texts: list[str]) -> np.ndarray:
        vectors = self.embedding.embed(texts)
        if self.embedding.dim and vectors.shape[1] != self.embedding.dim:  # pragma: no cover - embedding bug
            raise EmbeddingError(f"{self.embedding.signature} returned {vectors.shape[1]} dimensions")
        return vectors


def _where(kinds: Sequence[PassageKind] | None, exclude_document: str | None) -> dict[str, Any] | None:
    clauses: list[dict[str, Any]] = []
    if kinds is not None:
        clauses.append({"kind": {"$in": list(kinds)}})
    if exclude_document is not None:
        clauses.append({"document_id": {"$ne": exclude_document}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def _hits(res: Any, j: int) -> list[Hit]:
    ids, docs, metas, dists = res["ids"][j], res["documents"][j], res["metadatas"][j], res["distances"][j]
    return [Hit(passage=_from_meta(pid, doc, meta), similarity=min(1.0, max(0.0, 1.0 - float(dist))))
            for pid, doc, meta, dist in zip(ids, docs, metas, dists, strict=True)]


def _to_meta(p: Passage) -> dict[str, Any]:
    meta = p.model_dump(exclude={"id", "text"})
    if p.bbox is not None:
        meta["bbox"] = json.dumps(list(p.bbox))
    return _clean(meta)


def _from_meta(pid: str, text: str, meta: dict[str, Any]) -> Passage:
    fields = {k: v for k, v in meta.items() if k in _PASSAGE_FIELDS}
    if isinstance(fields.get("bbox"), str):
        fields["bbox"] = tuple(json.loads(fields["bbox"]))
    return Passage(id=pid, text=text, **fields)


def _clean(meta: dict[str, Any]) -> dict[str, Any]:
    """Chroma metadata values cannot be None."""
    return {k: v for k, v in meta.items() if v is not None}


def _opt_str(meta: Any, key: str) -> str | None:
    v = meta.get(key)
    return None if v is None else str(v)


def _opt_int(meta: Any, key: str) -> int | None:
    v = meta.get(key)
    return None if v is None else int(v)
