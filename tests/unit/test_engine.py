"""The interview engine, driven with shipped content and a scripted LLM."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest

from interviewer import catalog
from interviewer.core.content import Level, Persona, Rubric
from interviewer.core.engine import (
    EngineConfig,
    InterviewEngine,
    InterviewerEvent,
    Phase,
    RoundEnded,
    Say,
    StatusNote,
)
from interviewer.core.ports import ChatMessage
from interviewer.core.session import Speaker, TurnKind
from interviewer.errors import BackendUnavailable
from tests.fakes import ScriptedChat

VAGUE_ANSWER = (
    "I would put the jobs in a queue and have a pool of workers pull from it. The workers "
    "process each job and write the result to a database, and the API returns a job id."
)
FAILURE_ANSWER = (
    "If a worker dies the lease expires and the job is redelivered to another worker. Each "
    "charge carries an idempotency key stored in the job table, so a retry never charges "
    "twice. Retries use exponential backoff with jitter, and after five attempts the job "
    "goes to a dead letter queue and we alert. Timeouts and heartbeats detect dead workers."
)


@pytest.fixture(scope="module")
def rubric() -> Rubric:
    return catalog.load_rubrics().get("distributed-systems-design", "rubric")


def persona(persona_id: str) -> Persona:
    return catalog.load_personas().get(persona_id, "persona")


def make_engine(
    rubric: Rubric,
    chat: object,
    persona_id: str = "staff-infra",
    level: Level = Level.SENIOR,
    clock: list[float] | None = None,
) -> InterviewEngine:
    now = clock if clock is not None else [0.0]
    return InterviewEngine(
        persona=persona(persona_id),
        rubric=rubric,
        question=rubric.question("job-queue"),
        level=level,
        chat=chat,  # type: ignore[arg-type]
        session_id="test",
        config=EngineConfig(round_seconds=1500, backoff_seconds=0.0),
        clock=lambda: now[0],
        sleep=lambda _: None,
    )


def says(events: Sequence[InterviewerEvent]) -> list[Say]:
    return [e for e in events if isinstance(e, Say)]


def test_start_greets_then_asks_the_question(rubric: Rubric) -> None:
    engine = make_engine(rubric, ScriptedChat([]))
    events = engine.start()
    lines = says(events)
    assert [s.kind for s in lines] == [TurnKind.OPENING, TurnKind.QUESTION]
    assert lines[1].text == rubric.question("job-queue").prompt
    assert "Dana" in lines[0].text
    assert engine.phase is Phase.ANSWER
    assert [t.speaker for t in engine.session.turns] == [Speaker.INTERVIEWER] * 2


def test_clarifying_question_is_answered_from_scenario_facts_only(rubric: Rubric) -> None:
    chat = ScriptedChat([])
    engine = make_engine(rubric, chat)
    engine.start()
    reply = says(engine.on_candidate_turn("How many jobs per second do we need to handle?"))
    fact = next(f for f in rubric.question("job-queue").facts if f.topic == "scale")
    assert reply[0].kind is TurnKind.CLARIFICATION
    assert fact.answer in reply[0].text
    unknown = says(engine.on_candidate_turn("What colour is the office carpet?"))
    assert "assumption" in unknown[0].text.lower() or "your call" in unknown[0].text.lower()
    assert chat.requests == []  # facts are quoted, never paraphrased by the model
    assert engine.phase is Phase.ANSWER


def test_first_probe_targets_failure_handling_and_is_phrased_by_the_llm(rubric: Rubric) -> None:
    chat = ScriptedChat(["What happens to an in-flight job when its worker dies?"])
    engine = make_engine(rubric, chat)
    engine.start()
    probe = says(engine.on_candidate_turn(VAGUE_ANSWER, duration=30))[0]
    assert probe.kind is TurnKind.PROBE
    assert probe.criterion_id == "failure-handling"
    # The candidate's own words first (issue 19), then the model's question.
    assert probe.text.startswith('You said "')
    assert probe.text.endswith('". What happens to an in-flight job when its worker dies?')
    assert not probe.scripted
    # The model was told which probe to ask and never saw the model answer.
    prompt = "\n".join(m.content for m in chat.requests[0])
    asked = rubric.probes_for("job-queue")
    assert any(p.text in prompt for p in asked if p.id == probe.probe_id)
    assert all(line not in prompt for line in rubric.question("job-queue").model_answer)


def test_evidenced_criterion_is_not_probed_again(rubric: Rubric) -> None:
    engine = make_engine(rubric, None)
    engine.start()
    probe = says(engine.on_candidate_turn(VAGUE_ANSWER + " " + FAILURE_ANSWER))[0]
    assert probe.criterion_id != "failure-handling"


def test_a_whole_round_never_repeats_a_probe_and_ends(rubric: Rubric) -> None:
    clock = [0.0]
    engine = make_engine(rubric, None, clock=clock)
    engine.start()
    events: list[InterviewerEvent] = []
    for _ in range(30):
        clock[0] += 60
        events = engine.on_candidate_turn(VAGUE_ANSWER, duration=40)
        if engine.phase is Phase.CANDIDATE_QUESTIONS:
            break
    said = [t.probe_id for t in engine.session.turns if t.kind is TurnKind.PROBE]
    probes = list(dict.fromkeys(said))
    assert len(probes) == persona("staff-infra").followup_depth
    # A vague answer is pressed once (follow-through), never twice.
    assert all(said.count(p) <= 2 for p in probes)
    kinds = [rubric_probe_kind(rubric, p) for p in probes if p]
    assert kinds[-1] == "constraint_change"
    assert says(events)[-1].kind is TurnKind.WRAP_UP
    end = engine.on_candidate_turn("No, thanks.")
    assert isinstance(end[-1], RoundEnded)
    assert engine.finished


def rubric_probe_kind(rubric: Rubric, probe_id: str) -> str:
    return next(p.kind.value for p in rubric.probes_for("job-queue") if p.id == probe_id)


class DeadChat:
    model_name = "dead"

    def __init__(self) -> None:
        self.calls = 0

    def stream(
        self, messages: Sequence[ChatMessage], *, max_tokens: int = 256, temperature: float = 0.6
    ) -> Iterator[str]:
        self.calls += 1
        raise BackendUnavailable("connection refused")


def test_dead_endpoint_degrades_to_scripted_probes_without_stopping(rubric: Rubric) -> None:
    chat = DeadChat()
    engine = make_engine(rubric, chat)
    engine.start()
    events = engine.on_candidate_turn(VAGUE_ANSWER)
    notes = [e for e in events if isinstance(e, StatusNote)]
    probe = says(events)[0]
    assert notes and "LLM" in notes[0].text
    assert probe.scripted
    assert any(probe.text.endswith(p.text) for p in rubric.probes_for("job-queue"))
    assert chat.calls == 3  # one try plus two retries
    # The next turn does not pay the retry budget again while the endpoint is down.
    says(engine.on_candidate_turn(VAGUE_ANSWER))
    assert chat.calls == 3
    assert engine.phase in (Phase.FOLLOW_UP, Phase.CONSTRAINT_CHANGE)


def test_persona_break_and_lecture_are_never_spoken(rubric: Rubric) -> None:
    chat = ScriptedChat(
        [
            "As an AI language model, I think you should use Kafka. What else?",
            "You should use idempotency keys. What happens when a worker dies mid-job?",
        ]
    )
    engine = make_engine(rubric, chat)
    engine.start()
    probe = says(engine.on_candidate_turn(VAGUE_ANSWER))[0]
    assert probe.text.endswith("What happens when a worker dies mid-job?")
    assert "AI" not in probe.text and "should" not in probe.text
    assert len(chat.requests) == 2


def test_garbage_output_falls_back_to_the_scripted_probe(rubric: Rubric) -> None:
    chat = ScriptedChat(["{}", "", "```json"])
    engine = make_engine(rubric, chat)
    engine.start()
    events = engine.on_candidate_turn(VAGUE_ANSWER)
    assert says(events)[0].scripted
    assert any(isinstance(e, StatusNote) for e in events)


def test_personas_behave_differently(rubric: Rubric) -> None:
    """Depth, patience with clarifying questions, and wording differ, not only names."""

    def run(persona_id: str) -> InterviewEngine:
        clock = [0.0]
        engine = make_engine(rubric, None, persona_id=persona_id, clock=clock)
        engine.start()
        for _ in range(12):
            clock[0] += 30
            engine.on_candidate_turn(VAGUE_ANSWER, duration=20)
            if engine.phase is Phase.CANDIDATE_QUESTIONS:
                break
        return engine

    tough, warm = run("staff-infra"), run("friendly-backend")
    assert tough.persona.followup_depth != warm.persona.followup_depth
    count = [
        len({t.probe_id for t in e.session.turns if t.kind is TurnKind.PROBE})
        for e in (tough, warm)
    ]
    assert count == [tough.persona.followup_depth, warm.persona.followup_depth]
    assert tough.session.turns[0].text != warm.session.turns[0].text

    def clarify_run(persona_id: str) -> int:
        engine = make_engine(rubric, None, persona_id=persona_id)
        engine.start()
        for answered in range(1, 8):
            line = says(engine.on_candidate_turn("What is the peak load per second?"))[0]
            if "assumption" in line.text.lower():
                return answered
        return 99

    assert clarify_run("staff-infra") < clarify_run("friendly-backend")


def test_tough_persona_interrupts_handwaving_warm_one_never(rubric: Rubric) -> None:
    tough = make_engine(rubric, None, persona_id="staff-infra")
    warm = make_engine(rubric, None, persona_id="friendly-backend")
    for engine in (tough, warm):
        engine.start()
    waffle = "so basically we would have some kind of system that handles things well"
    half_budget = persona("staff-infra").answer_budget_seconds / 2 + 1
    assert tough.should_interrupt(half_budget, waffle)
    assert not tough.should_interrupt(half_budget, "we need 5000 jobs per second at peak")
    assert not warm.should_interrupt(1000, waffle)


def test_time_budget_moves_to_wrap_up(rubric: Rubric) -> None:
    clock = [0.0]
    engine = make_engine(rubric, None, clock=clock)
    engine.start()
    clock[0] = 1500 * 0.9
    events = engine.on_candidate_turn(VAGUE_ANSWER)
    assert says(events)[-1].kind is TurnKind.WRAP_UP
    assert engine.phase is Phase.CANDIDATE_QUESTIONS


def test_a_hint_request_is_recorded_and_answered_in_the_persona_s_voice(rubric: Rubric) -> None:
    """It should be possible to ask for a hint by key; the review sees it was asked."""
    engine = make_engine(rubric, ScriptedChat([]), persona_id="friendly-backend")
    engine.start()
    events = engine.request_hint()
    (say,) = [e for e in events if isinstance(e, Say)]
    assert say.kind is TurnKind.HINT
    asked = engine.session.turns[-2]
    assert asked.speaker is Speaker.CANDIDATE and asked.kind is TurnKind.HINT
    assert asked.note == "asked for a hint" and asked.text == ""


def test_repeat_says_the_last_question_again_and_records_a_repeat(rubric: Rubric) -> None:
    engine = make_engine(rubric, ScriptedChat(["What happens when a worker dies mid-job?"]))
    engine.start()
    engine.on_candidate_turn(VAGUE_ANSWER, duration=20)
    probe = engine.session.turns[-1]
    (say,) = engine.repeat_last()
    assert isinstance(say, Say) and say.kind is TurnKind.REPEAT
    assert say.text == probe.text and say.probe_id == probe.probe_id
    engine.end_round()
    assert engine.repeat_last() == [] and engine.request_hint() == []
