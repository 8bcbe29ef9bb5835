"""The filter that keeps Whisper's inventions on silence out of transcripts (pure)."""

from __future__ import annotations

import pytest

from interviewer.core.hallucination import drop_reason, is_known_hallucination, repetition_loop

CONFIDENT = {"no_speech_prob": 0.01, "avg_logprob": -0.2, "compression_ratio": 1.3}
SPEECH = {"duration": 2.5, "rms": 0.08}


@pytest.mark.parametrize(
    "text", ["Thank you.", " Thanks for watching!", "you", "Bye.", "...", "♪", "Thank you so much."]
)
def test_known_silence_phrases_are_recognised(text: str) -> None:
    assert is_known_hallucination(text)


@pytest.mark.parametrize("text", ["Thank you for the question.", "Use Kafka.", "You shard it."])
def test_real_sentences_are_not_known_phrases(text: str) -> None:
    assert not is_known_hallucination(text)


def test_known_phrase_on_quiet_audio_is_dropped() -> None:
    reason = drop_reason("Thank you.", **CONFIDENT, duration=2.0, rms=0.002)
    assert reason is not None


def test_known_phrase_short_and_doubtful_is_dropped() -> None:
    reason = drop_reason(
        "Thanks for watching!",
        no_speech_prob=0.4,
        avg_logprob=-0.5,
        compression_ratio=1.0,
        duration=0.8,
        rms=0.05,
    )
    assert reason is not None


def test_known_phrase_clearly_spoken_is_kept() -> None:
    """A candidate who really says "thank you" keeps it."""
    assert drop_reason("Thank you.", **CONFIDENT, **SPEECH) is None


def test_ordinary_speech_is_kept() -> None:
    assert drop_reason("We retry with exponential backoff.", **CONFIDENT, **SPEECH) is None


def test_whisper_silence_rule_drops_segment() -> None:
    reason = drop_reason(
        "We retry.", no_speech_prob=0.9, avg_logprob=-1.5, compression_ratio=1.0, **SPEECH
    )
    assert reason is not None


def test_repetition_loop_is_dropped() -> None:
    reason = drop_reason(
        "the the the the", no_speech_prob=0.0, avg_logprob=-0.3, compression_ratio=3.1, **SPEECH
    )
    assert reason is not None


def test_punctuation_only_is_dropped() -> None:
    assert drop_reason(" ... ", **CONFIDENT, **SPEECH) is not None


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        (
            "of every shard. And they can see of every shard. And they can see of every "
            "shard. And they",
            "of every shard. And they can see",
        ),
        ("P99, and P99, and P99, and P99,", "P99, and"),
        ("the the the the end", "the end"),
        ("we shard by key, we shard by key, and then", "we shard by key, and then"),
    ],
)
def test_a_repetition_loop_is_found_and_the_first_saying_kept(text: str, kept: str) -> None:
    words = text.split()
    loop = repetition_loop(words)
    assert loop is not None
    start, end = loop
    assert " ".join(words[:start] + words[end:]) == kept


@pytest.mark.parametrize(
    "text",
    [
        "I think, I think we should shard by user",
        "it is very, very fast",
        "retry, retry, retry with backoff",
        "a lease and a heartbeat and a lease renewal",
        "",
    ],
)
def test_ordinary_repeats_in_speech_are_not_loops(text: str) -> None:
    assert repetition_loop(text.split()) is None
