"""The ports: small interfaces between the core and the outside world.

Adapters in ``interviewer.adapters`` implement them for real hardware and models; tests
implement them with fakes. The core and the front ends only ever see these types.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from interviewer.core.session import Session, Word

SAMPLE_RATE = 16_000
"""Every audio block crossing a port is 16 kHz mono float32 in [-1, 1]."""

Samples = NDArray[np.float32]


@dataclass(frozen=True)
class AudioBlock:
    """A short block of captured audio."""

    samples: Samples
    started_at: float
    """Seconds since capture started."""


@runtime_checkable
class AudioSource(Protocol):
    """Where the candidate's voice comes from: a microphone or a file."""

    def blocks(self) -> Iterator[AudioBlock]:
        """Yield blocks until the source ends or ``stop()`` is called."""
        ...

    def stop(self) -> None: ...


@dataclass(frozen=True)
class Transcript:
    text: str
    duration: float
    words: list[Word] = field(default_factory=list)
    language: str = "en"


@runtime_checkable
class Transcriber(Protocol):
    """Speech to text. ``audio`` is 16 kHz mono float32 samples."""

    def transcribe(self, audio: Samples, *, prompt: str | None = None) -> Transcript: ...


Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class ChatMessage:
    role: Role
    content: str


@dataclass(frozen=True)
class ChatRequest:
    """One ``ChatModel.stream`` call's arguments: what a prepared reply is keyed by."""

    messages: tuple[ChatMessage, ...]
    max_tokens: int
    temperature: float


@runtime_checkable
class ChatModel(Protocol):
    """An LLM behind an OpenAI-compatible chat API (or a fake).

    ``stream`` yields text deltas. It raises ``BackendUnavailable`` when the endpoint
    cannot be used; callers decide how to degrade.
    """

    @property
    def model_name(self) -> str: ...

    def stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        max_tokens: int = 256,
        temperature: float = 0.6,
    ) -> Iterator[str]: ...


@runtime_checkable
class Speaker(Protocol):
    """Text to speech for the interviewer's lines."""

    def say(self, text: str) -> None:
        """Speak ``text``; returns when done or when ``stop()`` interrupts it."""
        ...

    def stop(self) -> None:
        """Barge-in: stop speaking now."""
        ...


@runtime_checkable
class SessionStore(Protocol):
    """Where rounds are kept."""

    def save(self, session: Session) -> None: ...

    def load(self, session_id: str) -> Session: ...

    def list_ids(self) -> list[str]: ...


@runtime_checkable
class SentenceSimilarity(Protocol):
    """How close in meaning sentences are: what lets evidence survive paraphrase.

    The scorer asks it whether a candidate sentence means what a checklist item's
    exemplars mean; the adapter is a small sentence encoder (MiniLM, ONNX) on the CPU.
    """

    def similarities(
        self, sentences: Sequence[str], references: Sequence[str]
    ) -> list[list[float]]:
        """Cosine similarity in [-1, 1] of each sentence (rows) to each reference (columns)."""
        ...


@runtime_checkable
class TurnEndDetector(Protocol):
    """Semantic end of turn: does the answer sound finished at this pause?

    Hands-free, the endpointer asks it once per pause (rule H5 in ``core.endpointing``);
    the adapter is the smart-turn ONNX model, which hears intonation and wording.
    """

    def probability_finished(self, audio: Samples) -> float:
        """Probability in [0, 1] that the speaker has finished, given the turn's audio so
        far (16 kHz mono; the adapter looks at its last seconds only)."""
        ...
