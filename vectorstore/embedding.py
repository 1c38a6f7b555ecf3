"""Embeddings of passages for the corpus of past reports. Two kinds, chosen by `BUDGETLENS_EMBEDDING`:

- `hashing` (default, `HashingEmbedding`): offline and deterministic. The text is reduced to its `match_key` (NFKC,
  no whitespace or punctuation, every number "0"), cut into character 2- and 3-grams, and each distinct n-gram is
  added with weight 1+log(tf) and a sign to one of `dim` buckets chosen by a fixed 64-bit mixing hash (never Python's
  salted `hash()`), then the vector is L2-normalised. Good for what the boilerplate rules ask: near-duplicates and
  copies with changed numbers, years or a few words rank first. It knows no meaning: a paraphrase with other words
  scores like an unrelated text. Needs no server and no model; the same text gives the same vector in every
  process and on every machine (`name` includes a version: change the function, bump it).
- `openai` (`OpenAIEmbedding`): POST {base_url}/embeddings of any OpenAI-compatible server, e.g. bge-m3 served by
  Ollama (`ollama pull bge-m3`, base URL http://127.0.0.1:11434/v1) or vLLM (`vllm serve BAAI/bge-m3`). Finds
  paraphrases and does semantic search, at the cost of a running server (`BUDGETLENS_EMBEDDING_BASE_URL`,
  `BUDGETLENS_EMBEDDING_MODEL`, `BUDGETLENS_EMBEDDING_API_KEY`).

Both follow chromadb's `EmbeddingFunction` protocol (`__call__(input) -> list of float32 vectors`, static `name()`,
`get_config` / `build_from_config`, cosine space) and add `embed(texts) -> (n, dim) float32 matrix`, which the
corpus uses (it hands Chroma precomputed embeddings, so Chroma never needs, and never loads, its default model).
`signature` ("hashing-ngram-v1-1024", "openai:bge-m3") is what a corpus records and checks on open.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import httpx
import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings, Space
from chromadb.utils.embedding_functions import register_embedding_function

from extraction.errors import ConfigError, EmbeddingError, EmbeddingUnavailableError
from extraction.passages import match_key

if TYPE_CHECKING:
    from budgetlens.settings import Settings

HASHING_VERSION = 1
NGRAMS: tuple[tuple[int, float], ...] = ((2, 1.0), (3, 1.0))  # (n, weight); adding 1- or 4-grams gained nothing
_CHUNK = 512  # texts hashed per numpy pass: bounds memory, keeps the arrays in cache
# one odd multiplier per n-gram position
_MULT = (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x85EBCA77C2B2AE63)
_SALT = 0x27D4EB2F165667C5
_U64 = np.uint64


def _fmix64(x: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser (wrapping uint64 arithmetic: the same bits on every machine)."""
    x = x ^ (x >> _U64(33))
    x = x * _U64(0xFF51AFD7ED558CCD)
    x = x ^ (x >> _U64(33))
    x = x * _U64(0xC4CEB9FE1A85EC53)
    return x ^ (x >> _U64(33))


def ngram_hashes(codes: np.ndarray, n: int) -> np.ndarray:
    """Stable 64-bit hash of every character n-gram of a code point array (uint64, len(codes)-n+1 of them)."""
    m = len(codes) - n + 1
    if m <= 0:
        return np.empty(0, dtype=_U64)
    x = np.full(m, _U64(n) * _U64(_SALT), dtype=_U64)
    for j in range(n):
        x ^= codes[j:j + m].astype(_U64) * _U64(_MULT[j])
    return _fmix64(x)


@register_embedding_function
class HashingEmbedding(EmbeddingFunction[Documents]):
    """Signed hashing of character n-grams of the match key; see the module docstring."""

    def __init__(self, dim: int = 1024) -> None:
        if not 16 <= dim <= 1 << 16:
            raise ConfigError(f"BUDGETLENS_EMBEDDING_DIM={dim}: the hashing embedding needs 16..65536 dimensions")
        self.dim = dim
        self.signature = f"hashing-ngram-v{HASHING_VERSION}-{dim}"

    @staticmethod
    def name() -> str:
        return "budgetlens-hashing"

    def __call__(self, input: Documents) -> Embeddings:
        return list(self.embed(input))

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), _CHUNK):
            out[start:start + _CHUNK] = self._embed_chunk(texts[start:start + _CHUNK])
        return out

    def _embed_chunk(self, texts: Sequence[str]) -> np.ndarray:
        """All texts of the chunk in one pass: their keys are concatenated, n-grams crossing a boundary dropped."""
        keys = [match_key(t) for t in texts]
        lens = np.fromiter((len(k) for k in keys), dtype=np.int64, count=len(keys))
        codes = np.frombuffer("".join(keys).encode("utf-32-le"), dtype=np.uint32)
        row = np.repeat(np.arange(len(keys), dtype=np.uint64), lens)
        end = np.repeat(np.cumsum(lens), lens)  # where each character's text ends
        feats, weights = [], []
        for n, w in ((1, 1.0), *NGRAMS):
            h = ngram_hashes(codes, n)
            pos = np.arange(len(h))
            ok = pos + n <= end[:len(h)]
            if n == 1:  # 1-grams only for one-character keys (nothing longer to cut)
                ok &= lens[row[:len(h)]] == 1
            feats.append((row[:len(h)][ok] << _U64(32)) | (h[ok] >> _U64(32)))  # text | 32 well-mixed bits
            weights.append(np.full(int(ok.sum()), w))
        keys_, first, counts = np.unique(np.concatenate(feats), return_index=True, return_counts=True)
        h32 = keys_ & _U64(0xFFFFFFFF)
        weight = np.concatenate(weights)[first] * (1.0 + np.log(counts)) * np.where(h32 & _U64(1 << 31), -1.0, 1.0)
        index = ((keys_ >> _U64(32)) * _U64(self.dim) + h32 % _U64(self.dim)).astype(np.int64)
        mat = np.bincount(index, weights=weight, minlength=len(keys) * self.dim).reshape(len(keys), self.dim)
        norms = np.linalg.norm(mat, axis=1, keepdims=True)
        return (mat / np.where(norms > 0, norms, 1.0)).astype(np.float32)

    def default_space(self) -> Space:
        return "cosine"

    def supported_spaces(self) -> list[Space]:
        return ["cosine", "ip"]

    def get_config(self) -> dict[str, Any]:
        return {"dim": self.dim, "version": HASHING_VERSION}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> HashingEmbedding:
        if config.get("version", HASHING_VERSION) != HASHING_VERSION:
            raise ConfigError(f"hashing embedding version {config.get('version')} is not this budgetlens "
                              f"(v{HASHING_VERSION}): re-index the corpus")
        return HashingEmbedding(int(config.get("dim", 1024)))


@register_embedding_function
class OpenAIEmbedding(EmbeddingFunction[Documents]):
    """Any OpenAI-compatible /embeddings endpoint (Ollama, vLLM, OpenAI); vectors L2-normalised, float32."""

    API_KEY_ENV = "BUDGETLENS_EMBEDDING_API_KEY"

    def __init__(self, base_url: str, model: str, api_key: str | None = None, timeout: float = 60.0,
                 batch_size: int = 64, transport: httpx.BaseTransport | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.timeout = timeout
        self.batch_size = batch_size
        self.signature = f"openai:{model}"
        self.dim: int | None = None  # known after the first reply
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(timeout=timeout, headers=headers, transport=transport)

    @staticmethod
    def name() -> str:
        return "budgetlens-openai"

    def __call__(self, input: Documents) -> Embeddings:
        return list(self.embed(input))

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        parts = [self._post(list(texts[i:i + self.batch_size])) for i in range(0, len(texts), self.batch_size)]
        if not parts:
            return np.zeros((0, self.dim or 0), dtype=np.float32)
        mat = np.concatenate(parts)
        norms = np.linalg.norm(mat, axis=1, keepdims=True)
        return (mat / np.where(norms > 0, norms, 1.0)).astype(np.float32)

    def _post(self, batch: list[str]) -> np.ndarray:
        url = f"{self.base_url}/embeddings"
        try:
            resp = self._client.post(url, json={"model": self.model, "input": batch})
        except httpx.TimeoutException as e:
            raise EmbeddingUnavailableError(f"the embeddings endpoint {url} did not answer within {self.timeout:g} s "
                                            f"({type(e).__name__}): is the server overloaded?") from e
        except httpx.TransportError as e:
            raise EmbeddingUnavailableError(
                f"cannot reach the embeddings endpoint {url} ({e}): start the server (e.g. `ollama serve`, "
                "`vllm serve BAAI/bge-m3`), fix BUDGETLENS_EMBEDDING_BASE_URL, or use the offline "
                "BUDGETLENS_EMBEDDING=hashing") from e
        if resp.status_code >= 400:
            hint = ""
            if resp.status_code in (401, 403):
                hint = " (check BUDGETLENS_EMBEDDING_API_KEY)"
            elif resp.status_code in (400, 404):
                hint = f" (is BUDGETLENS_EMBEDDING_MODEL={self.model} served there?)"
            raise EmbeddingError(f"the embeddings endpoint {url} answered HTTP {resp.status_code}{hint}: "
                                 f"{resp.text[:300]}")
        return self._parse(resp, url, len(batch))

    def _parse(self, resp: httpx.Response, url: str, expected: int) -> np.ndarray:
        try:
            data = sorted(resp.json()["data"], key=lambda d: d.get("index", 0))
            mat = np.asarray([d["embedding"] for d in data], dtype=np.float32)
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            raise EmbeddingError(f"the embeddings endpoint {url} did not return OpenAI-style embeddings "
                                 f"({type(e).__name__}: {e}); reply starts {resp.text[:200]!r}. "
                                 "Is BUDGETLENS_EMBEDDING_BASE_URL the API root (ending in /v1)?") from e
        if mat.ndim != 2 or len(mat) != expected or mat.shape[1] == 0 or not np.isfinite(mat).all():
            raise EmbeddingError(f"the embeddings endpoint {url} returned {mat.shape} values for {expected} texts "
                                 "(expected one finite vector per text)")
        if self.dim is not None and mat.shape[1] != self.dim:
            raise EmbeddingError(f"the embeddings endpoint {url} changed dimension: {mat.shape[1]}, was {self.dim}")
        self.dim = mat.shape[1]
        return mat

    def default_space(self) -> Space:
        return "cosine"

    def supported_spaces(self) -> list[Space]:
        return ["cosine", "ip", "l2"]

    def get_config(self) -> dict[str, Any]:
        # the key itself is never persisted, only where to find it
        return {"base_url": self.base_url, "model": self.model, "timeout": self.timeout,
                "api_key_env_var": self.API_KEY_ENV}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> OpenAIEmbedding:
        key = os.environ.get(config.get("api_key_env_var") or OpenAIEmbedding.API_KEY_ENV)
        return OpenAIEmbedding(config["base_url"], config["model"], key, float(config.get("timeout", 60.0)))


Embedding = HashingEmbedding | OpenAIEmbedding


def make_embedding(settings: Settings) -> Embedding:
    """The embedding the settings ask for (BUDGETLENS_EMBEDDING)."""
    if settings.embedding == "hashing":
        return HashingEmbedding(settings.embedding_dim)
    if not settings.embedding_base_url:
        raise ConfigError("BUDGETLENS_EMBEDDING=openai needs BUDGETLENS_EMBEDDING_BASE_URL, e.g. "
                          "http://127.0.0.1:11434/v1 (Ollama with `ollama pull bge-m3`)")
    key = settings.embedding_api_key.get_secret_value() if settings.embedding_api_key else None
    return OpenAIEmbedding(settings.embedding_base_url, settings.embedding_model, key)
