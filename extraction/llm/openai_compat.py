"""Any OpenAI-compatible endpoint through LangChain's ChatOpenAI, in one of four structured-output modes.

Transport errors become LlmUnavailableError (the document keeps its layout results), a refused mode becomes
LlmModeError (the probe moves on to the next mode); the reply text itself is judged by the client, not here.
"""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import openai
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_openai import ChatOpenAI

from extraction.errors import LlmError, LlmModeError, LlmUnavailableError
from extraction.llm.registry import register
from extraction.llm.types import ChatReply, ChatRequest, Mode

_MODE_REFUSALS = (400, 404, 415, 422, 500, 501)


class _ChatOpenAI(ChatOpenAI):
    """ChatOpenAI that can send the classic `max_tokens`.

    LangChain renames it to `max_completion_tokens`, which llama-cpp-python's server (and other older servers)
    ignore, so a free-running model would generate until its context is full."""

    legacy_max_tokens: bool = True

    def _get_request_payload(self, input_: Any, *, stop: list[str] | None = None, **kwargs: Any) -> dict[str, Any]:
        payload: dict[str, Any] = super()._get_request_payload(input_, stop=stop, **kwargs)
        if self.legacy_max_tokens and "max_completion_tokens" in payload:
            payload["max_tokens"] = payload.pop("max_completion_tokens")
        return payload


class OpenAICompatBackend:
    provider = "openai"

    def __init__(self, base_url: str, model: str, api_key: str | None = None, timeout_s: float = 120.0,
                 max_retries: int = 2, temperature: float = 0.0, http_client: httpx.Client | None = None,
                 legacy_max_tokens: bool = True) -> None:
        self.endpoint = base_url.rstrip("/")
        self.model = model
        self._llm = _ChatOpenAI(base_url=self.endpoint, model=model, api_key=api_key or "not-needed",  # type: ignore[arg-type]
                                timeout=timeout_s, max_retries=max_retries, temperature=temperature,
                                http_client=http_client, legacy_max_tokens=legacy_max_tokens)

    def chat(self, request: ChatRequest, mode: Mode) -> ChatReply:
        messages = _messages(request, mode)
        runnable: Any = self._llm
        kwargs: dict[str, Any] = {"max_tokens": request.max_tokens}
        if mode == "json_schema":
            kwargs["response_format"] = {"type": "json_schema", "json_schema": {
                "name": request.schema_name, "schema": request.schema, "strict": False}}
        elif mode == "json_object":  # llama-cpp-python's server constrains decoding by this schema (a grammar)
            kwargs["response_format"] = {"type": "json_object", "schema": request.schema}
        elif mode == "tools":
            tool = {"type": "function", "function": {"name": request.schema_name, "parameters": request.schema,
                                                     "description": "Return the extracted data."}}
            runnable = self._llm.bind_tools([tool], tool_choice=request.schema_name)
        start = time.monotonic()
        try:
            msg: AIMessage = runnable.invoke(messages, **kwargs)
        except openai.LengthFinishReasonError:
            return ChatReply(text="", finish_reason="length", latency_s=time.monotonic() - start)
        except (openai.APIConnectionError, openai.APITimeoutError, httpx.TransportError) as exc:
            root: BaseException = exc
            while root.__cause__ is not None:  # the client says "Connection error."; the cause says why
                root = root.__cause__
            raise LlmUnavailableError(f"cannot reach {self.endpoint} ({type(root).__name__}: {root}); is the server "
                                      "running? (budgetlens llm serve starts the local one)", self.provider) from exc
        except openai.APIStatusError as exc:
            raise _status_error(exc, mode, self.endpoint, self.model) from exc
        return _reply(msg, mode, time.monotonic() - start)


def _messages(request: ChatRequest, mode: Mode) -> list[BaseMessage]:
    system = request.system
    if mode in ("prompt", "tools"):  # the schema travels in the prompt only
        system += "\n只输出一个 JSON 对象，符合下面的 JSON Schema：\n" + json.dumps(request.schema, ensure_ascii=False)
    out: list[BaseMessage] = [SystemMessage(system)]
    for user, assistant in request.shots:
        out += [HumanMessage(user), AIMessage(assistant)]
    out.append(HumanMessage(request.user))
    for role, text in request.history:
        out.append(AIMessage(text) if role == "assistant" else HumanMessage(text))
    return out


def _reply(msg: AIMessage, mode: Mode, latency: float) -> ChatReply:
    meta = msg.response_metadata or {}
    usage: dict[str, Any] = dict(msg.usage_metadata or {})
    text = msg.content if isinstance(msg.content, str) else json.dumps(msg.content, ensure_ascii=False)
    if mode == "tools":
        if msg.tool_calls:
            text = json.dumps(msg.tool_calls[0]["args"], ensure_ascii=False)
        elif msg.invalid_tool_calls:
            text = str(msg.invalid_tool_calls[0].get("args") or "")
    return ChatReply(text=text, finish_reason=meta.get("finish_reason"), prompt_tokens=usage.get("input_tokens", 0),
                     completion_tokens=usage.get("output_tokens", 0), latency_s=latency)


def _status_error(exc: openai.APIStatusError, mode: Mode, endpoint: str, model: str) -> LlmError:
    code = exc.status_code
    if code in (401, 403):
        return LlmError(f"{endpoint} refused the API key (HTTP {code}); set BUDGETLENS_LLM_API_KEY", "openai")
    if code == 404 and mode == "prompt":
        return LlmError(f"{endpoint} has no model {model!r} (HTTP 404); check BUDGETLENS_LLM_MODEL and "
                        "BUDGETLENS_LLM_BASE_URL (it usually ends in /v1)", "openai")
    if code in _MODE_REFUSALS and mode != "prompt":
        return LlmModeError(f"{endpoint} refused structured-output mode {mode!r} (HTTP {code}); set "
                            "BUDGETLENS_LLM_MODE=auto to probe for one it supports", "openai")
    return LlmUnavailableError(f"{endpoint} answered HTTP {code} ({str(exc)[:200]}); try again later", "openai")


@register("openai")
def _factory(**settings: Any) -> OpenAICompatBackend:
    return OpenAICompatBackend(**settings)
