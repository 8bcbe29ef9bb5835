"""Crash-safe turn audio: appended as captured, readable after a kill -9, recoverable."""

from __future__ import annotations

import signal
import stat
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile

from interviewer.adapters.audio.turn_writer import (
    NotATurnRecordingError,
    TurnAudioWriter,
    needs_recovery,
    recover,
    to_pcm16,
    wav_header,
)
from interviewer.core.ports import SAMPLE_RATE, Samples


def tone(seconds: float, frequency: float = 220.0, start: int = 0) -> Samples:
    n = np.arange(start, start + round(seconds * SAMPLE_RATE))
    return (0.5 * np.sin(2 * np.pi * frequency * n / SAMPLE_RATE)).astype(np.float32)


def read_pcm(path: Path) -> np.ndarray:
    data, rate = soundfile.read(str(path), dtype="int16")
    assert rate == SAMPLE_RATE
    return np.asarray(data)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_closed_file_is_a_valid_wav_holding_every_sample(tmp_path: Path) -> None:
    path = tmp_path / "turn-01.wav"
    audio = tone(2.5)
    with TurnAudioWriter(path) as writer:
        for start in range(0, audio.size, 512):
            writer.append(audio[start : start + 512])
    assert writer.closed
    assert writer.frames == audio.size
    assert writer.duration_seconds == pytest.approx(2.5)
    info = soundfile.info(str(path))
    assert (info.samplerate, info.channels, info.subtype) == (SAMPLE_RATE, 1, "PCM_16")
    decoded, _ = soundfile.read(str(path), dtype="float32")
    assert np.max(np.abs(decoded - audio)) < 1 / 16384
    assert not needs_recovery(path)


def test_turn_files_are_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "turn.wav"
    path.write_bytes(b"old")
    path.chmod(0o644)
    TurnAudioWriter(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_out_of_range_samples_are_clipped_not_wrapped() -> None:
    pcm = np.frombuffer(to_pcm16(np.array([2.0, -3.0, 0.5], np.float32)), "<i2")
    assert list(pcm) == [32767, -32767, 16384]


def test_header_catches_up_at_least_once_per_sync_interval(tmp_path: Path) -> None:
    """Readers (and a crash) see audio appended up to the last sync, which happens at
    least once a second while audio arrives."""
    clock = FakeClock()
    path = tmp_path / "turn.wav"
    writer = TurnAudioWriter(path, sync_interval_seconds=1.0, clock=clock)
    writer.append(tone(0.5))
    clock.now = 0.5
    writer.append(tone(0.4))
    assert soundfile.info(str(path)).frames == 0, "not synced yet: header still says empty"
    clock.now = 1.0
    writer.append(tone(0.1))
    assert soundfile.info(str(path)).frames == round(1.0 * SAMPLE_RATE)
    clock.now = 1.5
    writer.append(tone(0.25))
    assert needs_recovery(path)
    writer.close()
    assert soundfile.info(str(path)).frames == round(1.25 * SAMPLE_RATE)
    assert not needs_recovery(path)


def crashed_file(path: Path, audio: Samples, *, header_frames: int, torn_bytes: int = 0) -> None:
    """What a crash leaves: a header that lags the data, maybe half a sample at the end."""
    pcm = to_pcm16(audio)
    path.write_bytes(wav_header(SAMPLE_RATE, header_frames * 2) + pcm + b"\x01" * torn_bytes)


def test_recover_fixes_a_stale_header_and_cuts_a_torn_sample(tmp_path: Path) -> None:
    path = tmp_path / "turn.wav"
    audio = tone(3.0)
    crashed_file(path, audio, header_frames=16_000, torn_bytes=1)
    assert needs_recovery(path)
    result = recover(path)
    assert result.repaired
    assert result.frames == audio.size
    assert result.seconds == pytest.approx(3.0)
    assert np.array_equal(read_pcm(path), np.frombuffer(to_pcm16(audio), "<i2"))
    assert not needs_recovery(path)
    again = recover(path)
    assert not again.repaired
    assert again.frames == audio.size


def test_recover_leaves_a_complete_file_alone(tmp_path: Path) -> None:
    path = tmp_path / "turn.wav"
    with TurnAudioWriter(path) as writer:
        writer.append(tone(1.0))
    before = path.read_bytes()
    result = recover(path)
    assert not result.repaired
    assert result.frames == SAMPLE_RATE
    assert path.read_bytes() == before


def test_recover_a_file_killed_while_writing_its_header(tmp_path: Path) -> None:
    path = tmp_path / "turn.wav"
    path.write_bytes(b"RIFF\x00\x00")
    result = recover(path)
    assert result.repaired
    assert result.frames == 0
    assert soundfile.info(str(path)).frames == 0


@pytest.mark.parametrize("content", [b"", b"hello, this is not audio at all, not even close!!!"])
def test_recover_refuses_what_is_not_a_wav(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "turn.wav"
    path.write_bytes(content or b"ID3")
    with pytest.raises(NotATurnRecordingError) as caught:
        recover(path)
    assert caught.value.fix
    assert path.read_bytes() == (content or b"ID3"), "nothing is destroyed"


def test_recover_finds_data_after_extra_chunks(tmp_path: Path) -> None:
    """A WAV written by another tool (with a LIST chunk) is recovered too."""
    path = tmp_path / "turn.wav"
    audio = tone(1.0)
    soundfile.write(str(path), audio, SAMPLE_RATE, subtype="PCM_16")
    raw = bytearray(path.read_bytes())
    data_at = raw.index(b"data")
    raw[data_at + 4 : data_at + 8] = struct.pack("<I", 0)  # as if never finalized
    raw += b"\x00\x00" * 100  # and 100 more samples arrived
    path.write_bytes(bytes(raw))
    result = recover(path)
    assert result.repaired
    assert result.frames == audio.size + 100


CHILD = """
import sys, time
import numpy as np
from pathlib import Path
from interviewer.adapters.audio.turn_writer import TurnAudioWriter

def signal(start, count):
    n = np.arange(start, start + count)
    return (0.4 * np.sin(n * 0.01) + 0.2 * np.sin(n * 0.137)).astype(np.float32)

writer = TurnAudioWriter(Path(sys.argv[1]))
written = 0
while True:
    writer.append(signal(written, 1600))  # 0.1 s of audio every 0.1 s: a live pace
    written += 1600
    print(written, flush=True)
    time.sleep(0.1)
"""


def expected_signal(count: int) -> Samples:
    n = np.arange(count)
    return (0.4 * np.sin(n * 0.01) + 0.2 * np.sin(n * 0.137)).astype(np.float32)


def test_a_writer_killed_mid_turn_loses_at_most_the_last_second(tmp_path: Path) -> None:
    """kill -9 while a turn is being captured: the file is readable before recovery (up to
    its last sync, at most ~1 s behind) and holds every appended sample after it."""
    path = tmp_path / "turn.wav"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path)], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    reported = 0
    try:
        for line in child.stdout:
            reported = int(line)
            if reported >= 2.5 * SAMPLE_RATE:
                break
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.wait()
    assert child.returncode == -signal.SIGKILL
    assert reported >= 2.5 * SAMPLE_RATE, "the child wrote audio before it was killed"

    readable_before = soundfile.info(str(path)).frames
    assert readable_before >= reported - 2 * SAMPLE_RATE, "header synced within ~1 s"

    result = recover(path)
    assert result.frames >= reported - SAMPLE_RATE
    assert result.frames >= readable_before
    pcm = read_pcm(path)
    expected = np.frombuffer(to_pcm16(expected_signal(result.frames)), "<i2")
    assert np.array_equal(pcm, expected), "the recovered audio is exactly what was captured"
