"""One candidate turn, captured: audio source -> turn file on disk + VAD -> endpointer.

This is the loop a front end runs in a worker thread. Keys (push-to-talk, extend, done)
and partial transcripts arrive from other threads; they are queued and applied between
blocks, on the audio's own clock, because the endpointer is deliberately not
thread-safe. Every sample that belongs to the answer is appended to the crash-safe turn
file before anything else looks at it.
"""

from __future__ import annotations

import queue
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from interviewer.adapters.audio.turn_writer import TurnAudioWriter
from interviewer.adapters.audio.vad import FrameAnalyzer, SileroVad, quality_warnings
from interviewer.core.endpointing import Endpointer, TurnStatus
from interviewer.core.ports import SAMPLE_RATE, AudioBlock, AudioSource, Samples, TurnEndDetector

_Event = Callable[[Endpointer, float], TurnStatus]
TURN_END_WINDOW_SECONDS = 8.0
"""How much of the end of the answer the end-of-turn model hears."""


@dataclass(frozen=True)
class CapturedTurn:
    path: Path
    """The turn's WAV file (complete and valid)."""
    audio: Samples
    """Everything written to ``path``, for the transcriber."""
    status: TurnStatus
    """How and when the turn ended (times on the capture clock, from the turn start)."""
    warnings: list[str] = field(default_factory=list)
    """Quality warnings (silence only, no speech, clipped, very quiet)."""


class TurnCapture:
    """Captures one turn. ``run()`` in a worker; the key methods from any thread.

    In push-to-talk mode only audio captured while the talk key is on is kept; in
    hands-free mode everything from the start of the turn is kept, so word times in the
    transcript line up with the file. The source is stopped when the turn ends (a
    ``MicrophoneSource`` can be started again for the next turn).
    """

    def __init__(
        self,
        source: AudioSource,
        endpointer: Endpointer,
        path: Path,
        *,
        vad: SileroVad | None,
        turn_end: TurnEndDetector | None = None,
        on_block: Callable[[AudioBlock, TurnStatus], None] | None = None,
    ) -> None:
        self.source = source
        self.endpointer = endpointer
        self.path = path
        self.analyzer = FrameAnalyzer(vad)
        self.turn_end = turn_end
        """Asked at a pause whether the answer is finished (hands-free rule H5)."""
        self.on_block = on_block
        """Called in the worker after each block: e.g. post the level and status to the UI."""
        self._events: queue.SimpleQueue[_Event] = queue.SimpleQueue()
        if vad is not None:
            vad.reset()

    # --- thread-safe controls -----------------------------------------------------------

    def talk_key_down(self) -> None:
        self._events.put(Endpointer.talk_key_down)

    def talk_key_up(self) -> None:
        self._events.put(Endpointer.talk_key_up)

    def toggle_talk(self) -> None:
        self._events.put(Endpointer.toggle_talk)

    def extend(self) -> None:
        self._events.put(Endpointer.extend)

    def end_turn(self) -> None:
        self._events.put(Endpointer.end_turn)

    def partial_transcript(self, text: str) -> None:
        self._events.put(lambda endpointer, _at: endpointer.partial_transcript(text))

    # --- the loop -----------------------------------------------------------------------

    def run(self) -> CapturedTurn:
        kept: list[Samples] = []
        probabilities: list[float] = []
        now = 0.0
        with TurnAudioWriter(self.path) as writer:
            try:
                for block in self.source.blocks():
                    self._apply_events(now)
                    capturing = self.endpointer.status().capturing
                    if capturing:
                        writer.append(block.samples)
                        kept.append(block.samples)
                    now += block.samples.size / SAMPLE_RATE
                    status = self.endpointer.status()
                    for frame in self.analyzer.feed(block.samples):
                        status = self.endpointer.observe(frame)
                        if capturing and isinstance(frame.speech, float):
                            probabilities.append(frame.speech)
                        if status.turn_end_due and self.turn_end is not None:
                            status = self._ask_turn_end(kept, now)
                    if self.on_block is not None:
                        self.on_block(block, status)
                    if status.ended:
                        break
                self._apply_events(now)
            finally:
                self.source.stop()
        status = self.endpointer.source_ended(now)
        audio = np.concatenate(kept) if kept else np.zeros(0, np.float32)
        speech = np.asarray(probabilities, np.float32) if self.analyzer.vad else None
        return CapturedTurn(
            path=writer.path,
            audio=audio,
            status=status,
            warnings=quality_warnings(audio, speech),
        )

    def _ask_turn_end(self, kept: list[Samples], now: float) -> TurnStatus:
        """H5: the end-of-turn model's verdict on the last seconds of the answer."""
        assert self.turn_end is not None
        window = round(TURN_END_WINDOW_SECONDS * SAMPLE_RATE)
        tail: list[Samples] = []
        size = 0
        for samples in reversed(kept):
            tail.append(samples)
            size += samples.size
            if size >= window:
                break
        audio = np.concatenate(tail[::-1])[-window:] if tail else np.zeros(0, np.float32)
        return self.endpointer.turn_end_verdict(self.turn_end.probability_finished(audio), now)

    def _apply_events(self, now: float) -> None:
        while True:
            try:
                event = self._events.get_nowait()
            except queue.Empty:
                return
            event(self.endpointer, now)
