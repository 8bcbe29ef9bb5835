"""A private PulseAudio daemon with a virtual microphone, as docs/cli-contract.md describes.

PortAudio -> ALSA ("default"/"pulse", via libasound2-plugins) -> PulseAudio, whose
default source is a ``module-pipe-source`` reading s16le 16 kHz mono from a FIFO. Bytes
written into the FIFO are what ``MicrophoneSource`` records. The daemon gets its own HOME
and XDG_RUNTIME_DIR, so it neither sees nor disturbs any real sound server, and it is
stopped when the test session ends.

PortAudio enumerates devices once, when sounddevice is imported, so the recording code
runs in a child process started with ``VirtualMic.env`` (see capture_child.py).
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
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from interviewer.core.ports import SAMPLE_RATE, Samples

CHILD = Path(__file__).with_name("capture_child.py")
INSTALL_HINT = (
    "pulseaudio is not installed: sudo apt-get install -y pulseaudio pulseaudio-utils "
    "libasound2-plugins libportaudio2 (CI installs them, so these tests run there)"
)


@dataclass
class Feeder:
    """Writes audio into the virtual microphone at real-time pace, then silence until
    stopped (the pipe source only produces samples while something is written)."""

    fifo: Path
    audio: Samples
    chunk_seconds: float = 0.05
    stopped: threading.Event = field(default_factory=threading.Event)
    written_samples: int = 0

    def run(self) -> None:
        chunk = round(self.chunk_seconds * SAMPLE_RATE)
        pcm = np.round(np.clip(self.audio, -1, 1) * 32767).astype("<i2")
        silence = np.zeros(chunk, "<i2")
        started = time.monotonic()
        with self.fifo.open("wb", buffering=0) as pipe:
            while not self.stopped.is_set():
                offset = self.written_samples
                block = pcm[offset : offset + chunk] if offset < pcm.size else silence
                pipe.write(block.tobytes())
                self.written_samples += block.size
                delay = started + self.written_samples / SAMPLE_RATE - time.monotonic()
                if delay > 0:
                    self.stopped.wait(delay)


@dataclass(frozen=True)
class VirtualMic:
    fifo: Path
    env: dict[str, str]

    def run_child(self, *args: str, timeout: float = 60.0) -> object:
        """Run capture_child.py with the daemon's environment; its JSON result."""
        result = subprocess.run(
            [sys.executable, str(CHILD), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return json.loads(result.stdout.strip().splitlines()[-1])

    def record_while_feeding(
        self, audio: Samples, *args: str, timeout: float = 60.0
    ) -> tuple[dict[str, object], int]:
        """Start a ``record`` child; once it is listening, feed ``audio`` then silence
        until it finishes. Returns its JSON result and how many samples were fed."""
        child = subprocess.Popen(
            [sys.executable, str(CHILD), "record", *args],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        feeder = Feeder(self.fifo, audio)
        thread = threading.Thread(target=feeder.run, daemon=True)
        try:
            assert child.stdout is not None
            first = child.stdout.readline().strip()
            if first != "READY":
                child.wait(timeout=10)
                stderr = child.stderr.read() if child.stderr else ""
                pytest.fail(f"capture child did not start: {first!r}\n{stderr[-3000:]}")
            thread.start()
            stdout, stderr = child.communicate(timeout=timeout)
        finally:
            feeder.stopped.set()
            if thread.is_alive():
                thread.join(timeout=5)
            if child.poll() is None:
                child.kill()
                child.wait()
        assert child.returncode == 0, stderr[-3000:]
        result: dict[str, object] = json.loads(stdout.strip().splitlines()[-1])
        return result, feeder.written_samples


def _pactl(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["pactl", *args], env=env, capture_output=True, text=True, timeout=10, check=False
    )


@pytest.fixture(scope="session")
def virtual_mic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtualMic]:
    pulseaudio = shutil.which("pulseaudio")
    if pulseaudio is None or shutil.which("pactl") is None:
        pytest.skip(INSTALL_HINT)
    root = tmp_path_factory.mktemp("pulse")
    home, runtime = root / "home", root / "run"
    for directory in (home, runtime):
        directory.mkdir(mode=0o700)
    fifo = root / "virtmic"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PULSE_", "INTERVIEWER_"))
    }
    env.update(
        HOME=str(home),
        XDG_RUNTIME_DIR=str(runtime),
        PULSE_SERVER=f"unix:{runtime}/pulse/native",
    )
    log_path = root / "pulseaudio.log"
    with log_path.open("w") as log:
        daemon = subprocess.Popen(
            [
                pulseaudio,
                "--daemonize=no",
                "--exit-idle-time=-1",
                "--disallow-exit",
                "-n",
                "--load=module-native-protocol-unix",
                "--load=module-null-sink sink_name=spk",
                f"--load=module-pipe-source source_name=virtmic file={fifo} "
                f"format=s16le rate={SAMPLE_RATE} channels=1",
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while _pactl(env, "info").returncode != 0:
            if daemon.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"PulseAudio did not start:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.2)
        result = _pactl(env, "set-default-source", "virtmic")
        assert result.returncode == 0, result.stderr
        assert fifo.exists(), "module-pipe-source creates the FIFO"
        yield VirtualMic(fifo=fifo, env=env)
    finally:
        daemon.terminate()
        try:
            daemon.wait(timeout=10)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()
