"""Starts and stops the embedded llama.cpp OpenAI-compatible server.

The server listens on a free loopback port, logs to a file, and is health-checked before
anyone uses it. It never outlives the app: ``stop()`` on exit and Ctrl-C, a watchdog in
the server process for ``kill -9`` of the app, and a pid file per app instance so that a
stale server is reaped at the next start should both of those fail.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType

from interviewer import locations
from interviewer.errors import BackendUnavailable

SERVER_MODULE = "interviewer.adapters.llm.server_process"
MODEL_ALIAS = "interviewer-embedded"
"""The model name the embedded server answers to."""
MEMORY_ARGS = ("--logits_all", "false", "--use_mmap", "false")
"""What keeps the server near the size of its model (measured with the 1.1 GB GGUF, 4096
context, peak RSS after a 1,318-token prompt: 3.36 GB with llama_cpp.server's defaults,
2.02 GB with logits kept for the last token only, 1.38 GB with both):

- ``logits_all`` defaults to true in ``llama_cpp.server``: it keeps float32 logits for
  every prompt token (context x 151,936 vocabulary: 2.5 GB at 4096 tokens, filled as
  prompts grow). Only logprobs need them, and we never ask for logprobs.
- ``use_mmap``: a mapped GGUF stays resident as file pages *and* llama.cpp's CPU
  back end repacks the quantized weights into a second, anonymous copy for its faster
  kernels. Read into memory instead, the weights are held once.
"""


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_our_server(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return SERVER_MODULE.encode() in cmdline


def reap_stale_servers(pid_dir: Path) -> list[int]:
    """Kill servers whose app is gone; return their pids."""
    reaped: list[int] = []
    for pid_file in pid_dir.glob("llama-server-*.json"):
        try:
            record = json.loads(pid_file.read_text())
            server_pid, app_pid = int(record["server_pid"]), int(record["app_pid"])
        except (OSError, ValueError, KeyError):
            pid_file.unlink(missing_ok=True)
            continue
        if _alive(app_pid) and app_pid != os.getpid():
            continue  # another running app instance owns it
        if _alive(server_pid) and _is_our_server(server_pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(server_pid, signal.SIGKILL)
            reaped.append(server_pid)
        pid_file.unlink(missing_ok=True)
    return reaped


class EmbeddedServer:
    """A managed ``llama_cpp.server`` child process. Use as a context manager."""

    def __init__(
        self,
        model_path: Path,
        *,
        threads: int = 2,
        context_size: int = 4096,
        startup_timeout: float = 120.0,
        state_dir: Path | None = None,
    ) -> None:
        self.model_path = model_path
        self.threads = threads
        self.context_size = context_size
        self.startup_timeout = startup_timeout
        self.state_dir = state_dir or locations.state_dir()
        self.log_path = self.state_dir / "logs" / "llama-server.log"
        self.port: int | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._pause_lock = threading.Lock()
        self._pause_holders = 0
        self._pid_file = self.state_dir / f"llama-server-{os.getpid()}.json"

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise BackendUnavailable("the embedded LLM server is not running")
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def pid(self) -> int | None:
        """The server process id while it runs (for memory figures)."""
        return self._process.pid if self._process is not None else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, on_wait: Callable[[float], None] | None = None) -> str:
        """Start the server and block until it answers; return its base URL."""
        if self.running:
            return self.base_url
        if not self.model_path.is_file():
            raise BackendUnavailable(
                f"LLM model file not found: {self.model_path}",
                fix="run `interviewer models` to assemble the bundled model, or set llm.model_path",
            )
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        reap_stale_servers(self.state_dir)
        self.port = free_loopback_port()
        args = [
            sys.executable,
            "-m",
            SERVER_MODULE,
            str(os.getpid()),
            "--",
            "--model",
            str(self.model_path),
            "--model_alias",
            MODEL_ALIAS,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--n_ctx",
            str(self.context_size),
            "--n_threads",
            str(self.threads),
            "--n_threads_batch",
            str(self.threads),
            *MEMORY_ARGS,
        ]
        log = self.log_path.open("ab")
        try:
            self._process = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Own session: a Ctrl-C in the terminal reaches the app, which stops the
                # server in order, instead of killing the server mid-reply.
                start_new_session=True,
            )
        finally:
            log.close()
        self._pid_file.write_text(
            json.dumps({"server_pid": self._process.pid, "app_pid": os.getpid(), "port": self.port})
        )
        self._wait_healthy(on_wait)
        return self.base_url

    def _wait_healthy(self, on_wait: Callable[[float], None] | None) -> None:
        started = time.monotonic()
        url = f"http://127.0.0.1:{self.port}/v1/models"
        while True:
            elapsed = time.monotonic() - started
            if self._process is not None and self._process.poll() is not None:
                tail = self.log_tail()
                self.stop()
                raise BackendUnavailable(
                    f"the embedded LLM server exited during start-up: {tail}",
                    fix=f"see {self.log_path}",
                )
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            if elapsed > self.startup_timeout:
                self.stop()
                raise BackendUnavailable(
                    f"the embedded LLM server did not answer within {self.startup_timeout:.0f} s",
                    fix=f"see {self.log_path}; raise llm.startup_timeout_seconds",
                )
            if on_wait:
                on_wait(elapsed)
            time.sleep(0.25)

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Stop the server process (SIGSTOP) for the duration, then let it go on
        (SIGCONT). Nested and concurrent holders are counted: it runs again when the
        last one leaves.

        For a speech decode while the server works in the background (preparing a
        reply, warming its cache): on 2 cores both used every core with spinning thread
        pools, and each slowed the other several times over (measured: a 0.4 s Whisper
        decode took 0.8 s, a 30-token prefill 3-8 s). Taking turns costs neither more
        than the other's work. A request in flight just waits; nothing is lost.
        """
        self._signal_pause(+1)
        try:
            yield
        finally:
            self._signal_pause(-1)

    def _signal_pause(self, change: int) -> None:
        with self._pause_lock:
            before = self._pause_holders
            self._pause_holders = max(0, before + change)
            process = self._process
            if process is None or process.poll() is not None:
                return
            if before == 0 and self._pause_holders == 1:
                sig = signal.SIGSTOP
            elif before == 1 and self._pause_holders == 0:
                sig = signal.SIGCONT
            else:
                return
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, sig)

    def log_tail(self, lines: int = 3) -> str:
        try:
            text = self.log_path.read_text(errors="replace").strip().splitlines()
        except OSError:
            return "(no log)"
        return " | ".join(text[-lines:])

    def stop(self) -> None:
        with self._pause_lock:
            process, self._process = self._process, None
            self._pause_holders = 0
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGCONT)  # a stopped process cannot exit
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        self._pid_file.unlink(missing_ok=True)
        self.port = None

    def __enter__(self) -> EmbeddedServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
