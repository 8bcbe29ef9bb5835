"""A whole spoken round in the real app, in a real terminal, with nothing faked.

The `interviewer` command runs in tmux with the embedded llama.cpp server, the bundled
Whisper and Piper models, and PortAudio recording from the PulseAudio virtual
microphone. The test talks the way a person does: waits for the question, presses space,
speaks (synthesized speech written into the microphone), presses space again, waits for
the interviewer's probe, ends the round, and reads the feedback. The session must be
saved with the answer's audio and words, and scored.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from interviewer.adapters.stt.audio_in import resample
from interviewer.core.ports import SAMPLE_RATE, Samples
from tests.audio.conftest import VirtualMic

pytestmark = [pytest.mark.audio, pytest.mark.llm, pytest.mark.models]

INTERVIEWER = Path(sys.executable).with_name("interviewer")
ANSWER = (
    "First I would clarify the load. Then I would put every job in a durable queue, "
    "and workers take a lease on each job. If a worker dies, the lease expires and "
    "another worker retries the job, with an idempotency key so the card is charged once."
)
LAUNCH_TIMEOUT = 300.0
REPLY_TIMEOUT = 180.0
TERMINAL_SIZE = ("-x", "110", "-y", "36")


class LiveFeeder:
    """Keeps the virtual microphone flowing: silence, or speech queued with ``say``."""

    def __init__(self, fifo: Path) -> None:
        self.fifo = fifo
        self.pending: list[np.ndarray] = []
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.spoken_until = 0.0
        self.thread = threading.Thread(target=self.run, daemon=True)

    def say(self, audio: Samples) -> float:
        """Queue speech; returns when (monotonic) it will have been written."""
        pcm = np.round(np.clip(audio, -1, 1) * 32767).astype("<i2")
        with self.lock:
            self.pending.append(pcm)
        return time.monotonic() + audio.size / SAMPLE_RATE + 0.3

    def run(self) -> None:
        chunk = SAMPLE_RATE // 20
        silence = np.zeros(chunk, "<i2")
        started, written = time.monotonic(), 0
        with self.fifo.open("wb", buffering=0) as pipe:
            while not self.stopped.is_set():
                with self.lock:
                    if self.pending and self.pending[0].size == 0:
                        self.pending.pop(0)
                    if self.pending:
                        block, self.pending[0] = self.pending[0][:chunk], self.pending[0][chunk:]
                    else:
                        block = silence
                try:
                    pipe.write(block.tobytes())
                except BrokenPipeError:  # the sound server went away: the test is over
                    return
                written += block.size
                delay = started + written / SAMPLE_RATE - time.monotonic()
                if delay > 0:
                    self.stopped.wait(delay)


def tmux(socket: str, *args: str) -> str:
    result = subprocess.run(
        ["tmux", "-L", socket, *args], check=True, capture_output=True, text=True
    )
    return result.stdout


def screen_text(socket: str) -> str:
    return " ".join(tmux(socket, "capture-pane", "-p", "-t", "app").split())


def wait_for(socket: str, needles: tuple[str, ...], timeout: float) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = screen_text(socket)
        assert "Traceback" not in screen, screen
        if all(n in screen for n in needles):
            return screen
        time.sleep(0.5)
    raw = tmux(socket, "capture-pane", "-p", "-t", "app")
    raise AssertionError(f"{needles!r} did not appear within {timeout:.0f} s:\n{raw}")


@pytest.fixture
def socket(isolated_dirs: Path) -> Iterator[str]:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed (.ci/run installs it)")
    name = f"interviewer-round-{os.getpid()}"
    yield name
    subprocess.run(["tmux", "-L", name, "kill-server"], capture_output=True)


@pytest.fixture(scope="module")
def spoken_answer() -> Samples:
    from interviewer.adapters.tts.piper_voice import PiperSynthesizer

    piper = PiperSynthesizer()
    return resample(piper.synthesize(ANSWER), piper.sample_rate)


def test_a_spoken_round_ends_saved_and_scored(
    virtual_mic: VirtualMic, socket: str, isolated_dirs: Path, spoken_answer: Samples
) -> None:
    """It should be possible to launch, speak an answer, be probed, end and read feedback."""
    feeder = LiveFeeder(virtual_mic.fifo)
    feeder.thread.start()
    env = {
        **virtual_mic.env,
        **{k: v for k, v in os.environ.items() if k.startswith("INTERVIEWER_")},
        "TERM": "xterm-256color",
    }
    command = (
        f"{INTERVIEWER} practice --question job-queue --persona staff-infra; "
        "echo EXITED-$?; sleep 60"
    )
    try:
        subprocess.run(
            ["tmux", "-L", socket, "new-session", "-d", "-s", "app", *TERMINAL_SIZE, command],
            check=True,
            env=env,
        )
        wait_for(socket, ("LISTENING", "press space to talk"), LAUNCH_TIMEOUT)
        tmux(socket, "send-keys", "-t", "app", "Space")
        wait_for(socket, ("recording",), 30)
        done = feeder.say(spoken_answer)
        while time.monotonic() < done:
            time.sleep(0.1)
        tmux(socket, "send-keys", "-t", "app", "Space")
        wait_for(socket, ("durable queue",), 60)
        # The interviewer's reply, then listening again for the next answer.
        wait_for(socket, ("last turn:", "LISTENING"), REPLY_TIMEOUT)
        tmux(socket, "send-keys", "-t", "app", "F10")
        wait_for(socket, ("/100",), 120)  # the feedback screen's headline score
        tmux(socket, "send-keys", "-t", "app", "C-q")
        wait_for(socket, ("EXITED-0",), 30)
    finally:
        feeder.stopped.set()
        feeder.thread.join(timeout=5)
    (session_file,) = (isolated_dirs / "recordings").glob("*/session.json")
    session = json.loads(session_file.read_text())
    assert session["status"] == "complete"
    answers = [t for t in session["turns"] if t["speaker"] == "candidate" and t["text"]]
    assert answers, session["turns"]
    first = answers[0]
    assert "queue" in first["text"].lower()
    assert first["words"] and first["audio_file"]
    assert (session_file.parent / first["audio_file"]).stat().st_size > SAMPLE_RATE
    interviewer_lines = [t for t in session["turns"] if t["speaker"] == "interviewer"]
    assert any(t["kind"] == "probe" for t in interviewer_lines), "the answer was probed"
    evaluation = json.loads((session_file.parent / "evaluation.json").read_text())
    assert 0 <= evaluation["overall"] <= 100
    assert list((isolated_dirs / "state").glob("llama-server-*.json")) == []
    # Responsiveness over the whole round (reported, not asserted: no timed tests).
    ui_log = (isolated_dirs / "state" / "logs" / "ui.log").read_text()
    assert "longest event-loop stall" in ui_log
    print(ui_log.strip())
