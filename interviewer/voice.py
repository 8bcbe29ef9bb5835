"""One spoken candidate turn: microphone → turn file on disk → live transcript → final text.

Front-end neutral glue over the audio and speech adapters. The app (and the latency
benchmark) make a ``VoiceTurn`` per answer and call ``run()`` in a worker thread; keys
(``toggle_talk``, ``extend``, ``end_turn``) come from the UI thread and are queued by
``TurnCapture``. Streaming transcription runs inside the capture loop, on the blocks
that belong to the answer, so when the turn ends only the last second or so is left to
decode (``StreamingTranscriber``). The turn's audio is on disk before anything decodes
it: a crash mid-answer keeps what was said.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from interviewer.adapters.audio.capture import TurnCapture
from interviewer.adapters.audio.dsp import rms_dbfs
from interviewer.adapters.audio.vad import SileroVad
from interviewer.adapters.llm.openai_chat import CpuGate
from interviewer.adapters.stt.streaming import Partial, SegmentRecognizer, StreamingTranscriber
from interviewer.adapters.stt.whisper import RecognizedSegment
from interviewer.core.endpointing import (
    EndpointConfig,
    Endpointer,
    EndReason,
    TurnMode,
    TurnStatus,
)
from interviewer.core.ports import SAMPLE_RATE, AudioBlock, AudioSource, Samples, TurnEndDetector
from interviewer.live import SpokenTurn

LevelFn = Callable[[float], None]
"""Called with the input level (dBFS) of each block, for the meter."""
PartialFn = Callable[[str], None]
"""Called with the live transcript whenever it changes."""
BACKLOG_SECONDS = 0.25
"""Captured audio this far behind real time is a backlog: batched, not decoded per block."""
StatusFn = Callable[[TurnStatus], None]
"""Called after each block with the endpointer's view (listening, pause, allowance)."""
PauseFn = Callable[[str, float], None]
"""Called with (the turn's text so far, seconds of audio) when the candidate pauses."""
PREPARE_AFTER_PAUSE = {TurnMode.HANDS_FREE: 0.6, TurnMode.PUSH_TO_TALK: 1.5}
"""A pause this long after speech may be the end of the turn (``on_pause``, which
``LiveRound.prepare_reply`` uses to generate the reply during the silence). Hands-free,
the persona's patience (3 s and more) follows, so 0.6 s passes most gaps between
sentences and leaves time to generate. With push-to-talk the candidate usually presses
the key right after the last word, and a reply prepared at a thinking pause that goes on
is wasted: its prefill cannot be interrupted and holds up the real request if the turn
ends soon after (seen: 7.6 s to the first token). So only a long pause counts there; the
app prepares push-to-talk replies while the candidate speaks instead (``on_progress``)."""


@dataclass(frozen=True)
class VoiceTurnResult:
    """A finished spoken turn and how it went."""

    turn: SpokenTurn
    reason: EndReason | None
    warnings: list[str] = field(default_factory=list)
    """Quality warnings for the candidate (silence only, clipped, very quiet)."""
    finish_seconds: float = 0.0
    """Wall time from the end of capture to the final transcript (latency budget)."""
    partial_updates: int = 0


class VoiceTurn:
    """Captures and transcribes one answer. ``run()`` in a worker; keys from any thread."""

    def __init__(
        self,
        source: AudioSource,
        recognizer: SegmentRecognizer,
        path: Path,
        endpoint: EndpointConfig,
        *,
        vad: SileroVad | None,
        turn_end: TurnEndDetector | None = None,
        on_level: LevelFn | None = None,
        on_partial: PartialFn | None = None,
        on_status: StatusFn | None = None,
        on_speech: Callable[[], None] | None = None,
        on_pause: PauseFn | None = None,
        on_resume: Callable[[], None] | None = None,
        on_progress: PauseFn | None = None,
        decode_gate: CpuGate | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = path
        self.on_level = on_level
        self.on_partial = on_partial
        self.on_status = on_status
        self.on_speech = on_speech
        """Called once, when the candidate is first heard speaking (barge-in)."""
        self.on_pause = on_pause
        """Called once per pause (``PREPARE_AFTER_PAUSE`` after speech) with the text
        the turn would have if it ended now (and only when that text is settled)."""
        self.on_resume = on_resume
        """Called when the candidate speaks again after ``on_pause``."""
        self.on_progress = on_progress
        """Called with (committed text, seconds of audio) whenever the committed part of
        the live transcript grows: words that will be in the final transcript as they are.
        With push-to-talk the key usually comes right after the last word, so there is no
        pause to prepare the reply in: ``LiveRound.prepare_ahead`` prepares it from these."""
        self._progress_text = ""
        self._paused_with: str | None = None
        self._prepare_after = PREPARE_AFTER_PAUSE[endpoint.mode]
        self._heard = False
        self._partials = 0
        self.clock = clock
        self._first_block_at: float | None = None
        self._fed_seconds = 0.0
        if decode_gate is not None:
            recognizer = _GatedRecognizer(recognizer, decode_gate)
        self.streaming = StreamingTranscriber(recognizer, on_partial=self._partial_changed)
        self.capture = TurnCapture(
            source,
            Endpointer(endpoint),
            path,
            vad=vad,
            turn_end=turn_end,
            on_block=self._on_block,
        )

    # --- thread-safe controls (forwarded to the capture loop) ---------------------------

    def toggle_talk(self) -> None:
        self.capture.toggle_talk()

    def extend(self) -> None:
        self.capture.extend()

    def end_turn(self) -> None:
        self.capture.end_turn()

    # --- the turn -----------------------------------------------------------------------

    def run(self) -> VoiceTurnResult:
        captured = self.capture.run()
        finished_capture = time.monotonic()
        transcript = self.streaming.finish()
        finish_seconds = time.monotonic() - finished_capture
        warnings = list(captured.warnings)
        if not transcript.text and not warnings:
            warnings.append("no words were recognised in this answer")
        turn = SpokenTurn(
            text=transcript.text,
            words=transcript.words,
            duration=round(captured.audio.size / SAMPLE_RATE, 3),
            audio_file=captured.path.name,
        )
        return VoiceTurnResult(
            turn=turn,
            reason=captured.status.reason,
            warnings=warnings,
            finish_seconds=finish_seconds,
            partial_updates=self._partials,
        )

    def _on_block(self, block: AudioBlock, status: TurnStatus) -> None:
        if self.on_level is not None:
            self.on_level(rms_dbfs(block.samples))
        if status.capturing:
            self._stream(block)
        if status.speaking and not self._heard:
            self._heard = True
            if self.on_speech is not None:
                self.on_speech()
        self._watch_pause(status)
        if self.on_status is not None:
            self.on_status(status)

    def _watch_pause(self, status: TurnStatus) -> None:
        if status.speaking:
            if self._paused_with is not None:
                self._paused_with = None  # the next pause reports again
                if self.on_resume is not None:
                    self.on_resume()
            return
        if (
            self.on_pause is None
            or self._paused_with is not None
            or not status.capturing
            or status.pause_seconds < self._prepare_after
        ):
            return
        text = self.streaming.settled_text()
        if text:  # None: speech not decoded yet (the next block asks again)
            self._paused_with = text
            self.on_pause(text, self.streaming.audio_seconds)

    def _stream(self, block: AudioBlock) -> None:
        """Feed the live transcriber, batching a backlog.

        A decode blocks this loop; the microphone keeps queueing blocks meanwhile. Fed
        one by one, that backlog would trigger a decode every second of *audio* while
        each decode costs about a second of *wall time* on a busy 2-core machine, so
        the transcript would fall further behind. While the loop is behind real time,
        blocks are only appended, and the next decode covers all of them at once.
        """
        now = self.clock()
        if self._first_block_at is None:
            self._first_block_at = now - block.samples.size / SAMPLE_RATE
        self._fed_seconds += block.samples.size / SAMPLE_RATE
        behind = (now - self._first_block_at) - self._fed_seconds
        if behind > BACKLOG_SECONDS:
            self.streaming.append(block.samples)
        else:
            self.streaming.feed(block.samples)

    def _partial_changed(self, partial: Partial) -> None:
        self._partials += 1
        self.capture.partial_transcript(partial.text)
        if self.on_partial is not None:
            self.on_partial(partial.text)
        if self.on_progress is not None and len(partial.committed) > len(self._progress_text):
            self._progress_text = partial.committed
            self.on_progress(partial.committed, partial.audio_seconds)


class _GatedRecognizer:
    """Holds ``gate`` during every decode: background LLM work on the same cores waits
    (``LiveRound.cpu_gate``), so the live transcript keeps its pace and the final one
    comes as fast as with the machine to itself."""

    def __init__(self, inner: SegmentRecognizer, gate: CpuGate) -> None:
        self.inner = inner
        self.gate = gate

    @property
    def default_prompt(self) -> str | None:
        return self.inner.default_prompt

    def recognize(
        self, audio: Samples, *, prompt: str | None = None, fallback: bool = True
    ) -> list[RecognizedSegment]:
        with self.gate():
            return self.inner.recognize(audio, prompt=prompt, fallback=fallback)
