"""Live transcription of one candidate turn: partial text while they speak, the final
transcript with word timestamps moments after they stop.

Re-transcribing the whole turn every second would cost more and more as an answer runs
on. Instead, text that is settled is *committed*: segments that ended more than
``commit_after`` seconds before the newest audio keep their text and word times and are
never decoded again, so each update decodes only a short trailing window, and ``finish()``
decodes only what is not committed yet (or nothing, when only silence has arrived since
the last update).

A word is committed only when two decodes in a row agree on it (the LocalAgreement
policy of Macháček et al., "Turning Whisper into Real-Time Transcription System", 2023).
A single greedy decode now and then garbles or skips the start of its window; committed
on its own, that text was final, and the words it lost never came back (seen: "When the
payment worker crashes after charging the card" committed as "For a technology's").
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from interviewer.adapters.stt.whisper import RecognizedSegment, join_words
from interviewer.core.glossary import normalize_for_matching
from interviewer.core.ports import SAMPLE_RATE, Samples, Transcript
from interviewer.core.session import Word

SILENCE_RMS = 0.005
"""A 50 ms frame quieter than this (about -46 dBFS) holds no speech worth decoding; even
a quiet microphone puts voiced speech well above it."""
NOISE_FLOOR_FACTOR = 2.0
"""A frame under twice the noise floor (6 dB above it) holds no speech."""
NOISE_FLOOR_SECONDS = 30.0
PAUSE_SECONDS = 0.3
"""A quiet stretch this long after speech triggers an early update."""
FINISH_OVERLAP = 1.0
"""At ``finish``, tentative words ending this long before the last update's end are kept
as they are; only the audio after them is decoded again."""
CONTEXT_CHARS = 200
"""How much committed text is passed on as prompt, so the next window continues it."""
PARTIAL_EVERY = 0.7
"""Seconds of new audio between updates while the candidate speaks. The next update is
due this long after the last one *started*, and decodes take 0.1-0.5 s, so with 1.0 the
wall time between partials was 1.15 s at p95 on a 60 s answer; with 0.7, 0.99 s."""
PAUSE_AGREEMENT = 0.5
"""Share of a pause decode's words the decode before it must have heard too for it to be
committed (see ``StreamingTranscriber._decode_to_pause``)."""
FORCE_COMMIT_FACTOR = 2.0
"""When consecutive decodes keep disagreeing, settled words are committed anyway once the
uncommitted window is this many times ``max_window``: it bounds the cost of each decode."""


class SegmentRecognizer(Protocol):
    """What streaming needs from a recognizer (``WhisperTranscriber``, or a test fake)."""

    @property
    def default_prompt(self) -> str | None: ...

    def recognize(
        self, audio: Samples, *, prompt: str | None = None, fallback: bool = True
    ) -> list[RecognizedSegment]: ...


@dataclass(frozen=True)
class Partial:
    """The best text so far. ``committed`` is final; the rest may still change."""

    text: str
    committed: str
    audio_seconds: float


def _frame_rms(samples: Samples) -> Samples:
    frame = SAMPLE_RATE // 20
    usable = samples[: samples.size - samples.size % frame]
    return np.asarray(np.sqrt(np.mean(np.square(usable.reshape(-1, frame)), axis=1)), np.float32)


def _quiet(samples: Samples, threshold: float = SILENCE_RMS) -> bool:
    rms = _frame_rms(samples)
    return bool(rms.size == 0 or rms.max() < threshold)


def _silence_threshold(buffer: Samples) -> float:
    """``SILENCE_RMS``, or ``NOISE_FLOOR_FACTOR`` times the room's noise floor (the 10th
    percentile of the last ``NOISE_FLOOR_SECONDS``' 50 ms frames) when that is louder:
    in a noisy room the pauses between sentences are not silent, and a fixed threshold
    never found them."""
    rms = _frame_rms(buffer[-int(NOISE_FLOOR_SECONDS * SAMPLE_RATE) :])
    if rms.size < 10:
        return SILENCE_RMS
    return max(SILENCE_RMS, NOISE_FLOOR_FACTOR * float(np.percentile(rms, 10)))


class StreamingTranscriber:
    """Feed 16 kHz float32 blocks with ``feed``; call ``finish`` when the turn ends.

    Meant to be driven by one worker thread (the one draining the capture queue); it
    holds no locks. ``feed`` decodes at most once per ``partial_every`` seconds of audio,
    in the calling thread, and returns the new ``Partial`` when it made one. When
    decoding falls behind capture, pass everything queued in one call rather than block by
    block, so the next update covers it all.
    """

    def __init__(
        self,
        transcriber: SegmentRecognizer,
        *,
        prompt: str | None = None,
        partial_every: float = PARTIAL_EVERY,
        commit_after: float = 2.0,
        max_window: float = 10.0,
        on_partial: Callable[[Partial], None] | None = None,
        redecode_at_pauses: bool = False,
    ) -> None:
        self.transcriber = transcriber
        self.prompt = prompt if prompt is not None else (transcriber.default_prompt or "")
        self.partial_every = partial_every
        self.commit_after = commit_after
        self.max_window = max_window
        """Past this many uncommitted seconds, settled words are committed mid-segment."""
        self.on_partial = on_partial
        self.redecode_at_pauses = redecode_at_pauses
        """Decode speech up to each pause whole (``_decode_to_pause``). Off by default:
        in ``bench stt`` it cost ~1 s after the end of speech (mean 1.0 s, p95 2.1 s,
        load ~4) against ~0.1 s for ``finish`` alone, for live WER 32.8% -> 30.3% on dev."""
        self.decodes = 0
        """How many times Whisper ran (for benchmarks and tests)."""
        self.pause_decodes = 0
        """How many of those decoded speech up to a pause whole (``_decode_to_pause``)."""
        self.reset()

    def reset(self) -> None:
        """Forget everything: ready for the next turn."""
        self._blocks: list[Samples] = []
        self._buffer = np.zeros(0, dtype=np.float32)
        self._committed_words: list[Word] = []
        self._committed_at = 0
        """Sample index where uncommitted audio starts."""
        self._tentative: list[Word] = []
        self._decoded_until = 0
        self._silence_rms = SILENCE_RMS
        """Frames quieter than this hold no speech (see ``_silence_threshold``)."""
        self._partial = Partial("", "", 0.0)

    @property
    def audio_seconds(self) -> float:
        return self._samples_total() / SAMPLE_RATE

    @property
    def partial(self) -> Partial:
        return self._partial

    def settled_text(self) -> str | None:
        """What ``finish()`` would return now without decoding anything: the text so
        far, when only silence came in since the last update; else None."""
        buffer = self._audio()
        if not _quiet(buffer[self._decoded_until :], self._silence_rms):
            return None
        return join_words(self._committed_words + self._tentative)

    def append(self, samples: Samples) -> None:
        """Add captured audio without decoding: ``finish`` (or the next ``feed``) covers
        it. For audio that arrives while the caller is catching up on a backlog."""
        if samples.size:
            self._blocks.append(np.asarray(samples, dtype=np.float32).reshape(-1))

    def feed(self, samples: Samples) -> Partial | None:
        """Add captured audio; decode the trailing window if a partial is due."""
        if samples.size:
            self._blocks.append(np.asarray(samples, dtype=np.float32).reshape(-1))
        total = self._samples_total()
        waiting = total - self._decoded_until
        if waiting < PAUSE_SECONDS * SAMPLE_RATE:
            return None
        buffer = self._audio()
        fresh = buffer[self._decoded_until :]
        pause = int(PAUSE_SECONDS * SAMPLE_RATE)
        # A pause after new speech is the likeliest end of the turn: decode now, so that
        # finish() finds nothing left to do when the turn does end there.
        quiet = self._silence_rms
        paused_after_speech = _quiet(fresh[-pause:], quiet) and not _quiet(fresh[:-pause], quiet)
        if waiting < self.partial_every * SAMPLE_RATE and not paused_after_speech:
            return None
        if _quiet(fresh, quiet):
            # Only silence since the last update: the text cannot have changed.
            self._decoded_until = total
        elif paused_after_speech and self.redecode_at_pauses:
            self._decode_to_pause(buffer)
        else:
            self._decode(buffer, final=False)
        self._partial = self._make_partial()
        if self.on_partial is not None:
            self.on_partial(self._partial)
        return self._partial

    def finish(self) -> Transcript:
        """The final transcript of the turn; word times are from the turn's start.

        Decodes only the uncommitted tail, and nothing at all when only silence came in
        since the last update. Call ``reset()`` before feeding the next turn.
        """
        buffer = self._audio()
        if not _quiet(buffer[self._decoded_until :], self._silence_rms):
            # Speech arrived since the last update. Words that update heard well before
            # its end are kept, so the final decode covers only the last moments.
            stable_before = self._decoded_until / SAMPLE_RATE - FINISH_OVERLAP
            stable = list(itertools.takewhile(lambda w: w.end < stable_before, self._tentative))
            if stable:
                rest = self._tentative[len(stable) :]
                self._commit(stable, rest[0].start if rest else stable_before, buffer.size)
                self._tentative = []
            self._decode(buffer, final=True)
        self._committed_words += self._tentative
        self._tentative = []
        self._committed_at = self._decoded_until = buffer.size
        words = list(self._committed_words)
        self._partial = self._make_partial()
        return Transcript(text=join_words(words), duration=buffer.size / SAMPLE_RATE, words=words)

    # ------------------------------------------------------------------ internals

    def _samples_total(self) -> int:
        return self._buffer.size + sum(block.size for block in self._blocks)

    def _audio(self) -> Samples:
        if self._blocks:
            self._buffer = np.concatenate([self._buffer, *self._blocks])
            self._blocks = []
        return self._buffer

    def _decode(self, buffer: Samples, *, final: bool) -> None:
        start = self._committed_at
        offset = start / SAMPLE_RATE
        segments = self.transcriber.recognize(buffer[start:], prompt=self._prompt(), fallback=False)
        self.decodes += 1
        self._decoded_until = buffer.size
        self._silence_rms = _silence_threshold(buffer)
        shifted = [_shift(segment, offset) for segment in segments]
        if final:
            self._tentative = [w for s in shifted for w in s.words]
            return
        end = buffer.size / SAMPLE_RATE
        settled_before = end - self.commit_after
        previous = self._tentative
        words = [w for s in shifted for w in s.words]
        # Whole segments that ended well before the newest audio will not change...
        candidates = 0
        for segment in shifted:
            if segment.end >= settled_before:
                break
            candidates += len(segment.words)
        if end - offset > self.max_window:
            # ...and in a long run without a pause, settled words inside a segment too.
            candidates = sum(
                1 for _ in itertools.takewhile(lambda w: w.end < settled_before, words)
            )
        forced = end - offset > FORCE_COMMIT_FACTOR * self.max_window
        agreed = candidates if forced else min(candidates, _agreed_prefix(words, previous))
        commit_until = words[agreed - 1].end if agreed else offset
        remaining = words[agreed:]
        if not remaining and commit_until < settled_before:
            # Nothing heard lately: skip the silence. But empty decodes of audio that is not
            # quiet may be failed decodes of speech (the same window can fail again and
            # again), so that audio is skipped only once the window has grown past the
            # forced-commit bound with nothing heard in two decodes running.
            skipped = buffer[int(commit_until * SAMPLE_RATE) : int(settled_before * SAMPLE_RATE)]
            if _quiet(skipped, self._silence_rms) or (not previous and forced):
                commit_until = settled_before
        if commit_until > offset:
            next_start = remaining[0].start if remaining else settled_before
            self._commit(words[:agreed], next_start, buffer.size, until=commit_until)
        self._tentative = remaining

    def _decode_to_pause(self, buffer: Samples) -> None:
        """Decode the speech since the last commit, which a pause has just ended, whole
        and the way whole files are (5 beams, temperature fallback, the model's whole
        window, missed tails decoded again), and commit it.

        Greedy decodes of short trailing windows lose words that a whole decode keeps
        (dev clips in voices and noise the app was not tuned on: live WER 32.8% against
        21.0% for plain faster-whisper). A pause is where the speech is complete and the
        candidate gives the cores a moment, so that is where the text is made final.
        It is committed only when it shares at least ``PAUSE_AGREEMENT`` of its words
        with the decode before: a decode that garbles its window is outvoted here too,
        and its words stay tentative for the next decode to confirm or correct."""
        start = self._committed_at
        offset = start / SAMPLE_RATE
        segments = self.transcriber.recognize(buffer[start:], prompt=self._prompt(), fallback=True)
        self.decodes += 1
        self.pause_decodes += 1
        self._decoded_until = buffer.size
        self._silence_rms = _silence_threshold(buffer)
        words = [w for segment in segments for w in _shift(segment, offset).words]
        previous, self._tentative = self._tentative, words
        if words and _shared(words, previous) >= PAUSE_AGREEMENT:
            self._commit(words, buffer.size / SAMPLE_RATE, buffer.size)
            self._tentative = []

    def _prompt(self) -> str | None:
        context = join_words(self._committed_words)[-CONTEXT_CHARS:]
        return " ".join(part for part in (self.prompt, context) if part) or None

    def _commit(
        self, words: list[Word], next_start: float, size: int, *, until: float | None = None
    ) -> None:
        """Commit ``words``; the next window starts after them (or after ``until``)."""
        self._committed_words += words
        end = until if until is not None else words[-1].end
        # Start the next window in the gap after the committed word, not inside it.
        boundary = min(end + 0.1, max(end, next_start))
        self._committed_at = max(self._committed_at, min(int(boundary * SAMPLE_RATE), size))

    def _make_partial(self) -> Partial:
        committed = join_words(self._committed_words)
        text = join_words(self._committed_words + self._tentative)
        return Partial(text=text, committed=committed, audio_seconds=self.audio_seconds)


def _shift(segment: RecognizedSegment, offset: float) -> RecognizedSegment:
    words = [
        Word(
            word=w.word,
            start=round(w.start + offset, 3),
            end=round(w.end + offset, 3),
            probability=w.probability,
        )
        for w in segment.words
    ]
    return RecognizedSegment(
        start=segment.start + offset, end=segment.end + offset, text=segment.text, words=words
    )


def _shared(words: list[Word], previous: list[Word]) -> float:
    """Share of ``words`` that ``previous`` heard too (in any order)."""
    heard = Counter(normalize_for_matching(w.word) for w in previous)
    shared = 0
    for word in words:
        key = normalize_for_matching(word.word)
        if heard[key] > 0:
            heard[key] -= 1
            shared += 1
    return shared / len(words) if words else 0.0


def _agreed_prefix(words: list[Word], previous: list[Word]) -> int:
    """How many leading ``words`` the previous decode of the same window also heard."""
    count = 0
    for new, old in zip(words, previous, strict=False):
        if normalize_for_matching(new.word) != normalize_for_matching(old.word):
            break
        count += 1
    return count
