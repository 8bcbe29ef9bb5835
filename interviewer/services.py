"""The backends a front end needs, behind small callables so tests can swap in fakes.

Each opener is slow (model loads, server start) and is meant to run in a worker thread.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from interviewer.adapters.model_assets import ProgressCallback
from interviewer.core.ports import ChatModel, Transcriber
from interviewer.settings import Settings


@dataclass
class Services:
    """How the app gets its backends. Each opener runs in a worker thread."""

    open_chat: Callable[[ProgressCallback], tuple[ChatModel, Callable[[], None], str]]
    """Returns (chat model, close function, description); reports assembly progress."""
    load_transcriber: Callable[[], Transcriber]


def real_services(settings: Settings) -> Services:
    def open_chat(progress: ProgressCallback) -> tuple[ChatModel, Callable[[], None], str]:
        from interviewer.llm_runtime import open_llm

        runtime = open_llm(settings.llm, on_assemble=progress)
        return runtime.chat, runtime.close, runtime.description

    def load_transcriber() -> Transcriber:
        from pathlib import Path

        from interviewer.adapters.stt.whisper import WhisperTranscriber

        model_dir = Path(settings.stt.model) if settings.stt.model else None
        return WhisperTranscriber(
            model_dir, compute_type=settings.stt.compute_type, threads=settings.stt.threads
        )

    return Services(open_chat=open_chat, load_transcriber=load_transcriber)
