"""Audio files as answers: read any file libsndfile knows, and replay it like a microphone.

``FileAudioSource`` yields the same 16 kHz mono blocks ``MicrophoneSource`` does, so a
turn can be fed from a file through the very code path a live answer takes (headless
rounds, tests, and the way forward when there is no microphone).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import soundfile

from interviewer.adapters.audio.dsp import resample
from interviewer.core.ports import SAMPLE_RATE, AudioBlock, Samples
from interviewer.errors import InterviewerError

READABLE = "WAV, FLAC, OGG/Vorbis or Opus (and MP3 with libsndfile 1.1+)"


class UnreadableAudioError(InterviewerError):
    """An audio file that is missing, empty, not audio, or in a format libsndfile cannot read."""


def read_audio(path: Path) -> Samples:
    """The whole file as 16 kHz mono float32 in [-1, 1]."""
    if not path.is_file():
        raise UnreadableAudioError(
            f"{path}: no such file", fix=f"check the path; give {READABLE} files"
        )
    try:
        data, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError, OSError, ValueError) as error:
        reason = getattr(error, "error_string", None) or str(error)
        raise UnreadableAudioError(
            f"{path}: not readable as audio ({reason})",
            fix=f"give {READABLE}; convert others with "
            "`ffmpeg -i INPUT -ar 16000 -ac 1 answer.wav`, or type the answer into a .txt file",
        ) from None
    if data.shape[0] == 0:
        raise UnreadableAudioError(
            f"{path}: holds no audio (0 samples)", fix="record the answer again or type it"
        )
    mono = data.mean(axis=1, dtype=np.float32) if data.shape[1] > 1 else data[:, 0]
    return resample(mono, int(rate))


class FileAudioSource:
    """Replays audio (a file or samples) as blocks, optionally at real-time pace.

    ``trailing_silence_seconds`` appends digital silence, so hands-free endpointing can
    see the answer end the way it would live. ``realtime`` sleeps between blocks so the
    consumer sees a microphone's pace (for demos and live-path tests).
    """

    def __init__(
        self,
        audio: Path | Samples,
        *,
        block_seconds: float = 0.032,
        realtime: bool = False,
        trailing_silence_seconds: float = 0.0,
    ) -> None:
        samples = read_audio(audio) if isinstance(audio, Path) else np.asarray(audio, np.float32)
        silence = np.zeros(round(trailing_silence_seconds * SAMPLE_RATE), dtype=np.float32)
        self.samples: Samples = np.concatenate([samples.reshape(-1), silence])
        self.block_size = max(1, round(block_seconds * SAMPLE_RATE))
        self.realtime = realtime
        self._stopped = threading.Event()

    @property
    def duration(self) -> float:
        return self.samples.size / SAMPLE_RATE

    def blocks(self) -> Iterator[AudioBlock]:
        started = time.monotonic()
        for offset in range(0, self.samples.size, self.block_size):
            if self._stopped.is_set():
                return
            if self.realtime:
                # Pace on the clock, not by sleeping a block length, so drift cannot build up.
                due = started + offset / SAMPLE_RATE
                if (delay := due - time.monotonic()) > 0 and self._stopped.wait(delay):
                    return
            chunk = self.samples[offset : offset + self.block_size]
            yield AudioBlock(samples=chunk.copy(), started_at=offset / SAMPLE_RATE)

    def stop(self) -> None:
        self._stopped.set()
