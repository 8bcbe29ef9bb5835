"""Sessions on disk: private, atomic, recoverable, with clear errors for damaged files."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from interviewer.adapters.store.files import FileSessionStore
from interviewer.core.session import Session, SessionStatus, Speaker, Turn, TurnKind
from interviewer.errors import InterviewerError, NotFoundError


def make_session(store: FileSessionStore, question: str = "job-queue") -> Session:
    session = Session(
        id=store.new_id(question, datetime(2026, 11, 22, 21, 30, tzinfo=UTC)),
        persona_id="staff-infra",
        rubric_id="distributed-systems-design",
        question_id=question,
    )
    session.turns.append(Turn(index=0, speaker=Speaker.CANDIDATE, kind=TurnKind.ANSWER, text="hi"))
    return session


def test_round_trip_with_owner_only_permissions(tmp_path: Path) -> None:
    store = FileSessionStore(tmp_path / "recordings")
    session = make_session(store)
    store.save(session)
    folder = store.session_dir(session.id)
    assert store.load(session.id) == session
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "session.json").stat().st_mode) == 0o600
    assert [p.name for p in folder.iterdir()] == ["session.json"], "no temp files left"


def test_ids_are_unique_readable_and_resolvable(tmp_path: Path) -> None:
    store = FileSessionStore(tmp_path)
    first = make_session(store)
    store.save(first)
    second = make_session(store)
    store.save(second)
    assert first.id != second.id and first.id.endswith("job-queue")
    assert store.list_ids() == sorted([first.id, second.id])
    assert store.resolve(second.id) == store.session_dir(second.id)
    assert store.resolve(str(store.session_dir(first.id))) == store.session_dir(first.id)
    with pytest.raises(NotFoundError, match="several sessions"):
        store.resolve(first.id[:10])
    with pytest.raises(NotFoundError) as missing:
        store.resolve("nope")
    assert missing.value.fix and "interviewer sessions" in missing.value.fix


def test_a_killed_round_is_marked_interrupted_and_kept(tmp_path: Path) -> None:
    store = FileSessionStore(tmp_path)
    session = make_session(store)
    store.save(session)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    (store.session_dir(session.id) / "owner.pid").write_text(dead)
    assert store.recover_interrupted() == [session.id]
    recovered = store.load(session.id)
    assert recovered.status is SessionStatus.INTERRUPTED
    assert recovered.turns == session.turns


def test_a_running_round_is_left_alone(tmp_path: Path) -> None:
    store = FileSessionStore(tmp_path)
    session = make_session(store)
    store.save(session)
    store.claim(session.id)
    assert store.recover_interrupted() == []
    assert store.load(session.id).status is SessionStatus.IN_PROGRESS


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "not readable JSON"),
        (json.dumps({"schema_version": 99, "id": "x"}), "newer interviewer"),
        (json.dumps({"id": "x", "persona_id": "p", "rubric_id": "r"}), "question_id"),
    ],
)
def test_damaged_session_files_name_the_problem(
    tmp_path: Path, content: str, expected: str
) -> None:
    store = FileSessionStore(tmp_path)
    folder = store.create_dir("2026-01-01-0000-broken")
    (folder / "session.json").write_text(content)
    with pytest.raises(InterviewerError, match=expected) as error:
        store.load("2026-01-01-0000-broken")
    assert error.value.fix
