"""Delivery figures from word timestamps."""

from __future__ import annotations

import pytest

from interviewer.core.delivery import delivery_from_session, delivery_from_words
from interviewer.core.session import Session, Speaker, Turn, TurnKind, Word


def timed(text: str, start: float = 0.0, step: float = 0.5) -> list[Word]:
    return [
        Word(word=w, start=start + i * step, end=start + i * step + 0.3)
        for i, w in enumerate(text.split())
    ]


def test_no_word_timings_means_no_figures() -> None:
    assert delivery_from_words([]) is None
    session = Session(
        id="s",
        persona_id="p",
        rubric_id="r",
        question_id="q",
        turns=[Turn(index=0, speaker=Speaker.CANDIDATE, kind=TurnKind.ANSWER, text="typed")],
    )
    assert delivery_from_session(session) is None


def test_pace_fillers_and_pauses() -> None:
    words = timed("um so we uh basically retry the job you know and sort of back off")
    # A 3 s gap before the last word, and a 2.5 s one before it: two long pauses.
    moved = Word(word=words[-2].word, start=words[-3].end + 2.5, end=words[-3].end + 2.8)
    words = [*words[:-2], moved]
    words.append(Word(word="off", start=words[-1].end + 3.0, end=words[-1].end + 3.3))
    metrics = delivery_from_words(words)
    assert metrics is not None
    assert metrics.words == len(words)
    assert metrics.filler_counts == {"um": 1, "uh": 1, "basically": 1, "you know": 1, "sort of": 1}
    assert metrics.long_pauses == 2
    assert metrics.longest_pause == pytest.approx(3.0)
    span = words[-1].end - words[0].start
    assert metrics.words_per_minute == pytest.approx(len(words) * 60 / span, abs=0.1)


def test_like_as_a_verb_is_not_a_filler() -> None:
    metrics = delivery_from_words(timed("I'd like a queue that looks like Kafka like really"))
    assert metrics is not None
    assert metrics.filler_counts == {"like": 1}


def test_session_talk_share_answer_lengths_and_time_to_first_word() -> None:
    session = Session(
        id="s",
        persona_id="p",
        rubric_id="r",
        question_id="q",
        turns=[
            Turn(
                index=0,
                speaker=Speaker.INTERVIEWER,
                kind=TurnKind.QUESTION,
                text="Q",
                duration=10.0,
            ),
            Turn(
                index=1,
                speaker=Speaker.CANDIDATE,
                kind=TurnKind.ANSWER,
                text="a b c d e",
                started_at=10.0,
                duration=5.0,
                words=timed("a b c d e", start=2.0, step=1.0),
            ),
            Turn(
                index=2,
                speaker=Speaker.INTERVIEWER,
                kind=TurnKind.PROBE,
                text="P",
                started_at=17.0,
                duration=5.0,
            ),
            Turn(
                index=3,
                speaker=Speaker.CANDIDATE,
                kind=TurnKind.ANSWER,
                text="f g",
                started_at=22.0,
                duration=2.0,
                words=timed("f g", start=1.0, step=1.0),
            ),
        ],
    )
    metrics = delivery_from_session(session)
    assert metrics is not None
    assert metrics.answers == 2
    assert metrics.answer_lengths == [pytest.approx(4.3), pytest.approx(1.3)]
    assert metrics.longest_answer == pytest.approx(4.3)
    assert metrics.talk_time_share == pytest.approx(5.6 / (5.6 + 15.0), abs=0.001)
    # 2 s after the question ended, 1 s after the probe ended.
    assert metrics.mean_time_to_first_word == pytest.approx(1.5)
