"""Issue 20.3: when the app is killed while it holds the embedded server stopped
(SIGSTOP during a speech decode), the server's watchdog thread cannot run; the guard
forked by the server process kills it anyway. Plain Python processes stand in for the
app and the llama.cpp server, so this runs without the model."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

SERVER = """
import os, sys, time
from interviewer.adapters.llm.server_process import start_guard
start_guard(int(sys.argv[1]))
print(os.getpid(), flush=True)
time.sleep(60)
"""

APP = f"""
import os, subprocess, sys, time
server = subprocess.Popen([sys.executable, "-c", {SERVER!r}, str(os.getpid())],
                          stdout=subprocess.PIPE, text=True)
print(server.stdout.readline().strip(), flush=True)
time.sleep(60)
"""


def running(pid: int) -> bool:
    """Alive and not a zombie (a zombie holds no memory)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def test_a_server_stopped_by_a_killed_app_is_killed() -> None:
    app = subprocess.Popen([sys.executable, "-c", APP], stdout=subprocess.PIPE, text=True)
    assert app.stdout is not None
    server_pid = int(app.stdout.readline())
    try:
        os.kill(server_pid, signal.SIGSTOP)  # the app is decoding speech
        app.kill()  # ... and is killed; not reaped yet: its pid lingers as a zombie
        deadline = time.monotonic() + 5.0
        while running(server_pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not running(server_pid), "the stopped server outlived its app"
    finally:
        app.wait()
        if running(server_pid):
            os.kill(server_pid, signal.SIGKILL)


def test_the_guard_leaves_a_server_of_a_live_app_alone() -> None:
    app = subprocess.Popen([sys.executable, "-c", APP], stdout=subprocess.PIPE, text=True)
    assert app.stdout is not None
    server_pid = int(app.stdout.readline())
    try:
        os.kill(server_pid, signal.SIGSTOP)
        time.sleep(1.5)
        assert running(server_pid)
    finally:
        os.kill(server_pid, signal.SIGKILL)
        app.kill()
        app.wait()
