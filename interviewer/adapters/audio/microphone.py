"""The microphone: a sounddevice (PortAudio) input stream as an ``AudioSource``.

The PortAudio callback runs on a real-time audio thread: anything slow there (resampling,
logging, the GIL held by a busy worker) makes the device drop samples. So the callback
only copies each block into a thread-safe queue; down-mixing, resampling to 16 kHz, the
level meter and everything else happen in the thread that iterates ``blocks()``.

Every failure a user can hit (no PortAudio library, no input device, a device name that
matches nothing, a busy device, a device that stops delivering) becomes a
``MicrophoneError`` whose ``fix`` offers a way forward: another device, typing the
answer, or feeding audio files.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType, TracebackType
from typing import Any

import numpy as np

from interviewer.adapters.audio.dsp import SILENCE_DBFS, StreamResampler, rms_dbfs, to_mono
from interviewer.core.ports import SAMPLE_RATE, AudioBlock
from interviewer.errors import BackendUnavailable
from interviewer.settings import AudioSettings

WAYS_FORWARD = (
    "or type the answer instead, or feed recorded answers: interviewer simulate --answers FILE..."
)
CHOOSE_DEVICE = (
    "choose an input with INTERVIEWER_AUDIO__INPUT_DEVICE=NAME_OR_INDEX or `input_device` "
    "under [audio] in the config file (`interviewer doctor` lists them)"
)


class MicrophoneError(BackendUnavailable):
    """The microphone cannot be used; ``fix`` says what to do instead."""


@dataclass(frozen=True)
class InputDevice:
    """A PortAudio device that can record."""

    index: int
    name: str
    channels: int
    default_samplerate: float
    is_default: bool = False


def import_sounddevice() -> ModuleType:
    """Import sounddevice, turning a missing PortAudio library into a clear error."""
    try:
        import sounddevice
    except OSError as error:  # sounddevice raises OSError when libportaudio is absent
        raise MicrophoneError(
            f"the PortAudio library is not installed ({error})",
            fix="sudo apt-get install libportaudio2 (macOS: brew install portaudio); "
            + WAYS_FORWARD,
        ) from None
    module: ModuleType = sounddevice
    return module


def _default_input_index(sounddevice: ModuleType) -> int | None:
    try:
        index = int(sounddevice.default.device[0])
    except (TypeError, ValueError, IndexError):
        return None
    return index if index >= 0 else None


def list_input_devices() -> list[InputDevice]:
    """Every device that can record, the system default marked. Raises only for no PortAudio."""
    sounddevice = import_sounddevice()
    try:
        devices = list(sounddevice.query_devices())
    except sounddevice.PortAudioError:
        return []
    return input_devices(devices, _default_input_index(sounddevice))


def input_devices(
    devices: Sequence[Mapping[str, Any]], default_index: int | None
) -> list[InputDevice]:
    """The recording devices among PortAudio's device dicts."""
    found = []
    for position, device in enumerate(devices):
        channels = int(device.get("max_input_channels", 0))
        if channels <= 0:
            continue
        index = int(device.get("index", position))
        found.append(
            InputDevice(
                index=index,
                name=str(device["name"]),
                channels=channels,
                default_samplerate=float(device.get("default_samplerate", SAMPLE_RATE)),
                is_default=index == default_index,
            )
        )
    return found


def select_input_device(devices: Sequence[InputDevice], requested: str | int | None) -> InputDevice:
    """Pick the device the settings name.

    ``requested`` is an index (an int, or a string of digits as env vars give), a name
    (exact, case-insensitive, else a unique substring), or None for the system default
    (else the first input).
    """
    if not devices:
        raise MicrophoneError(
            "no microphone found: the system reports no audio input device",
            fix="connect a microphone (and check it is not disabled), " + WAYS_FORWARD,
        )
    available = ", ".join(f"{d.index}: {d.name}" for d in devices)
    if requested is None or (isinstance(requested, str) and not requested.strip()):
        return next((d for d in devices if d.is_default), devices[0])
    if isinstance(requested, int) or requested.strip().isdigit():
        index = int(requested)
        for device in devices:
            if device.index == index:
                return device
        raise MicrophoneError(
            f"no input device has index {index} (inputs: {available})",
            fix=CHOOSE_DEVICE + ", " + WAYS_FORWARD,
        )
    wanted = requested.strip().lower()
    exact = [d for d in devices if d.name.lower() == wanted]
    if exact:
        return exact[0]
    partial = [d for d in devices if wanted in d.name.lower()]
    if len(partial) == 1:
        return partial[0]
    problem = "matches several input devices" if partial else "matches no input device"
    raise MicrophoneError(
        f"'{requested}' {problem} (inputs: {available})",
        fix=CHOOSE_DEVICE + ", " + WAYS_FORWARD,
    )


def open_error(device: InputDevice, error: Exception) -> MicrophoneError:
    """The error for a device that exists but cannot be opened (busy, unplugged, refused)."""
    return MicrophoneError(
        f"cannot open microphone '{device.name}': {error}",
        fix="close other programs using it, or choose another device ("
        + CHOOSE_DEVICE
        + "), "
        + WAYS_FORWARD,
    )


class MicrophoneSource:
    """Records the candidate. Blocks come out as 16 kHz mono float32, whatever the device.

    Use as a context manager, or call ``start()`` (raises ``MicrophoneError`` right away
    when the device cannot be used) and iterate ``blocks()`` in a worker thread; another
    thread may call ``stop()``. After ``stop()`` the blocks already captured are still
    yielded, so nothing recorded is lost.
    """

    def __init__(
        self,
        device: str | int | None = None,
        *,
        block_seconds: float = 0.032,
        max_queued_seconds: float = 30.0,
        stall_timeout_seconds: float | None = 5.0,
        on_level: Callable[[float], None] | None = None,
    ) -> None:
        self.requested_device = device
        self.block_seconds = block_seconds
        self.stall_timeout_seconds = stall_timeout_seconds
        self.on_level = on_level
        self.level_dbfs = SILENCE_DBFS
        """Level of the latest block, for the UI meter (also sent to ``on_level``)."""
        self.device: InputDevice | None = None
        self.samplerate = 0
        """The rate the device records at (resampled to 16 kHz on the way out)."""
        self.dropped_blocks = 0
        """Blocks lost because nobody consumed the queue (should stay 0)."""
        self.overflows = 0
        """Callbacks where PortAudio reported an input overflow."""
        self._max_queued_blocks = max(1, round(max_queued_seconds / block_seconds))
        self._queue: queue.Queue[np.ndarray[Any, Any]] = queue.Queue(self._max_queued_blocks)
        self._stream: Any = None
        self._stopped = threading.Event()
        self._samples_out = 0
        self._last_block_at = 0.0

    @classmethod
    def from_settings(cls, settings: AudioSettings, **options: Any) -> MicrophoneSource:
        return cls(settings.input_device, **options)

    # --- lifecycle ----------------------------------------------------------------------

    def start(self) -> None:
        """Open and start the input stream. Idempotent."""
        if self._stream is not None:
            return
        sounddevice = import_sounddevice()
        try:
            raw_devices = list(sounddevice.query_devices())
        except sounddevice.PortAudioError:
            raw_devices = []
        devices = input_devices(raw_devices, _default_input_index(sounddevice))
        device = select_input_device(devices, self.requested_device)
        samplerate, channels = self._choose_format(sounddevice, device)
        while not self._queue.empty():  # blocks left over from a previous start are stale
            self._queue.get_nowait()
        try:
            stream = sounddevice.InputStream(
                samplerate=samplerate,
                blocksize=max(1, round(samplerate * self.block_seconds)),
                device=device.index,
                channels=channels,
                dtype="float32",
                callback=self._callback,
            )
            stream.start()
        except (sounddevice.PortAudioError, ValueError) as error:
            raise open_error(device, error) from None
        self.device = device
        self.samplerate = samplerate
        self._resampler = StreamResampler(samplerate, SAMPLE_RATE)
        self._stopped.clear()
        self._stream = stream

    def _choose_format(self, sounddevice: ModuleType, device: InputDevice) -> tuple[int, int]:
        """16 kHz mono when the device (or its driver) offers it, else its native rate."""
        native = int(device.default_samplerate) or SAMPLE_RATE
        for samplerate, channels in (
            (SAMPLE_RATE, 1),
            (native, 1),
            (native, min(2, device.channels)),
        ):
            try:
                sounddevice.check_input_settings(
                    device=device.index, channels=channels, samplerate=samplerate, dtype="float32"
                )
            except (sounddevice.PortAudioError, ValueError):
                continue
            return samplerate, channels
        raise open_error(device, ValueError("it supports neither 16 kHz nor its own rate"))

    def _callback(self, indata: Any, frames: int, time_info: Any, status: Any) -> None:
        # Real-time audio thread: copy and hand over, nothing else.
        if status:
            self.overflows += 1
        try:
            self._queue.put_nowait(indata.copy())
        except queue.Full:
            self.dropped_blocks += 1

    def stop(self) -> None:
        """Stop recording. Blocks already captured are still yielded by ``blocks()``."""
        self._stopped.set()
        stream, self._stream = self._stream, None
        if stream is not None:
            # stop() lets PortAudio hand over its last buffer, but on ALSA it waits for a
            # callback that never comes when the device has stalled; abort() does not wait.
            flowing = time.monotonic() - self._last_block_at < 0.5
            try:
                if flowing:
                    stream.stop()
                else:
                    stream.abort()
                stream.close()
            except Exception:  # a vanished device may fail to stop; it is stopped anyway
                pass

    def __enter__(self) -> MicrophoneSource:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # --- the stream ---------------------------------------------------------------------

    def blocks(self) -> Iterator[AudioBlock]:
        """Yield 16 kHz mono blocks until ``stop()``; starts the stream if needed.

        Raises ``MicrophoneError`` when the device stops delivering audio for
        ``stall_timeout_seconds`` (unplugged, suspended, taken by another program).
        """
        self.start()
        self._last_block_at = time.monotonic()
        while True:
            try:
                raw = self._queue.get(timeout=0.05)
            except queue.Empty:
                if self._stopped.is_set():
                    return
                stream = self._stream
                waited = time.monotonic() - self._last_block_at
                stalled = (
                    self.stall_timeout_seconds is not None and waited > self.stall_timeout_seconds
                )
                died = stream is not None and not stream.active
                if stalled or died:
                    name = self.device.name if self.device else "the microphone"
                    what = "stopped recording" if died else f"sent no audio for {waited:.1f} s"
                    self.stop()
                    raise MicrophoneError(
                        f"'{name}' {what} (unplugged, suspended, or taken by another "
                        "program?); the audio captured so far is kept",
                        fix="check the device, or choose another ("
                        + CHOOSE_DEVICE
                        + "), "
                        + WAYS_FORWARD,
                    ) from None
                continue
            self._last_block_at = time.monotonic()
            block = self._convert(raw)
            if block is not None:
                yield block

    def _convert(self, raw: np.ndarray[Any, Any]) -> AudioBlock | None:
        samples = self._resampler.process(to_mono(raw))
        if samples.size == 0:
            return None
        started_at = self._samples_out / SAMPLE_RATE
        self._samples_out += samples.size
        self.level_dbfs = rms_dbfs(samples)
        if self.on_level is not None:
            self.on_level(self.level_dbfs)
        return AudioBlock(samples=samples, started_at=started_at)
