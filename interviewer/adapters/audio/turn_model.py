"""Semantic end of turn: the smart-turn v3.2 model (ONNX, CPU) behind ``TurnEndDetector``.

smart-turn (Daily, BSD 2-Clause) is a Whisper-tiny-sized encoder trained to say from the
last 8 seconds of audio whether a speaker has finished their turn or only paused: it
hears a falling or level intonation and a trailing "um". Its 8.7 MB file ships inside
the ``pipecat-ai`` wheel on PyPI, which ``scripts/setup`` installs with ``--no-deps``
(we use the file only: pipecat's own dependency pins, ``soundfile~=0.13`` and
``protobuf<7``, never come in). The file is found without importing pipecat;
``audio.turn_model_path`` names another file. Nothing is downloaded at run time: without
the file, hands-free turns end on the persona's patience as before, and
``interviewer doctor`` says so.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import numpy as np

from interviewer.adapters.audio.whisper_features import (
    WINDOW_SAMPLES,
    compute_whisper_log_mel_features,
)
from interviewer.core.ports import Samples
from interviewer.errors import InterviewerError

PACKAGE = "pipecat"
PACKAGE_PIN = "pipecat-ai==1.14.0"
MODEL_FILE = Path("audio") / "turn" / "smart_turn" / "data" / "smart-turn-v3.2-cpu.onnx"
"""Where the model sits inside the installed ``pipecat`` package."""
INSTALL_FIX = f".venv/bin/pip install --no-deps {PACKAGE_PIN} (or run ./scripts/setup)"


class TurnModelUnavailable(InterviewerError):
    """The end-of-turn model file is missing or does not load."""


def bundled_model_path() -> Path:
    """The smart-turn file inside the installed pipecat-ai wheel, found without importing
    pipecat (its ``__init__`` needs packages we do not install)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise TurnModelUnavailable(
            f"the end-of-turn model package '{PACKAGE_PIN}' is not installed",
            fix=INSTALL_FIX,
        )
    path = Path(next(iter(spec.submodule_search_locations))) / MODEL_FILE
    if not path.is_file():
        raise TurnModelUnavailable(
            f"the end-of-turn model file is missing: {path}", fix=INSTALL_FIX
        )
    return path


def model_path(configured: Path | None = None) -> Path:
    """``audio.turn_model_path`` when set (it must exist), else the bundled file."""
    if configured is None:
        return bundled_model_path()
    path = configured.expanduser()
    if not path.is_file():
        raise TurnModelUnavailable(
            f"audio.turn_model_path: no such file: {path}",
            fix="point audio.turn_model_path at a smart-turn .onnx file, or unset it",
        )
    return path


class SmartTurnDetector:
    """``TurnEndDetector`` on onnxruntime: one inference per pause, ~0.1 s on one core."""

    def __init__(self, path: Path, *, threads: int = 1) -> None:
        try:
            import onnxruntime as ort

            options = ort.SessionOptions()
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
            self._session: Any = ort.InferenceSession(
                str(path), sess_options=options, providers=["CPUExecutionProvider"]
            )
        except (ImportError, RuntimeError, OSError, ValueError) as error:
            raise TurnModelUnavailable(
                f"the end-of-turn model {path} could not load ({error})", fix=INSTALL_FIX
            ) from None
        self.path = path
        self._input = self._session.get_inputs()[0].name

    @classmethod
    def load(cls, configured: Path | None = None) -> SmartTurnDetector:
        return cls(model_path(configured))

    def probability_finished(self, audio: Samples) -> float:
        data = np.asarray(audio, dtype=np.float32).reshape(-1)[-WINDOW_SAMPLES:]
        # The model was trained on the end of the turn, left-padded with silence.
        data = np.pad(data, (WINDOW_SAMPLES - data.size, 0))
        features = compute_whisper_log_mel_features(data, do_normalize=True)[None, :, :]
        outputs = self._session.run(None, {self._input: features})
        return float(np.asarray(outputs[0]).reshape(-1)[0])
