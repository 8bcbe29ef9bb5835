"""A decode that loops on a phrase is decoded again over the whole window, and a loop
that remains loses its repeats (Whisper itself is replaced by a scripted stand-in)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from interviewer.adapters.stt import whisper
from interviewer.core.ports import SAMPLE_RATE
from tests.fakes import whisper_segment

SAID = "We shard the keys and watch the latency of every shard."
LOOPED = SAID + " And they can see of every shard. And they can see of every shard. And they"


_segment = whisper_segment


@dataclass
class ScriptedModel:
    """Loops while the encoder window is short; ``looping_with_full_window`` too."""

    looping_with_full_window: bool = False
    one_pass: bool = False
    window_frames: int | None = None

    def __post_init__(self) -> None:
        self.windows_seen: list[int | None] = []

    def __call__(self, *args: Any, **kwargs: Any) -> ScriptedModel:
        return self

    def transcribe(self, audio: Any, **options: Any) -> tuple[list[Any], Any]:
        self.windows_seen.append(self.window_frames)
        loops = self.window_frames is not None or self.looping_with_full_window
        info = SimpleNamespace(duration=audio.size / SAMPLE_RATE)
        return [_segment(LOOPED if loops else SAID, 0.5)], info


def _transcriber(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, model: ScriptedModel) -> Any:
    (tmp_path / "model.bin").write_bytes(b"")
    monkeypatch.setattr(whisper, "_OnePassWhisperModel", model)
    return whisper.WhisperTranscriber(tmp_path)


AUDIO = np.full(6 * SAMPLE_RATE, 0.1, dtype=np.float32)


def test_a_streaming_decode_that_loops_is_decoded_again_with_the_whole_window(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = ScriptedModel()
    transcriber = _transcriber(tmp_path, monkeypatch, model)
    segments = transcriber.recognize(AUDIO, fallback=False)
    assert model.windows_seen == [whisper._window_frames(AUDIO.size), None]
    assert transcriber.loop_redecodes == 1
    assert " ".join(s.text for s in segments) == SAID


def test_a_loop_that_stays_loses_its_repeats_but_keeps_the_first_saying(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = ScriptedModel(looping_with_full_window=True)
    transcriber = _transcriber(tmp_path, monkeypatch, model)
    segments = transcriber.recognize(AUDIO, fallback=False)
    text = " ".join(s.text for s in segments)
    assert text == SAID + " And they can see"
    words = [w for s in segments for w in s.words]
    assert [w.word for w in words] == text.split()
    assert segments[0].end == words[-1].end


def test_a_batch_decode_is_not_repeated_but_still_loses_a_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = ScriptedModel(looping_with_full_window=True)
    transcriber = _transcriber(tmp_path, monkeypatch, model)
    transcript = transcriber.transcribe(AUDIO)
    assert model.windows_seen == [None]
    assert transcriber.loop_redecodes == 0
    assert transcript.text == SAID + " And they can see"
