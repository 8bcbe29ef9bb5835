"""The session store under damage: kill -9 mid-answer, cut-off and corrupt files, old
schemas, hostile ids, a dir that cannot be written. Nothing captured may be lost."""

from __future__ import annotations

import errno
import json
import os
import signal
import stat
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
import soundfile

from interviewer.adapters.store.files import (
    RECOVERED_NOTE,
    FileSessionStore,
    StoreWriteError,
    UnsafeSessionIdError,
    compact_turn_audio,
)
from interviewer.core.session import (
    SCHEMA_VERSION,
    Session,
    SessionStatus,
    Speaker,
    Turn,
    TurnKind,
)
from interviewer.errors import InterviewerError

SAMPLE_RATE = 16_000
SESSION_ID = "2026-05-01-1200-job-queue"

# Runs the real capture path (FileAudioSource at microphone pace -> TurnCapture ->
# TurnAudioWriter) for a round that already has one finished answer, then waits to be
# killed. It prints the wall-clock time just before capture starts.
CHILD = r"""
import json, sys, time
from pathlib import Path
import numpy as np
from interviewer.adapters.audio.capture import TurnCapture
from interviewer.adapters.audio.files import FileAudioSource
from interviewer.adapters.audio.turn_writer import TurnAudioWriter
from interviewer.adapters.store.files import FileSessionStore
from interviewer.core.endpointing import EndpointConfig, Endpointer, TurnMode
from interviewer.core.session import Session, Speaker, Turn, TurnKind

root, session_id = Path(sys.argv[1]), sys.argv[2]
rate = 16_000
tone = (0.3 * np.sin(2 * np.pi * 220 * np.arange(60 * rate) / rate)).astype(np.float32)
store = FileSessionStore(root)
session = Session(id=session_id, persona_id="staff-infra",
                  rubric_id="distributed-systems-design", question_id="job-queue")
session.turns.append(Turn(index=0, speaker=Speaker.INTERVIEWER, kind=TurnKind.QUESTION,
                          text="Design a job queue."))
with TurnAudioWriter(store.audio_path(session_id, 1)) as first:
    first.append(tone[: rate])
session.turns.append(Turn(index=1, speaker=Speaker.CANDIDATE, kind=TurnKind.ANSWER,
                          text="We need retries.", started_at=2.0, duration=1.0,
                          audio_file="turn-01.wav"))
store.save(session)
store.claim(session_id)
config = EndpointConfig(mode=TurnMode.HANDS_FREE, patience_seconds=30, max_answer_seconds=120)
capture = TurnCapture(FileAudioSource(tone, realtime=True), Endpointer(config),
                      store.audio_path(session_id, 2), vad=None)
print(json.dumps({"capture_started": time.time()}), flush=True)
capture.run()
"""


def tone(seconds: float) -> np.ndarray:
    t = np.arange(round(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    return (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


def test_sigkill_during_capture_loses_under_a_second_and_no_finished_turn(
    tmp_path: Path,
) -> None:
    """kill -9 three seconds into an answer; the next start repairs and keeps it all."""
    root = tmp_path / "recordings"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(root), SESSION_ID],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    assert line, child.stderr.read() if child.stderr else "child died"
    started = json.loads(line)["capture_started"]
    time.sleep(3.0)
    killed_at = time.time()
    child.send_signal(signal.SIGKILL)
    child.wait(10)
    assert child.returncode == -signal.SIGKILL

    store = FileSessionStore(root)
    assert store.recover_interrupted() == [SESSION_ID]
    session = store.load(SESSION_ID)
    assert session.status is SessionStatus.INTERRUPTED
    assert [t.text for t in session.turns[:2]] == ["Design a job queue.", "We need retries."]
    finished, _ = soundfile.read(str(root / SESSION_ID / "turn-01.wav"), dtype="float32")
    assert finished.size == SAMPLE_RATE, "the finished turn is untouched"

    recovered = session.turns[2]
    assert (recovered.speaker, recovered.audio_file) == (Speaker.CANDIDATE, "turn-02.wav")
    assert recovered.note == RECOVERED_NOTE
    audio, rate = soundfile.read(str(root / SESSION_ID / "turn-02.wav"), dtype="float32")
    assert rate == SAMPLE_RATE and recovered.duration == pytest.approx(audio.size / rate)
    np.testing.assert_allclose(audio, tone(audio.size / rate)[: audio.size], atol=1e-4)
    captured_seconds = killed_at - started
    lost = captured_seconds - audio.size / rate
    print(f"crash-loss window: {lost * 1000:.0f} ms of {captured_seconds:.2f} s captured")
    assert 2.0 < audio.size / rate <= captured_seconds + 0.05
    assert lost < 1.0, f"lost {lost:.2f} s of audio"
    assert not (root / SESSION_ID / "owner.pid").exists()
    assert store.recover_interrupted() == [], "recovery is done once"


def write_session_file(store: FileSessionStore, session_id: str, text: str) -> Path:
    folder = store.create_dir(session_id)
    (folder / "session.json").write_text(text)
    return folder / "session.json"


def good_session_json(session_id: str) -> str:
    session = Session(
        id=session_id,
        persona_id="staff-infra",
        rubric_id="distributed-systems-design",
        question_id="job-queue",
    )
    return session.model_dump_json(indent=2)


@pytest.mark.parametrize(
    ("cut", "expected"),
    [(0, "truncated"), (1, "truncated"), (120, "truncated"), (-3, "truncated")],
)
def test_a_truncated_session_file_is_named_and_explained(
    tmp_path: Path, cut: int, expected: str
) -> None:
    store = FileSessionStore(tmp_path)
    text = good_session_json(SESSION_ID)
    path = write_session_file(store, SESSION_ID, text[:cut])
    with pytest.raises(InterviewerError, match=expected) as error:
        store.load(SESSION_ID)
    assert str(path) in error.value.message and error.value.fix


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("\x00\x00garbage\xff", "not readable JSON"),
        ("[1, 2, 3]", "a list, not an object"),
        ('{"schema_version": "one"}', "schema_version"),
        ('{"schema_version": 1, "id": "x", "persona_id": 3}', "persona_id"),
    ],
)
def test_a_corrupt_session_file_is_named_and_explained(
    tmp_path: Path, content: str, expected: str
) -> None:
    store = FileSessionStore(tmp_path)
    path = write_session_file(store, SESSION_ID, content)
    with pytest.raises(InterviewerError, match=expected) as error:
        store.load(SESSION_ID)
    assert str(path) in error.value.message


def test_a_broken_session_is_listed_as_broken_by_the_cli(tmp_path: Path) -> None:
    root = tmp_path / "recordings"
    store = FileSessionStore(root)
    write_session_file(store, SESSION_ID, good_session_json(SESSION_ID)[:50])
    result = subprocess.run(
        [sys.executable, "-m", "interviewer", "sessions", "--json"],
        capture_output=True,
        text=True,
        env={**os.environ, "INTERVIEWER_RECORDINGS_DIR": str(root)},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    [row] = json.loads(result.stdout)
    assert row["id"] == SESSION_ID and "truncated" in row["error"]
    assert "Traceback" not in result.stderr


V0 = {
    "schema_version": 0,
    "id": SESSION_ID,
    "started": "2025-06-01T09:30:00Z",
    "persona": "staff-infra",
    "rubric": "distributed-systems-design",
    "question": "job-queue",
    "level": "senior",
    "status": "complete",
    "turns": [
        {"role": "interviewer", "kind": "question", "text": "Design a job queue."},
        {
            "role": "user",
            "text": "We retry with backoff.",
            "start_ms": 4500,
            "duration_ms": 2250,
            "audio": "turn-01.wav",
            "words": [{"word": "We", "start": 0.1, "end": 0.3}],
        },
    ],
}


def test_a_schema_0_session_is_migrated_on_load(tmp_path: Path) -> None:
    store = FileSessionStore(tmp_path)
    write_session_file(store, SESSION_ID, json.dumps(V0))
    session = store.load(SESSION_ID)
    assert session.schema_version == SCHEMA_VERSION == 1
    assert (session.persona_id, session.rubric_id, session.question_id) == (
        "staff-infra",
        "distributed-systems-design",
        "job-queue",
    )
    assert session.created_at == datetime(2025, 6, 1, 9, 30, tzinfo=UTC)
    answer = session.turns[1]
    assert (answer.index, answer.speaker, answer.kind) == (1, Speaker.CANDIDATE, "answer")
    assert (answer.started_at, answer.duration, answer.audio_file) == (4.5, 2.25, "turn-01.wav")
    assert session.turns[0].speaker is Speaker.INTERVIEWER
    store.save(session)
    saved = json.loads((tmp_path / SESSION_ID / "session.json").read_text())
    assert saved["schema_version"] == SCHEMA_VERSION and "persona" not in saved


def test_a_newer_schema_is_refused_with_an_upgrade_hint(tmp_path: Path) -> None:
    store = FileSessionStore(tmp_path)
    write_session_file(store, SESSION_ID, json.dumps({**V0, "schema_version": 7}))
    with pytest.raises(InterviewerError, match="newer interviewer") as error:
        store.load(SESSION_ID)
    assert error.value.fix and "upgrade" in error.value.fix


@pytest.mark.parametrize("bad", ["../x", "..", ".", "/etc", "a/b", "../../etc/passwd", ""])
def test_path_like_session_ids_are_refused(tmp_path: Path, bad: str) -> None:
    store = FileSessionStore(tmp_path / "recordings")
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "session.json").write_text(good_session_json("x"))
    for call in (store.session_dir, store.load, store.delete, store.resolve_id):
        with pytest.raises(UnsafeSessionIdError, match="not a session id"):
            call(bad)
    assert (tmp_path / "x" / "session.json").is_file(), "nothing outside was touched"


def test_delete_removes_the_folder_but_not_a_running_round(tmp_path: Path) -> None:
    store = FileSessionStore(tmp_path)
    write_session_file(store, SESSION_ID, good_session_json(SESSION_ID))
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        (tmp_path / SESSION_ID / "owner.pid").write_text(str(alive.pid))
        with pytest.raises(InterviewerError, match="being recorded"):
            store.delete(SESSION_ID)
    finally:
        alive.kill()
        alive.wait()
    store.delete(SESSION_ID)
    assert not (tmp_path / SESSION_ID).exists() and store.list_ids() == []


def test_a_recordings_path_that_is_not_a_dir_gives_a_clear_message(tmp_path: Path) -> None:
    blocker = tmp_path / "recordings"
    blocker.write_text("not a directory")
    store = FileSessionStore(blocker)
    session = Session.model_validate_json(good_session_json(SESSION_ID))
    with pytest.raises(StoreWriteError, match="cannot write") as error:
        store.save(session)
    assert error.value.fix and "recordings_dir" in error.value.fix


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only dirs anyway")
def test_a_read_only_recordings_dir_gives_a_clear_message(tmp_path: Path) -> None:
    store = FileSessionStore(tmp_path)
    write_session_file(store, SESSION_ID, good_session_json(SESSION_ID))
    folder = tmp_path / SESSION_ID
    folder.chmod(0o500)
    try:
        with pytest.raises(StoreWriteError, match="read-only"):
            store.save(store.load(SESSION_ID))
    finally:
        folder.chmod(0o700)
    assert store.load(SESSION_ID).id == SESSION_ID, "the old file is intact"


def test_a_full_disk_keeps_the_previous_file_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ENOSPC at fsync (where a full disk shows up) leaves the last good session.json."""
    store = FileSessionStore(tmp_path)
    first = Session.model_validate_json(good_session_json(SESSION_ID))
    store.save(first)

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    changed = first.model_copy(update={"status": SessionStatus.COMPLETE})
    with pytest.raises(StoreWriteError, match="disk is full") as error:
        store.save(changed)
    monkeypatch.undo()
    assert error.value.fix and "kept" in error.value.fix
    assert store.load(SESSION_ID) == first
    assert sorted(p.name for p in (tmp_path / SESSION_ID).iterdir()) == ["session.json"]


def test_compact_turn_audio_is_lossless_flac_and_smaller(tmp_path: Path) -> None:
    wav = tmp_path / "turn-02.wav"
    rng = np.random.default_rng(7)
    speechy = tone(5.0) * (0.5 + 0.5 * rng.random(5 * SAMPLE_RATE, dtype=np.float32))
    soundfile.write(str(wav), speechy, SAMPLE_RATE, subtype="PCM_16")
    before, _ = soundfile.read(str(wav), dtype="int16")
    wav_bytes = wav.stat().st_size
    flac = compact_turn_audio(wav)
    assert flac == tmp_path / "turn-02.flac" and not wav.exists()
    after, rate = soundfile.read(str(flac), dtype="int16")
    assert rate == SAMPLE_RATE and np.array_equal(before, after), "lossless"
    assert flac.stat().st_size < wav_bytes
    assert stat.S_IMODE(flac.stat().st_mode) == 0o600


def test_compact_turn_audio_keeps_the_wav_when_it_cannot_convert(tmp_path: Path) -> None:
    wav = tmp_path / "turn-02.wav"
    wav.write_bytes(b"RIFF\x00\x00")
    assert compact_turn_audio(wav) == wav and wav.read_bytes() == b"RIFF\x00\x00"
    assert list(tmp_path.iterdir()) == [wav], "no temp file left behind"


def test_compact_audio_renames_the_turns_in_session_json(tmp_path: Path) -> None:
    store = FileSessionStore(tmp_path)
    session = Session.model_validate_json(good_session_json(SESSION_ID))
    soundfile.write(str(store.create_dir(SESSION_ID) / "turn-00.wav"), tone(2.0), SAMPLE_RATE)
    session.turns.append(
        Turn(
            index=0,
            speaker=Speaker.CANDIDATE,
            kind=TurnKind.ANSWER,
            text="answer",
            duration=2.0,
            audio_file="turn-00.wav",
        )
    )
    store.save(session)
    assert store.compact_audio(SESSION_ID) > 0
    assert store.load(SESSION_ID).turns[0].audio_file == "turn-00.flac"
    assert (tmp_path / SESSION_ID / "turn-00.flac").is_file()
    assert not (tmp_path / SESSION_ID / "turn-00.wav").exists()


def test_recovery_never_rewrites_another_sessions_folder(tmp_path: Path) -> None:
    """Issue 20.1: the folder is the identity. A copy whose session.json names another
    session's id is reported as broken; the other session is left byte for byte."""
    store = FileSessionStore(tmp_path)
    complete = Session.model_validate_json(good_session_json("sample-job-queue"))
    complete.status = SessionStatus.COMPLETE
    complete.turns.append(
        Turn(index=0, speaker=Speaker.INTERVIEWER, kind=TurnKind.QUESTION, text="Design it.")
    )
    store.save(complete)
    original = (tmp_path / "sample-job-queue" / "session.json").read_bytes()
    write_session_file(store, "copy-of-sample", good_session_json("sample-job-queue"))

    assert store.recover_interrupted() == []

    assert (tmp_path / "sample-job-queue" / "session.json").read_bytes() == original
    with pytest.raises(InterviewerError, match="does not match its folder") as error:
        store.load("copy-of-sample")
    assert "copy-of-sample" in error.value.message and error.value.fix
