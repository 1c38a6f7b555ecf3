"""SQLite cache of validated LLM replies and of endpoint probes.

Keyed by (endpoint, model, mode, prompt hash, input hash): a second run over the same documents with the same
prompts makes no call at all, and a changed prompt or model misses on purpose. Only replies that passed schema
validation are stored, so a cached bad answer can never come back as data.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from extraction.llm.types import ChatReply

_SCHEMA = """
CREATE TABLE IF NOT EXISTS replies (
    key TEXT PRIMARY KEY, endpoint TEXT, model TEXT, mode TEXT, prompt_hash TEXT, input_hash TEXT,
    text TEXT NOT NULL, finish_reason TEXT, prompt_tokens INTEGER, completion_tokens INTEGER, latency_s REAL,
    created_at REAL);
CREATE TABLE IF NOT EXISTS probes (
    endpoint TEXT, model TEXT, mode TEXT NOT NULL, created_at REAL, PRIMARY KEY (endpoint, model));
"""


@dataclass(frozen=True, slots=True)
class CacheKey:
    endpoint: str
    model: str
    mode: str
    prompt_hash: str
    input_hash: str

    @property
    def digest(self) -> str:
        raw = "\x1f".join((self.endpoint, self.model, self.mode, self.prompt_hash, self.input_hash))
        return hashlib.sha256(raw.encode()).hexdigest()


def input_hash(*parts: str) -> str:
    return hashlib.sha256("\x1e".join(parts).encode()).hexdigest()[:32]


class LlmCache:
    """Thread-safe: chunks of one document are sent concurrently."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)

    def get(self, key: CacheKey) -> ChatReply | None:
        with self._lock:
            row = self._db.execute(
                "SELECT text, finish_reason, prompt_tokens, completion_tokens, latency_s FROM replies WHERE key = ?",
                (key.digest,)).fetchone()
        if row is None:
            return None
        return ChatReply(text=row[0], finish_reason=row[1], prompt_tokens=row[2] or 0,
                         completion_tokens=row[3] or 0, latency_s=row[4] or 0.0, cached=True)

    def put(self, key: CacheKey, reply: ChatReply) -> None:
        with self._lock, self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO replies VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (key.digest, key.endpoint, key.model, key.mode, key.prompt_hash, key.input_hash, reply.text,
                 reply.finish_reason, reply.prompt_tokens, reply.completion_tokens, reply.latency_s, time.time()))

    def probed_mode(self, endpoint: str, model: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT mode FROM probes WHERE endpoint = ? AND model = ?",
                                   (endpoint, model)).fetchone()
        return row[0] if row else None

    def remember_mode(self, endpoint: str, model: str, mode: str) -> None:
        with self._lock, self._db:
            self._db.execute("INSERT OR REPLACE INTO probes VALUES (?,?,?,?)", (endpoint, model, mode, time.time()))

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM replies").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()
