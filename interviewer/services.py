"""The backends a front end needs, behind small callables so tests can swap in fakes.

Each opener is slow (model loads, server start, opening a device) and is meant to run in
a worker thread. Each raises an ``InterviewerError`` (with a fix) when its backend cannot
be used; the front end degrades (typed answers, scripted probes, text only) instead of
ending the round.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from interviewer.adapters.model_assets import ProgressCallback
from interviewer.core.content import Persona
from interviewer.core.ports import (
    AudioSource,
    ChatModel,
    Samples,
    SentenceSimilarity,
    Speaker,
    Transcript,
    TurnEndDetector,
)
from interviewer.settings import Settings

if TYPE_CHECKING:
    from interviewer.adapters.audio.vad import SileroVad
    from interviewer.adapters.stt.final_pass import WholeTranscriber
    from interviewer.adapters.stt.whisper import RecognizedSegment


class Recognizer(Protocol):
    """What a round needs from speech recognition: whole clips (the mic check, audio
    files) and trailing windows (live transcription). ``WhisperTranscriber`` is one."""

    @property
    def default_prompt(self) -> str | None: ...

    def transcribe(self, audio: Samples, *, prompt: str | None = None) -> Transcript: ...

    def recognize(
        self, audio: Samples, *, prompt: str | None = None, fallback: bool = True
    ) -> list[RecognizedSegment]: ...


class ClosableSpeaker(Speaker, Protocol):
    """A speaker the app can wait for and shut down."""

    note: str
    """Why the voice is degraded ('' when all is well): shown, never spoken."""

    def wait(self, timeout: float | None = None) -> bool: ...

    def close(self) -> None: ...


@dataclass
class Services:
    """How the app gets its backends. Each opener runs in a worker thread."""

    open_chat: Callable[[ProgressCallback], tuple[ChatModel, Callable[[], None], str]]
    """Returns (chat model, close function, description); reports assembly progress."""
    load_transcriber: Callable[[Sequence[str]], Recognizer]
    """Loads speech recognition biased with the given glossary terms."""
    open_microphone: Callable[[], AudioSource]
    """Opens the configured input device (raises ``MicrophoneError`` with a fix)."""
    load_vad: Callable[[], SileroVad | None]
    """The voice activity detector; None means level-based endpointing."""
    open_speaker: Callable[[Persona], ClosableSpeaker]
    """The interviewer's voice for a persona (Piper, espeak-ng, or silent)."""
    load_similarity: Callable[[], SentenceSimilarity | None] = field(
        default=lambda: build_similarity()
    )
    """The sentence encoder scoring finds evidence by meaning with; None: phrases only."""
    load_final_transcriber: Callable[[Sequence[str]], WholeTranscriber] | None = None
    """The recognizer of the final pass per answer (``FinalPass``); None: another
    ``load_transcriber``."""
    load_turn_end: Callable[[], TurnEndDetector | None] = field(default=lambda: None)
    """Hands-free: the end-of-turn model (raises ``TurnModelUnavailable`` with a fix);
    None: turns end on the persona's patience alone."""


def real_services(settings: Settings) -> Services:
    def open_chat(progress: ProgressCallback) -> tuple[ChatModel, Callable[[], None], str]:
        from interviewer.llm_runtime import open_llm

        runtime = open_llm(settings.llm, on_assemble=progress)
        return runtime.chat, runtime.close, runtime.description

    def load_transcriber(glossary: Sequence[str]) -> Recognizer:
        from interviewer.adapters.stt.whisper import WhisperTranscriber

        return WhisperTranscriber.from_settings(settings.stt, glossary=glossary)

    def load_final_transcriber(glossary: Sequence[str]) -> WholeTranscriber:
        from interviewer.adapters.stt.final_pass import (
            BASE_RTF,
            TINY_EN_RTF,
            BudgetedTranscriber,
            ModelChoice,
        )
        from interviewer.adapters.stt.whisper import FULL_PROMPT_CHARS, WhisperTranscriber

        def loader(model: str) -> Callable[[], WholeTranscriber]:
            stt = settings.stt.model_copy(update={"model": model})
            return lambda: WhisperTranscriber.from_settings(
                stt, glossary=glossary, prompt_chars=FULL_PROMPT_CHARS
            )

        live = settings.stt.model or "tiny.en"
        choices = [ModelChoice(live, loader(live), TINY_EN_RTF)]
        if live == "tiny.en":
            # Whisper base where the answer is short enough for it to finish in time.
            choices.insert(0, ModelChoice("base", loader("base"), BASE_RTF))
        return BudgetedTranscriber(choices)

    def open_microphone() -> AudioSource:
        from interviewer.adapters.audio.microphone import MicrophoneSource

        microphone = MicrophoneSource.from_settings(settings.audio)
        microphone.start()  # fails now, with the fix, rather than mid-answer
        microphone.stop()
        return microphone

    def load_vad() -> SileroVad | None:
        from interviewer.adapters.audio.vad import SileroVad

        return SileroVad()

    def load_turn_end() -> TurnEndDetector | None:
        from interviewer.adapters.audio.turn_model import SmartTurnDetector

        return SmartTurnDetector.load(settings.audio.turn_model_path)

    def open_speaker(persona: Persona) -> ClosableSpeaker:
        from interviewer.adapters.tts.speaker import speaker_from_settings

        return speaker_from_settings(settings.tts, persona)

    return Services(
        open_chat=open_chat,
        load_transcriber=load_transcriber,
        open_microphone=open_microphone,
        load_vad=load_vad,
        open_speaker=open_speaker,
        load_final_transcriber=load_final_transcriber,
        load_turn_end=load_turn_end,
    )


_similarity: SentenceSimilarity | None = None


def build_similarity(*, fresh: bool = False) -> SentenceSimilarity | None:
    """The sentence encoder the scorer matches evidence by meaning with (one per process,
    loaded on first use), or None when its model is not installed: scoring then falls
    back to phrase lists, which miss paraphrases (see ``interviewer bench scoring``).
    ``fresh``: a new, unloaded one (the benchmark times a cold start with it)."""
    global _similarity
    if _similarity is None or fresh:
        from interviewer.adapters.embeddings.minilm import (
            MiniLmSimilarity,
            default_model_path,
            default_tokenizer_path,
        )
        from interviewer.errors import ModelAssetError

        try:
            from interviewer import locations

            made = MiniLmSimilarity(
                default_model_path(),
                default_tokenizer_path(),
                reference_cache=locations.cache_dir() / "minilm-int8-1.0.0-references.npz",
            )
        except ModelAssetError:
            return None
        if fresh:
            return made
        _similarity = made
    return _similarity
