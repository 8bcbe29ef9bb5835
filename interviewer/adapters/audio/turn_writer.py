"""Crash-safe per-turn audio: a crash (even ``kill -9``) loses at most the last second.

Format: one 16-bit PCM WAV file per turn, written as the audio arrives. Why WAV and not
raw PCM finalized to FLAC on close:
- The file is a standard, playable WAV from its first byte; there is no second file, no
  finalization step that a crash could skip, and nothing to re-encode on recovery.
- WAV keeps two length fields in its header. Those are the only thing a crash can leave
  wrong, and ``recover()`` fixes them from the file size with two small writes.
- 16 kHz 16-bit mono is 32 KB/s (2 MB a minute): no reason to compress speech turns.

Durability: every block goes straight to the kernel with ``os.write`` on an unbuffered
descriptor, so a killed process loses nothing it had handed over. At least once a second
(on the next append) the header's lengths are brought up to date and the file is
``fsync``-ed, so even a power cut loses at most the last second, and a file from a
killed process reads as valid audio up to its last second even before ``recover()``.

Files are created owner-only (0600): recordings are personal voice data.
"""

from __future__ import annotations

import os
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

import numpy as np

from interviewer.core.ports import SAMPLE_RATE, Samples
from interviewer.errors import InterviewerError

HEADER_BYTES = 44
BYTES_PER_SAMPLE = 2
_RIFF_SIZE_OFFSET = 4
_DATA_SIZE_OFFSET = 40


class NotATurnRecordingError(InterviewerError):
    """A file handed to ``recover()`` that is not a WAV file at all."""


def wav_header(sample_rate: int, data_bytes: int, channels: int = 1) -> bytes:
    block_align = channels * BYTES_PER_SAMPLE
    return struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF",
        36 + data_bytes,
        b"WAVE",
        b"fmt ",
        16,
        1,  # PCM
        channels,
        sample_rate,
        sample_rate * block_align,
        block_align,
        8 * BYTES_PER_SAMPLE,
        b"data",
        data_bytes,
    )


def to_pcm16(samples: Samples) -> bytes:
    """Float samples in [-1, 1] to little-endian 16-bit PCM (clipping out-of-range values)."""
    clipped = np.clip(np.asarray(samples, dtype=np.float32).reshape(-1), -1.0, 1.0)
    return np.round(clipped * 32767.0).astype("<i2").tobytes()


class TurnAudioWriter:
    """Appends one turn's 16 kHz mono samples to a WAV file as they are captured."""

    def __init__(
        self,
        path: Path,
        *,
        sample_rate: int = SAMPLE_RATE,
        sync_interval_seconds: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = path
        self.sample_rate = sample_rate
        self.sync_interval_seconds = sync_interval_seconds
        self.frames = 0
        self._clock = clock
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fd: int | None = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.chmod(path, 0o600)  # O_CREAT's mode does not apply to a file that existed
        self._write_all(wav_header(sample_rate, 0))
        self._synced_frames = -1
        self._last_sync = clock()
        self.sync()
        _fsync_directory(path.parent)  # so the file itself survives a power cut

    @property
    def duration_seconds(self) -> float:
        return self.frames / self.sample_rate

    @property
    def closed(self) -> bool:
        return self._fd is None

    def append(self, samples: Samples) -> None:
        if self._fd is None:
            raise ValueError(f"{self.path}: writer is closed")
        data = to_pcm16(samples)
        if not data:
            return
        self._write_all(data)
        self.frames += len(data) // BYTES_PER_SAMPLE
        if self._clock() - self._last_sync >= self.sync_interval_seconds:
            self.sync()

    def sync(self) -> None:
        """Bring the header's lengths up to date and force everything to disk."""
        if self._fd is None:
            return
        if self.frames != self._synced_frames:
            data_bytes = self.frames * BYTES_PER_SAMPLE
            os.pwrite(self._fd, struct.pack("<I", 36 + data_bytes), _RIFF_SIZE_OFFSET)
            os.pwrite(self._fd, struct.pack("<I", data_bytes), _DATA_SIZE_OFFSET)
            os.fsync(self._fd)
            self._synced_frames = self.frames
        self._last_sync = self._clock()

    def close(self) -> Path:
        """Finish the file (a complete, valid WAV) and return its path. Idempotent."""
        if self._fd is not None:
            self.sync()
            os.close(self._fd)
            self._fd = None
        return self.path

    def __enter__(self) -> TurnAudioWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _write_all(self, data: bytes) -> None:
        assert self._fd is not None
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]


@dataclass(frozen=True)
class Recovery:
    path: Path
    frames: int
    sample_rate: int
    repaired: bool
    """False when the file was already complete (closed cleanly or synced at the end)."""

    @property
    def seconds(self) -> float:
        return self.frames / self.sample_rate if self.sample_rate else 0.0


def recover(path: Path) -> Recovery:
    """Make a turn file left by a crash a valid WAV holding every whole sample on disk.

    Safe to run on any turn file, complete or not, as often as you like. A torn trailing
    sample (half a frame) is cut off. Raises ``NotATurnRecordingError`` for non-WAV data.
    """
    size = path.stat().st_size
    with path.open("r+b") as file:
        head = file.read(HEADER_BYTES)
        if len(head) < HEADER_BYTES:
            if not b"RIFF".startswith(head[:4]):
                raise _not_wav(path)
            # Killed while writing the header: no audio reached the disk. Leave an empty WAV.
            file.seek(0)
            file.truncate()
            file.write(wav_header(SAMPLE_RATE, 0))
            file.flush()
            os.fsync(file.fileno())
            return Recovery(path, 0, SAMPLE_RATE, repaired=True)
        if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            raise _not_wav(path)
        data_offset, block_align, sample_rate = _find_data_chunk(file, path)
        stored_riff, stored_data = (
            struct.unpack_from("<I", head, _RIFF_SIZE_OFFSET)[0],
            _stored_data_size(file, data_offset),
        )
        data_bytes = (size - data_offset) // block_align * block_align
        whole_size = data_offset + data_bytes
        riff_size = whole_size - 8
        repaired = stored_data != data_bytes or stored_riff != riff_size or whole_size != size
        if repaired:
            file.truncate(whole_size)
            file.seek(_RIFF_SIZE_OFFSET)
            file.write(struct.pack("<I", riff_size))
            file.seek(data_offset - 4)
            file.write(struct.pack("<I", data_bytes))
            file.flush()
            os.fsync(file.fileno())
    return Recovery(path, data_bytes // block_align, sample_rate, repaired=repaired)


def needs_recovery(path: Path) -> bool:
    """True when the header's lengths disagree with what is on disk (a crash mid-turn)."""
    try:
        with path.open("rb") as file:
            head = file.read(HEADER_BYTES)
            if len(head) < HEADER_BYTES or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
                return True
            data_offset, _, _ = _find_data_chunk(file, path)
            stored = _stored_data_size(file, data_offset)
    except (OSError, NotATurnRecordingError):
        return True
    return data_offset + stored != path.stat().st_size


def _find_data_chunk(file: BinaryIO, path: Path) -> tuple[int, int, int]:
    """Walk the RIFF chunks: (offset of the data bytes, block align, sample rate)."""
    offset = 12
    block_align = 0
    sample_rate = 0
    while True:
        file.seek(offset)
        chunk = file.read(8)
        if len(chunk) < 8:
            raise _not_wav(path)
        name, length = struct.unpack("<4sI", chunk)
        if name == b"fmt ":
            fmt = file.read(16)
            if len(fmt) < 16:
                raise _not_wav(path)
            _, channels, sample_rate, _, block_align, _ = struct.unpack("<HHIIHH", fmt)
            if channels == 0 or block_align == 0:
                raise _not_wav(path)
        elif name == b"data":
            if block_align == 0:
                raise _not_wav(path)
            return offset + 8, block_align, sample_rate
        offset += 8 + length + (length & 1)


def _stored_data_size(file: BinaryIO, data_offset: int) -> int:
    file.seek(data_offset - 4)
    value: int = struct.unpack("<I", file.read(4))[0]
    return value


def _not_wav(path: Path) -> NotATurnRecordingError:
    return NotATurnRecordingError(
        f"{path}: not a WAV turn recording, cannot recover it",
        fix="leave it as it is; the session's transcript is kept in session.json",
    )


def _fsync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
