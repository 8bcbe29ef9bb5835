"""Settings come from defaults, a TOML file and env vars; bad ones give one clear line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from interviewer.errors import ConfigError
from interviewer.settings import load_settings


def write_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    monkeypatch.setenv("INTERVIEWER_CONFIG_FILE", str(path))
    return path


def test_defaults_use_the_embedded_server() -> None:
    settings = load_settings()
    assert settings.llm.uses_embedded_server
    assert settings.round.rubric == "distributed-systems-design"


def test_the_reply_deadline_holds_only_for_the_embedded_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert load_settings().llm.reply_deadline_seconds == 0.8
    monkeypatch.setenv("OPENAI_BASE_URL", "http://gpu-box:8000/v1")
    remote = load_settings().llm
    assert not remote.uses_embedded_server
    assert remote.first_sentence_deadline_seconds == 0.8
    assert remote.reply_deadline_seconds is None  # the user's endpoint is waited for


def test_config_file_and_env_vars(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Env vars override the file; nested keys use a double underscore."""
    write_config(tmp_path, monkeypatch, '[llm]\nmodel = "from-file"\nthreads = 3\n')
    monkeypatch.setenv("INTERVIEWER_LLM__MODEL", "from-env")
    settings = load_settings()
    assert settings.llm.model == "from-env"
    assert settings.llm.threads == 3


def test_openai_variables_select_a_remote_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    settings = load_settings()
    assert settings.llm.base_url == "http://127.0.0.1:9/v1"
    assert not settings.llm.uses_embedded_server
    assert settings.llm.api_key is not None
    assert "sk-test" not in repr(settings), "the key must never be printed"


@pytest.mark.parametrize(
    "text,named",
    [
        ("[llm]\nthreds = 2\n", "llm.threds"),
        ('[llm]\nthreads = "many"\n', "llm.threads"),
        ("colour = 1\n", "colour"),
        ('[round]\nlevel = "principal"\n', "round.level"),
    ],
)
def test_bad_setting_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, named: str
) -> None:
    write_config(tmp_path, monkeypatch, text)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert f"setting '{named}'" in caught.value.message
    assert "\n" not in caught.value.message


def test_not_toml_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_config(tmp_path, monkeypatch, "[llm\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings()


def test_cli_reports_bad_config_without_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It should be possible to mistype a setting and get one line, not a traceback."""
    write_config(tmp_path, monkeypatch, "[llm]\nthreds = 2\n")
    result = subprocess.run(
        [sys.executable, "-m", "interviewer", "doctor"], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "setting 'llm.threds'" in result.stderr
