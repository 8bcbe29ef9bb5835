"""Entry point of the embedded llama.cpp server process.

Runs ``llama_cpp.server`` in this process, plus a watchdog thread that exits as soon as
the app that started us is gone: even a ``kill -9`` of the app leaves no orphan server
holding a gigabyte of RAM. Usage (by ``EmbeddedServer`` only):

    python -m interviewer.adapters.llm.server_process PARENT_PID -- <llama_cpp.server args>
"""

from __future__ import annotations

import os
import runpy
import sys
import threading
import time


def _watch_parent(parent_pid: int) -> None:
    while True:
        if os.getppid() != parent_pid:
            os._exit(0)
        time.sleep(0.5)


def main(argv: list[str]) -> None:
    parent_pid = int(argv[0])
    server_args = argv[argv.index("--") + 1 :]
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()
    sys.argv = ["llama_cpp.server", *server_args]
    runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
