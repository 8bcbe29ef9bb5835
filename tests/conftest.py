"""Shared fixtures. Every test runs with private config, state and recordings dirs so it
can neither read nor damage the user's own; the model cache stays shared (read-only use)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("INTERVIEWER_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("INTERVIEWER_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("INTERVIEWER_RECORDINGS_DIR", str(tmp_path / "recordings"))
    for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    yield tmp_path


@pytest.fixture(scope="session")
def similarity() -> object:
    """The real bundled sentence encoder (MiniLM int8 ONNX): tests using it are marked
    ``models``. Loaded once per test session."""
    from interviewer.adapters.embeddings.minilm import (
        MiniLmSimilarity,
        default_model_path,
        default_tokenizer_path,
    )

    return MiniLmSimilarity(default_model_path(), default_tokenizer_path())
