"""Push-to-talk outside a round: f5 starts the microphone, f5 again stops it, Whisper
transcribes. The debrief (a spoken question) and the drill (a spoken answer) use it.

A round's live path (endpointing, live captions, crash-safe WAV) is more than a single
spoken question needs; this is the mic check's path, with the key instead of a timer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from interviewer.core.ports import SAMPLE_RATE, Samples
from interviewer.core.session import Word
from interviewer.services import Services


@dataclass(frozen=True)
class Heard:
    text: str
    duration: float
    words: list[Word] = field(default_factory=list)
    audio: Samples = field(default_factory=lambda: np.zeros(0, np.float32))


class PushToTalk:
    """One recording at a time; ``stop`` (from the UI thread) ends ``record`` (in a worker)."""

    def __init__(self) -> None:
        self.listening = False

    def stop(self) -> None:
        self.listening = False

    def record(self, services: Services, glossary: Sequence[str]) -> Heard:
        """Record until ``stop``, then transcribe. Blocking: call it in a worker thread.
        Raises ``InterviewerError`` (with a fix) when there is no microphone."""
        self.listening = True
        try:
            microphone = services.open_microphone()
            kept = []
            for block in microphone.blocks():
                kept.append(block.samples)
                if not self.listening:
                    break
            microphone.stop()
        finally:
            self.listening = False
        audio = np.concatenate(kept) if kept else np.zeros(0, np.float32)
        transcript = services.load_transcriber(glossary).transcribe(audio)
        return Heard(
            transcript.text.strip(), audio.size / SAMPLE_RATE, list(transcript.words), audio
        )


def save_flac(path: Path, audio: Samples) -> None:
    """A spoken answer kept beside its session (owner-only, like every recording)."""
    import soundfile

    soundfile.write(path, audio, SAMPLE_RATE, format="FLAC", subtype="PCM_16")
    path.chmod(0o600)
