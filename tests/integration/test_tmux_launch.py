"""The real `interviewer` command in a real terminal (tmux), from launch to the first
question, with the embedded LLM and the bundled models, then quit: nothing left behind."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = [pytest.mark.llm, pytest.mark.models]

INTERVIEWER = Path(sys.executable).with_name("interviewer")
LAUNCH_TIMEOUT = 240.0
"""Generous: a first run assembles the 1.1 GB model; CI machines are slow."""


def tmux(socket: str, *args: str) -> str:
    result = subprocess.run(
        ["tmux", "-L", socket, *args], check=True, capture_output=True, text=True
    )
    return result.stdout


def wait_for(socket: str, needle: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = tmux(socket, "capture-pane", "-p", "-t", "app")
        if needle in screen:
            return screen
        time.sleep(0.5)
    raise AssertionError(f"{needle!r} did not appear within {timeout:.0f} s; screen:\n{screen}")


@pytest.fixture
def socket(isolated_dirs: Path) -> Iterator[str]:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed (.ci/run installs it)")
    name = f"interviewer-test-{os.getpid()}"
    yield name
    subprocess.run(["tmux", "-L", name, "kill-server"], capture_output=True)


def test_launch_shows_the_first_question_and_quits_cleanly(
    socket: str, isolated_dirs: Path
) -> None:
    env = {
        **os.environ,
        "TERM": "xterm-256color",
        "INTERVIEWER_TTS__ENGINE": "none",
    }
    command = f"{INTERVIEWER} practice --question job-queue; echo EXITED-$?; sleep 30"
    subprocess.run(
        ["tmux", "-L", socket, "new-session", "-d", "-s", "app", "-x", "100", "-y", "32", command],
        check=True,
        env=env,
    )
    screen = wait_for(socket, "Your turn", LAUNCH_TIMEOUT)
    assert "distributed job queue" in " ".join(screen.split())
    assert "Traceback" not in screen
    tmux(socket, "send-keys", "-t", "app", "C-q")
    screen = wait_for(socket, "EXITED-0", 30)
    assert "Traceback" not in screen
    state = isolated_dirs / "state"
    leftovers = list(state.glob("llama-server-*.json"))
    assert leftovers == [], "the embedded LLM server must be stopped on quit"
    sessions = list((isolated_dirs / "recordings").glob("*/session.json"))
    assert len(sessions) == 1, "the started round is kept"
