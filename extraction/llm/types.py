"""Plain types shared by the LLM tier: what is asked, what came back, and the backend seam.

A backend only moves text; validation, repair, grounding and caching live above it so that every provider
(OpenAI-compatible over HTTP, the fake one in tests) is held to the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

Mode = Literal["json_schema", "json_object", "tools", "prompt"]
"""Structured-output modes: response_format json_schema (OpenAI, vLLM); json_object + "schema" (llama-cpp-python's
server); tool calling; prompt-only (schema in the prompt, json_object if the server has it, pydantic validation and
a bounded repair retry: DeepSeek-style servers)."""
ModeSetting = Literal["auto", "json_schema", "json_object", "tools", "prompt"]
MODES: tuple[Mode, ...] = ("json_schema", "json_object", "tools", "prompt")


@dataclass(frozen=True, slots=True)
class ChatRequest:
    system: str
    user: str
    schema: dict[str, Any]
    schema_name: str
    max_tokens: int = 2048
    shots: tuple[tuple[str, str], ...] = ()  # few-shot (user, assistant) pairs sent before `user`
    history: tuple[tuple[str, str], ...] = ()  # (role, text) turns after the user message: the repair retry


@dataclass(slots=True)
class ChatReply:
    text: str
    finish_reason: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    cached: bool = False


@dataclass(slots=True)
class Usage:
    """Token and latency accounting for one document or one run."""

    calls: int = 0
    cache_hits: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    errors: int = 0
    by_task: dict[str, int] = field(default_factory=dict)

    def add(self, reply: ChatReply, task: str) -> None:
        if reply.cached:
            self.cache_hits += 1
        else:
            self.calls += 1
            self.prompt_tokens += reply.prompt_tokens
            self.completion_tokens += reply.completion_tokens
            self.latency_s += reply.latency_s
        self.by_task[task] = self.by_task.get(task, 0) + 1

    def merge(self, other: Usage) -> None:
        self.calls += other.calls
        self.cache_hits += other.cache_hits
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        self.latency_s += other.latency_s
        self.errors += other.errors
        for k, v in other.by_task.items():
            self.by_task[k] = self.by_task.get(k, 0) + v

    @property
    def tokens_per_s(self) -> float:
        return self.completion_tokens / self.latency_s if self.latency_s else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"calls": self.calls, "cache_hits": self.cache_hits, "prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.completion_tokens, "latency_s": round(self.latency_s, 3),
                "tokens_per_s": round(self.tokens_per_s, 1), "errors": self.errors, "by_task": dict(self.by_task)}


class Backend(Protocol):
    """One chat call in one concrete mode. Raises LlmUnavailableError / LlmModeError; never validates."""

    provider: str
    endpoint: str
    model: str

    def chat(self, request: ChatRequest, mode: Mode) -> ChatReply: ...
