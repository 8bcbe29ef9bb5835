"""Audio files and foreign sample rates into what Whisper takes: 16 kHz mono float32.

Kept beside the transcriber (not the capture code) because ``interviewer transcribe`` and
the STT benchmark need only this, not a microphone.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile

from interviewer.core.ports import SAMPLE_RATE, Samples
from interviewer.errors import InterviewerError


class UnreadableAudioError(InterviewerError):
    """An audio file that is missing, not audio, or in a format libsndfile cannot read."""


def resample(samples: Samples, rate: int, target: int = SAMPLE_RATE) -> Samples:
    """Mono float32 at ``target`` Hz. Downsampling low-passes first, so TTS at 22.05 kHz
    does not alias hiss into the band Whisper listens to."""
    samples = np.asarray(samples, dtype=np.float32).reshape(-1)
    if rate == target or samples.size == 0:
        return samples.astype(np.float32, copy=False)
    if rate > target:
        # Windowed-sinc low-pass at the new Nyquist frequency (63 taps is plenty for speech).
        cutoff = 0.5 * target / rate
        n = np.arange(63) - 31
        taps = 2 * cutoff * np.sinc(2 * cutoff * n) * np.hamming(63)
        samples = np.convolve(samples, taps / taps.sum(), mode="same").astype(np.float32)
    duration = samples.size / rate
    positions = np.arange(int(duration * target)) * (rate / target)
    resampled: Samples = np.interp(positions, np.arange(samples.size), samples).astype(np.float32)
    return resampled


def load_audio(path: Path) -> Samples:
    """Read any file libsndfile knows (WAV, FLAC, OGG, MP3...) as 16 kHz mono float32."""
    if not path.is_file():
        raise UnreadableAudioError(
            f"{path}: no such file", fix="check the path; give WAV, FLAC, OGG or MP3 files"
        )
    try:
        data, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError, OSError) as error:
        reason = getattr(error, "error_string", None) or str(error)
        raise UnreadableAudioError(
            f"{path}: not readable as audio ({reason})",
            fix="convert it, e.g. `ffmpeg -i INPUT -ar 16000 -ac 1 answer.wav` or "
            "`sox INPUT -r 16000 -c 1 answer.wav`, or type the answer into a .txt file",
        ) from None
    return resample(data.mean(axis=1), int(rate))
