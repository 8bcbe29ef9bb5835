"""A whole turn through the capture loop, fed from audio files (no hardware needed)."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
import soundfile

from interviewer.adapters.audio.capture import TurnCapture
from interviewer.adapters.audio.files import FileAudioSource, read_audio
from interviewer.adapters.audio.vad import SileroVad
from interviewer.core.endpointing import EndpointConfig, Endpointer, EndReason, TurnMode
from interviewer.core.ports import SAMPLE_RATE, AudioBlock, Samples

MIC_CHECK = Path(__file__).parents[2] / "interviewer" / "assets" / "mic-check.flac"


@pytest.fixture(scope="module")
def vad() -> SileroVad:
    return SileroVad()


@pytest.fixture(scope="module")
def answer() -> Samples:
    silence = np.zeros(SAMPLE_RATE, np.float32)
    return np.concatenate([silence, read_audio(MIC_CHECK)])


def test_hands_free_turn_is_saved_and_ends_on_silence(
    tmp_path: Path, vad: SileroVad, answer: Samples
) -> None:
    path = tmp_path / "turn-01.wav"
    endpointer = Endpointer(EndpointConfig(mode=TurnMode.HANDS_FREE, patience_seconds=1.0))
    source = FileAudioSource(answer, trailing_silence_seconds=5.0)
    capture = TurnCapture(source, endpointer, path, vad=vad)
    turn = capture.run()
    assert turn.status.reason is EndReason.SILENCE
    assert turn.status.ended_at is not None
    assert turn.status.ended_at < answer.size / SAMPLE_RATE + 2.0
    saved, rate = soundfile.read(str(path), dtype="float32")
    assert rate == SAMPLE_RATE
    assert saved.size == turn.audio.size
    assert turn.audio.size / SAMPLE_RATE == pytest.approx(turn.status.ended_at, abs=0.05)
    assert np.allclose(saved, source.samples[: saved.size], atol=1 / 16384)
    assert turn.warnings == []


def test_push_to_talk_keeps_only_the_audio_while_the_key_is_on(
    tmp_path: Path, vad: SileroVad, answer: Samples
) -> None:
    """Talk toggled on at 0.5 s and off at 3.0 s: the file holds those 2.5 seconds."""
    endpointer = Endpointer(EndpointConfig(mode=TurnMode.PUSH_TO_TALK))
    source = FileAudioSource(answer, trailing_silence_seconds=5.0)
    toggled: list[float] = []

    def on_block(block: AudioBlock, _status: object) -> None:
        end = block.started_at + block.samples.size / SAMPLE_RATE
        if (not toggled and end >= 0.5) or (len(toggled) == 1 and end >= 3.0):
            toggled.append(end)
            capture.toggle_talk()

    capture = TurnCapture(source, endpointer, tmp_path / "turn.wav", vad=vad, on_block=on_block)
    turn = capture.run()
    assert turn.status.reason is EndReason.TALK_KEY
    assert turn.status.ended_at == pytest.approx(toggled[1])
    start = round(toggled[0] * SAMPLE_RATE)
    expected = answer[start : start + turn.audio.size]
    assert turn.audio.size / SAMPLE_RATE == pytest.approx(toggled[1] - toggled[0], abs=1e-6)
    assert np.array_equal(turn.audio, expected)


def test_keys_from_another_thread_end_the_turn(tmp_path: Path, answer: Samples) -> None:
    """A done key pressed on the UI thread ends a live-paced turn."""
    endpointer = Endpointer(EndpointConfig(mode=TurnMode.HANDS_FREE, patience_seconds=30.0))
    source = FileAudioSource(answer, realtime=True, trailing_silence_seconds=60.0)
    started = threading.Event()
    capture = TurnCapture(
        source, endpointer, tmp_path / "turn.wav", vad=None, on_block=lambda *_: started.set()
    )
    presser = threading.Thread(target=lambda: started.wait(10) and capture.end_turn())
    presser.start()
    turn = capture.run()
    presser.join()
    assert turn.status.reason is EndReason.DONE_KEY
    assert turn.audio.size < answer.size + 60 * SAMPLE_RATE


def test_a_file_that_runs_out_ends_the_turn_and_warns_about_silence(
    tmp_path: Path, vad: SileroVad
) -> None:
    endpointer = Endpointer(EndpointConfig(mode=TurnMode.HANDS_FREE))
    source = FileAudioSource(np.zeros(SAMPLE_RATE, np.float32))
    turn = TurnCapture(source, endpointer, tmp_path / "turn.wav", vad=vad).run()
    assert turn.status.reason is EndReason.SOURCE_ENDED
    assert turn.status.ended_at == pytest.approx(1.0)
    assert len(turn.warnings) == 1 and turn.warnings[0].startswith("silence only")
    assert soundfile.info(str(tmp_path / "turn.wav")).frames == SAMPLE_RATE


def test_partial_transcript_reaches_the_endpointer(tmp_path: Path, answer: Samples) -> None:
    endpointer = Endpointer(EndpointConfig(mode=TurnMode.HANDS_FREE))
    capture = TurnCapture(FileAudioSource(answer), endpointer, tmp_path / "t.wav", vad=None)
    capture.partial_transcript("so the queue is sharded and")
    capture.run()
    assert endpointer.status().hesitating
