"""Real servers for the vectorstore tests: a `chroma run` process on loopback and a tiny OpenAI-style /v1/embeddings
server (http.server in a thread). Nothing here talks to the network beyond 127.0.0.1."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

CHROMA_BIN = Path(sys.executable).parent / "chroma"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ChromaServer:
    """`chroma run --path DIR --host 127.0.0.1 --port P` until stop(); start() waits for its heartbeat."""

    def __init__(self, path: Path, log: Path) -> None:
        self.path, self.log, self.port = path, log, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> ChromaServer:
        if not CHROMA_BIN.exists():
            raise RuntimeError(f"{CHROMA_BIN} is missing: chromadb is a dependency, `make venv` installs it")
        env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen([str(CHROMA_BIN), "run", "--path", str(self.path), "--host", "127.0.0.1",
                                          "--port", str(self.port)], stdout=out, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"chroma run exited with {self.proc.returncode}: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/api/v2/heartbeat", timeout=1.0).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"chroma run gave no heartbeat within {timeout:g} s: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


Reply = Callable[[dict[str, Any]], tuple[int, str]]  # request body → (status, body)


class EmbeddingsServer:
    """An OpenAI-compatible POST /v1/embeddings on 127.0.0.1; `reply` makes the answer, `requests` records what
    came in (path, headers, body)."""

    def __init__(self, reply: Reply) -> None:
        self.reply = reply
        self.requests: list[dict[str, Any]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                server.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                status, text = server.reply(body) if self.path == "/v1/embeddings" else (404, "not found")
                data = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> EmbeddingsServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def openai_reply(embed: Callable[[list[str]], list[list[float]]], reverse: bool = True) -> Reply:
    """A well-behaved endpoint: one vector per input, listed in reverse order (clients must sort by index)."""

    def reply(body: dict[str, Any]) -> tuple[int, str]:
        texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
        data = [{"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(embed(texts))]
        return 200, json.dumps({"object": "list", "model": body.get("model"),
                                "data": data[::-1] if reverse else data})

    return reply
