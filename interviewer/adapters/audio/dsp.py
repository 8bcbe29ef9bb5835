"""Small signal helpers: levels, down-mixing and resampling to 16 kHz.

Plain numpy on purpose (no scipy dependency). Resampling is a windowed-sinc low-pass
(when the rate goes down, so 44.1/48 kHz microphone hiss does not alias into the speech
band) followed by linear interpolation. That is far below studio quality and far above
what Whisper and the VAD need. The streaming form carries its filter history and
fractional read position across blocks, so the output does not depend on how the input
was cut into blocks.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from interviewer.core.ports import SAMPLE_RATE, Samples

SILENCE_DBFS = -120.0
"""The level reported for digital silence (log of zero)."""

_TAPS = 63


def rms_dbfs(samples: NDArray[np.floating]) -> float:
    """RMS level in dB relative to full scale; ``SILENCE_DBFS`` for silence or no samples."""
    if samples.size == 0:
        return SILENCE_DBFS
    rms = math.sqrt(float(np.mean(np.square(samples, dtype=np.float64))))
    return max(SILENCE_DBFS, 20 * math.log10(rms)) if rms > 0 else SILENCE_DBFS


def peak_dbfs(samples: NDArray[np.floating]) -> float:
    if samples.size == 0:
        return SILENCE_DBFS
    peak = float(np.max(np.abs(samples)))
    return max(SILENCE_DBFS, 20 * math.log10(peak)) if peak > 0 else SILENCE_DBFS


def to_mono(block: NDArray[np.floating]) -> Samples:
    """Average the channels of a (frames, channels) block into float32 mono."""
    data = np.asarray(block, dtype=np.float32)
    if data.ndim == 2:
        data = data.mean(axis=1, dtype=np.float32) if data.shape[1] > 1 else data[:, 0]
    return np.ascontiguousarray(data.reshape(-1), dtype=np.float32)


def _lowpass_taps(rate_in: int, rate_out: int) -> NDArray[np.float64]:
    cutoff = 0.5 * rate_out / rate_in  # the new Nyquist frequency, in cycles per input sample
    n = np.arange(_TAPS) - (_TAPS - 1) / 2
    taps = 2 * cutoff * np.sinc(2 * cutoff * n) * np.hamming(_TAPS)
    normalized: NDArray[np.float64] = taps / taps.sum()
    return normalized


class StreamResampler:
    """Resample a stream block by block to ``rate_out`` (mono float32 in and out)."""

    def __init__(self, rate_in: int, rate_out: int = SAMPLE_RATE) -> None:
        if rate_in <= 0 or rate_out <= 0:
            raise ValueError("sample rates must be positive")
        self.rate_in = rate_in
        self.rate_out = rate_out
        self._step = rate_in / rate_out
        self._taps = _lowpass_taps(rate_in, rate_out) if rate_in > rate_out else None
        # The filter's history starts as silence. Its output lags the input by
        # (_TAPS - 1) / 2 samples; starting the read position there cancels the lag, so
        # output sample k is input time k / rate_out exactly.
        self._history = np.zeros(_TAPS - 1 if self._taps is not None else 0, dtype=np.float64)
        self._pending = np.zeros(0, dtype=np.float64)
        self._position = (_TAPS - 1) / 2 if self._taps is not None else 0.0

    @property
    def passthrough(self) -> bool:
        return self.rate_in == self.rate_out

    def process(self, block: NDArray[np.floating]) -> Samples:
        data = np.asarray(block, dtype=np.float64).reshape(-1)
        if self.passthrough:
            return data.astype(np.float32)
        if self._taps is not None:
            extended = np.concatenate([self._history, data])
            self._history = extended[-(_TAPS - 1) :]
            data = np.convolve(extended, self._taps, mode="valid")
        pending = np.concatenate([self._pending, data])
        if pending.size < 2:
            self._pending = pending
            return np.zeros(0, dtype=np.float32)
        last = pending.size - 1
        count = max(0, math.floor((last - self._position) / self._step) + 1)
        positions = self._position + self._step * np.arange(count)
        out: Samples = np.interp(positions, np.arange(pending.size), pending).astype(np.float32)
        next_position = self._position + self._step * count
        consumed = min(int(next_position), last)
        self._pending = pending[consumed:]
        self._position = next_position - consumed
        return out


def resample(samples: NDArray[np.floating], rate: int, target: int = SAMPLE_RATE) -> Samples:
    """Resample a whole mono signal to ``target`` Hz."""
    data = np.asarray(samples, dtype=np.float32).reshape(-1)
    if rate == target or data.size == 0:
        return data
    resampler = StreamResampler(rate, target)
    head = resampler.process(data)
    # Push the filter's delay line out so the last input samples reach the output.
    tail = resampler.process(np.zeros(_TAPS, dtype=np.float32))
    wanted = math.ceil(data.size * target / rate)
    return np.ascontiguousarray(np.concatenate([head, tail])[:wanted], dtype=np.float32)
