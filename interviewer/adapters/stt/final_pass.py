"""The final-quality transcript of each spoken answer, made in the background.

Live decodes are greedy over short windows: they must keep pace with the voice. When an
answer ends, its whole recording is decoded again the way whole files are
(``WhisperTranscriber.transcribe``: 5 beams, the rubric glossary as ``initial_prompt``,
pieces cut at pauses, missed tails decoded again), in one worker thread, while the
interviewer speaks. ``LiveRound`` then puts that transcript, word times included, in
the session in place of the live one, so scoring and review read it.

The interviewer's reply never waits for it: a pass is submitted only once the reply has
been generated, and the worker runs at a lower CPU priority (``FINAL_PASS_NICE``), so
the next answer's live decodes and the LLM server (both at the normal priority) take
the cores first. Measured with tiny.en on this 2-core machine: see ``interviewer bench
stt`` (``final_pass``) and the README.
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from interviewer.adapters.stt.audio_in import load_audio
from interviewer.core.ports import Samples, Transcript

FINAL_PASS_NICE = 10
"""Niceness of the worker thread (and of the decoder threads it starts): with the
normal-priority LLM server or a live decode runnable, Linux gives it about a tenth of a
core, so it uses the cores only while they would idle."""


class WholeTranscriber(Protocol):
    """What the final pass needs: a whole recording to text (``WhisperTranscriber``)."""

    def transcribe(self, audio: Samples, *, prompt: str | None = None) -> Transcript: ...


FinalFn = Callable[[Transcript, float], None]
"""Called in the worker with the final transcript and the seconds it took."""


@dataclass
class _Job:
    audio: Path | Samples
    on_done: FinalFn


@dataclass
class FinalPass:
    """One background worker transcribing finished answers, oldest first.

    ``load`` makes the transcriber; it is called in the worker, once, so that the
    decoder's own threads inherit the worker's lower priority, and so that the live
    transcriber (not thread-safe) is never shared with it.
    """

    load: Callable[[], WholeTranscriber]
    nice: int = FINAL_PASS_NICE
    seconds: list[float] = field(default_factory=list)
    """Wall time of each finished pass (for benchmarks and the session note)."""
    errors: list[str] = field(default_factory=list)
    """Passes that failed; their answers keep the live transcript."""

    def __post_init__(self) -> None:
        self._jobs: queue.Queue[_Job | None] = queue.Queue()
        self._pending = 0
        self._idle = threading.Condition()
        self._thread: threading.Thread | None = None
        self._transcriber: WholeTranscriber | None = None

    @property
    def pending(self) -> int:
        """Passes submitted and not finished yet."""
        with self._idle:
            return self._pending

    def submit(self, audio: Path | Samples, on_done: FinalFn) -> None:
        """Transcribe ``audio`` (a recording file, or samples) in the background; returns
        at once. ``on_done`` is not called when the pass fails (see ``errors``)."""
        with self._idle:
            self._pending += 1
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="final-transcript", daemon=True
                )
                self._thread.start()
        self._jobs.put(_Job(audio, on_done))

    def wait(self, timeout: float | None = None) -> bool:
        """Block until every submitted pass is done (True) or ``timeout`` passes."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._idle:
            while self._pending:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._idle.wait(left)
        return True

    def close(self) -> None:
        """Stop after the pass in progress; passes still queued are dropped."""
        with contextlib.suppress(queue.Empty):
            while True:
                if self._jobs.get_nowait() is not None:
                    self._done()
        self._jobs.put(None)

    # ------------------------------------------------------------------ worker

    def _run(self) -> None:
        _lower_priority(self.nice)
        while True:
            job = self._jobs.get()
            if job is None:
                return
            try:
                started = time.monotonic()
                if self._transcriber is None:
                    self._transcriber = self.load()
                audio = load_audio(job.audio) if isinstance(job.audio, Path) else job.audio
                transcript = self._transcriber.transcribe(audio)
                took = time.monotonic() - started
                self.seconds.append(took)
                job.on_done(transcript, took)
            except Exception as error:  # a failed pass leaves the live transcript in place
                self.errors.append(f"{type(error).__name__}: {error}")
            finally:
                self._done()

    def _done(self) -> None:
        with self._idle:
            self._pending -= 1
            self._idle.notify_all()


def _lower_priority(nice: int) -> None:
    """Raise this thread's niceness (Linux: per thread; threads it starts inherit it)."""
    if nice <= 0 or not hasattr(os, "setpriority"):
        return
    with contextlib.suppress(OSError):
        current = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), max(current, nice))
