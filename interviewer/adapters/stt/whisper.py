"""``Transcriber`` backed by faster-whisper (CTranslate2), the bundled tiny.en by default."""

from __future__ import annotations

from pathlib import Path

from faster_whisper import WhisperModel

from interviewer.adapters import model_assets
from interviewer.core.ports import Samples, Transcript
from interviewer.core.session import Word

NO_SPEECH_THRESHOLD = 0.6
"""Segments Whisper itself rates as probably silence are dropped: on silence and noise
it otherwise invents text ("Thank you.")."""


class WhisperTranscriber:
    def __init__(
        self,
        model_dir: Path | None = None,
        *,
        compute_type: str = "int8",
        threads: int = 2,
    ) -> None:
        self.model_dir = model_dir or model_assets.whisper_tiny_en_dir()
        self._model = WhisperModel(
            str(self.model_dir), device="cpu", compute_type=compute_type, cpu_threads=threads
        )

    def transcribe(self, audio: Samples, *, prompt: str | None = None) -> Transcript:
        segments, info = self._model.transcribe(
            audio,
            language="en",
            beam_size=1,
            word_timestamps=True,
            vad_filter=True,
            initial_prompt=prompt,
            condition_on_previous_text=False,
        )
        words: list[Word] = []
        texts: list[str] = []
        # The generator is lazy: the work happens here, in the caller's thread.
        for segment in segments:
            if segment.no_speech_prob > NO_SPEECH_THRESHOLD and segment.avg_logprob < -1.0:
                continue
            texts.append(segment.text.strip())
            for word in segment.words or []:
                words.append(
                    Word(
                        word=word.word.strip(),
                        start=round(word.start, 3),
                        end=round(word.end, 3),
                        probability=round(word.probability, 3),
                    )
                )
        return Transcript(text=" ".join(texts).strip(), duration=info.duration, words=words)
