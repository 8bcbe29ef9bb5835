"""Audio files in, 16 kHz mono float32 out; unreadable files give a clear error."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
import soundfile

from interviewer.adapters.audio.dsp import StreamResampler, peak_dbfs, resample, rms_dbfs, to_mono
from interviewer.adapters.audio.files import FileAudioSource, UnreadableAudioError, read_audio
from interviewer.core.ports import SAMPLE_RATE, AudioSource, Samples
from interviewer.errors import InterviewerError

MIC_CHECK = Path(__file__).parents[2] / "interviewer" / "assets" / "mic-check.flac"


def sine(frequency: float, rate: int, seconds: float, amplitude: float = 0.5) -> Samples:
    t = np.arange(round(rate * seconds)) / rate
    return (amplitude * np.sin(2 * np.pi * frequency * t)).astype(np.float32)


def dominant_frequency(samples: Samples, rate: int = SAMPLE_RATE) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(samples.size)))
    return float(np.fft.rfftfreq(samples.size, 1 / rate)[np.argmax(spectrum)])


@pytest.mark.parametrize(
    ("suffix", "rate", "subtype"),
    [
        (".wav", 16_000, "PCM_16"),
        (".wav", 48_000, "FLOAT"),
        (".flac", 44_100, "PCM_24"),
        (".ogg", 22_050, "VORBIS"),
    ],
)
def test_reads_common_formats_as_16k_mono(
    tmp_path: Path, suffix: str, rate: int, subtype: str
) -> None:
    """Stereo files at any rate come back as 16 kHz mono with the pitch unchanged."""
    left = sine(440.0, rate, 1.5)
    stereo = np.stack([left, left], axis=1)
    path = tmp_path / f"answer{suffix}"
    soundfile.write(str(path), stereo, rate, subtype=subtype)
    audio = read_audio(path)
    assert audio.dtype == np.float32
    assert audio.ndim == 1
    assert audio.size == pytest.approx(1.5 * SAMPLE_RATE, abs=2)
    assert dominant_frequency(audio) == pytest.approx(440.0, abs=2.0)
    assert peak_dbfs(audio) == pytest.approx(20 * np.log10(0.5), abs=0.5)


def test_reads_the_bundled_mic_check_clip() -> None:
    audio = read_audio(MIC_CHECK)
    assert audio.size / SAMPLE_RATE == pytest.approx(2.57, abs=0.01)
    assert rms_dbfs(audio) > -40


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(UnreadableAudioError) as caught:
        read_audio(tmp_path / "nope.wav")
    assert "no such file" in caught.value.message
    assert caught.value.fix


def test_non_audio_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "answer.wav"
    path.write_text("I would use a queue with at-least-once delivery.")
    with pytest.raises(UnreadableAudioError) as caught:
        read_audio(path)
    assert str(path) in caught.value.message
    assert "not readable as audio" in caught.value.message
    assert caught.value.fix is not None and "ffmpeg" in caught.value.fix
    assert isinstance(caught.value, InterviewerError)


def test_empty_audio_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.wav"
    soundfile.write(str(path), np.zeros(0, np.float32), SAMPLE_RATE)
    with pytest.raises(UnreadableAudioError, match="no audio"):
        read_audio(path)


# --- FileAudioSource -------------------------------------------------------------------


def test_file_source_is_an_audio_source() -> None:
    assert isinstance(FileAudioSource(np.zeros(10, np.float32)), AudioSource)


def test_file_source_yields_the_file_in_timed_blocks(tmp_path: Path) -> None:
    path = tmp_path / "answer.flac"
    soundfile.write(str(path), sine(300.0, 44_100, 1.0), 44_100)
    source = FileAudioSource(path, block_seconds=0.032, trailing_silence_seconds=0.5)
    blocks = list(source.blocks())
    joined = np.concatenate([b.samples for b in blocks])
    assert np.array_equal(joined[: round(1.0 * SAMPLE_RATE)], read_audio(path))
    assert joined.size == round(1.5 * SAMPLE_RATE)
    assert not np.any(joined[-round(0.5 * SAMPLE_RATE) :]), "trailing silence is silent"
    assert {b.samples.size for b in blocks[:-1]} == {512}
    starts = [b.started_at for b in blocks]
    assert starts == sorted(starts)
    assert starts[1] == pytest.approx(0.032)
    assert source.duration == pytest.approx(1.5)


def test_file_source_stops_when_asked() -> None:
    source = FileAudioSource(np.zeros(SAMPLE_RATE * 60, np.float32), realtime=True)
    seen = []
    for block in source.blocks():
        seen.append(block)
        if len(seen) == 3:
            threading.Thread(target=source.stop).start()
    assert 3 <= len(seen) < 60 * SAMPLE_RATE / 512


def test_file_source_reports_unreadable_files_up_front(tmp_path: Path) -> None:
    path = tmp_path / "broken.ogg"
    path.write_bytes(b"OggS" + b"\x00" * 20)
    with pytest.raises(UnreadableAudioError):
        FileAudioSource(path)


# --- resampling and levels -------------------------------------------------------------


@pytest.mark.parametrize("rate", [8_000, 22_050, 44_100, 48_000])
def test_streamed_resampling_does_not_depend_on_block_size(rate: int) -> None:
    signal = sine(523.0, rate, 1.0)
    outputs = []
    for block in (97, 1024, signal.size):
        resampler = StreamResampler(rate)
        outputs.append(
            np.concatenate(
                [resampler.process(signal[i : i + block]) for i in range(0, signal.size, block)]
            )
        )
    shortest = min(o.size for o in outputs)
    for output in outputs[1:]:
        assert np.allclose(output[:shortest], outputs[0][:shortest], atol=1e-5)


@pytest.mark.parametrize("rate", [22_050, 44_100, 48_000])
def test_resampling_keeps_speech_band_tones_in_time(rate: int) -> None:
    audio = resample(sine(1000.0, rate, 1.0), rate)
    expected = sine(1000.0, SAMPLE_RATE, 1.0)
    assert audio.size == expected.size
    assert np.max(np.abs(audio[64:-64] - expected[64:-64])) < 0.01


def test_downsampling_filters_out_what_16k_cannot_hold() -> None:
    """A 12 kHz tone in 48 kHz audio must not alias into the speech band as 4 kHz."""
    audio = resample(sine(12_000.0, 48_000, 1.0), 48_000)
    assert rms_dbfs(audio[64:-64]) < rms_dbfs(sine(12_000.0, 48_000, 1.0)) - 30


def test_levels_and_mono() -> None:
    assert rms_dbfs(np.ones(100, np.float32)) == pytest.approx(0.0)
    assert rms_dbfs(np.full(100, 0.1, np.float32)) == pytest.approx(-20.0)
    assert rms_dbfs(np.zeros(100, np.float32)) == -120.0
    assert rms_dbfs(np.zeros(0, np.float32)) == -120.0
    stereo = np.array([[1.0, 0.0], [0.5, 0.5]], np.float32)
    assert list(to_mono(stereo)) == [0.5, 0.5]
