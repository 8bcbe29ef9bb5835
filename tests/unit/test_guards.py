"""The output guard on what the LLM may say in the persona's voice."""

from __future__ import annotations

from interviewer.core.guards import guard_reply


def test_a_copied_self_introduction_is_dropped_and_the_question_kept() -> None:
    """Small models repeat the greeting in every reply; only the first greeting is said."""
    result = guard_reply(
        "I'm Dana, Staff Infrastructure Engineer. What happens when a worker dies mid-job?",
        max_sentences=2,
        must_ask=True,
    )
    assert result.text == "What happens when a worker dies mid-job?"
    assert result.problem == "dropped a repeated self-introduction"


def test_ordinary_first_person_lead_ins_are_kept() -> None:
    for lead in ("I'm curious about one thing.", "I am Not sure that scales."):
        text = f"{lead} How do you shard the job table?"
        result = guard_reply(text, max_sentences=2, must_ask=True)
        assert result.text is not None and result.text.startswith(lead.split()[0]), result


def test_a_reply_that_is_only_an_introduction_asks_nothing_and_is_rejected() -> None:
    result = guard_reply("Hi, I'm Sam, and I lead inference.", max_sentences=2, must_ask=True)
    assert result.text is None and result.problem == "reply asked no question"
