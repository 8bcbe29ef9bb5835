"""The core must stay importable without the UI, audio, ML or network libraries."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import interviewer.core

FORBIDDEN = ["textual", "sounddevice", "faster_whisper", "openai", "llama_cpp", "piper"]


def core_modules() -> list[str]:
    return [
        f"interviewer.core.{info.name}" for info in pkgutil.iter_modules(interviewer.core.__path__)
    ]


def test_core_has_modules() -> None:
    """The check below would pass vacuously on an empty package."""
    assert "interviewer.core.content" in core_modules()


def test_core_imports_no_edge_library() -> None:
    """Importing every core module in a fresh interpreter loads none of the edge libraries."""
    script = (
        "import importlib, json, sys\n"
        f"for name in {core_modules()!r}: importlib.import_module(name)\n"
        f"print(json.dumps([m for m in {FORBIDDEN!r} if m in sys.modules]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout) == []


def test_hygiene_check_detects_a_leak() -> None:
    """The subprocess check really sees an edge import when one happens."""
    script = "import sys, textual; print('textual' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.stdout.strip() == "True"
