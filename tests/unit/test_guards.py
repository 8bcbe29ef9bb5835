"""The output guard on what the LLM may say in the persona's voice."""

from __future__ import annotations

import pytest

from interviewer.core.content import Tone
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


def test_a_long_statement_before_the_question_rejects_the_reply() -> None:
    """Seen from the bundled model: it answered its own question before asking it."""
    result = guard_reply(f"{EXPLAINING} Where does the time go?", max_sentences=2, must_ask=True)
    assert result.text is None
    assert result.problem == "a lead-in was too long"


@pytest.mark.parametrize(
    ("lead_in", "problem"),
    [
        # The first two seen from the bundled model in `bench latency`.
        ("Kafka can handle up to 10,000 requests per second at peak.", "stated a claim"),
        (
            "If a worker dies right after charging the card but before it acks the job, the "
            "job will be lost.",
            "was too long",
        ),
        ("This could lead to a hot shard.", "stated a claim"),
        ("So you run 40 workers.", "quoted a number nobody said"),
    ],
)
def test_lead_ins_that_state_things_reject_the_reply(lead_in: str, problem: str) -> None:
    """Rejected, not repaired: the question left alone may lean on the lead-in (seen in
    the app: "Does it matter?"), and the planned line is said instead."""
    answer = "We put the jobs in a queue and run 20 workers behind it."
    result = guard_reply(
        f"{lead_in} What happens to that job?", max_sentences=2, must_ask=True, answer=answer
    )
    assert result.text is None
    assert result.problem == f"a lead-in {problem}"


@pytest.mark.parametrize(
    "lead_in",
    [
        "Okay, twenty workers behind a queue.",
        "So you run 20 workers.",
        "That's not the question.",
        "Nice point about the pool of workers.",
    ],
)
def test_plain_reactions_are_kept(lead_in: str) -> None:
    answer = "We put the jobs in a queue and run 20 workers behind it."
    result = guard_reply(
        f"{lead_in} What happens to that job?", max_sentences=2, must_ask=True, answer=answer
    )
    assert result.text == f"{lead_in} What happens to that job?"
    assert result.problem is None
    assert is_safe_lead_in(lead_in, answer=answer)


def test_a_reaction_without_a_question_is_followed_by_the_planned_question() -> None:
    """The planned question is said whole, as when the model fails: here that is one
    sentence over a two-sentence persona's budget."""
    result = guard_reply(
        "Okay, a queue in front of the workers.",
        max_sentences=2,
        must_ask=True,
        planned_question=PLANNED,
    )
    assert result.text == f"Okay, a queue in front of the workers. {PLANNED}"
    assert result.problem == "asked no question: the planned question follows"


def test_only_an_acknowledgement_goes_before_the_planned_question() -> None:
    """Both seen from the bundled model in `bench latency`: a statement about the system
    (the candidate's job), and the planned question's own scene, which then came twice."""
    gpu = "A GPU node dies while two hundred responses are streaming from it."
    for statement, planned in (
        (
            "The time goes from when the request arrives at the server to when it completes.",
            PLANNED,
        ),
        (gpu, f"{gpu} What do those users see, and what does your system do?"),
    ):
        result = guard_reply(statement, max_sentences=3, must_ask=True, planned_question=planned)
        assert result.text is None and result.problem == "reply asked no question"


def test_a_claim_without_a_question_is_rejected_even_with_a_plan() -> None:
    for statement, problem in (
        (EXPLAINING, "a lead-in was too long"),
        ("Kafka can handle up to 10,000 requests per second.", "a lead-in stated a claim"),
    ):
        result = guard_reply(statement, max_sentences=3, must_ask=True, planned_question=PLANNED)
        assert result.text is None and result.problem == problem


def test_safe_lead_ins_are_short_plain_statements() -> None:
    assert is_safe_lead_in("Fair enough, noted.")
    assert not is_safe_lead_in(EXPLAINING)
    assert not is_safe_lead_in("You should use a dead letter queue.")
    assert not is_safe_lead_in("What happens when a worker dies?")
    assert not is_safe_lead_in("Request is received and processed by the queue.")


JOB_QUEUE_ANSWER = [
    "API: enqueue(job, idempotency_key); workers lease jobs, heartbeat, ack on success.",
    "At-least-once delivery plus idempotent handlers: the charge uses the payment "
    "provider's idempotency key stored with the job, so a redelivery never charges twice.",
    "Worker crash: lease or visibility timeout expires and the job is redelivered.",
]


def test_a_leading_question_that_proposes_the_answer_is_rejected() -> None:
    """Issue 20.13: this passed the guard and was said, twice."""
    result = guard_reply(
        "Would you store an idempotency key with each job and let the lease expire so "
        "another worker picks the job up again?",
        max_sentences=2,
        must_ask=True,
        secrets=JOB_QUEUE_ANSWER,
        heard="Workers pull jobs from a queue and charge the card.",
    )
    assert result.text is None and result.problem == "a leading question proposed the answer"


@pytest.mark.parametrize(
    "question",
    [
        "How would a worker know that a job was already charged?",  # open: asks for it
        "Would you walk me through what happens when a worker dies mid-job?",
        "Would you keep the idempotency key with the job?",  # the candidate said both
    ],
)
def test_open_questions_and_questions_about_what_was_said_pass(question: str) -> None:
    result = guard_reply(
        question,
        max_sentences=2,
        must_ask=True,
        secrets=JOB_QUEUE_ANSWER,
        heard="I keep an idempotency key with each job so a redelivery is harmless.",
    )
    assert result.text == question


def test_a_question_already_asked_is_not_asked_again_word_for_word() -> None:
    """Issue 20.13: an off-plan question was repeated on consecutive turns."""
    asked = "Fair enough. How do you size the worker pool for the evening peak?"
    result = guard_reply(
        "Okay. How do you size the worker pool for the evening peak?",
        max_sentences=2,
        must_ask=True,
        asked_before=["Design a job queue.", asked],
    )
    assert result.text is None and result.problem == "repeated a question already asked"


# --------------------------------------------------------------------------- issue 19.3

PEAK = (
    "Put numbers on it: how many requests per second at peak, and how many machines does that take?"
)


@pytest.mark.parametrize(
    "reply",
    [
        # Seen from the bundled model as the friendly persona (issue 19).
        "Your approach does a great job of balancing performance and consistency. I "
        "appreciate the thoughtful consideration and your insights. What happens when a "
        "worker dies?",
        "Excellent answer. What happens when a worker dies?",
    ],
)
def test_flattery_is_never_said_even_by_a_warm_persona(reply: str) -> None:
    for tone in (Tone.WARM, Tone.NEUTRAL, Tone.TOUGH, None):
        for must_ask in (True, False):
            result = guard_reply(reply, max_sentences=3, must_ask=must_ask, tone=tone)
            assert result.text is None and result.problem == "reply flattered the candidate"


def test_a_grading_acknowledgement_is_the_warm_persona_s_only() -> None:
    reply = "Nice point about the pool of workers. What happens when a worker dies?"
    assert guard_reply(reply, max_sentences=2, must_ask=True, tone=Tone.WARM).text == reply
    for tone in (Tone.NEUTRAL, Tone.TOUGH):
        result = guard_reply(reply, max_sentences=2, must_ask=True, tone=tone)
        assert result.text is None and result.problem == "reply praised the candidate"
        assert not is_safe_lead_in("Nice point about the pool of workers.", tone=tone)
    plain = "Okay, a pool of workers. What happens when a worker dies?"
    assert guard_reply(plain, max_sentences=2, must_ask=True, tone=Tone.TOUGH).text == plain


@pytest.mark.parametrize(
    "reply",
    [
        # Both seen from the bundled model as the friendly persona (issue 19).
        "You're right. I've left out some details for a reason. What happens when a worker dies?",
        "Let's start by acknowledging the current scale and traffic levels. If that fails, "
        "what breaks first, and how do you change it?",
        "Good question. How do you size the worker pool?",
        "In my design the workers poll Postgres. What happens when a worker dies?",
    ],
)
def test_a_probe_spoken_as_the_candidate_is_rejected(reply: str) -> None:
    result = guard_reply(reply, max_sentences=3, must_ask=True, tone=Tone.WARM)
    assert result.text is None and result.problem == "reply spoke as the candidate"
    assert not is_safe_lead_in(reply.split(". ")[0] + ".")


def test_a_probe_already_asked_in_substance_is_not_asked_again() -> None:
    """Issue 19: asked in other words right after the numbers probe had been asked."""
    result = guard_reply(
        "What is the peak number of requests per second, and how many machines are needed "
        "to handle that load?",
        max_sentences=2,
        must_ask=True,
        planned_question="What is a different design that would also work, and why didn't "
        "you pick it?",
        asked_before=["Design a job queue.", PEAK],
    )
    assert result.text is None and result.problem == "asked again what was already asked"


def test_the_planned_probe_in_other_words_is_not_a_repeat() -> None:
    """The planner chose it: asked near an earlier question, it is still the plan."""
    planned = "Where does the time go in a single request? Give me a rough latency budget."
    question = "How many milliseconds does each step of a single request take?"
    result = guard_reply(
        question, max_sentences=2, must_ask=True, planned_question=planned, asked_before=[PEAK]
    )
    assert result.text == question


def test_a_question_for_what_was_already_given_is_rejected() -> None:
    result = guard_reply(
        "How many requests per second at peak?",
        max_sentences=2,
        must_ask=True,
        answered=lambda question: "per second" in question,
    )
    assert result.text is None and result.problem == "asked for what the candidate already gave"
