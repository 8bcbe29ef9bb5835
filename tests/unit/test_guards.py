"""The output guard on what the LLM may say in the persona's voice."""

from __future__ import annotations

from interviewer.core.guards import guard_reply, is_safe_lead_in


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


EXPLAINING = (
    "The time goes from the moment a request is received to the moment it's processed, "
    "and this can vary depending on factors such as database queries, network latency, "
    "and CPU usage."
)
PLANNED = "Where does the time go in a single request? Give me a rough budget per step."


def test_a_long_statement_before_the_question_is_dropped_as_explaining() -> None:
    """Seen from the bundled model: it answered its own question before asking it."""
    result = guard_reply(f"{EXPLAINING} Where does the time go?", max_sentences=2, must_ask=True)
    assert result.text == "Where does the time go?"
    assert result.problem == "dropped a long lead-in"


def test_a_scene_setting_lead_in_is_kept() -> None:
    lead = "Say traffic is now ten times what you planned for, overnight, after a launch."
    result = guard_reply(f"{lead} What breaks first?", max_sentences=2, must_ask=True)
    assert result.text == f"{lead} What breaks first?"
    assert result.problem is None


def test_a_reaction_without_a_question_is_followed_by_the_planned_question() -> None:
    result = guard_reply(
        "Okay, a queue in front of the workers.",
        max_sentences=3,
        must_ask=True,
        planned_question=PLANNED,
    )
    assert result.text == f"Okay, a queue in front of the workers. {PLANNED}"
    assert result.problem == "asked no question: the planned question follows"


def test_no_room_for_reaction_and_planned_question_rejects_the_reply() -> None:
    """The planned question has two sentences; a two-sentence persona has no room left."""
    result = guard_reply(
        "Okay, a queue in front of the workers.",
        max_sentences=2,
        must_ask=True,
        planned_question=PLANNED,
    )
    assert result.text is None and result.problem == "reply asked no question"


def test_an_explanation_without_a_question_is_rejected_even_with_a_plan() -> None:
    result = guard_reply(EXPLAINING, max_sentences=3, must_ask=True, planned_question=PLANNED)
    assert result.text is None


def test_safe_lead_ins_are_short_plain_statements() -> None:
    assert is_safe_lead_in("Fair enough, noted.")
    assert not is_safe_lead_in(EXPLAINING)
    assert not is_safe_lead_in("You should use a dead letter queue.")
    assert not is_safe_lead_in("What happens when a worker dies?")
