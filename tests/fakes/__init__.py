"""Fakes that implement the ports, for tests that must not load real models or devices."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from interviewer.adapters.model_assets import ProgressCallback
from interviewer.adapters.stt.whisper import RecognizedSegment
from interviewer.adapters.tts.speaker import SilentSpeaker
from interviewer.core.content import Persona
from interviewer.core.ports import AudioSource, ChatMessage, ChatModel, Samples, Transcript
from interviewer.errors import BackendUnavailable
from interviewer.services import ClosableSpeaker, Recognizer, Services

if TYPE_CHECKING:
    from pathlib import Path

    from interviewer.adapters.stt.final_pass import FinalPass
    from interviewer.core.ports import Speaker
    from interviewer.live import LiveRound


class ScriptedChat:
    """Replies with the next scripted line; records what it was asked."""

    def __init__(self, replies: Sequence[str]) -> None:
        self.replies = list(replies)
        self.requests: list[list[ChatMessage]] = []

    @property
    def model_name(self) -> str:
        return "scripted"

    def stream(
        self, messages: Sequence[ChatMessage], *, max_tokens: int = 256, temperature: float = 0.6
    ) -> Iterator[str]:
        self.requests.append(list(messages))
        reply = self.replies.pop(0) if self.replies else ""
        # Token-like pieces that keep their spaces, as a real stream does.
        yield from re.findall(r"\S+\s*", reply)


class SilentTranscriber:
    """Hears nothing (or always the same ``text``): for rounds answered by typing."""

    default_prompt: str | None = None

    def __init__(self, text: str = "") -> None:
        self.text = text

    def transcribe(self, audio: Samples, *, prompt: str | None = None) -> Transcript:
        return Transcript(text=self.text, duration=float(np.asarray(audio).size) / 16_000)

    def recognize(
        self, audio: Samples, *, prompt: str | None = None, fallback: bool = True
    ) -> list[RecognizedSegment]:
        return []


class NoMicrophone(BackendUnavailable):
    """What a machine without an input device reports."""


def no_microphone() -> AudioSource:
    raise NoMicrophone("no input device found", fix="type your answers, or plug in a mic")


def fake_services(
    chat: ChatModel | None = None,
    transcriber: Recognizer | None = None,
    closed: list[str] | None = None,
    *,
    microphone: Callable[[], AudioSource] = no_microphone,
    speaker: Callable[[Persona], ClosableSpeaker] | None = None,
) -> Services:
    """Services whose LLM is ``chat`` (or unavailable when None); no microphone unless
    one is given (typed answers), no VAD, a silent voice unless ``speaker``."""

    def open_chat(progress: ProgressCallback) -> tuple[ChatModel, Callable[[], None], str]:
        progress(50, 100)
        if chat is None:
            raise BackendUnavailable("cannot connect")
        return chat, lambda: closed.append("chat") if closed is not None else None, "fake LLM"

    return Services(
        open_chat=open_chat,
        load_transcriber=lambda glossary: transcriber or SilentTranscriber(),
        open_microphone=microphone,
        load_vad=lambda: None,
        open_speaker=speaker or (lambda persona: SilentSpeaker()),
    )


def job_queue_round(
    store_dir: Path,
    chat: Any,
    *,
    speaker: Speaker | None = None,
    final_pass: FinalPass | None = None,
) -> LiveRound:
    """A live round of the job-queue question at senior level with the staff-infra persona,
    saved under ``store_dir``: the set-up most round tests share. ``chat`` is any object
    with the ``ChatModel`` methods (fakes, some deliberately misbehaving)."""
    from interviewer import catalog
    from interviewer.adapters.store.files import FileSessionStore
    from interviewer.core.content import Level
    from interviewer.live import LiveRound

    rubric = catalog.load_rubrics().get("distributed-systems-design", "rubric")
    return LiveRound(
        store=FileSessionStore(store_dir),
        persona=catalog.load_personas().get("staff-infra", "persona"),
        rubric=rubric,
        question=rubric.question("job-queue"),
        level=Level.SENIOR,
        chat=chat,
        speaker=speaker,
        round_minutes=25,
        on_event=lambda event: None,
        final_pass=final_pass,
    )


def whisper_segment(text: str, start: float, step: float = 0.3) -> Any:
    """What faster-whisper yields for ``text`` said from ``start``: one word every ``step``
    seconds, confident, not a hallucination."""
    from types import SimpleNamespace

    words = [
        SimpleNamespace(
            word=" " + w, start=start + i * step, end=start + i * step + 0.25, probability=0.9
        )
        for i, w in enumerate(text.split())
    ]
    return SimpleNamespace(
        text=" " + text,
        start=start,
        end=words[-1].end,
        words=words,
        no_speech_prob=0.01,
        avg_logprob=-0.2,
        compression_ratio=1.4,
    )
