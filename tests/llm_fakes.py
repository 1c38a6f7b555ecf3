"""A scripted LLM backend for tests: it replays queued replies per mode and records what it was asked.

Not a mock of our own code: the LlmClient under test is the real one; this only stands in for the endpoint.
Registered in the provider registry as "fake", so settings (llm_provider="fake") can select it.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterable, Mapping
from typing import Any

from extraction.llm.registry import register
from extraction.llm.types import ChatReply, ChatRequest, Mode

Scripted = ChatReply | BaseException


def reply(body: object, finish_reason: str | None = "stop", prompt_tokens: int = 0, completion_tokens: int = 0,
          latency_s: float = 0.0) -> ChatReply:
    """A ChatReply; `body` is sent as is when it is a str, as JSON otherwise."""
    text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    return ChatReply(text=text, finish_reason=finish_reason, prompt_tokens=prompt_tokens,
                     completion_tokens=completion_tokens, latency_s=latency_s)


class FakeBackend:
    """Implements extraction.llm.types.Backend. Each mode has a queue of replies or exceptions (raised when their
    turn comes); a call in a mode with nothing left fails the test with an AssertionError."""

    provider = "fake"

    def __init__(self, script: Mapping[Mode, Iterable[Scripted]] | None = None, *,
                 endpoint: str = "http://fake.test/v1", model: str = "fake-model") -> None:
        self.endpoint = endpoint
        self.model = model
        self.script: dict[Mode, deque[Scripted]] = {m: deque(items) for m, items in (script or {}).items()}
        self.calls: list[tuple[ChatRequest, Mode]] = []

    def queue(self, mode: Mode, *items: Scripted) -> FakeBackend:
        self.script.setdefault(mode, deque()).extend(items)
        return self

    @property
    def modes(self) -> list[Mode]:
        """The mode of every call, in order."""
        return [m for _, m in self.calls]

    def left(self, mode: Mode) -> int:
        return len(self.script.get(mode, ()))

    def chat(self, request: ChatRequest, mode: Mode) -> ChatReply:
        self.calls.append((request, mode))
        queue = self.script.get(mode)
        if not queue:
            raise AssertionError(f"FakeBackend: unscripted call #{len(self.calls)} in mode {mode!r} "
                                 f"(schema {request.schema_name})")
        item = queue.popleft()
        if isinstance(item, BaseException):
            raise item
        return item


@register("fake")
def make_fake(base_url: str | None = None, model: str = "fake-model",
              script: Mapping[Mode, Iterable[Scripted]] | None = None, **_settings: Any) -> FakeBackend:
    """Registry factory; accepts (and ignores) the transport settings make_client passes to every provider."""
    return FakeBackend(script, endpoint=base_url or "http://fake.test/v1", model=model)
