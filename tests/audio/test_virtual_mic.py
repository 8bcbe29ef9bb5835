"""The real capture path: PortAudio recording from the PulseAudio virtual microphone.

Speech written into the FIFO must come back through ``MicrophoneSource`` (into the
crash-safe turn file), and hands-free endpointing on the live stream must end the turn
after the silence that follows it.
"""

from __future__ import annotations

import stat
from pathlib import Path

import numpy as np
import pytest
import soundfile

from interviewer.adapters.audio.dsp import rms_dbfs
from interviewer.adapters.audio.files import read_audio
from interviewer.core.ports import SAMPLE_RATE, Samples
from tests.audio.conftest import VirtualMic

pytestmark = pytest.mark.audio

MIC_CHECK = Path(__file__).parents[2] / "interviewer" / "assets" / "mic-check.flac"
LEAD_IN_SECONDS = 1.0
PATIENCE_SECONDS = 1.2


def best_alignment(recording: Samples, clip: Samples) -> tuple[int, float]:
    """Offset of ``clip`` in ``recording`` and the normalized correlation there."""
    size = recording.size + clip.size
    spectrum = np.fft.rfft(recording, size) * np.conj(np.fft.rfft(clip, size))
    correlation = np.fft.irfft(spectrum, size)[: recording.size - clip.size + 1]
    offset = int(np.argmax(correlation))
    segment = recording[offset : offset + clip.size]
    norm = float(np.linalg.norm(segment) * np.linalg.norm(clip))
    return offset, float(np.dot(segment, clip)) / norm if norm else 0.0


@pytest.fixture(scope="module")
def clip() -> Samples:
    return read_audio(MIC_CHECK)


@pytest.fixture(scope="module")
def live_turn(
    virtual_mic: VirtualMic, clip: Samples, tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, object], Path]:
    """One hands-free turn (``TurnCapture`` on ``MicrophoneSource``): a second of silence,
    the spoken clip, then silence until the endpointer ends the turn (or 20 s pass)."""
    out = tmp_path_factory.mktemp("turn")
    audio = np.concatenate([np.zeros(round(LEAD_IN_SECONDS * SAMPLE_RATE), np.float32), clip])
    result, _ = virtual_mic.record_while_feeding(audio, str(out), str(PATIENCE_SECONDS), "20")
    return result, out / "turn.wav"


def test_lists_the_pulseaudio_inputs(virtual_mic: VirtualMic) -> None:
    devices = virtual_mic.run_child("list")
    assert isinstance(devices, list)
    names = {device["name"] for device in devices}
    assert {"pulse", "default"} <= names
    assert any(device["is_default"] for device in devices)


def test_unknown_device_is_refused_with_the_real_inputs_listed(virtual_mic: VirtualMic) -> None:
    result = virtual_mic.run_child("bad-device", "Blue Yeti")
    assert isinstance(result, dict)
    assert "'Blue Yeti' matches no input device" in result["error"]
    assert "pulse" in result["error"]
    assert "type the answer" in result["fix"]


def test_a_microphone_that_delivers_nothing_is_reported(virtual_mic: VirtualMic) -> None:
    """With nothing written to the FIFO the source is silent-dead, not just quiet."""
    result = virtual_mic.run_child("stall")
    assert isinstance(result, dict)
    assert result["error"] is not None and "sent no audio" in result["error"]
    assert "type the answer" in result["fix"]


def test_captured_audio_holds_the_spoken_clip(
    live_turn: tuple[dict[str, object], Path], clip: Samples
) -> None:
    result, turn_file = live_turn
    recording, rate = soundfile.read(str(turn_file), dtype="float32")
    assert rate == SAMPLE_RATE
    assert recording.size == result["captured_samples"]
    assert result["dropped_blocks"] == 0
    assert result["warnings"] == []
    offset, correlation = best_alignment(recording, clip)
    assert correlation > 0.95, "the clip came through the virtual mic intact"
    speech = recording[offset : offset + clip.size]
    before = recording[: max(0, offset - SAMPLE_RATE // 4)]
    assert rms_dbfs(speech) > -40
    assert before.size > 0, "recording started during the lead-in silence"
    assert rms_dbfs(before) < rms_dbfs(speech) - 40
    assert stat.S_IMODE(turn_file.stat().st_mode) == 0o600


def test_level_feed_follows_the_speech(live_turn: tuple[dict[str, object], Path]) -> None:
    result, _ = live_turn
    assert isinstance(result["max_level"], float) and isinstance(result["min_level"], float)
    assert result["max_level"] > -40
    assert result["min_level"] < -90


def test_hands_free_turn_ends_after_the_silence(
    live_turn: tuple[dict[str, object], Path], clip: Samples
) -> None:
    """The turn ends by silence: after the last speech plus the patience, on the
    captured audio's own timeline (no wall-clock timing)."""
    result, turn_file = live_turn
    assert result["reason"] == "silence"
    recording, _ = soundfile.read(str(turn_file), dtype="float32")
    offset, _ = best_alignment(recording, clip)
    clip_end = (offset + clip.size) / SAMPLE_RATE
    ended_at = result["ended_at"]
    last_speech = result["last_speech"]
    first_speech = result["first_speech"]
    assert isinstance(ended_at, float) and isinstance(last_speech, float)
    assert isinstance(first_speech, float)
    assert offset / SAMPLE_RATE - 0.2 < first_speech < clip_end
    assert clip_end - 1.0 < last_speech < clip_end + 0.5
    assert ended_at == pytest.approx(last_speech + PATIENCE_SECONDS, abs=0.1)
    assert recording.size / SAMPLE_RATE < 20, "ended by silence, not by the time limit"
