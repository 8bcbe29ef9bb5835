"""Telling Whisper's inventions from speech.

On silence, noise or a cut-off word Whisper produces fluent text nobody said: "Thank you.",
"Thanks for watching!", "you". A transcript with such text would be scored as the
candidate's words, so every recognised segment passes ``drop_reason`` first. The phrases
are dropped only when the audio under them is quiet or Whisper itself doubts them, so a
candidate who really says "thank you" out loud keeps it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

KNOWN_SILENCE_HALLUCINATIONS = frozenset(
    {
        "you",
        "thank you",
        "thank you very much",
        "thank you so much",
        "thanks",
        "thanks for watching",
        "thank you for watching",
        "thanks for listening",
        "thank you for listening",
        "please subscribe",
        "subscribe",
        "like and subscribe",
        "bye",
        "bye bye",
        "goodbye",
        "so",
        "okay",
        "oh",
        "hmm",
        "uh",
        "um",
        "i'm sorry",
        "the end",
        "music",
        "applause",
        "silence",
        "subtitles by the amara org community",
        "transcription by castingwords",
    }
)
"""Normalised (lowercase, no punctuation) texts Whisper is known to emit on non-speech."""

NO_SPEECH_PROB_THRESHOLD = 0.6
LOW_AVG_LOGPROB = -1.0
"""Whisper's own rule: probably-no-speech and low confidence together mean silence."""
MAX_COMPRESSION_RATIO = 2.4
"""Above this the text is a repetition loop ("the the the ..."), not speech."""
QUIET_RMS = 0.01
"""About -40 dBFS: quieter than any voice a microphone picks up at speaking distance."""
DOUBTFUL_NO_SPEECH_PROB = 0.2
DOUBTFUL_AVG_LOGPROB = -0.7
SHORT_SEGMENT_SECONDS = 1.2


def normalize_phrase(text: str) -> str:
    """Lowercase words without punctuation: "Thanks for watching!" -> "thanks for watching"."""
    return " ".join(re.sub(r"[^a-z0-9' ]+", " ", text.lower()).split())


def is_known_hallucination(text: str) -> bool:
    """Whether the whole segment is one of the phrases Whisper invents on non-speech."""
    phrase = normalize_phrase(text)
    # Only apostrophes or punctuation ("...", "♪") is no speech either.
    return phrase.replace("'", "") == "" or phrase in KNOWN_SILENCE_HALLUCINATIONS


def drop_reason(
    text: str,
    *,
    no_speech_prob: float,
    avg_logprob: float,
    compression_ratio: float,
    duration: float,
    rms: float,
) -> str | None:
    """Why a recognised segment is not the candidate's speech, or None to keep it.

    ``duration`` and ``rms`` describe the segment's own audio (seconds, and root mean
    square of the float samples).
    """
    if not normalize_phrase(text).replace("'", ""):
        return "no words"
    if no_speech_prob > NO_SPEECH_PROB_THRESHOLD and avg_logprob < LOW_AVG_LOGPROB:
        return "Whisper rates it as silence"
    if compression_ratio > MAX_COMPRESSION_RATIO:
        return "repetition loop"
    if is_known_hallucination(text):
        if rms < QUIET_RMS:
            return "known silence phrase on quiet audio"
        if duration < SHORT_SEGMENT_SECONDS and (
            no_speech_prob > DOUBTFUL_NO_SPEECH_PROB or avg_logprob < DOUBTFUL_AVG_LOGPROB
        ):
            return "known silence phrase, short and doubtful"
    if rms < QUIET_RMS / 4 and no_speech_prob > DOUBTFUL_NO_SPEECH_PROB:
        return "near-silent audio"
    return None


LOOP_MIN_WORDS = 4
"""A phrase this long said twice back to back is a decoding loop: people restart short
phrases ("I think, I think we"), not whole clauses."""
LOOP_MIN_REPEATS_SHORT = 3
"""A shorter phrase of two or three words is a loop once it comes three times in a row..."""
LOOP_MIN_REPEATS_WORD = 4
"""...and one word four times ("very, very" is speech; "the the the the" is not)."""


def repetition_loop(words: Sequence[str]) -> tuple[int, int] | None:
    """The span ``(start, end)`` of ``words`` that is a repetition loop, or None.

    Whisper sometimes loops on a phrase until its token limit ("And they can see of every
    shard. And they can see of every shard. And they"); the text is too short for the
    compression ratio to catch it. The first saying is kept: the span covers the repeats
    after it, and a cut-off start of one more repeat.
    """
    normalized = [normalize_phrase(word) for word in words]
    for start in range(len(normalized)):
        for size in range(1, (len(normalized) - start) // 2 + 1):
            phrase = normalized[start : start + size]
            repeats = 1
            while normalized[start + repeats * size : start + (repeats + 1) * size] == phrase:
                repeats += 1
            if repeats < _repeats_for_a_loop(size):
                continue
            end = start + repeats * size
            while end < len(normalized) and normalized[end] == phrase[(end - start) % size]:
                end += 1
            return start + size, end
    return None


def _repeats_for_a_loop(size: int) -> int:
    if size >= LOOP_MIN_WORDS:
        return 2
    return LOOP_MIN_REPEATS_SHORT if size > 1 else LOOP_MIN_REPEATS_WORD
