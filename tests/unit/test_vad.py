"""Voice activity on a live stream, frames for the endpointer, and audio quality warnings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from faster_whisper.vad import get_vad_model

from interviewer.adapters.audio.files import FileAudioSource, read_audio
from interviewer.adapters.audio.vad import (
    FRAME_SAMPLES,
    FRAME_SECONDS,
    FrameAnalyzer,
    SileroVad,
    quality_warnings,
)
from interviewer.core.endpointing import EndpointConfig, Endpointer, EndReason, TurnMode
from interviewer.core.ports import SAMPLE_RATE, Samples

MIC_CHECK = Path(__file__).parents[2] / "interviewer" / "assets" / "mic-check.flac"


@pytest.fixture(scope="module")
def vad() -> SileroVad:
    return SileroVad()


@pytest.fixture(scope="module")
def speech() -> Samples:
    """One second of silence, the spoken mic-check clip, one second of silence."""
    clip = read_audio(MIC_CHECK)
    silence = np.zeros(SAMPLE_RATE, np.float32)
    audio = np.concatenate([silence, clip, silence])
    return audio[: audio.size // FRAME_SAMPLES * FRAME_SAMPLES]


@pytest.mark.parametrize("block", [160, 512, 700, 4096])
def test_streaming_matches_faster_whispers_whole_file_vad(
    vad: SileroVad, speech: Samples, block: int
) -> None:
    """Carrying the model state across blocks gives the same probabilities as running
    faster-whisper's VAD over the whole recording, however the stream is cut."""
    reference = get_vad_model()(speech).reshape(-1)
    vad.reset()
    streamed = np.concatenate(
        [vad.process(speech[i : i + block]) for i in range(0, speech.size, block)]
    )
    assert streamed.shape == reference.shape
    assert np.allclose(streamed, reference, atol=1e-4)


def test_speech_is_found_where_it_is(vad: SileroVad, speech: Samples) -> None:
    probabilities = vad.probabilities(speech)
    seconds = np.arange(probabilities.size) * FRAME_SECONDS
    clip_end = 1.0 + read_audio(MIC_CHECK).size / SAMPLE_RATE
    inside = probabilities[(seconds > 1.2) & (seconds < clip_end - 0.3)]
    assert np.mean(inside > 0.5) > 0.5
    assert np.all(probabilities[seconds < 0.8] < 0.5)
    assert np.all(probabilities[seconds > clip_end + 0.5] < 0.5)


def test_whole_recording_probabilities_leave_the_stream_alone(
    vad: SileroVad, speech: Samples
) -> None:
    vad.reset()
    first = vad.process(speech[:8192])
    vad.probabilities(np.ones(3000, np.float32) * 0.1)
    rest = vad.process(speech[8192:])
    vad.reset()
    assert np.allclose(np.concatenate([first, rest]), vad.process(speech), atol=1e-6)


def test_frame_analyzer_times_and_levels(vad: SileroVad) -> None:
    vad.reset()
    analyzer = FrameAnalyzer(vad)
    assert analyzer.feed(np.zeros(300, np.float32)) == []
    frames = analyzer.feed(np.full(1000, 0.1, np.float32))  # 1300 samples: 2 whole frames
    assert [f.time for f in frames] == pytest.approx([FRAME_SECONDS, 2 * FRAME_SECONDS])
    assert all(f.duration == pytest.approx(FRAME_SECONDS) for f in frames)
    assert frames[0].level_dbfs < frames[1].level_dbfs == pytest.approx(-20.0, abs=0.01)
    assert all(isinstance(f.speech, float) for f in frames)


def test_frame_analyzer_without_vad_leaves_speech_to_the_level() -> None:
    frames = FrameAnalyzer(None).feed(np.full(2048, 0.5, np.float32))
    assert len(frames) == 4
    assert {f.speech for f in frames} == {None}


def test_hands_free_turn_from_a_file_ends_after_the_silence(
    vad: SileroVad, speech: Samples
) -> None:
    """The capture path without hardware: file blocks -> VAD frames -> endpointer."""
    vad.reset()
    patience = 1.5
    source = FileAudioSource(speech, trailing_silence_seconds=4.0)
    analyzer = FrameAnalyzer(vad)
    endpointer = Endpointer(EndpointConfig(mode=TurnMode.HANDS_FREE, patience_seconds=patience))
    last_speech = 0.0
    for block in source.blocks():
        for frame in analyzer.feed(block.samples):
            status = endpointer.observe(frame)
            if status.speaking:
                last_speech = frame.time
        if endpointer.ended:
            source.stop()
    status = endpointer.status()
    assert status.reason is EndReason.SILENCE
    assert status.ended_at is not None
    assert status.ended_at == pytest.approx(last_speech + patience, abs=2 * FRAME_SECONDS)
    clip_end = 1.0 + read_audio(MIC_CHECK).size / SAMPLE_RATE
    assert clip_end - 0.5 < last_speech < clip_end + 0.5
    assert status.ended_at < source.duration - 1.0, "ended by silence, not by running out"


# --- quality warnings ------------------------------------------------------------------


def test_clean_speech_has_no_warnings(vad: SileroVad, speech: Samples) -> None:
    assert quality_warnings(speech, vad.probabilities(speech)) == []


@pytest.mark.parametrize("audio", [np.zeros(SAMPLE_RATE, np.float32), np.zeros(0, np.float32)])
def test_silence_only(audio: Samples) -> None:
    [warning] = quality_warnings(audio)
    assert warning.startswith("silence only")


def test_noise_without_speech(vad: SileroVad) -> None:
    noise = np.random.default_rng(1).normal(0, 0.05, 2 * SAMPLE_RATE).astype(np.float32)
    warnings = quality_warnings(noise, vad.probabilities(noise))
    assert any(w.startswith("no speech detected") for w in warnings)
    assert quality_warnings(noise) == [], "without the VAD, levels alone look fine"


def test_clipped_audio(speech: Samples) -> None:
    clipped = np.clip(speech * 30, -1.0, 1.0)
    [warning] = quality_warnings(clipped)
    assert warning.startswith("clipped: ")
    assert "lower the input gain" in warning


def test_very_quiet_audio(speech: Samples) -> None:
    [warning] = quality_warnings(speech * 0.01)
    assert warning.startswith("very quiet (peak -")
