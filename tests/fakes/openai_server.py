"""A fake OpenAI-compatible endpoint on 127.0.0.1 that misbehaves on demand.

For fault-injection tests of the real ``openai`` client path: ``/v1/models`` and
streamed ``/v1/chat/completions``. ``mode`` says how it answers chat requests:

- ``ok``: streams ``reply`` word by word;
- ``status``: answers ``status`` (500, 429...) with ``headers`` (e.g. Retry-After);
- ``hang``: accepts the request and sends nothing for ``FAULT_SECONDS``;
- ``trickle``: sends a chunk with an empty delta every 0.2 s for ``FAULT_SECONDS``;
- ``cut``: sends two words, then closes the connection mid-stream;
- ``garbage``: sends a server-sent event that is not JSON.

``garbage_models`` makes ``/v1/models`` answer text that is not JSON. Every request is
recorded in ``requests`` as (path, monotonic time).
"""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

FAULT_SECONDS = 15.0
"""How long a hang or a trickle lasts: far beyond any stall budget under test, yet
finite, so a regression fails a test instead of hanging the suite."""


class FakeOpenAIServer:
    def __init__(
        self,
        mode: str = "ok",
        *,
        reply: str = "What happens when a worker dies mid-job?",
        status: int = 500,
        headers: dict[str, str] | None = None,
        garbage_models: bool = False,
    ) -> None:
        self.mode = mode
        self.reply = reply
        self.status = status
        self.headers = headers or {}
        self.garbage_models = garbage_models
        self.requests: list[tuple[str, float]] = []
        self.stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def chat_requests(self) -> list[float]:
        return [at for path, at in self.requests if path.endswith("/chat/completions")]

    def __enter__(self) -> FakeOpenAIServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()


def _chunk(content: str) -> bytes:
    event = {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "fake",
        "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": None}],
    }
    return f"data: {json.dumps(event)}\n\n".encode()


def _handler(fake: FakeOpenAIServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # quiet tests
            return

        def do_GET(self) -> None:
            fake.requests.append((self.path, time.monotonic()))
            if fake.garbage_models:
                self._send(200, b"<html>this is not json", "text/html")
                return
            models = {
                "object": "list",
                "data": [{"id": "fake", "object": "model", "created": 0, "owned_by": "test"}],
            }
            self._send(200, json.dumps(models).encode(), "application/json")

        def do_POST(self) -> None:
            fake.requests.append((self.path, time.monotonic()))
            self.rfile.read(int(self.headers.get("content-length") or 0))
            if fake.mode == "status":
                body = json.dumps({"error": {"message": "injected", "type": "fault"}})
                self._send(fake.status, body.encode(), "application/json", fake.headers)
                return
            if fake.mode == "hang":
                fake.stopping.wait(FAULT_SECONDS)
                return
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.end_headers()
            try:
                self._stream()
            except (BrokenPipeError, ConnectionResetError):
                return  # the client gave up: what a timeout looks like from here

        def _stream(self) -> None:
            if fake.mode == "trickle":
                until = time.monotonic() + FAULT_SECONDS
                while not fake.stopping.wait(0.2) and time.monotonic() < until:
                    self.wfile.write(_chunk(""))
                    self.wfile.flush()
                return
            if fake.mode == "garbage":
                self.wfile.write(b"data: {this is not json\n\n")
                self.wfile.flush()
                return
            words = re.findall(r"\S+\s*", fake.reply)
            if fake.mode == "cut":
                words = words[:2]
            for word in words:
                self.wfile.write(_chunk(word))
                self.wfile.flush()
            if fake.mode != "cut":
                self.wfile.write(b"data: [DONE]\n\n")

        def _send(
            self, status: int, body: bytes, kind: str, headers: dict[str, str] | None = None
        ) -> None:
            self.send_response(status)
            self.send_header("content-type", kind)
            self.send_header("content-length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

    return Handler
