"""How the candidate spoke, from Whisper's word timestamps: pace, fillers, pauses, share.

Interviewers notice delivery before content: a rushed or halting answer, a wall of "um",
a ten-second silence after the question, or a five-minute monologue. These figures are
measured from the recording only; with no word timings (a typed answer) there are none,
rather than guesses.

Reference ranges are rough conventions for spoken technical interviews, shown next to
each figure so that a number means something; they are not part of any score.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise

from pydantic import BaseModel, ConfigDict, Field

from interviewer.core.session import Session, Speaker, Turn, Word

__all__ = [
    "FILLERS",
    "LONG_PAUSE_SECONDS",
    "REFERENCE_RANGES",
    "DeliveryMetrics",
    "delivery_from_session",
    "delivery_from_words",
]

LONG_PAUSE_SECONDS = 2.0
"""A gap between two words longer than this is a long pause."""

FILLERS: tuple[str, ...] = ("um", "uh", "like", "you know", "basically", "sort of")
"""Counted as spoken; 'um' also covers 'umm'/'uhm', 'uh' covers 'uhh'/'er'/'erm'."""

_FILLER_VARIANTS = {
    "um": "um",
    "umm": "um",
    "ummm": "um",
    "uhm": "um",
    "hmm": "um",
    "uh": "uh",
    "uhh": "uh",
    "er": "uh",
    "erm": "uh",
    "basically": "basically",
}
_LIKE_NOT_FILLER = {
    "would",
    "id",
    "wed",
    "youd",
    "theyd",
    "looks",
    "look",
    "looked",
    "seems",
    "feel",
    "feels",
    "just",
}
"""'I'd like', 'looks like', 'just like': 'like' as a verb or comparison, not a filler."""

REFERENCE_RANGES: dict[str, tuple[float, float]] = {
    "words_per_minute": (120.0, 170.0),
    "fillers_per_minute": (0.0, 3.0),
    "long_pauses_per_minute": (0.0, 1.0),
    "longest_pause": (0.0, 5.0),
    "talk_time_share": (0.6, 0.85),
    "mean_time_to_first_word": (0.5, 6.0),
    "longest_answer": (10.0, 180.0),
}
"""(low, high) of a comfortable delivery for each figure, in its own unit."""


class DeliveryMetrics(BaseModel):
    """Delivery figures for the candidate's speech; every time is in seconds."""

    model_config = ConfigDict(frozen=True)

    words: int = Field(description="Words the candidate spoke.")
    speaking_seconds: float = Field(
        description="Sum over answers of first word start to last word end."
    )
    words_per_minute: float
    fillers: int
    fillers_per_minute: float
    filler_counts: dict[str, int] = Field(description="Count per filler, only those heard.")
    long_pauses: int = Field(description=f"Gaps over {LONG_PAUSE_SECONDS:g} s inside answers.")
    long_pauses_per_minute: float
    longest_pause: float
    answers: int
    answer_lengths: list[float] = Field(description="Seconds of each answer, in order.")
    answer_word_counts: list[int]
    longest_answer: float = Field(description="The longest monologue, in seconds.")
    talk_time_share: float | None = Field(
        default=None,
        description="Candidate speech / all speech in the round; None without a session.",
    )
    mean_time_to_first_word: float | None = Field(
        default=None,
        description="Mean seconds from the end of an interviewer turn to the candidate's "
        "first word; None without a session.",
    )

    def in_range(self, name: str) -> bool | None:
        """Whether a figure sits in its reference range; None if it has no value."""
        value = getattr(self, name)
        if value is None or name not in REFERENCE_RANGES:
            return None
        low, high = REFERENCE_RANGES[name]
        return bool(low <= float(value) <= high)


def _count_fillers(words: Sequence[Word]) -> dict[str, int]:
    said = [re.sub(r"[^a-z']", "", w.word.lower()) for w in words]
    counts: dict[str, int] = {}

    def add(name: str) -> None:
        counts[name] = counts.get(name, 0) + 1

    for index, word in enumerate(said):
        previous = said[index - 1].replace("'", "") if index else ""
        following = said[index + 1] if index + 1 < len(said) else ""
        if word in _FILLER_VARIANTS:
            add(_FILLER_VARIANTS[word])
        elif word == "like" and previous not in _LIKE_NOT_FILLER:
            add("like")
        elif word == "know" and previous == "you" and following not in {"that", "what", "how"}:
            add("you know")
        elif word == "of" and previous == "sort":
            add("sort of")
    return counts


def _answer_stats(words: Sequence[Word]) -> tuple[float, int, float]:
    """(speaking span, long pauses, longest pause) of one answer."""
    if not words:
        return 0.0, 0, 0.0
    gaps = [max(0.0, b.start - a.end) for a, b in pairwise(words)]
    long_gaps = [g for g in gaps if g > LONG_PAUSE_SECONDS]
    return max(0.0, words[-1].end - words[0].start), len(long_gaps), max(gaps, default=0.0)


def _per_minute(count: float, seconds: float) -> float:
    return round(count * 60.0 / seconds, 1) if seconds > 0 else 0.0


def _metrics(
    answers: Sequence[Sequence[Word]],
    talk_time_share: float | None = None,
    mean_time_to_first_word: float | None = None,
) -> DeliveryMetrics | None:
    timed = [list(a) for a in answers if a]
    if not timed:
        return None
    all_words = [w for answer in timed for w in answer]
    stats = [_answer_stats(answer) for answer in timed]
    speaking = sum(s[0] for s in stats)
    fillers = {k: v for k, v in _count_fillers(all_words).items() if v}
    long_pauses = sum(s[1] for s in stats)
    return DeliveryMetrics(
        words=len(all_words),
        speaking_seconds=round(speaking, 2),
        words_per_minute=_per_minute(len(all_words), speaking),
        fillers=sum(fillers.values()),
        fillers_per_minute=_per_minute(sum(fillers.values()), speaking),
        filler_counts=fillers,
        long_pauses=long_pauses,
        long_pauses_per_minute=_per_minute(long_pauses, speaking),
        longest_pause=round(max(s[2] for s in stats), 2),
        answers=len(timed),
        answer_lengths=[round(s[0], 2) for s in stats],
        answer_word_counts=[len(a) for a in timed],
        longest_answer=round(max(s[0] for s in stats), 2),
        talk_time_share=talk_time_share,
        mean_time_to_first_word=mean_time_to_first_word,
    )


def delivery_from_words(words: Sequence[Word]) -> DeliveryMetrics | None:
    """Figures for one recorded answer (a ``transcribe --json`` file); None if untimed."""
    return _metrics([words])


def _turn_speech(turn: Turn) -> float:
    if turn.words:
        return max(0.0, turn.words[-1].end - turn.words[0].start)
    return turn.duration


def delivery_from_session(session: Session) -> DeliveryMetrics | None:
    """Figures for a whole round: candidate turns only, plus how the turns alternate."""
    candidate = [t for t in session.turns if t.speaker is Speaker.CANDIDATE]
    if not any(t.words for t in candidate):
        return None
    mine = sum(_turn_speech(t) for t in candidate)
    theirs = sum(t.duration for t in session.turns if t.speaker is Speaker.INTERVIEWER)
    share = round(mine / (mine + theirs), 3) if theirs > 0 and mine > 0 else None
    waits: list[float] = []
    for before, turn in pairwise(session.turns):
        if (
            before.speaker is Speaker.INTERVIEWER
            and turn.speaker is Speaker.CANDIDATE
            and turn.words
            and before.duration > 0
        ):
            first_word = turn.started_at + turn.words[0].start
            waits.append(max(0.0, first_word - (before.started_at + before.duration)))
    mean_wait = round(sum(waits) / len(waits), 2) if waits else None
    return _metrics([t.words for t in candidate], share, mean_wait)
