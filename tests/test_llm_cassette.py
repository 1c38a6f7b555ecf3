"""HTTP cassettes (extraction/llm/cassette.py): the real OpenAICompatBackend over recorded replies, no server needed.

Recorded cassettes live in tests/cassettes/. `test_recorded_local_model_replies` replays
tests/cassettes/gemma3_270m_probe.json: the mode probe of an LlmClient in mode "auto" against the local llama-cpp
server (json_schema → HTTP 500, then json_object). To re-record it (after changing the probe, the request payload
or the server), run once with the real server:

    BUDGETLENS_LLM_RECORD=1 .venv/bin/pytest tests/test_llm_cassette.py -q

With BUDGETLENS_LLM_RECORD=1 that test requests the `llm_server` fixture (llama-cpp-python + Gemma 3 270M on a
free port) and records into the cassette; without it, it never starts or consults a server. Review the diff of
the cassette before keeping it.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

from extraction.errors import LlmUnavailableError
from extraction.llm.cassette import CassetteTransport, cassette_client, mode_from_env, request_key
from extraction.llm.client import LlmClient
from extraction.llm.openai_compat import OpenAICompatBackend
from extraction.llm.types import ChatRequest

CASSETTES = Path(__file__).resolve().parent / "cassettes"
PROBE = CASSETTES / "gemma3_270m_probe.json"
NOWHERE = "http://cassette.invalid/v1"  # replay never resolves or connects to it
SCHEMA = {"type": "object", "properties": {"total": {"type": "number"}}, "required": ["total"]}
REQ = ChatRequest(system="只输出 JSON。", user="支出合计 12,345.67 万元。", schema=SCHEMA, schema_name="Total",
                  max_tokens=64)
# What LangChain's ChatOpenAI sends for REQ in mode json_object (see OpenAICompatBackend.chat).
SENT = {"model": "m", "stream": False, "temperature": 0.0, "max_tokens": 64,
        "messages": [{"role": "system", "content": "只输出 JSON。"}, {"role": "user", "content": "支出合计 12,345.67 万元。"}],
        "response_format": {"type": "json_object", "schema": SCHEMA}}


def _completion(content: str, prompt_tokens: int = 21, completion_tokens: int = 9) -> dict[str, Any]:
    return {"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "m",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens}}


def _backend(client: httpx.Client, base_url: str = NOWHERE, model: str = "m") -> OpenAICompatBackend:
    return OpenAICompatBackend(base_url, model, http_client=client, max_retries=0, timeout_s=120)


def _entries(path: Path) -> list[dict[str, Any]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["version"] == 1
    return list(data["entries"])


def _chain(exc: BaseException | None) -> str:
    """Every message down the exception chain (LlmUnavailableError → openai's error → httpx.ConnectError)."""
    out = []
    while exc is not None:
        out.append(str(exc))
        exc = exc.__cause__ or exc.__context__
    return "\n".join(out)


def test_replays_a_hand_written_cassette_through_the_real_backend(tmp_path: Path) -> None:
    path = tmp_path / "hand.json"
    entry = {"key": request_key("POST", "/v1/chat/completions", SENT), "method": "POST",
             "path": "/v1/chat/completions", "request": SENT, "status": 200, "content_type": "application/json",
             "body": _completion('{"total": 12345.67}')}
    path.write_text(json.dumps({"version": 1, "entries": [entry]}, ensure_ascii=False), encoding="utf-8")
    reply = _backend(cassette_client(path, "replay")).chat(REQ, "json_object")
    assert json.loads(reply.text) == {"total": 12345.67}
    assert (reply.finish_reason, reply.prompt_tokens, reply.completion_tokens) == ("stop", 21, 9)


def test_key_ignores_host_port_headers_and_key_order() -> None:
    a = httpx.Request("POST", "http://127.0.0.1:41234/v1/chat/completions", json={"b": 1, "a": "预算"},
                      headers={"x-stainless-retry-count": "0"})
    b = httpx.Request("POST", "http://other:9/v1/chat/completions", content=b'{"a":"\\u9884\\u7b97","b":1}',
                      headers={"x-stainless-retry-count": "2", "authorization": "Bearer x"})
    keys = {request_key(r.method, r.url.raw_path.decode(), json.loads(r.read())) for r in (a, b)}
    assert len(keys) == 1
    assert request_key("POST", "/v1/chat/completions", {"b": 2}) not in keys


def test_missing_entry_is_llm_unavailable_naming_the_cassette(tmp_path: Path) -> None:
    path = tmp_path / "empty.json"
    path.write_text('{"version": 1, "entries": []}', encoding="utf-8")
    with pytest.raises(LlmUnavailableError) as info:
        _backend(cassette_client(path, "replay")).chat(REQ, "json_object")
    # openai replaces the transport's message by "Connection error."; ours travels as the cause.
    assert str(path) in _chain(info.value) and "BUDGETLENS_LLM_RECORD=1" in _chain(info.value)
    with pytest.raises(LlmUnavailableError) as info:  # no file at all: same error, not a crash
        _backend(cassette_client(tmp_path / "absent.json", "replay")).chat(REQ, "json_object")
    assert "absent.json" in _chain(info.value)


def test_record_then_replay(tmp_path: Path) -> None:
    seen: list[httpx.Request] = []

    def server(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=_completion('{"total": 1}', 30, 5), headers={"x-request-id": "abc"})

    path = tmp_path / "sub" / "rec.json"
    recorded = _backend(cassette_client(path, "record", httpx.MockTransport(server)),
                        base_url="http://127.0.0.1:41234/v1").chat(REQ, "json_object")
    assert len(seen) == 1 and path.is_file()
    text = path.read_text(encoding="utf-8")
    assert "支出合计" in text and "\n  " in text and "x-stainless" not in text and "41234" not in text
    [entry] = _entries(path)
    assert (entry["method"], entry["path"], entry["status"]) == ("POST", "/v1/chat/completions", 200)
    assert entry["content_type"] == "application/json" and entry["request"] == SENT
    assert entry["key"] == request_key("POST", "/v1/chat/completions", SENT)

    replayed = _backend(cassette_client(path, "replay")).chat(REQ, "json_object")  # another host and port
    assert len(seen) == 1
    assert (replayed.text, replayed.prompt_tokens, replayed.completion_tokens) == (recorded.text, 30, 5)


def test_auto_replays_what_it_has_and_records_the_rest(tmp_path: Path) -> None:
    calls: list[str] = []

    def server(request: httpx.Request) -> httpx.Response:
        calls.append(json.loads(request.content)["messages"][-1]["content"])
        return httpx.Response(200, json=_completion('{"total": 2}'))

    path = tmp_path / "auto.json"
    auto = _backend(cassette_client(path, "auto", httpx.MockTransport(server)))
    other = ChatRequest(system=REQ.system, user="合计 2 万元。", schema=SCHEMA, schema_name="Total", max_tokens=64)
    for r in (REQ, REQ, other):
        auto.chat(r, "json_object")
    assert calls == [REQ.user, other.user]
    keys = [e["key"] for e in _entries(path)]
    assert keys == sorted(keys) and len(keys) == 2


def test_recording_from_threads_keeps_every_entry(tmp_path: Path) -> None:
    path = tmp_path / "threads.json"
    transport = CassetteTransport(path, "record", httpx.MockTransport(lambda r: httpx.Response(200, json={"ok": 1})))
    client = httpx.Client(transport=transport)
    threads = [threading.Thread(target=client.post, args=("http://x/v1/n",), kwargs={"json": {"i": i}})
               for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(e["request"]["i"] for e in _entries(path)) == list(range(16))


def test_record_mode_starts_a_fresh_cassette(tmp_path: Path) -> None:
    path = tmp_path / "fresh.json"
    ok = httpx.MockTransport(lambda r: httpx.Response(200, json={"ok": 1}))
    httpx.Client(transport=CassetteTransport(path, "record", ok)).post("http://x/v1/a", json={"old": 1})
    httpx.Client(transport=CassetteTransport(path, "record", ok)).post("http://x/v1/a", json={"new": 1})
    assert [e["request"] for e in _entries(path)] == [{"new": 1}]


@pytest.mark.llm_local
def test_round_trip_with_the_real_server(llm_server: Any, tmp_path: Path) -> None:
    from budgetlens.llm_local import MODEL_ALIAS

    path = tmp_path / "real.json"
    recorded = _backend(cassette_client(path, "record"), llm_server.url, MODEL_ALIAS).chat(REQ, "json_object")
    assert "total" in json.loads(recorded.text) and recorded.completion_tokens > 0
    [entry] = _entries(path)
    assert entry["status"] == 200 and str(llm_server.url.rsplit(":", 1)[-1]) not in entry["path"]

    def refuse(request: httpx.Request) -> httpx.Response:
        raise AssertionError("replay consulted the server")

    replay = CassetteTransport(path, "replay", inner=httpx.MockTransport(refuse))
    replayed = _backend(httpx.Client(transport=replay), NOWHERE, MODEL_ALIAS).chat(REQ, "json_object")
    assert (replayed.text, replayed.finish_reason, replayed.prompt_tokens, replayed.completion_tokens) == (
        recorded.text, recorded.finish_reason, recorded.prompt_tokens, recorded.completion_tokens)


@pytest.fixture
def probe_base_url(request: pytest.FixtureRequest) -> str:
    """The real server's URL when recording (the fixture starts it), else an address replay never contacts."""
    if mode_from_env() == "record":
        return str(request.getfixturevalue("llm_server").url)
    return NOWHERE


def test_recorded_local_model_replies(probe_base_url: str) -> None:
    """The mode probe resolves to json_object purely from the cassette: llama-cpp-python answers response_format
    json_schema with HTTP 500 (one, since max_retries=0), then json_object + schema yields a valid probe reply."""
    from budgetlens.llm_local import MODEL_ALIAS

    mode = mode_from_env()
    assert mode == "record" or PROBE.is_file(), f"{PROBE} is missing; record it with BUDGETLENS_LLM_RECORD=1"
    backend = _backend(cassette_client(PROBE, mode), probe_base_url, MODEL_ALIAS)
    assert LlmClient(backend, "auto", cache=None).mode() == "json_object"
    by_format = {e["request"]["response_format"]["type"]: e for e in _entries(PROBE)}
    assert sorted(by_format) == ["json_object", "json_schema"]
    assert by_format["json_schema"]["status"] == 500
    assert "json_object" in json.dumps(by_format["json_schema"]["body"])  # "Input should be 'text' or 'json_object'"
    assert by_format["json_object"]["status"] == 200
