"""Playing a recorded turn back for review: start anywhere, pause, seek, know where we are.

Review must stay responsive while audio plays and must highlight the word being heard, so
playback is non-blocking: ``SoundDevicePlayer`` feeds a PortAudio ``OutputStream`` from
its callback thread and exposes ``position`` (seconds into the audio) for a UI timer to
poll. The screens depend only on the ``AudioPlayer`` protocol, so tests drive them with a
fake that moves ``position`` by hand.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from interviewer.core.ports import Samples
from interviewer.errors import BackendUnavailable

__all__ = ["AudioPlayer", "SoundDevicePlayer"]

PORTAUDIO_FIX = (
    "install PortAudio (`sudo apt-get install libportaudio2`) and check that an output "
    "device exists (`python -m sounddevice`); the transcript and scores work without it"
)


@runtime_checkable
class AudioPlayer(Protocol):
    """Plays one piece of audio at a time, without blocking the caller."""

    def play(self, audio: Samples | Path, start_seconds: float = 0.0) -> None:
        """Start ``audio`` (16 kHz samples, or a WAV/FLAC file) at ``start_seconds``,
        replacing whatever was playing."""
        ...

    def pause(self) -> None:
        """Stop the sound but keep ``position``, so ``play(audio, position)`` resumes."""
        ...

    def stop(self) -> None:
        """Stop and release the output device."""
        ...

    @property
    def position(self) -> float:
        """Seconds from the start of the audio to what is being heard now."""
        ...

    @property
    def playing(self) -> bool:
        """True while sound is coming out (False once the audio has run out)."""
        ...


class SoundDevicePlayer:
    """The default output device through sounddevice (PortAudio), non-blocking.

    Raises ``BackendUnavailable`` (never a bare OSError) when PortAudio or an output
    device is missing, so the review screen can say so and keep working.
    """

    def __init__(self, device: str | int | None = None, *, sample_rate: int = 16_000) -> None:
        try:
            import sounddevice
        except OSError as error:  # the Python package is there, libportaudio is not
            raise BackendUnavailable(
                f"cannot play audio: PortAudio is not installed ({error})", fix=PORTAUDIO_FIX
            ) from None
        self._sd: Any = sounddevice
        self.device = device
        self.sample_rate = sample_rate
        self._lock = threading.Lock()
        self._samples: Samples = np.zeros(0, np.float32)
        self._frame = 0
        self._stream: Any = None
        self._playing = False

    def play(self, audio: Samples | Path, start_seconds: float = 0.0) -> None:
        samples, rate = self._load(audio)
        self.stop()
        with self._lock:
            self._samples = samples
            self.sample_rate = rate
            self._frame = min(samples.size, max(0, round(start_seconds * rate)))
        try:
            stream = self._sd.OutputStream(
                samplerate=rate,
                channels=1,
                dtype="float32",
                device=self.device,
                callback=self._callback,
                finished_callback=self._finished,
            )
            stream.start()
        except Exception as error:  # PortAudioError, no device, bad rate: all the same here
            raise BackendUnavailable(f"cannot play audio: {error}", fix=PORTAUDIO_FIX) from None
        self._stream = stream
        self._playing = True

    def pause(self) -> None:
        self._close_stream()

    def stop(self) -> None:
        self._close_stream()

    @property
    def position(self) -> float:
        with self._lock:
            return self._frame / self.sample_rate if self.sample_rate else 0.0

    @property
    def playing(self) -> bool:
        return self._playing

    # ------------------------------------------------------------------ internals

    def _load(self, audio: Samples | Path) -> tuple[Samples, int]:
        if not isinstance(audio, Path):
            return np.asarray(audio, dtype=np.float32).reshape(-1), 16_000
        import soundfile

        try:
            data, rate = soundfile.read(str(audio), dtype="float32", always_2d=True)
        except (OSError, RuntimeError, soundfile.LibsndfileError) as error:
            raise BackendUnavailable(
                f"cannot play {audio}: not readable as audio ({error})",
                fix="the transcript is kept in session.json; the audio file may be damaged",
            ) from None
        mono = data.mean(axis=1, dtype=np.float32) if data.shape[1] > 1 else data[:, 0]
        return np.ascontiguousarray(mono, dtype=np.float32), int(rate)

    def _callback(self, outdata: Any, frames: int, time: Any, status: Any) -> None:
        with self._lock:
            chunk = self._samples[self._frame : self._frame + frames]
            self._frame += chunk.size
        outdata[: chunk.size, 0] = chunk
        if chunk.size < frames:
            outdata[chunk.size :, 0] = 0.0
            raise self._sd.CallbackStop

    def _finished(self) -> None:
        self._playing = False

    def _close_stream(self) -> None:
        stream, self._stream = self._stream, None
        self._playing = False
        if stream is not None:
            try:
                stream.abort()
                stream.close()
            except Exception:  # a device that vanished mid-play: nothing left to stop
                pass
