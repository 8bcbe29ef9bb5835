"""Splitting interviewer text into sentences, whole and as it streams (pure)."""

from __future__ import annotations

import re

import pytest

from interviewer.core.sentences import SentenceSplitter, split_sentences


def test_splits_on_end_punctuation() -> None:
    text = "Good. What happens when the worker crashes? Walk me through it!"
    assert split_sentences(text) == [
        "Good.",
        "What happens when the worker crashes?",
        "Walk me through it!",
    ]


def test_keeps_numbers_abbreviations_and_dotted_names_whole() -> None:
    text = "Say p99.9 is 3.5 ms, e.g. for node.js clients. Then what?"
    assert split_sentences(text) == ["Say p99.9 is 3.5 ms, e.g. for node.js clients.", "Then what?"]


def test_last_sentence_without_punctuation_is_kept() -> None:
    assert split_sentences("One. And then") == ["One.", "And then"]
    assert split_sentences("   ") == []


def test_closing_quotes_stay_with_their_sentence() -> None:
    assert split_sentences('He said "retry." Then stop.') == ['He said "retry."', "Then stop."]


def test_blank_line_ends_a_sentence() -> None:
    assert split_sentences("Requirements\n\nNext question") == ["Requirements", "Next question"]


@pytest.mark.parametrize("piece", [1, 2, 3, 7])
def test_streamed_deltas_give_the_same_sentences_as_the_whole_text(piece: int) -> None:
    text = "Okay. What is your p99 target, 3.5 ms? Now add a second region! Go on"
    splitter = SentenceSplitter()
    got: list[str] = []
    for start in range(0, len(text), piece):
        got += splitter.feed(text[start : start + piece])
    got.append(splitter.flush())
    assert got == split_sentences(text)


def test_a_sentence_is_released_only_once_its_end_has_arrived() -> None:
    splitter = SentenceSplitter()
    assert splitter.feed("The budget is 3.") == []
    assert splitter.feed("5 ms. Next") == ["The budget is 3.5 ms."]
    assert splitter.flush() == "Next"


def test_milliseconds_and_no_end_sentences() -> None:
    assert split_sentences("It takes 20 ms. The answer is no. Why?") == [
        "It takes 20 ms.",
        "The answer is no.",
        "Why?",
    ]


def test_token_like_stream_releases_each_sentence_before_the_stream_ends() -> None:
    splitter = SentenceSplitter()
    released_at: list[int] = []
    tokens = re.findall(r"\S+\s*", "First point. Second point. Third")
    for index, token in enumerate(tokens):
        if splitter.feed(token):
            released_at.append(index)
    # Tokens carry their trailing space, so "point. " completes a sentence itself.
    assert released_at == [1, 3]
