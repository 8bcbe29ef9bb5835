"""``Transcriber`` backed by faster-whisper (CTranslate2): the bundled tiny.en by default,
the bundled Whisper base with ``stt.model = "base"``, any CTranslate2 Whisper model dir
through ``settings.stt.model``.

Three guards keep Whisper's inventions out of the transcript: Silero VAD drops non-speech
before decoding, ``condition_on_previous_text`` is off (one invented line cannot seed the
next), and every segment passes ``core.hallucination.drop_reason``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from faster_whisper import WhisperModel
from faster_whisper.vad import VadOptions, get_speech_timestamps

from interviewer.adapters import model_assets
from interviewer.core.glossary import (
    DEFAULT_PROMPT_CHARS,
    biasing_prompt,
    normalize_for_matching,
)
from interviewer.core.hallucination import drop_reason, is_known_hallucination, repetition_loop
from interviewer.core.ports import SAMPLE_RATE, Samples, Transcript
from interviewer.core.session import Word
from interviewer.errors import ConfigError
from interviewer.settings import STTSettings

FULL_PROMPT_CHARS = 780
"""The final pass per answer lists the whole glossary in its prompt, as far as Whisper's
223 prompt tokens allow (~3.5 characters a token; 62 terms of the system-design rubric
are 793 characters, 224 tokens). Live decodes keep the shorter ``DEFAULT_PROMPT_CHARS``
prompt: each prompt token costs decode time, and the final pass replaces their text."""

CHUNK_SECONDS = 20.0
"""Longest audio decoded in one piece (see ``WhisperTranscriber.recognize``)."""

TEMPERATURES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
"""faster-whisper's default fallback schedule, used for whole files."""

STREAMING_TEMPERATURES = (0.0, 0.4)
"""Streaming (``fallback=False``): greedy, and one re-decode at 0.4 only when the greedy
text is a repetition loop. Measured on a 60 s answer: greedy decodes of a window that
starts mid-sentence sometimes loop ("P99, and P99, and ...") to the token limit, which
cost 2.2 s and yielded nothing, again and again for the same window."""
STREAMING_WINDOW_MARGIN = 5.0
"""Streaming decodes run the encoder on the audio plus this much silence, not on a whole
30 s window: the encoder's cost grows with the window, and a streaming window holds at
most ~12 s (a final tail 1-3 s). Measured on 58 clips of 6-12 s (two voices, clean and
noisy): mean decode 0.535 s -> 0.314 s, WER 14.5% -> 14.8%; with a 1 s margin 0.247 s but
15.4%, with the model's usual end-of-window silence missing it sometimes looped or cut the
last words."""
STREAMING_TOKENS_PER_SECOND = 8.0
"""Streaming token cap per second of audio (plus 12): fast speech is ~4-5 tokens a
second, so this only cuts repetition loops short (a 3 s window: 36 tokens, not 224)."""

TAIL_MIN_SPEECH = 0.4
"""Seconds of speech (Silero VAD) after the last recognised word that count as words
missed: less is the last word's own end, which tiny.en's word times place early."""
TAIL_GRACE = 0.3
"""Speech starting within this of the last word's end belongs to that word."""
TAIL_LEAD_IN = 0.2
"""A re-decode of missed speech starts at least this long before the VAD's start of it."""
TAIL_OVERLAP = 2.0
"""A re-decode of missed speech starts this long before the last word heard ends."""
TAIL_REDECODES_MAX = 3
"""Re-decodes of missed speech per window: each one that adds words may stop early too."""
TAIL_CONTEXT_CHARS = 200
"""Text before a missed span passed on in the prompt, so the decode continues it."""
TAIL_BACKGROUND_DB = 10.0
"""Speech after the last word this many dB quieter than the speech heard is someone in
the background, not the candidate's missed words. Silero VAD calls babble speech: on
dev clips with other talkers 15 dB down, the re-decode of the babble after the answer
added "Yeah.", "for me.", "We'll see you next time." to 4 clips in 6."""

ProgressFn = Callable[[float, float], None]
"""Called with (seconds transcribed, seconds total) as segments are decoded."""


@dataclass(frozen=True)
class RecognizedSegment:
    """One kept segment, times in seconds from the start of the audio given."""

    start: float
    end: float
    text: str
    words: list[Word] = field(default_factory=list)


class _FirstWindowDone(Exception):
    """Raised inside faster-whisper's window loop to end it after the first window."""


class _OnePassWhisperModel(WhisperModel):  # type: ignore[misc]  # untyped library
    """``WhisperModel`` that can stop after the first 30 s window.

    With word timestamps, faster-whisper re-seeks to the last word's end whenever a
    window's text does not end on a single timestamp, and decodes what follows as a new
    window, paying the encoder again (~0.3 s for tiny.en on 2 cores). For audio shorter
    than a window, that second pass only re-reads the trailing silence the first pass
    already heard in full: measured on 1-16 s clips, every decode took two passes, and
    stopping after the first kept the same words in 0.35-0.7 s instead of 0.65-1.1 s.

    Worse, that new window is decoded without the glossary prompt (faster-whisper gives
    ``initial_prompt`` to the first window only, and ``condition_on_previous_text`` is
    off), and on a remnant of a second or less it invents: on dev clips Whisper base
    added "I'm going to cut it.", "It's annoying.", "Yeah." after the answer, and heard
    "...check against the latest lease" as "...check Against the way this please." So
    every decode stops after its first window (pieces are at most ``CHUNK_SECONDS``);
    speech the window did not reach is decoded again, prompted, by ``_cover_tail``.
    ``one_pass`` is set per call by ``WhisperTranscriber`` (one caller at a time).
    """

    one_pass = False
    window_frames: int | None = None
    """Encoder frames to keep (10 ms each); None: the whole 30 s window."""

    def generate_segments(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        self._windows = 0
        try:
            yield from super().generate_segments(*args, **kwargs)
        except _FirstWindowDone:
            return

    def encode(self, features: np.ndarray) -> Any:
        # Called once per window, after the previous window's segments were yielded.
        self._windows = getattr(self, "_windows", 0) + 1
        if self.one_pass and self._windows > 1:
            raise _FirstWindowDone
        if self.window_frames is not None and self.window_frames < features.shape[-1]:
            features = features[..., : self.window_frames]
        return super().encode(features)


class WhisperTranscriber:
    """Speech to text with word timestamps. Not thread-safe: one caller thread at a time."""

    def __init__(
        self,
        model_dir: Path | None = None,
        *,
        compute_type: str = "int8",
        threads: int = 2,
        prompt: str | None = None,
        hotwords: str | None = None,
        live_beam_size: int = 1,
    ) -> None:
        self.live_beam_size = live_beam_size
        """Beams for streaming decodes (``stt.live_beam_size``); see ``LIVE_BEAM_FIGURES``."""
        self.model_dir = model_dir or model_assets.whisper_tiny_en_dir()
        if not (self.model_dir / "model.bin").is_file():
            raise ConfigError(
                f"{self.model_dir} is not a CTranslate2 Whisper model (no model.bin)",
                fix="set stt.model (INTERVIEWER_STT__MODEL) to a dir made by "
                "ct2-transformers-converter, to 'base' for the bundled Whisper base, or "
                "unset it for the bundled tiny.en",
            )
        self.default_prompt = prompt or None
        """Used when ``transcribe`` gets no prompt: the glossary biasing prompt."""
        self.default_hotwords = hotwords or None
        self.loop_redecodes = 0
        self.tail_redecodes = 0
        """Decodes of speech a decode stopped before (see ``_cover_tail``)."""
        """Streaming decodes that looped and were decoded again with the whole window
        (for benchmarks: each costs a second decode)."""
        self._model = _OnePassWhisperModel(
            str(self.model_dir), device="cpu", compute_type=compute_type, cpu_threads=threads
        )

    @classmethod
    def from_settings(
        cls,
        settings: STTSettings,
        *,
        glossary: Sequence[str] = (),
        prompt_chars: int = DEFAULT_PROMPT_CHARS,
    ) -> WhisperTranscriber:
        """The configured model, biased with ``glossary`` when ``use_glossary_prompt``
        (an ``initial_prompt`` of at most ``prompt_chars``; ``FULL_PROMPT_CHARS`` for the
        final pass per answer).

        ``stt.model`` is a model dir, or ``"tiny.en"`` / ``"base"`` for a bundled model
        (base is assembled into the cache dir on first use)."""
        prompt = biasing_prompt(glossary, prompt_chars) if settings.use_glossary_prompt else ""
        return cls(
            model_assets.whisper_model_dir(settings.model),
            compute_type=settings.compute_type,
            threads=settings.threads,
            prompt=prompt,
            live_beam_size=settings.live_beam_size,
        )

    def transcribe(
        self,
        audio: Samples,
        *,
        prompt: str | None = None,
        hotwords: str | None = None,
        on_progress: ProgressFn | None = None,
    ) -> Transcript:
        segments = self.recognize(audio, prompt=prompt, hotwords=hotwords, on_progress=on_progress)
        return Transcript(
            text=" ".join(s.text for s in segments).strip(),
            duration=audio.size / SAMPLE_RATE,
            words=[w for s in segments for w in s.words],
        )

    def recognize(
        self,
        audio: Samples,
        *,
        prompt: str | None = None,
        hotwords: str | None = None,
        on_progress: ProgressFn | None = None,
        fallback: bool = True,
    ) -> list[RecognizedSegment]:
        """Decode ``audio`` (16 kHz mono float32) into kept segments with word times.

        ``fallback=False`` keeps each decode's cost bounded, for streaming: greedy, with
        one re-decode only for a repetition loop (``STREAMING_TEMPERATURES``), a token cap
        by length, and one pass over each piece (see ``_OnePassWhisperModel``).

        Audio longer than ``CHUNK_SECONDS`` is cut at pauses and decoded piece by piece:
        with a glossary prompt, Whisper sometimes jumps its timestamps to the end of a
        30 s window and silently skips the speech in between (measured: 20 s lost from a
        57 s answer). Pieces of at most ``CHUNK_SECONDS`` never showed it.
        """
        audio = np.ascontiguousarray(audio, dtype=np.float32)
        if audio.size < SAMPLE_RATE // 10:
            return []
        if audio.size > CHUNK_SECONDS * SAMPLE_RATE:
            kept: list[RecognizedSegment] = []
            total = audio.size / SAMPLE_RATE
            for start, end in _chunks_at_pauses(audio):
                offset = start / SAMPLE_RATE
                pieces = self.recognize(
                    audio[start:end], prompt=prompt, hotwords=hotwords, fallback=fallback
                )
                kept += [_shifted(piece, offset) for piece in pieces]
                if on_progress is not None:
                    on_progress(end / SAMPLE_RATE, total)
            return kept
        return self._recognize_window(audio, prompt, hotwords, on_progress, fallback)

    def _recognize_window(
        self,
        audio: Samples,
        prompt: str | None,
        hotwords: str | None,
        on_progress: ProgressFn | None,
        fallback: bool,
    ) -> list[RecognizedSegment]:
        window_frames = None if fallback else _window_frames(audio.size)
        kept = self._decode(audio, prompt, hotwords, on_progress, fallback, window_frames)
        if repetition_loop([w.word for s in kept for w in s.words]) is not None:
            kept = self._without_loop_redecoded(audio, kept, prompt, hotwords, fallback)
        return self._cover_tail(audio, kept, prompt, hotwords, fallback)

    def _without_loop_redecoded(
        self,
        audio: Samples,
        kept: list[RecognizedSegment],
        prompt: str | None,
        hotwords: str | None,
        fallback: bool,
    ) -> list[RecognizedSegment]:
        if not fallback:
            # A short encoder window lacks the trailing silence Whisper was trained to end
            # on; the rare loop it starts is gone with the whole 30 s window (seen once in
            # some hundred decodes of a 15 s answer: "of every shard. And they can see
            # of every shard. And they"). Partials are re-decoded too, though the next
            # update decodes them again: ``finish`` keeps a partial's early words as they
            # are, and a loop's words kept there became final (5 of 30 test renditions
            # when only windows up to 4 s were re-decoded; 0 of 30 otherwise).
            self.loop_redecodes += 1
            kept = self._decode(audio, prompt, hotwords, None, fallback, None)
        return _without_loop(kept)

    def _cover_tail(
        self,
        audio: Samples,
        kept: list[RecognizedSegment],
        prompt: str | None,
        hotwords: str | None,
        fallback: bool,
    ) -> list[RecognizedSegment]:
        """``kept`` plus the words of any speech after its last word, decoded again.

        A decode can stop before the audio does, and faster-whisper then skips the rest:
        it ends a window on a single timestamp (read as "no speech after this"), a loop
        is cut out, or the token cap is hit. Measured on 24 espeak-ng clips (3 voices,
        clean and pink noise): 1 in 24 lost its last 2.7 s that way ("if the lease-ex-").
        The span after the last word is decoded on its own, prompted with the words
        before it, until the words reach the end of speech or a decode adds nothing.
        """
        base_prompt = prompt if prompt is not None else self.default_prompt
        for _ in range(TAIL_REDECODES_MAX):
            words = [w for s in kept for w in s.words]
            covered = words[-1].end if words else 0.0
            missed = _uncovered_speech(audio, covered)
            if missed is None or _background(audio, words, missed):
                break
            # The decode starts ``TAIL_OVERLAP`` before the last word's end, so it hears
            # words already heard before the missed ones: decoded alone, a remnant of
            # the last word (word ends are often dated early) came back as a
            # hallucination ("Thank you very much.", "You", "Next.").
            # (At most half the words heard: a decode from the start would stop again.)
            overlap_from = max(covered - TAIL_OVERLAP, covered / 2)
            start = max(0.0, min(overlap_from, missed[0] - TAIL_LEAD_IN))
            before = [w for w in words if w.end <= start]
            context = join_words(before)[-TAIL_CONTEXT_CHARS:]
            tail_prompt = " ".join(part for part in (base_prompt, context) if part) or None
            self.tail_redecodes += 1
            piece = audio[int(start * SAMPLE_RATE) :]
            frames = None if fallback else _window_frames(piece.size)
            more = self._decode(piece, tail_prompt, hotwords, None, fallback, frames)
            more = [s for s in _without_loop(more) if not is_known_hallucination(s.text)]
            added = [_shifted(segment, start) for segment in more if segment.words]
            added = _after(added, covered, words[-1].word if words else None)
            if not added:
                break
            kept = kept + added
        return kept

    def _decode(
        self,
        audio: Samples,
        prompt: str | None,
        hotwords: str | None,
        on_progress: ProgressFn | None,
        fallback: bool,
        window_frames: int | None,
    ) -> list[RecognizedSegment]:
        self._model.one_pass = True
        self._model.window_frames = window_frames
        segments, info = self._model.transcribe(
            audio,
            language="en",
            word_timestamps=True,
            vad_filter=True,
            initial_prompt=prompt if prompt is not None else self.default_prompt,
            hotwords=hotwords if hotwords is not None else self.default_hotwords,
            condition_on_previous_text=False,
            **(
                _BATCH_OPTIONS
                if fallback
                else _streaming_options(audio.size / SAMPLE_RATE, self.live_beam_size)
            ),
        )
        kept: list[RecognizedSegment] = []
        # The generator is lazy: the decoding happens here, in the caller's thread.
        for segment in segments:
            span = audio[int(segment.start * SAMPLE_RATE) : int(segment.end * SAMPLE_RATE)]
            rms = float(np.sqrt(np.mean(np.square(span)))) if span.size else 0.0
            if on_progress is not None:
                on_progress(min(segment.end, info.duration), info.duration)
            if drop_reason(
                segment.text,
                no_speech_prob=segment.no_speech_prob,
                avg_logprob=segment.avg_logprob,
                compression_ratio=segment.compression_ratio,
                duration=segment.end - segment.start,
                rms=rms,
            ):
                continue
            words = [
                Word(
                    word=w.word.strip(),
                    start=round(w.start, 3),
                    end=round(max(w.end, w.start), 3),
                    probability=round(w.probability, 3),
                )
                for w in segment.words or []
                if w.word.strip()
            ]
            kept.append(
                RecognizedSegment(
                    start=segment.start, end=segment.end, text=segment.text.strip(), words=words
                )
            )
        return kept


BATCH_BEAM_SIZE = 5
"""Whole files and the final pass per answer search 5 beams (faster-whisper's default);
streaming decodes are greedy. See ``WhisperTranscriber.recognize`` for the figures."""

_BATCH_OPTIONS: dict[str, Any] = {"temperature": TEMPERATURES, "beam_size": BATCH_BEAM_SIZE}


LIVE_BEAM_FIGURES = """Streaming with 5 beams instead of greedy, 12 espeak-ng clips (3 voices,
clean and pink 10 dB) fed in 100 ms blocks on 2 shared cores: live WER 0.437 -> 0.331,
mean decode per partial 0.463 -> 0.565 s (p95 1.02 -> 1.00 s), ``finish`` 0.105 ->
0.189 s. Greedy stays the default (the reply waits on ``finish``); the final pass per
answer searches 5 beams anyway."""


def _streaming_options(seconds: float, beam_size: int = 1) -> dict[str, Any]:
    return {
        "beam_size": beam_size,
        "temperature": STREAMING_TEMPERATURES,
        # Re-decode only for a repetition loop, not for low confidence: noisy speech is
        # often unsure, and a second decode per update would double streaming's cost.
        "log_prob_threshold": None,
        "max_new_tokens": int(12 + STREAMING_TOKENS_PER_SECOND * seconds),
    }


def _window_frames(samples: int) -> int:
    """Encoder frames for a streaming decode of ``samples``: whole seconds of audio plus
    ``STREAMING_WINDOW_MARGIN`` (``encode`` never keeps more than the model's window)."""
    return math.ceil(samples / SAMPLE_RATE + STREAMING_WINDOW_MARGIN) * 100


def _without_loop(segments: list[RecognizedSegment]) -> list[RecognizedSegment]:
    """``segments`` up to a repetition loop (its first saying is kept).

    Words after the loop are dropped too: the decoder's times for them are stretched
    over the audio the loop consumed ("at-least," eight times, then "-" timed 8.88 s, the
    end of the clip), so they would mark speech as heard that was not; ``_cover_tail``
    decodes that audio again."""
    words = [(index, w) for index, s in enumerate(segments) for w in s.words]
    loop = repetition_loop([w.word for _, w in words])
    if loop is None:
        return segments
    kept_words = words[: loop[0]]
    result: list[RecognizedSegment] = []
    for index, segment in enumerate(segments):
        mine = [w for owner, w in kept_words if owner == index]
        if not mine:
            continue
        if len(mine) < len(segment.words):
            text = join_words(mine)
            segment = RecognizedSegment(mine[0].start, mine[-1].end, text, mine)
        result.append(segment)
    return _without_loop(result)


def speech_spans(audio: Samples) -> list[tuple[float, float]]:
    """Speech (start, end) in seconds by Silero VAD; pauses under 0.3 s do not split."""
    spans = get_speech_timestamps(audio, VadOptions(min_silence_duration_ms=300, speech_pad_ms=30))
    return [(span["start"] / SAMPLE_RATE, span["end"] / SAMPLE_RATE) for span in spans]


def _uncovered_speech(audio: Samples, covered: float) -> tuple[float, float] | None:
    """Where speech after ``covered`` seconds starts and ends, when there are at least
    ``TAIL_MIN_SPEECH`` seconds of it; None when the words reach the end of speech."""
    since = covered + TAIL_GRACE
    rest = audio[int(since * SAMPLE_RATE) :]
    if rest.size < TAIL_MIN_SPEECH * SAMPLE_RATE:
        return None
    spans = speech_spans(rest)
    if sum(end - start for start, end in spans) < TAIL_MIN_SPEECH:
        return None
    return since + spans[0][0], since + spans[-1][1]


def _level(audio: Samples) -> float:
    """Loudness of the voiced part of ``audio``: the 75th percentile of 50 ms frame RMS
    (pauses between words fall below it)."""
    frame = SAMPLE_RATE // 20
    usable = audio[: audio.size - audio.size % frame]
    if usable.size == 0:
        return 0.0
    rms = np.sqrt(np.mean(np.square(usable.reshape(-1, frame)), axis=1))
    return float(np.percentile(rms, 75))


def _background(audio: Samples, words: Sequence[Word], missed: tuple[float, float]) -> bool:
    """Whether the ``missed`` speech (start, end) is ``TAIL_BACKGROUND_DB`` quieter than
    the speech of ``words``: other talkers, not the candidate."""
    if not words:
        return False
    heard = _level(audio[int(words[0].start * SAMPLE_RATE) : int(words[-1].end * SAMPLE_RATE)])
    rest = _level(audio[int(missed[0] * SAMPLE_RATE) : int(missed[1] * SAMPLE_RATE)])
    return rest < heard * 10 ** (-TAIL_BACKGROUND_DB / 20)


def _after(
    segments: list[RecognizedSegment], covered: float, last_word: str | None
) -> list[RecognizedSegment]:
    """``segments`` without the words heard already: those centred by ``covered``, and a
    first one that repeats ``last_word`` (the last word heard, dated a little later)."""
    result: list[RecognizedSegment] = []
    for segment in segments:
        words = [w for w in segment.words if (w.start + w.end) / 2 > covered]
        repeated = not result and words and last_word is not None
        if repeated and normalize_for_matching(words[0].word) == normalize_for_matching(
            last_word or ""
        ):
            words = words[1:]
        if not words:
            continue
        if len(words) < len(segment.words):
            segment = RecognizedSegment(words[0].start, words[-1].end, join_words(words), words)
        result.append(segment)
    return result


def join_words(words: Sequence[Word]) -> str:
    """Words back into text. Whisper splits "dead-letter" into "dead" + "-letter" and
    "worker's" into "worker" + "'s"; those pieces attach without a space."""
    text = ""
    for word in words:
        glue = "" if not text or word.word[:1] in "-'.,?!%)" else " "
        text += glue + word.word
    return text


def _shifted(segment: RecognizedSegment, offset: float) -> RecognizedSegment:
    words = [
        w.model_copy(update={"start": round(w.start + offset, 3), "end": round(w.end + offset, 3)})
        for w in segment.words
    ]
    return RecognizedSegment(segment.start + offset, segment.end + offset, segment.text, words)


def _chunks_at_pauses(audio: Samples) -> list[tuple[int, int]]:
    """Sample ranges of at most ``CHUNK_SECONDS`` covering ``audio``, cut in the middle
    of pauses Silero VAD finds (or hard, when someone talks 20 s without one)."""
    limit = int(CHUNK_SECONDS * SAMPLE_RATE)
    speech = get_speech_timestamps(audio, VadOptions(min_silence_duration_ms=300))
    cuts = [(a["end"] + b["start"]) // 2 for a, b in itertools.pairwise(speech)]
    ranges: list[tuple[int, int]] = []
    start = 0
    while audio.size - start > limit:
        usable = [c for c in cuts if start < c <= start + limit]
        end = usable[-1] if usable and usable[-1] - start > limit // 4 else start + limit
        ranges.append((start, end))
        start = end
    ranges.append((start, audio.size))
    return ranges
