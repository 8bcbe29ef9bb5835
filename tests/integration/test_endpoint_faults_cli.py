"""Issue 20, end to end through the installed CLI: `interviewer simulate` against a
fake OpenAI-compatible endpoint whose /v1/models answers garbage and whose URL carries
credentials. The round is saved, no traceback, no secret anywhere on disk or on screen."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

from tests.fakes.openai_server import FakeOpenAIServer

REPO = Path(__file__).resolve().parents[2]
COMMAND = REPO / ".venv" / "bin" / "interviewer"
SECRETS = ("hunter2", "sk-live-42")


def test_simulate_against_a_garbage_endpoint_with_credentials_saves_the_round(
    tmp_path: Path,
) -> None:
    answer = tmp_path / "answer.txt"
    answer.write_text("Workers lease jobs from Postgres and retry with backoff.")
    recordings = tmp_path / "recordings"
    with FakeOpenAIServer(garbage_models=True) as server:
        url = server.url.replace("http://", "http://dana:hunter2@") + "?api-key=sk-live-42"
        command = [str(COMMAND), "simulate", "--rubric", "distributed-systems-design"]
        command += ["--question", "job-queue", "--answers", str(answer), "--json"]
        result = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=300,
            env={
                **os.environ,
                "OPENAI_BASE_URL": url,
                "INTERVIEWER_RECORDINGS_DIR": str(recordings),
            },
        )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    session_dir = Path(json.loads(result.stdout)["session_dir"])
    session = json.loads((session_dir / "session.json").read_text())
    assert session["status"] == "complete"
    assert [t["text"] for t in session["turns"] if t["speaker"] == "candidate"] == [
        answer.read_text()
    ]
    for path in recordings.rglob("*"):
        if path.is_file():
            text = path.read_text(errors="replace")
            assert not any(secret in text for secret in SECRETS), path
    assert not any(secret in result.stdout + result.stderr for secret in SECRETS)
    assert stat.S_IMODE(recordings.stat().st_mode) == 0o700
