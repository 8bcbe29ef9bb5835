"""The one place where file-system locations are decided.

Shipped content (``personas/``, ``rubrics/``) lives in the repository next to the package;
the user's own content, config, cache and logs live in the platform's per-user dirs. Every
path can be overridden by settings; environment variables exist mainly for tests.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "interviewer"

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent
ASSETS_DIR = PACKAGE_DIR / "assets"


def _env_path(name: str) -> Path | None:
    value = os.environ.get(name)
    return Path(value).expanduser() if value else None


SHIPPED_IN_PACKAGE = PACKAGE_DIR / "shipped"
"""Where an installed wheel keeps the shipped personas and rubrics (pyproject.toml copies
the repository's top-level folders there); a checkout uses those folders themselves."""


def _shipped(name: str) -> Path:
    packaged = SHIPPED_IN_PACKAGE / name
    return packaged if packaged.is_dir() else REPO_DIR / name


def shipped_personas_dir() -> Path:
    return _shipped("personas")


def shipped_rubrics_dir() -> Path:
    return _shipped("rubrics")


def config_dir() -> Path:
    return _env_path("INTERVIEWER_CONFIG_DIR") or Path(platformdirs.user_config_dir(APP_NAME))


def config_file() -> Path:
    """Optional TOML config; see README 'Configuration'."""
    return _env_path("INTERVIEWER_CONFIG_FILE") or config_dir() / "config.toml"


def user_personas_dir() -> Path:
    """User personas; a file here overrides a shipped persona with the same id."""
    return config_dir() / "personas"


def user_rubrics_dir() -> Path:
    return config_dir() / "rubrics"


def cache_dir() -> Path:
    """Assembled model files and other rebuildable data."""
    return _env_path("INTERVIEWER_CACHE_DIR") or Path(platformdirs.user_cache_dir(APP_NAME))


def state_dir() -> Path:
    """Logs and the embedded server's pid file."""
    return _env_path("INTERVIEWER_STATE_DIR") or Path(platformdirs.user_state_dir(APP_NAME))


def log_dir() -> Path:
    return state_dir() / "logs"


def default_recordings_dir() -> Path:
    """``recordings/`` at the repository root, next to the shipped sample session."""
    return REPO_DIR / "recordings"
