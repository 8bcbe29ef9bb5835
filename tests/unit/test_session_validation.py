"""Issue 20.9: a session.json from outside (copied, edited, hostile) is checked the same
way by every command: no newer schema scored, no negative word times, no audio path
that leaves the session folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from interviewer.adapters.store.files import FileSessionStore
from interviewer.cli.main import main
from interviewer.core.session import Session, Speaker, Turn, TurnKind, Word
from interviewer.errors import InterviewerError

SESSION_ID = "2026-05-01-1200-job-queue"


def write_session(root: Path, **changes: object) -> Path:
    session = Session(
        id=SESSION_ID,
        persona_id="staff-infra",
        rubric_id="distributed-systems-design",
        question_id="job-queue",
        turns=[
            Turn(
                index=0,
                speaker=Speaker.CANDIDATE,
                kind=TurnKind.ANSWER,
                text="Workers lease jobs and retry with backoff.",
                audio_file="turn-00.flac",
                words=[Word(word="Workers", start=0.1, end=0.4)],
            )
        ],
    )
    raw = json.loads(session.model_dump_json())
    raw.update({k: v for k, v in changes.items() if k != "turn"})
    raw["turns"][0].update(changes.get("turn", {}))  # type: ignore[call-overload]
    folder = root / SESSION_ID
    folder.mkdir(parents=True)
    (folder / "session.json").write_text(json.dumps(raw))
    return folder


def test_score_refuses_a_newer_schema_as_report_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_session(tmp_path, schema_version=99)
    assert main(["score", str(folder), "--rubric", "distributed-systems-design"]) == 2
    assert "newer interviewer (schema 99)" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("turn", "field"),
    [
        ({"words": [{"word": "x", "start": -5.0, "end": -4.0}]}, "turns.0.words.0.start"),
        ({"audio_file": "../../../../etc/passwd"}, "turns.0.audio_file"),
        ({"audio_file": "/etc/passwd"}, "turns.0.audio_file"),
        ({"duration": float("inf")}, "turns.0.duration"),
    ],
)
def test_a_session_with_impossible_values_is_refused_naming_the_field(
    tmp_path: Path, turn: dict[str, object], field: str
) -> None:
    write_session(tmp_path, turn=turn)
    with pytest.raises(InterviewerError, match=f"field '{field}'"):
        FileSessionStore(tmp_path).load(SESSION_ID)
