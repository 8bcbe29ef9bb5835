"""The final-quality transcript of each spoken answer, made in the background.

Live decodes are greedy over short windows: they must keep pace with the voice. When an
answer ends, its whole recording is decoded again the way whole files are
(``WhisperTranscriber.transcribe``: 5 beams, the whole rubric glossary as ``initial_prompt``,
pieces cut at pauses, missed tails decoded again), in one worker thread, while the
interviewer speaks. ``LiveRound`` then puts that transcript, word times included, in
the session in place of the live one, so scoring and review read it.

The interviewer's reply never waits for it: a pass is submitted only once the reply has
been generated, and the worker runs at a lower CPU priority (``FINAL_PASS_NICE``), so
the next answer's live decodes and the LLM server (both at the normal priority) take
the cores first. Measured on this 2-core machine (shared, load ~2.5) with an 89 s
answer: tiny.en took 12.3-13.4 s alone, 17.8 s while the next answer was streamed; that
stream's live decodes took 0.384 s on average instead of 0.347 s (longest 0.71 s instead
of 0.56 s), its ``finish`` 0.25 s instead of 0.20 s.
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from interviewer.adapters.stt.audio_in import load_audio
from interviewer.core.ports import SAMPLE_RATE, Samples, Transcript

FINAL_PASS_NICE = 10
"""Niceness of the worker thread (and of the decoder threads it starts): with the
normal-priority LLM server or a live decode runnable, Linux gives it about a tenth of a
core, so it uses the cores only while they would idle."""


class WholeTranscriber(Protocol):
    """What the final pass needs: a whole recording to text (``WhisperTranscriber``)."""

    def transcribe(self, audio: Samples, *, prompt: str | None = None) -> Transcript: ...


FINAL_PASS_BUDGET_S = 15.0
"""A final transcript should be ready this long after its answer ends (issue 17)."""


@dataclass
class ModelChoice:
    """One model the final pass may use, and its measured cost."""

    name: str
    load: Callable[[], WholeTranscriber]
    rtf: float
    """Seconds of decoding per second of audio; starts at the figure measured on this
    2-core machine and follows the passes actually made."""


class BudgetedTranscriber:
    """The best model whose expected time for the answer fits ``budget`` seconds.

    ``choices`` go best first; the last one is used when none fits. Measured on an 89 s
    answer (espeak-ng en-us+m3, 11 answers of the STT corpus, 2 cores shared, load ~2.5):
    Whisper base took 32.5 s (WER 0.129), tiny.en 12.3-13.4 s (WER 0.232), both with 5
    beams and the glossary prompt. So base is used for answers up to ~40 s, tiny.en for
    longer ones. Models are loaded on first use (in the caller's thread)."""

    def __init__(
        self, choices: Sequence[ModelChoice], *, budget: float = FINAL_PASS_BUDGET_S
    ) -> None:
        if not choices:
            raise ValueError("no model to choose from")
        self.choices = list(choices)
        self.budget = budget
        self.used: list[str] = []
        """The model each pass used, in order (for benchmarks and tests)."""
        self._loaded: dict[str, WholeTranscriber] = {}

    def transcribe(self, audio: Samples, *, prompt: str | None = None) -> Transcript:
        seconds = audio.size / SAMPLE_RATE
        choice = next((c for c in self.choices if c.rtf * seconds <= self.budget), self.choices[-1])
        model = self._loaded.get(choice.name)
        if model is None:
            try:
                model = self._loaded[choice.name] = choice.load()
            except Exception:
                if len(self.choices) == 1:
                    raise
                # A model that cannot be loaded (base not assembled, a bad dir) is
                # skipped from now on; the next one does the pass.
                self.choices.remove(choice)
                return self.transcribe(audio, prompt=prompt)
        started = time.monotonic()
        transcript = model.transcribe(audio, prompt=prompt)
        if seconds >= MIN_SECONDS_TO_MEASURE:
            # Half the old estimate, half this pass: a busy machine shows within a pass
            # or two, and one slow pass does not rule a model out for good.
            choice.rtf = 0.5 * choice.rtf + 0.5 * (time.monotonic() - started) / seconds
        self.used.append(choice.name)
        return transcript


BASE_RTF = 0.37
"""Whisper base, 5 beams, 2 cores: 32.5 s for an 89 s answer (see ``BudgetedTranscriber``)."""
TINY_EN_RTF = 0.15
"""tiny.en, 5 beams, 2 cores: 12.3-13.4 s for the same answer."""
MIN_SECONDS_TO_MEASURE = 5.0
"""Shorter answers are dominated by fixed costs: they do not update a model's rtf."""

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
