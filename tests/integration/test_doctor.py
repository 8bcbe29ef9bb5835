"""``interviewer doctor --json`` reports every component, each failure with its fix."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from interviewer.doctor import Status, check_recordings_dir
from interviewer.settings import load_settings

COMPONENTS = [
    "microphone",
    "whisper",
    "llm",
    "tts",
    "scoring_encoder",
    "turn_model",
    "recordings_dir",
]


def run_doctor(env: dict[str, str] | None = None) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-m", "interviewer", "doctor", "--json"],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=300,
    )
    assert "Traceback" not in result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    assert result.returncode == (0 if report["ok"] else 1)
    return report


@pytest.mark.models
@pytest.mark.llm
def test_doctor_reports_every_component_with_fixes() -> None:
    report = run_doctor()
    checks = {c["name"]: c for c in report["checks"]}
    assert list(checks) == COMPONENTS
    for name in ["whisper", "llm", "tts", "scoring_encoder", "turn_model", "recordings_dir"]:
        assert checks[name]["status"] == "ok", checks[name]
    assert "microphone check" in checks["whisper"]["detail"].lower()
    for check in checks.values():
        if check["status"] == "fail":
            assert check["fix"], f"{check['name']} failed without a fix"


def test_dead_endpoint_is_a_failed_check_not_a_crash() -> None:
    report = run_doctor(
        {"OPENAI_BASE_URL": "http://127.0.0.1:9/v1", "INTERVIEWER_TTS__ENGINE": "none"}
    )
    llm = next(c for c in report["checks"] if c["name"] == "llm")
    assert llm["status"] == "fail"
    assert "cannot connect" in llm["detail"]
    assert report["ok"] is False


def test_unwritable_recordings_dir_says_how_to_fix(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    settings = load_settings(recordings_dir=blocker / "recordings")
    result = check_recordings_dir(settings)
    assert result.status is Status.FAIL
    assert result.fix is not None and "INTERVIEWER_RECORDINGS_DIR" in result.fix


def test_a_missing_turn_model_is_a_warning_with_the_fallback_and_the_fix(
    tmp_path: Path,
) -> None:
    from interviewer.doctor import check_turn_model

    settings = load_settings(audio={"turn_model_path": tmp_path / "missing.onnx"})
    result = check_turn_model(settings)
    assert result.status is Status.WARN
    assert "patience" in result.detail and "missing.onnx" in result.detail
    assert result.fix
