"""The embedded llama.cpp server starts on loopback, answers, and never outlives the app."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from interviewer import locations
from interviewer.adapters.llm.embedded_server import SERVER_MODULE, reap_stale_servers
from interviewer.core.ports import ChatMessage
from interviewer.llm_runtime import open_llm
from interviewer.settings import load_settings

APP_SCRIPT = """
import signal, sys, time
# Ctrl-C as in a terminal: a test run started as a background job ("pytest &") hands its
# children SIGINT ignored, and Python then raises no KeyboardInterrupt.
signal.signal(signal.SIGINT, signal.default_int_handler)
from interviewer.llm_runtime import open_llm
from interviewer.settings import load_settings
with open_llm(load_settings().llm) as runtime:
    print(runtime.server.port, flush=True)
    time.sleep(120)
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); it holds no memory and no port.
    state = (
        Path(f"/proc/{pid}/stat").read_text().split()[2] if Path(f"/proc/{pid}").exists() else "X"
    )
    return state != "Z"


def wait_until_gone(pid: int, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.1)
    return False


def server_pids() -> list[int]:
    pids = []
    for pid_file in locations.state_dir().glob("llama-server-*.json"):
        pids.append(int(json.loads(pid_file.read_text())["server_pid"]))
    return pids


def start_app() -> tuple[subprocess.Popen[str], int]:
    app = subprocess.Popen([sys.executable, "-c", APP_SCRIPT], stdout=subprocess.PIPE, text=True)
    assert app.stdout is not None
    port_line = app.stdout.readline()
    assert port_line.strip().isdigit(), "the app never reported a running server"
    (server_pid,) = server_pids()
    return app, server_pid


def test_stale_server_of_a_dead_app_is_reaped(tmp_path: Path) -> None:
    """A pid file left by a killed app gets its server killed at the next start."""
    fake_server = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)", SERVER_MODULE]
    )
    dead_app = subprocess.Popen([sys.executable, "-c", "pass"])
    dead_app.wait()
    (tmp_path / "llama-server-1.json").write_text(
        json.dumps({"server_pid": fake_server.pid, "app_pid": dead_app.pid, "port": 1})
    )
    assert reap_stale_servers(tmp_path) == [fake_server.pid]
    assert fake_server.wait(timeout=5) == -signal.SIGKILL
    assert list(tmp_path.iterdir()) == []


def test_server_of_a_live_app_is_left_alone(tmp_path: Path) -> None:
    other_app = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        (tmp_path / "llama-server-2.json").write_text(
            json.dumps({"server_pid": 999999, "app_pid": other_app.pid, "port": 1})
        )
        assert reap_stale_servers(tmp_path) == []
        assert (tmp_path / "llama-server-2.json").exists()
    finally:
        other_app.kill()
        other_app.wait()


@pytest.mark.models
@pytest.mark.llm
def test_embedded_server_answers_and_stops() -> None:
    with open_llm(load_settings().llm) as runtime:
        assert runtime.server is not None
        assert runtime.chat.base_url.startswith("http://127.0.0.1:")
        reply = runtime.chat.complete(
            [ChatMessage("user", "What is 2 + 2? Answer with one digit.")], max_tokens=4
        )
        assert "4" in reply
        (server_pid,) = server_pids()
    assert wait_until_gone(server_pid)
    assert server_pids() == []


@pytest.mark.models
@pytest.mark.llm
def test_kill_9_of_the_app_leaves_no_server() -> None:
    """The watchdog in the server process notices its app is gone."""
    app, server_pid = start_app()
    app.kill()
    app.wait()
    assert wait_until_gone(server_pid), "server outlived a kill -9 of its app"


@pytest.mark.models
@pytest.mark.llm
def test_ctrl_c_of_the_app_stops_the_server() -> None:
    app, server_pid = start_app()
    app.send_signal(signal.SIGINT)
    app.wait(timeout=15)
    assert wait_until_gone(server_pid)
    assert server_pids() == []


def process_state(pid: int) -> str:
    """The kernel's one-letter state: T = stopped, S/R = sleeping/running."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat[stat.rindex(")") + 2]


def settled_state(pid: int, expected: str, seconds: float = 3.0) -> str:
    """The process state once it is ``expected``, or whatever it is after ``seconds``:
    SIGSTOP and SIGCONT are delivered asynchronously (every thread of a busy server must
    reach the kernel first), so the state right after ``kill`` can still be the old one."""
    deadline = time.monotonic() + seconds
    state = process_state(pid)
    while state != expected and time.monotonic() < deadline:
        time.sleep(0.02)
        state = process_state(pid)
    return state


@pytest.mark.models
@pytest.mark.llm
def test_paused_stops_the_server_while_held_and_it_answers_after() -> None:
    """Speech decodes hold ``paused``: the server waits (SIGSTOP), nested holders are
    counted, and a request sent while it is stopped is answered once it goes on."""
    with open_llm(load_settings().llm) as runtime:
        server = runtime.server
        assert server is not None and server.pid is not None
        assert runtime.chat.cpu_gate is not None
        with runtime.chat.cpu_gate():
            assert settled_state(server.pid, "T") == "T"
            with server.paused():
                assert process_state(server.pid) == "T"
            time.sleep(0.2)  # a wrongly sent SIGCONT would have landed by now
            assert process_state(server.pid) == "T"  # the outer holder still holds it
        assert settled_state(server.pid, "S") != "T"
        with server.paused():
            pending: list[str] = []
            thread = threading.Thread(
                target=lambda: pending.append(
                    runtime.chat.complete(
                        [ChatMessage("user", "What is 2 + 2? Answer with one digit.")],
                        max_tokens=4,
                    )
                )
            )
            thread.start()
            time.sleep(0.5)
            assert pending == []  # nothing runs while it is stopped
        thread.join(timeout=60)
        assert pending and "4" in pending[0]


@pytest.mark.models
@pytest.mark.llm
def test_a_paused_server_still_stops_with_the_app() -> None:
    with open_llm(load_settings().llm) as runtime:
        server = runtime.server
        assert server is not None and server.pid is not None
        pid = server.pid
        gate = server.paused()
        gate.__enter__()  # the app closes mid-decode
        assert settled_state(pid, "T") == "T"
    assert wait_until_gone(pid)
