"""Settings: defaults, then the TOML config file, then ``INTERVIEWER_*`` env vars.

Nested fields use ``__`` in env vars (``INTERVIEWER_LLM__MODEL=gpt-4o-mini``). The
standard ``OPENAI_BASE_URL`` and ``OPENAI_API_KEY`` also work: naming any endpoint turns
off the embedded llama.cpp server. Unknown keys are errors, so a typo is never silently
ignored.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from interviewer import locations
from interviewer.core.content import Level
from interviewer.errors import ConfigError


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LLMSettings(Section):
    """The chat model behind the interviewer persona."""

    base_url: str | None = Field(
        default=None,
        description="OpenAI-compatible endpoint, e.g. http://localhost:11434/v1 for Ollama. "
        "Unset: the embedded llama.cpp server is started with the bundled model.",
    )
    api_key: SecretStr | None = Field(
        default=None, description="API key for base_url. Never written to recordings or logs."
    )
    model: str | None = Field(
        default=None,
        description="Model name sent to the endpoint. Unset: the endpoint's first model.",
    )
    model_path: Path | None = Field(
        default=None,
        description="A GGUF file for the embedded server instead of the bundled "
        "Qwen2.5-Coder-1.5B-Instruct.",
    )
    threads: int = Field(default=2, ge=1, le=64, description="CPU threads for the server.")
    context_size: int = Field(default=4096, ge=512, le=131072, description="Context tokens.")
    timeout_seconds: float = Field(
        default=30.0, gt=0, le=600, description="Per-request timeout before falling back."
    )
    stall_seconds: float = Field(
        default=5.0,
        gt=0,
        le=600,
        description="Remote endpoint: a reply that sends no words for this long is given "
        "up, the planned line is said instead, and the next turn asks the model again, so "
        "a hanging endpoint never stalls the round longer.",
    )
    max_retries: int = Field(
        default=2, ge=0, le=10, description="Retries with backoff before the scripted probe."
    )
    startup_timeout_seconds: float = Field(
        default=120.0, gt=0, le=1200, description="How long to wait for the embedded server."
    )
    first_sentence_deadline_seconds: float | None = Field(
        default=0.8,
        gt=0,
        le=60,
        description="Embedded server: when no part of the reply to a spoken answer can be "
        "said this long after the answer ended (its question complete, or an opening "
        "acknowledgement), the interviewer says the planned "
        "follow-up as written instead of waiting in silence (replies prepared while the "
        "candidate spoke are ready at once; typed answers always wait for the model). "
        "Unset: always wait for the model.",
    )

    @property
    def uses_embedded_server(self) -> bool:
        return self.base_url is None

    @property
    def reply_deadline_seconds(self) -> float | None:
        """``first_sentence_deadline_seconds`` where it applies: the embedded server on
        this machine's CPU. An endpoint the user chose (a GPU server, a hosted API) is
        waited for, since its wording is what they chose it for."""
        return self.first_sentence_deadline_seconds if self.uses_embedded_server else None


class STTSettings(Section):
    """Speech to text (faster-whisper)."""

    model: str | None = Field(
        default=None,
        description="Bundled model 'tiny.en' or 'base' (multilingual Whisper base, run "
        "as English), or a path to a CTranslate2 Whisper model dir. Unset: bundled tiny.en.",
    )
    compute_type: str = Field(default="int8", description="CTranslate2 compute type.")
    threads: int = Field(default=2, ge=1, le=64, description="CPU threads for Whisper.")
    use_glossary_prompt: bool = Field(
        default=True,
        description="Bias recognition with the rubric's glossary (initial prompt).",
    )
    live_beam_size: int = Field(
        default=1,
        ge=1,
        le=10,
        description="Beams for the live transcript: 5 cut its WER by a quarter on unfamiliar "
        "voices but made each live decode ~20% slower and the end-of-answer decode ~0.08 s.",
    )
    final_pass: bool = Field(
        default=True,
        description="Transcribe each spoken answer again, whole and with beam search, "
        "while the interviewer replies; that transcript is the one scored and reviewed.",
    )


class AudioSettings(Section):
    """Microphone capture and turn-taking."""

    input_device: str | int | None = Field(
        default=None, description="sounddevice input device name or index; unset: default."
    )
    hands_free: bool = Field(
        default=False,
        description="End turns on silence (after the persona's patience) instead of a key.",
    )
    turn_model_path: Path | None = Field(
        default=None,
        description="Hands-free: a smart-turn .onnx end-of-turn model instead of the one "
        "in the pipecat-ai package. Without either, a pause ends the turn after the "
        "persona's patience.",
    )
    turn_end_check_seconds: list[float] = Field(
        default=[0.7],
        description="Hands-free: the pause lengths (s, increasing) at which the end-of-turn "
        "model is asked whether the answer is finished; [] never asks it.",
    )
    turn_end_threshold: float = Field(
        default=0.95,
        ge=0,
        le=1,
        description="Hands-free: the end-of-turn model's probability of 'finished' at "
        "which that pause ends the turn (tuned by `interviewer bench turns`).",
    )


class TTSSettings(Section):
    """The interviewer's voice."""

    engine: Literal["piper", "espeak", "none"] = Field(
        default="piper", description="piper (bundled voice), espeak (espeak-ng), or none."
    )
    voice_path: Path | None = Field(
        default=None, description="A Piper .onnx voice instead of the bundled one."
    )


class RoundSettings(Section):
    """Defaults for a practice round."""

    persona: str = Field(default="staff-infra", description="Persona id.")
    rubric: str = Field(default="distributed-systems-design", description="Rubric id.")
    question: str | None = Field(default=None, description="Question id; unset: random.")
    level: Level = Field(default=Level.SENIOR, description="mid, senior or staff.")
    minutes: float = Field(default=25.0, gt=0, le=120, description="Time budget.")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="INTERVIEWER_",
        env_nested_delimiter="__",
        extra="forbid",
    )

    llm: LLMSettings = Field(default_factory=LLMSettings)
    stt: STTSettings = Field(default_factory=STTSettings)
    audio: AudioSettings = Field(default_factory=AudioSettings)
    tts: TTSSettings = Field(default_factory=TTSSettings)
    round: RoundSettings = Field(default_factory=RoundSettings)
    recordings_dir: Path = Field(
        default_factory=locations.default_recordings_dir,
        description="Where sessions are saved (owner-only permissions).",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=locations.config_file())
        return (init_settings, env_settings, toml)


def load_settings(**overrides: Any) -> Settings:
    """Build settings, or raise ``ConfigError`` with one line naming the bad setting."""
    config_path = locations.config_file()
    if config_path.exists():
        try:
            tomllib.loads(config_path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"{config_path}: not valid TOML ({error})") from None
    try:
        settings = Settings(**overrides)
    except ValidationError as error:
        first = error.errors()[0]
        name = ".".join(str(part) for part in first["loc"])
        source = f" (in {config_path} or INTERVIEWER_* env)" if config_path.exists() else ""
        raise ConfigError(
            f"setting '{name}': {first['msg']}{source}",
            fix="see `interviewer doctor` and the README's Configuration section",
        ) from None
    _apply_openai_env(settings)
    return settings


def _apply_openai_env(settings: Settings) -> None:
    """Honour the standard OpenAI variables when our own settings leave them unset."""
    base_url = os.environ.get("OPENAI_BASE_URL")
    api_key = os.environ.get("OPENAI_API_KEY")
    if settings.llm.base_url is None and base_url:
        settings.llm.base_url = base_url
    if settings.llm.api_key is None and api_key:
        settings.llm.api_key = SecretStr(api_key)
    if settings.llm.base_url is None and settings.llm.api_key is not None:
        # A key alone means "use OpenAI"; nothing local is started.
        settings.llm.base_url = "https://api.openai.com/v1"
