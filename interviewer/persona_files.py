"""Writes personas back to TOML: what the persona editor saves into the user dir.

Every field is written explicitly (defaults included) so that a saved file shows the user
everything they can change, and ``[voice]`` stays a table as in the shipped files. Saving
is atomic (a temp file in the same dir, then ``os.replace``): a crash mid-save leaves the
old file intact, never half a persona that would fail ``interviewer personas check``.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

import tomli_w

from interviewer.core.content import Persona

__all__ = ["persona_path", "persona_to_toml", "save_persona"]

_HEADER = "# Saved by the interviewer persona editor; `interviewer personas check` validates it.\n"


def persona_to_toml(persona: Persona) -> str:
    """The persona as a TOML document that loads back to an equal ``Persona``."""
    data = persona.model_dump(mode="json")
    # tomli_w writes plain keys before tables, so [voice] ends up last, like the shipped files.
    return _HEADER + tomli_w.dumps(data, multiline_strings=True)


def persona_path(persona_id: str, user_dir: Path) -> Path:
    """Where a persona with this id lives in the user dir (the catalog requires id == stem)."""
    return user_dir / f"{persona_id}.toml"


def save_persona(persona: Persona, user_dir: Path) -> Path:
    """Write ``<user_dir>/<id>.toml`` atomically, creating the dir; return the path."""
    user_dir.mkdir(parents=True, exist_ok=True)
    target = persona_path(persona.id, user_dir)
    text = persona_to_toml(persona)
    # The temp file must be in the same dir: os.replace is atomic only within one file system.
    handle, temp_name = tempfile.mkstemp(prefix=f".{persona.id}.", suffix=".tmp", dir=user_dir)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as temp:
            temp.write(text)
            temp.flush()
            os.fsync(temp.fileno())
        os.chmod(temp_name, 0o644)
        os.replace(temp_name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise
    return target
