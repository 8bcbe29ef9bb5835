"""``interviewer report`` and ``interviewer sessions`` run as a user runs them, on a copy
of the shipped sample in a private recordings dir."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
COMMAND = REPO / ".venv" / "bin" / "interviewer"
SAMPLE = REPO / "recordings" / "sample-job-queue"
SAMPLE_ID = "sample-job-queue"


def run_cli(recordings: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "INTERVIEWER_RECORDINGS_DIR": str(recordings)}
    return subprocess.run(
        [str(COMMAND), *args], capture_output=True, text=True, timeout=120, env=env
    )


def copy_sample(tmp_path: Path) -> Path:
    recordings = tmp_path / "recordings"
    recordings.mkdir()
    shutil.copytree(SAMPLE, recordings / SAMPLE_ID)
    return recordings


def test_report_prints_the_markdown_feedback_of_the_sample(tmp_path: Path) -> None:
    recordings = copy_sample(tmp_path)
    overall = json.loads((SAMPLE / "evaluation.json").read_text())["overall"]
    result = run_cli(recordings, "report", "sample")  # a unique prefix is enough
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"# Interview feedback: {overall}/100")
    assert "## Model answer outline" in result.stdout
    assert "turn-0" in result.stdout, "evidence links into the turn audio"


def test_report_scores_an_unscored_session_first_and_writes_html(tmp_path: Path) -> None:
    recordings = copy_sample(tmp_path)
    folder = recordings / SAMPLE_ID
    expected = json.loads((folder / "evaluation.json").read_text())["overall"]
    for name in ("evaluation.json", "report.md", "report.html"):
        (folder / name).unlink()
    out = tmp_path / "feedback.html"
    result = run_cli(recordings, "report", SAMPLE_ID, "--format", "html", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "not scored yet" in result.stderr and result.stdout == ""
    html = out.read_text()
    assert html.startswith("<!DOCTYPE html>") and f"{expected}/100" in html
    assert json.loads((folder / "evaluation.json").read_text())["overall"] == expected


def test_report_refuses_a_path_as_an_id_without_a_traceback(tmp_path: Path) -> None:
    recordings = copy_sample(tmp_path)
    for bad in ("../recordings/sample-job-queue", "/etc", "nope"):
        result = run_cli(recordings, "report", bad)
        assert result.returncode == 2, (bad, result.stdout, result.stderr)
        assert "error:" in result.stderr and "Traceback" not in result.stderr


def test_sessions_lists_the_sample_with_its_score(tmp_path: Path) -> None:
    recordings = copy_sample(tmp_path)
    result = run_cli(recordings, "sessions", "--json")
    assert result.returncode == 0, result.stderr
    [row] = json.loads(result.stdout)
    assert row["id"] == SAMPLE_ID and row["question"] == "job-queue"
    assert row["overall"] == json.loads((SAMPLE / "evaluation.json").read_text())["overall"]


def test_review_with_an_unknown_id_fails_before_starting_the_app(tmp_path: Path) -> None:
    recordings = copy_sample(tmp_path)
    result = run_cli(recordings, "review", "no-such-session")
    assert result.returncode == 2 and "no session 'no-such-session'" in result.stderr


def test_ids_are_never_cut_in_an_80_column_terminal(tmp_path: Path) -> None:
    """An id is what a user copies into the next command: tables fold other columns."""
    recordings = copy_sample(tmp_path)
    long_id = "2026-12-04T18-30-11-distributed-systems-design-sharding-consistency"
    shutil.copytree(recordings / SAMPLE_ID, recordings / long_id)
    session_file = recordings / long_id / "session.json"
    session = json.loads(session_file.read_text())
    session["id"] = long_id
    session_file.write_text(json.dumps(session))
    env = {"COLUMNS": "80", "INTERVIEWER_RECORDINGS_DIR": str(recordings)}
    sessions = subprocess.run(
        [str(COMMAND), "sessions"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
    )
    assert sessions.returncode == 0, sessions.stderr
    assert long_id in sessions.stdout and SAMPLE_ID in sessions.stdout
    rubrics = subprocess.run(
        [str(COMMAND), "rubrics", "list"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
    )
    assert rubrics.returncode == 0, rubrics.stderr
    listed = json.loads(
        subprocess.run(
            [str(COMMAND), "rubrics", "list", "--json"],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        ).stdout
    )
    for rubric in listed:
        assert rubric["id"] in rubrics.stdout
        for question in rubric["questions"]:
            assert question in rubrics.stdout, question
    assert all(len(line) <= 80 for line in rubrics.stdout.splitlines())
