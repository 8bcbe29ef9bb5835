"""Entry point of the embedded llama.cpp server process.

Runs ``llama_cpp.server`` in this process, plus a watchdog thread that exits as soon as
the app that started us is gone: even a ``kill -9`` of the app leaves no orphan server
holding a gigabyte of RAM. A thread cannot run while the app holds the server stopped
(SIGSTOP, ``EmbeddedServer.paused``), so a forked guard process watches too and sends
SIGKILL, which ends even a stopped process. Usage (by ``EmbeddedServer`` only):

    python -m interviewer.adapters.llm.server_process PARENT_PID -- <llama_cpp.server args>
"""

from __future__ import annotations

import contextlib
import os
import runpy
import signal
import sys
import threading
import time
from pathlib import Path


def _watch_parent(parent_pid: int) -> None:
    while True:
        if os.getppid() != parent_pid:
            os._exit(0)
        time.sleep(0.5)


def start_guard(app_pid: int) -> int:
    """Fork a guard that SIGKILLs this process once ``app_pid`` is gone, even while this
    process is stopped; it exits by itself when this process ends. Returns its pid.
    Call it before any thread starts (fork copies only the calling thread)."""
    server_pid = os.getpid()
    guard_pid = os.fork()
    if guard_pid:
        return guard_pid
    try:
        while os.getppid() == server_pid:
            if _app_gone(server_pid, app_pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(server_pid, signal.SIGKILL)
                break
            time.sleep(0.5)
    finally:
        os._exit(0)


def _app_gone(server_pid: int, app_pid: int) -> bool:
    """The server was handed to another parent (Linux: readable even while the server is
    stopped, and right away, unlike the app's pid, which lingers as a zombie)."""
    try:
        stat = Path(f"/proc/{server_pid}/stat").read_text()
    except OSError:  # no /proc (macOS): whether the app's pid still exists
        try:
            os.kill(app_pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False
    return int(stat[stat.rindex(")") + 2 :].split()[1]) != app_pid


def main(argv: list[str]) -> None:
    parent_pid = int(argv[0])
    server_args = argv[argv.index("--") + 1 :]
    start_guard(parent_pid)
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()
    sys.argv = ["llama_cpp.server", *server_args]
    runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
