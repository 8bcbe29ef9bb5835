"""``interviewer score`` run as a user runs it: the installed command in a subprocess."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from interviewer import catalog
from interviewer.core.session import Session, Speaker, Turn, TurnKind, Word

REPO = Path(__file__).resolve().parents[2]
COMMAND = REPO / ".venv" / "bin" / "interviewer"
ANSWERS = REPO / "tests" / "data" / "answers"
RUBRIC = "distributed-systems-design"


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(COMMAND), "score", *args], capture_output=True, text=True, timeout=120
    )


def check_contract(data: dict[str, object], text: str) -> None:
    assert set(data) == {"rubric", "question", "overall", "criteria", "delivery"}
    assert data["rubric"] == RUBRIC
    assert isinstance(data["overall"], int) and 0 <= data["overall"] <= 100
    criteria = data["criteria"]
    assert isinstance(criteria, list)
    rubric = catalog.load_rubrics().get(RUBRIC, "rubric")
    assert [c["id"] for c in criteria] == [c.id for c in rubric.criteria]
    flat = " ".join(text.lower().split())
    for criterion in criteria:
        assert set(criterion) == {"id", "level", "score", "evidence", "missing"}
        assert 1 <= criterion["level"] <= 4 and 0 <= criterion["score"] <= 100
        assert isinstance(criterion["missing"], list)
        for quote in criterion["evidence"]:
            assert set(quote) == {"quote", "start", "end"}
            assert " ".join(quote["quote"].lower().split()) in flat


def test_txt_answer_json_matches_the_contract() -> None:
    path = ANSWERS / "jq-senior.txt"
    result = run_cli(str(path), "--rubric", RUBRIC, "--question", "job-queue", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    check_contract(data, path.read_text(encoding="utf-8"))
    assert data["question"] == "job-queue"
    assert data["delivery"] is None
    assert data["overall"] > 0


def test_transcript_json_gets_timestamps_and_delivery(tmp_path: Path) -> None:
    text = "Failed jobs go to a dead letter queue, and um we retry with exponential backoff."
    spoken = text.replace(",", "").replace(".", "").split()
    words = [
        {"word": w, "start": 1.0 + i * 0.4, "end": 1.3 + i * 0.4, "probability": 0.9}
        for i, w in enumerate(spoken)
    ]
    path = tmp_path / "answer.json"
    path.write_text(json.dumps({"file": "a.wav", "text": text, "duration": 9.0, "words": words}))
    result = run_cli(str(path), "--rubric", RUBRIC, "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    check_contract(data, text)
    failure = next(c for c in data["criteria"] if c["id"] == "failure-handling")
    assert failure["evidence"][0]["start"] == 1.0
    assert data["delivery"]["filler_counts"] == {"um": 1}


def test_session_dir_scores_candidate_turns(tmp_path: Path) -> None:
    text = (ANSWERS / "jq-mid.txt").read_text(encoding="utf-8")
    session = Session(
        id="s1",
        persona_id="staff-infra",
        rubric_id=RUBRIC,
        question_id="job-queue",
        turns=[
            Turn(
                index=0,
                speaker=Speaker.INTERVIEWER,
                kind=TurnKind.QUESTION,
                text="Use fencing tokens and a dead letter queue.",
                duration=4.0,
            ),
            Turn(
                index=1,
                speaker=Speaker.CANDIDATE,
                kind=TurnKind.ANSWER,
                text=text,
                started_at=5.0,
                words=[
                    Word(word=w, start=i * 0.3, end=i * 0.3 + 0.2)
                    for i, w in enumerate(text.split())
                ],
            ),
        ],
    )
    session_dir = tmp_path / "s1"
    session_dir.mkdir()
    (session_dir / "session.json").write_text(session.model_dump_json())
    result = run_cli(str(session_dir), "--rubric", RUBRIC, "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    check_contract(data, text)
    assert data["question"] == "job-queue"
    failure = next(c for c in data["criteria"] if c["id"] == "failure-handling")
    assert all("fencing" not in q["quote"].lower() for q in failure["evidence"])
    assert data["delivery"]["talk_time_share"] is not None

    readable = run_cli(str(session_dir), "--rubric", RUBRIC)
    assert readable.returncode == 0, readable.stderr
    assert f"{data['overall']}/100" in readable.stdout


def test_broken_inputs_give_error_and_fix_without_traceback(tmp_path: Path) -> None:
    (tmp_path / "empty-dir").mkdir()
    (tmp_path / "bad.json").write_text("{not json")
    (tmp_path / "no-text.json").write_text('{"file": "a.wav", "words": []}')
    (tmp_path / "empty.txt").write_text("   \n")
    (tmp_path / "audio.wav").write_bytes(b"RIFF....WAVE")
    (tmp_path / "bad-session").mkdir()
    (tmp_path / "bad-session" / "session.json").write_text('{"id": 3}')
    answer = str(ANSWERS / "jq-mid.txt")
    cases = [
        [str(tmp_path / "missing.txt"), "--rubric", RUBRIC],
        [str(tmp_path / "empty-dir"), "--rubric", RUBRIC],
        [str(tmp_path / "bad.json"), "--rubric", RUBRIC],
        [str(tmp_path / "no-text.json"), "--rubric", RUBRIC],
        [str(tmp_path / "empty.txt"), "--rubric", RUBRIC],
        [str(tmp_path / "audio.wav"), "--rubric", RUBRIC],
        [str(tmp_path / "bad-session"), "--rubric", RUBRIC],
        [answer, "--rubric", "no-such-rubric"],
        [answer, "--rubric", RUBRIC, "--question", "no-such-question"],
    ]
    for args in cases:
        result = run_cli(*args, "--json")
        assert result.returncode == 2, (args, result.stderr)
        assert "error:" in result.stderr and "fix:" in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr
        assert result.stdout == ""
