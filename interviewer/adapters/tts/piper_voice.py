"""Synthesis with Piper and the bundled en_US-joe-medium voice."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from piper import PiperVoice, SynthesisConfig

from interviewer.adapters import model_assets
from interviewer.core.ports import Samples


class PiperSynthesizer:
    """Text to float32 samples at the voice's own sample rate."""

    def __init__(self, voice_path: Path | None = None, *, speaking_rate: float = 1.0) -> None:
        self.voice_path = voice_path or model_assets.piper_voice_path()
        self._voice = PiperVoice.load(str(self.voice_path))
        self.sample_rate: int = self._voice.config.sample_rate
        self._config = SynthesisConfig(length_scale=1.0 / speaking_rate)

    def synthesize(self, text: str) -> Samples:
        chunks = [
            chunk.audio_float_array.astype(np.float32)
            for chunk in self._voice.synthesize(text, syn_config=self._config)
        ]
        return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)
