"""HTTP cassettes for the LLM tier: record an endpoint's replies once, replay them in fast tests without a server.

An httpx transport under the OpenAI client (`OpenAICompatBackend(..., http_client=cassette_client(path, mode))`),
so a replay runs the whole path from LangChain down to the HTTP body. A request is known by its method, URL path
(not host or port: the test server's port changes every run) and canonical JSON body; headers (x-stainless-*,
authorization) are not part of it. The cassette is one JSON file, entries sorted by key and pretty-printed, so a
re-recording shows as a readable diff:

    {"version": 1, "entries": [{"key": sha256, "method": "POST", "path": "/v1/chat/completions",
                                "request": <canonical body>, "status": 200, "content_type": "application/json",
                                "body": <JSON reply, or text>}, ...]}

Modes: replay (an unrecorded request fails as a connection error naming the cassette), record (forward every
request to the real endpoint; the file then holds exactly this recording), auto (replay what is recorded, record
the rest and keep the old entries).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path
from typing import Any, Literal

import httpx

CassetteMode = Literal["replay", "record", "auto"]
RECORD_ENV = "BUDGETLENS_LLM_RECORD"
VERSION = 1


def mode_from_env(default: CassetteMode = "replay") -> CassetteMode:
    """`record` when BUDGETLENS_LLM_RECORD=1, else `default`."""
    return "record" if os.environ.get(RECORD_ENV, "").strip() in ("1", "true", "yes") else default


def canonical_body(content: bytes) -> Any:
    """The body as a JSON value with its keys sorted, or as text when it is not JSON; None when empty."""
    if not content:
        return None
    text = content.decode("utf-8", errors="replace")
    try:
        return json.loads(json.dumps(json.loads(text), sort_keys=True))
    except ValueError:
        return text


def request_key(method: str, path: str, body: Any) -> str:
    """sha256 of method, path and the canonical JSON of the body."""
    canon = body if isinstance(body, str) else json.dumps(body, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256("\n".join([method.upper(), path, canon]).encode("utf-8")).hexdigest()


class CassetteTransport(httpx.BaseTransport):
    def __init__(self, path: Path, mode: CassetteMode, inner: httpx.BaseTransport | None = None) -> None:
        if mode not in ("replay", "record", "auto"):
            raise ValueError(f"cassette mode must be replay, record or auto, not {mode!r}")
        self.path = Path(path)
        self.mode = mode
        self._inner = inner
        self._lock = threading.Lock()
        self._entries: dict[str, dict[str, Any]] = {} if mode == "record" else self._load()

    def _load(self) -> dict[str, dict[str, Any]]:
        if not self.path.is_file():
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return {e["key"]: e for e in data["entries"]}
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"cassette {self.path} is not a cassette file ({exc}); re-record it with "
                             f"{RECORD_ENV}=1") from exc

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = canonical_body(request.read())
        path = request.url.raw_path.decode("ascii")  # path and query, never host or port
        key = request_key(request.method, path, body)
        with self._lock:
            entry = self._entries.get(key) if self.mode != "record" else None
        if entry is not None:
            return _response(entry, request)
        if self.mode == "replay":
            state = "has no recording of" if self.path.is_file() else "does not exist, so it cannot replay"
            raise httpx.ConnectError(
                f"cassette {self.path} {state} {request.method} {path} (key {key[:12]}); the request changed or "
                f"was never recorded: re-record with {RECORD_ENV}=1 against a running server", request=request)
        response = self._forward(request)
        try:
            content = response.read()
        finally:
            response.close()
        ctype = response.headers.get("content-type", "")
        entry = {"key": key, "method": request.method, "path": path, "request": body,
                 "status": response.status_code, "content_type": ctype, "body": _stored_body(content, ctype)}
        with self._lock:
            self._entries[key] = entry
            self._save()
        return _response(entry, request)

    def _forward(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            if self._inner is None:
                self._inner = httpx.HTTPTransport()
            inner = self._inner
        return inner.handle_request(request)

    def _save(self) -> None:
        """Whole file, atomically (a temp file renamed), after every new entry: an interrupted recording keeps
        what it got."""
        entries = [self._entries[k] for k in sorted(self._entries)]
        text = json.dumps({"version": VERSION, "entries": entries}, ensure_ascii=False, indent=2) + "\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(self.path)

    def close(self) -> None:
        if self._inner is not None:
            self._inner.close()


def _stored_body(content: bytes, ctype: str) -> Any:
    """A JSON object or array is stored as JSON (readable diffs); anything else as text."""
    text = content.decode("utf-8", errors="replace")
    if "json" in ctype:
        try:
            value = json.loads(text)
        except ValueError:
            return text
        if isinstance(value, dict | list):
            return value
    return text


def _response(entry: dict[str, Any], request: httpx.Request) -> httpx.Response:
    body = entry.get("body")
    content = body.encode("utf-8") if isinstance(body, str) else json.dumps(body, ensure_ascii=False).encode("utf-8")
    headers = {"content-type": entry["content_type"]} if entry.get("content_type") else {}
    return httpx.Response(int(entry["status"]), headers=headers, content=content, request=request)


def cassette_client(path: Path, mode: CassetteMode, inner: httpx.BaseTransport | None = None) -> httpx.Client:
    """An httpx.Client for OpenAICompatBackend(http_client=...) that reads and writes `path`."""
    return httpx.Client(transport=CassetteTransport(path, mode, inner))


__all__ = ["RECORD_ENV", "CassetteMode", "CassetteTransport", "canonical_body", "cassette_client", "mode_from_env",
           "request_key"]
