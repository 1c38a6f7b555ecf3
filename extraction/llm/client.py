"""One structured call: mode choice (with a remembered probe), cache, validation, a bounded repair retry.

Backends only move text; everything that decides whether a reply may become data is here, so an
OpenAI endpoint, a llama.cpp server and the test fake are held to the same rules.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, replace
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from extraction.errors import LlmError, LlmModeError, LlmOutputError, LlmTruncatedError, LlmUnavailableError
from extraction.llm.cache import CacheKey, LlmCache, input_hash
from extraction.llm.prompts import PromptTemplate
from extraction.llm.schemas import json_schema
from extraction.llm.types import MODES, Backend, ChatReply, ChatRequest, Mode, ModeSetting, Usage

T = TypeVar("T", bound=BaseModel)
_FENCE = re.compile(r"^\s*```(?:json)?\s*|\s*```\s*$")


class _Probe(BaseModel):
    ok: bool
    word: str


@dataclass(slots=True)
class Answer:
    """A validated reply and how it was obtained."""

    value: BaseModel
    reply: ChatReply
    mode: Mode
    repaired: bool = False


class LlmClient:
    def __init__(self, backend: Backend, mode: ModeSetting = "auto", cache: LlmCache | None = None,
                 max_tokens: int = 2048, repair_retries: int = 1, cooldown_s: float = 30.0) -> None:
        self.backend = backend
        self.setting = mode
        self.cache = cache
        self.max_tokens = max_tokens
        self.repair_retries = repair_retries
        self.cooldown_s = cooldown_s
        self._mode: Mode | None = None if mode == "auto" else mode
        self._lock = threading.Lock()
        self._down_until = 0.0
        self._down_reason = ""

    @property
    def current_mode(self) -> str:
        """The mode in use, or "" before the first call (asking would probe the endpoint)."""
        return self._mode or ""

    @property
    def provider(self) -> str:
        return self.backend.provider

    def mode(self) -> Mode:
        """The concrete mode; `auto` probes the endpoint once and remembers the answer (also in the cache)."""
        with self._lock:
            if self._mode is None:
                remembered = self.cache.probed_mode(self.backend.endpoint, self.backend.model) if self.cache else None
                self._mode = remembered if remembered in MODES else self._probe()  # type: ignore[assignment]
                if self.cache and remembered != self._mode:
                    self.cache.remember_mode(self.backend.endpoint, self.backend.model, self._mode)  # type: ignore[arg-type]
            return self._mode  # type: ignore[return-value]

    def _probe(self) -> Mode:
        req = ChatRequest(system="Reply with JSON only.", user='Return {"ok": true, "word": "yes"}.',
                          schema=json_schema(_Probe), schema_name="probe", max_tokens=64)
        for mode in MODES:
            try:
                reply = self._send(req, mode)
                _Probe.model_validate(_loads(reply.text))
                return mode
            except (LlmModeError, LlmOutputError, ValidationError, ValueError):
                continue
        return "prompt"  # every mode failed on the probe: prompt-only with validation is the safest fallback

    def run(self, prompt: PromptTemplate, document: str, out: type[T], usage: Usage,
            limits: dict[str, int] | None = None, **values: str) -> Answer:
        """Validated answer or a typed LlmError; never a half-parsed object.

        `limits` caps list fields (maxItems) for this input, e.g. no more claims than numbers printed in the chunk:
        with grammar-constrained servers this is what makes a small model stop instead of repeating itself."""
        mode = self.mode()
        schema = json_schema(out)
        for name, n in (limits or {}).items():
            prop = schema["properties"][name]
            prop["maxItems"] = max(0, min(n, prop.get("maxItems", n)))
        user = prompt.render(schema=json.dumps(schema, ensure_ascii=False, separators=(",", ":")),
                             document=document, **values)
        shots = tuple((f"<document>\n{i}\n</document>", o) for i, o in prompt.examples)
        req = ChatRequest(system=prompt.system, user=user, schema=schema, schema_name=out.__name__,
                          max_tokens=self.max_tokens, shots=shots)
        key = CacheKey(self.backend.endpoint, self.backend.model, mode, prompt.ref, input_hash(user))
        if self.cache and (hit := self.cache.get(key)) is not None:
            try:
                answer = Answer(out.model_validate(_loads(hit.text)), hit, mode)
                usage.add(hit, prompt.id)
                return answer
            except (ValidationError, ValueError):
                pass  # the schema changed under a cached reply: ask again
        answer = self._ask(req, mode, out, usage, prompt.id)
        if self.cache:
            self.cache.put(key, ChatReply(answer.value.model_dump_json(), answer.reply.finish_reason,
                                          answer.reply.prompt_tokens, answer.reply.completion_tokens,
                                          answer.reply.latency_s))
        return answer

    def _ask(self, req: ChatRequest, mode: Mode, out: type[T], usage: Usage, task: str) -> Answer:
        error = ""
        for attempt in range(self.repair_retries + 1):
            reply = self._send(req, mode)
            usage.add(reply, task)
            if reply.finish_reason == "length":
                raise LlmTruncatedError(f"the reply for {task} stopped at max_tokens ({req.max_tokens}); raise "
                                        "BUDGETLENS_LLM_MAX_TOKENS or use a model with a larger context",
                                        self.provider)
            try:
                return Answer(out.model_validate(_loads(reply.text)), reply, mode, repaired=attempt > 0)
            except (ValidationError, ValueError) as exc:
                error = _short(exc)
                req = replace(req, history=(("assistant", reply.text[:4000]),
                                            ("user", f"上面的回复不符合 JSON Schema：{error}。请只输出符合 Schema 的 JSON。")))
        raise LlmOutputError(f"the reply for {task} is not valid JSON for the schema after "
                             f"{self.repair_retries} repair attempt(s): {error}", self.provider)

    def _send(self, req: ChatRequest, mode: Mode) -> ChatReply:
        """Fail fast while the endpoint is known to be down, so a batch does not wait out one timeout per chunk."""
        if time.monotonic() < self._down_until:
            raise LlmUnavailableError(self._down_reason, self.provider)
        try:
            return self.backend.chat(req, mode)
        except LlmUnavailableError as exc:
            # exc.message already carries "[provider] "; the fail-fast error adds it again, so keep the bare reason
            reason = exc.message.removeprefix(f"[{exc.provider}] ") if exc.provider else exc.message
            self._down_until, self._down_reason = time.monotonic() + self.cooldown_s, reason
            raise
        except LlmError:
            raise


def _loads(text: str) -> object:
    """JSON object out of a reply; tolerates a code fence or prose around one object, nothing more."""
    s = _FENCE.sub("", text.strip())
    try:
        return json.loads(s)
    except json.JSONDecodeError:
        start, end = s.find("{"), s.rfind("}")
        if start < 0 or end <= start:
            raise ValueError("the reply contains no JSON object") from None
        try:
            return json.loads(s[start:end + 1])
        except json.JSONDecodeError as exc:
            raise ValueError(f"the reply is not valid JSON ({exc.msg} at char {exc.pos})") from None


def _short(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:5])
    return str(exc)[:300]
