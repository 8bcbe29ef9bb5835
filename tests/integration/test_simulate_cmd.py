"""`interviewer simulate` as a user runs it: typed and spoken answers, a dead endpoint."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

INTERVIEWER = Path(sys.executable).with_name("interviewer")
ANSWERS = Path(__file__).resolve().parents[1] / "data" / "answers"


def simulate(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(INTERVIEWER), "simulate", "--rubric", "distributed-systems-design", *args],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **(env or {})},
        check=False,
    )


def test_typed_answers_make_a_saved_scored_session(isolated_dirs: Path) -> None:
    result = simulate(
        "--question", "job-queue", "--no-llm", "--json",
        "--answers", str(ANSWERS / "jq-mid.txt"), str(ANSWERS / "jq-senior.txt"),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    session_dir = Path(printed["session_dir"])
    assert session_dir.parent == isolated_dirs / "recordings"
    speakers = [t["speaker"] for t in printed["turns"]]
    assert speakers.count("candidate") == 2 and speakers[0] == "interviewer"
    assert (ANSWERS / "jq-senior.txt").read_text().strip() in [t["text"] for t in printed["turns"]]
    evaluation = json.loads((session_dir / "evaluation.json").read_text())
    assert evaluation["overall"] > 0
    assert (session_dir / "report.md").read_text().startswith("#")
    assert oct((session_dir / "session.json").stat().st_mode & 0o777) == "0o600"


def test_a_dead_endpoint_still_runs_the_round_with_scripted_probes(isolated_dirs: Path) -> None:
    """DESIGN: the round never stops for an LLM fault; simulate exits 0."""
    result = simulate(
        "--question", "job-queue", "--json", "--answers", str(ANSWERS / "jq-vague.txt"),
        env={"OPENAI_BASE_URL": "http://127.0.0.1:9/v1", "INTERVIEWER_LLM__MAX_RETRIES": "0"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    turns = json.loads(result.stdout)["turns"]
    session = json.loads(
        (Path(json.loads(result.stdout)["session_dir"]) / "session.json").read_text()
    )
    probes = [t for t in session["turns"] if t["kind"] == "probe"]
    assert probes and all("scripted" in (t["note"] or "") for t in probes), probes
    assert len(turns) == len(session["turns"])


@pytest.mark.models
def test_a_spoken_answer_is_transcribed_and_its_audio_kept(
    isolated_dirs: Path, tmp_path: Path
) -> None:
    import soundfile

    from interviewer.adapters.tts.piper_voice import PiperSynthesizer

    piper = PiperSynthesizer()
    text = (ANSWERS / "jq-mid.txt").read_text().split(".")[0] + "."
    wav = tmp_path / "answer.wav"
    soundfile.write(wav, piper.synthesize(text), piper.sample_rate)
    result = simulate("--question", "job-queue", "--no-llm", "--json", "--answers", str(wav))
    assert result.returncode == 0, result.stderr
    session_dir = Path(json.loads(result.stdout)["session_dir"])
    session = json.loads((session_dir / "session.json").read_text())
    (answer,) = [t for t in session["turns"] if t["speaker"] == "candidate"]
    assert answer["words"] and (session_dir / answer["audio_file"]).is_file()
    heard = set(answer["text"].lower().split())
    assert len(heard & set(text.lower().split())) >= len(text.split()) // 2, answer["text"]
