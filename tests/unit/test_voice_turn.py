"""``VoiceTurn`` on a slow machine: the live transcript must not fall further and further
behind the microphone. A fake clock makes "slow" exact: each decode costs 1.5 s of wall
time, audio arrives in real time, and blocks that queued up during a decode are batched
into the next one instead of triggering a decode each second of audio."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from interviewer.adapters.stt.whisper import RecognizedSegment
from interviewer.core.endpointing import EndpointConfig, TurnMode
from interviewer.core.ports import SAMPLE_RATE, AudioBlock, Samples
from interviewer.voice import VoiceTurn

BLOCK = 512
DECODE_SECONDS = 1.5


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class RealTimeSource:
    """Blocks are 'captured' at real-time pace on the fake clock: a block is available
    once the clock has passed its end; a consumer that was busy finds a backlog."""

    def __init__(self, audio: Samples, clock: Clock) -> None:
        self.audio = audio
        self.clock = clock

    def blocks(self) -> Iterator[AudioBlock]:
        for offset in range(0, self.audio.size, BLOCK):
            end = (offset + BLOCK) / SAMPLE_RATE
            self.clock.now = max(self.clock.now, end)  # wait for it if we are early
            yield AudioBlock(self.audio[offset : offset + BLOCK], offset / SAMPLE_RATE)

    def stop(self) -> None:
        pass


class SlowRecognizer:
    default_prompt: str | None = None

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.decoded_seconds: list[float] = []

    def recognize(
        self, audio: Samples, *, prompt: str | None = None, fallback: bool = True
    ) -> list[RecognizedSegment]:
        self.clock.now += DECODE_SECONDS
        self.decoded_seconds.append(audio.size / SAMPLE_RATE)
        return []


def test_a_backlog_is_decoded_in_one_go_so_the_transcript_keeps_up(tmp_path: Path) -> None:
    clock = Clock()
    rng = np.random.default_rng(0)
    speech_like = (0.2 * rng.standard_normal(12 * SAMPLE_RATE)).astype(np.float32)
    recognizer = SlowRecognizer(clock)
    turn = VoiceTurn(
        RealTimeSource(speech_like, clock),
        recognizer,
        tmp_path / "turn-01.wav",
        EndpointConfig(mode=TurnMode.HANDS_FREE, patience_seconds=30),
        vad=None,
        clock=clock,
    )
    result = turn.run()
    assert result.turn.audio_file == "turn-01.wav"
    live_decodes = recognizer.decoded_seconds[:-1]  # the last one is finish()
    # One decode per second of audio would be 12 decodes, each 1.5 s: 18 s of work for
    # 12 s of audio, ending 6 s behind. Batched, each decode takes in everything queued.
    assert len(live_decodes) <= 8, live_decodes
    lag_at_end = clock.now - DECODE_SECONDS - 12.0
    assert lag_at_end <= DECODE_SECONDS + 0.1, lag_at_end
