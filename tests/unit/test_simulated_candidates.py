"""Simulated candidates with a known weakness: the engine must press on that weakness.

Each candidate answers every probe in character; the assertions are about which rubric
criteria the interviewer went after, which is decided by the planner (not the LLM), so
the scripted fallback wording is enough to see it.
"""

from __future__ import annotations

import pytest

from interviewer import catalog
from interviewer.core.content import Level, Rubric
from interviewer.core.engine import InterviewEngine, Say
from interviewer.core.session import TurnKind

NO_FAILURES = (
    "So requirements first: about five thousand jobs per second at peak, and a job should "
    "start within two seconds. I'd use Kafka partitioned by customer id so each customer's "
    "jobs stay in order, with consumer groups of workers, and Postgres for job status. "
    "The API returns a job id and clients poll a status endpoint. That's about 20 brokers."
)
NO_NUMBERS = (
    "Jobs go into a durable queue partitioned by customer, so order holds per customer. "
    "Workers take a lease on a job; if a worker dies the lease expires and the job is "
    "redelivered. Each charge carries an idempotency key, so a retry never charges twice, "
    "and jobs that keep failing go to a dead letter queue that pages someone."
)
OFF_TOPIC = (
    "Let me talk about how I'd design the frontend instead. I'd use React with a design "
    "system, server side rendering for speed, and a nice component library for buttons "
    "and modals, with dark mode and good accessibility for the whole user interface."
)


@pytest.fixture(scope="module")
def rubric() -> Rubric:
    return catalog.load_rubrics().get("distributed-systems-design", "rubric")


def engine(rubric: Rubric) -> InterviewEngine:
    now = [0.0]
    return InterviewEngine(
        persona=catalog.load_personas().get("staff-infra", "persona"),
        rubric=rubric,
        question=rubric.question("job-queue"),
        level=Level.SENIOR,
        chat=None,
        session_id="simulated",
        clock=lambda: now[0],
    )


def probed_criteria(engine: InterviewEngine, answer: str, turns: int = 3) -> list[str]:
    engine.start()
    for _ in range(turns):
        if engine.finished:
            break
        engine.on_candidate_turn(answer, duration=40)
    return [
        t.criterion_id
        for t in engine.session.turns
        if t.kind is TurnKind.PROBE and t.criterion_id is not None
    ]


def test_a_candidate_who_skips_failure_handling_is_asked_about_failures(rubric: Rubric) -> None:
    criteria = probed_criteria(engine(rubric), NO_FAILURES)
    assert criteria[0] == "failure-handling", criteria


def test_a_candidate_who_never_gives_numbers_is_asked_for_numbers(rubric: Rubric) -> None:
    criteria = probed_criteria(engine(rubric), NO_NUMBERS)
    assert "quantitative" in criteria, criteria
    assert criteria[0] != "failure-handling", "failures were already covered"


def test_a_candidate_who_asks_clarifying_questions_first_gets_facts_then_probes(
    rubric: Rubric,
) -> None:
    interview = engine(rubric)
    interview.start()
    (reply,) = [
        e for e in interview.on_candidate_turn("What's the peak load?") if isinstance(e, Say)
    ]
    assert reply.kind is TurnKind.CLARIFICATION
    facts = rubric.question("job-queue").facts
    assert any(f.answer in reply.text for f in facts), reply.text
    (probe,) = [
        e for e in interview.on_candidate_turn(NO_FAILURES, duration=40) if isinstance(e, Say)
    ]
    assert probe.kind is TurnKind.PROBE


def test_an_off_topic_candidate_is_brought_back_to_the_question(rubric: Rubric) -> None:
    interview = engine(rubric)
    interview.start()
    says = [e for e in interview.on_candidate_turn(OFF_TOPIC, duration=40) if isinstance(e, Say)]
    assert says and "back" in says[-1].text.lower(), says
    assert interview.session.turns[2].note == "off topic"
