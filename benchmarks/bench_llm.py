"""Local LLM speed (Gemma 3 270M Q4_K_M behind llama-cpp-python's OpenAI server) and the reply cache, in one run.

Input: the top of the 情况说明 page of the rendered seed004_fa-printed fixture (two sections, two model calls), so
the run stays short on a 2-core machine. Figures, each next to its reference from the same server and run:
- completion tokens/s of the hybrid extraction's calls (mode json_object: decoding constrained by a grammar of the
  claims schema) next to plain generation, and next to the same prompts sent without response_format;
- the same extraction again with a new client on the same SQLite cache (as a second `budgetlens extract --llm`
  would): model calls (must be 0) and wall time, next to the cold run.
Without the llm-local extra, the model or the fixture, it prints "skipped: why" and writes a skipped JSON.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pymupdf

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.figures import Row, add_out, figure, write_figures, write_skipped  # noqa: E402
from budgetlens.llm_local import MODEL_ALIAS, LocalServer, free_port, model_path, start_server  # noqa: E402
from budgetlens.llm_setup import make_client  # noqa: E402
from budgetlens.settings import Settings  # noqa: E402
from extraction.errors import ConfigError  # noqa: E402
from extraction.llm.client import LlmClient  # noqa: E402
from extraction.llm.hybrid import extract_with_llm  # noqa: E402
from extraction.llm.types import ChatReply, ChatRequest, Mode  # noqa: E402
from extraction.pipeline import extract_file  # noqa: E402
from extraction.records import LlmUsage  # noqa: E402

MODEL_CACHE = ROOT / "build"  # the GGUF in build/models, as the tests keep it (tests/conftest.py)
FIXTURE = ROOT / "build" / "fixtures" / "seed004_fa-printed" / "document.pdf"
PAGE, STOP = 16, "三、支出决算情况说明"  # 1-based page of 情况说明; its text from this heading down is removed
PLAIN_PROMPT = "请用中文写一段关于政府部门决算公开的说明，介绍收入、支出和结余的情况。"


class CapturingBackend:
    """The client's backend, keeping every request and reply (to send the same prompts again unconstrained)."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.provider, self.endpoint, self.model = inner, inner.provider, inner.endpoint, inner.model
        self.calls: list[tuple[ChatRequest, ChatReply]] = []

    def chat(self, request: ChatRequest, mode: Mode) -> ChatReply:
        reply = self.inner.chat(request, mode)
        self.calls.append((request, reply))
        return reply


@dataclass
class Completion:
    prompt_tokens: int
    completion_tokens: int
    seconds: float

    @property
    def tokens_per_s(self) -> float:
        return self.completion_tokens / self.seconds if self.seconds else 0.0

    def __add__(self, other: Completion) -> Completion:
        return Completion(self.prompt_tokens + other.prompt_tokens, self.completion_tokens + other.completion_tokens,
                          self.seconds + other.seconds)


@dataclass
class Run:
    usage: LlmUsage
    seconds: float
    calls: list[tuple[ChatRequest, ChatReply]] = field(default_factory=list)


def excerpt(src: Path, dst: Path) -> Path:
    """Page PAGE of the fixture with its text from STOP down redacted (rulings stay): two chunks, two calls."""
    with pymupdf.open(src) as source:
        doc = pymupdf.open()
        doc.insert_pdf(source, from_page=PAGE - 1, to_page=PAGE - 1)
    page = doc[0]
    hits = page.search_for(STOP)
    if not hits:
        raise RuntimeError(f"{src}: {STOP!r} not found on page {PAGE}; the fixture changed")
    page.add_redact_annot(pymupdf.Rect(0, hits[0].y0 - 1, page.rect.width, page.rect.height))
    page.apply_redactions(images=0, graphics=0)
    doc.save(dst, garbage=3, deflate=True)
    doc.close()
    return dst


def complete(url: str, messages: list[dict[str, str]], max_tokens: int) -> Completion:
    """One chat completion without response_format, straight over HTTP; wall time of the request."""
    body = {"model": MODEL_ALIAS, "messages": messages, "max_tokens": max_tokens, "temperature": 0.0}
    t = time.perf_counter()
    resp = httpx.post(f"{url}/chat/completions", json=body, timeout=600)
    seconds = time.perf_counter() - t
    resp.raise_for_status()
    usage = resp.json()["usage"]
    return Completion(usage["prompt_tokens"], usage["completion_tokens"], seconds)


def unconstrained_messages(req: ChatRequest) -> list[dict[str, str]]:
    """The messages the backend sends in mode json_object (extraction/llm/openai_compat.py), as plain dicts."""
    out = [{"role": "system", "content": req.system}]
    for user, assistant in req.shots:
        out += [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}]
    out.append({"role": "user", "content": req.user})
    return out + [{"role": "assistant" if role == "assistant" else "user", "content": text}
                  for role, text in req.history]


def extraction(settings: Settings, pdf: Path) -> Run:
    """A fresh client (as a new `budgetlens extract --llm` process would build) on the cache in data_dir."""
    client: LlmClient = make_client(settings)
    backend = CapturingBackend(client.backend)
    client.backend = backend
    try:
        t = time.perf_counter()
        result = extract_with_llm(pdf, client, "hybrid", concurrency=1)
        seconds = time.perf_counter() - t
    finally:
        if client.cache is not None:
            client.cache.close()
    bad = [i.message for i in result.issues if i.code.startswith("llm_")]
    if result.llm is None or bad:
        raise RuntimeError(f"the LLM extraction did not run cleanly: {bad or 'no LLM usage recorded'}")
    return Run(result.llm, seconds, backend.calls)


def measure(server: LocalServer, pdf: Path, data_dir: Path, max_tokens: int) -> dict[str, Any]:
    """Order matters: llama.cpp reuses the KV state of the previous prompt's common prefix, so the unconstrained
    copies are sent after another prompt, as the extraction's first call was, never right after the same one."""
    t = time.perf_counter()
    extract_file(pdf)
    layout_s = time.perf_counter() - t
    settings = Settings(data_dir=data_dir, llm_base_url=server.url, llm_model=MODEL_ALIAS,
                        llm_mode="json_object", llm_timeout_s=600, llm_max_retries=0, llm_cache=True)
    complete(server.url, [{"role": "user", "content": "你好"}], 8)  # warm-up: first-request costs
    cold = extraction(settings, pdf)
    if not cold.calls:
        raise RuntimeError("the extraction sent no request to the model: nothing to compare")
    plain = complete(server.url, [{"role": "user", "content": PLAIN_PROMPT}], max_tokens)
    same = Completion(0, 0, 0.0)
    for req, reply in cold.calls:
        same += complete(server.url, unconstrained_messages(req), max(16, reply.completion_tokens))
    cached = extraction(settings, pdf)
    return {"layout_s": layout_s, "cold": cold, "cached": cached, "plain": plain, "same": same}


def figures(m: dict[str, Any]) -> list[Row]:
    """Tokens/s next to unconstrained generation on the same server; the cached run next to the cold one."""
    cold, cached, plain, same = m["cold"], m["cached"], m["plain"], m["same"]
    u = cold.usage
    tps = u.completion_tokens / u.latency_s if u.latency_s else 0.0
    calls = f"{u.calls} call(s): {u.prompt_tokens} prompt + {u.completion_tokens} completion tokens"
    return [
        figure("completion tokens/s, json_object extraction", tps, "tokens/s", "plain generation (no schema)",
               plain.tokens_per_s, note=f"{calls}; plain: {plain.prompt_tokens} prompt + "
               f"{plain.completion_tokens} completion tokens"),
        figure("completion tokens/s, json_object extraction", tps, "tokens/s",
               "the same prompts without response_format", same.tokens_per_s,
               note=f"unconstrained: {same.prompt_tokens} prompt + {same.completion_tokens} completion tokens"),
        figure("extraction wall time, cold", cold.seconds, "s", "layout parser alone (extract_file)",
               m["layout_s"]),
        figure("extraction wall time, cached (same cache, new client)", cached.seconds, "s", "cold run",
               cold.seconds),
        figure("model calls, cached run", cached.usage.calls, "calls", "model calls, cold run", u.calls,
               note=f"{cached.usage.cache_hits} cache hit(s); must be 0 calls"),
    ]


def report(rows: list[Row], layout_s: float) -> None:
    print(f"model {MODEL_ALIAS}; input: page {PAGE} of {FIXTURE.relative_to(ROOT)} above {STOP!r}; "
          f"layout parser alone {layout_s * 1000:.0f} ms")
    for r in rows:
        ref = f"   vs {r['reference']}: {r['reference_value']:.3g} → ×{r['ratio']:.3g}" \
            if r["ratio"] is not None else ""
        note = f"   ({r['note']})" if r.get("note") else ""
        print(f"{r['name']}: {r['value']:.3g} {r['unit']}{ref}{note}")


def skip_reason() -> str | None:
    """Why the benchmark cannot run here (nothing is downloaded at run time), or None."""
    try:
        import llama_cpp  # noqa: F401
    except ImportError as exc:
        return f"llama_cpp is not importable ({exc}): install the llm-local extra (make venv)"
    try:
        model_path(Settings(data_dir=MODEL_CACHE))
    except ConfigError as exc:
        return str(exc)
    if not FIXTURE.is_file():
        return f"{FIXTURE.relative_to(ROOT)} is absent: run `make fixtures`"
    return None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max-tokens", type=int, default=128, help="completion tokens of the plain generation")
    ap.add_argument("--threads", type=int, default=None, help="server threads (default: llama.cpp's)")
    add_out(ap, "llm")
    args = ap.parse_args()
    if reason := skip_reason():
        print(f"skipped: {reason}")
        write_skipped(args.out, reason)
        return
    with tempfile.TemporaryDirectory(prefix="budgetlens-bench-llm-") as tmp_name:
        tmp = Path(tmp_name)
        pdf = excerpt(FIXTURE, tmp / "excerpt.pdf")
        t = time.perf_counter()
        with start_server(Settings(data_dir=tmp / "server"), model=model_path(Settings(data_dir=MODEL_CACHE)),
                          port=free_port(), n_threads=args.threads, timeout_s=180) as server:
            print(f"server {server.url} ready in {time.perf_counter() - t:.1f} s")
            m = measure(server, pdf, tmp / "data", args.max_tokens)
    rows = figures(m)
    report(rows, m["layout_s"])
    write_figures(args.out, rows)
    if m["cached"].usage.calls:
        sys.exit(f"the cached run made {m['cached'].usage.calls} model call(s); the reply cache should answer all")


if __name__ == "__main__":
    main()
