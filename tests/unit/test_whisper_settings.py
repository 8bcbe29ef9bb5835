"""The Whisper model comes from settings; a wrong path is an error with a fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from interviewer.adapters.stt.whisper import WhisperTranscriber
from interviewer.cli.main import main
from interviewer.errors import ConfigError
from interviewer.settings import STTSettings


def test_a_dir_without_a_model_is_a_config_error_with_a_fix(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        WhisperTranscriber.from_settings(STTSettings(model=str(tmp_path)))
    assert str(tmp_path) in caught.value.message
    assert caught.value.fix and "stt.model" in caught.value.fix


def test_transcribe_with_a_bad_model_setting_exits_2_without_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("INTERVIEWER_STT__MODEL", str(tmp_path / "no-model"))
    audio = tmp_path / "a.wav"
    audio.write_bytes(b"")
    assert main(["transcribe", str(audio)]) == 2
    err = capsys.readouterr().err
    assert "error:" in err and "fix:" in err
