"""Fakes that implement the ports, for tests that must not load real models."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence

import numpy as np

from interviewer.adapters.model_assets import ProgressCallback
from interviewer.core.ports import ChatMessage, ChatModel, Samples, Transcriber, Transcript
from interviewer.errors import BackendUnavailable
from interviewer.services import Services


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
    def __init__(self, text: str = "") -> None:
        self.text = text

    def transcribe(self, audio: Samples, *, prompt: str | None = None) -> Transcript:
        return Transcript(text=self.text, duration=float(np.asarray(audio).size) / 16_000)


def fake_services(
    chat: ChatModel | None = None,
    transcriber: Transcriber | None = None,
    closed: list[str] | None = None,
) -> Services:
    """Services whose LLM is ``chat`` (or unavailable when None)."""

    def open_chat(progress: ProgressCallback) -> tuple[ChatModel, Callable[[], None], str]:
        progress(50, 100)
        if chat is None:
            raise BackendUnavailable("cannot connect")
        return chat, lambda: closed.append("chat") if closed is not None else None, "fake LLM"

    return Services(
        open_chat=open_chat, load_transcriber=lambda: transcriber or SilentTranscriber()
    )
