"""An interviewer that listens (issue 19): every probe opens with the candidate's own
words, a dodged probe is pressed once, and nothing just given is asked for again."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

import pytest

from interviewer import catalog
from interviewer.bench.listening import CANDIDATES, FAILURE, MID, NUMBERS, RETRIES
from interviewer.core.anchoring import ANCHOR_MAX_WORDS, choose_span, is_anchored
from interviewer.core.content import Level, Rubric
from interviewer.core.engine import EngineConfig, InterviewEngine, InterviewerEvent, Say
from interviewer.core.evidence import ScoredText, detect_items, find_evidence
from interviewer.core.guards import FLATTERY, ROLE_CONFUSION
from interviewer.core.planning import mentioned_items, probe_targets
from interviewer.core.ports import ChatMessage
from interviewer.core.session import Speaker, TurnKind
from interviewer.errors import ReplyTooSlow
from tests.fakes import ScriptedChat

POSTGRES = (
    "So, um, I'd keep the jobs in Postgres, and the workers poll the table every second "
    "with select for update skip locked."
)
QUOTE = re.compile(r'^(?:You said|You told me) "(?P<span>[^"]+)"|^You mentioned (?P<term>[^.]+)\.')


@pytest.fixture(scope="module")
def rubric() -> Rubric:
    return catalog.load_rubrics().get("distributed-systems-design", "rubric")


def make_engine(
    rubric: Rubric,
    chat: object = None,
    persona_id: str = "staff-infra",
    level: Level = Level.SENIOR,
) -> InterviewEngine:
    engine = InterviewEngine(
        persona=catalog.load_personas().get(persona_id, "persona"),
        rubric=rubric,
        question=rubric.question("job-queue"),
        level=level,
        chat=chat,  # type: ignore[arg-type]
        session_id="test",
        config=EngineConfig(round_seconds=1500, backoff_seconds=0.0),
        clock=lambda: 0.0,
        sleep=lambda _: None,
    )
    engine.start()
    return engine


def line(events: Sequence[InterviewerEvent]) -> Say:
    return [e for e in events if isinstance(e, Say)][-1]


def quoted(text: str) -> str:
    """The candidate's words a line opens with ('' if it quotes none)."""
    found = QUOTE.match(text)
    if found is None:
        return ""
    return found.group("span") or found.group("term")


# --------------------------------------------------------------------------- anchors


@pytest.mark.parametrize("persona_id", ["staff-infra", "friendly-backend", "inference-lead"])
@pytest.mark.parametrize("answer", [MID, RETRIES, NUMBERS, POSTGRES, f"{MID} {NUMBERS}"])
def test_every_probe_opens_with_a_verbatim_span_of_the_last_answer(
    rubric: Rubric, persona_id: str, answer: str
) -> None:
    """With no LLM at all: the anchor is chosen from the transcript, not phrased."""
    engine = make_engine(rubric, None, persona_id)
    probe = line(engine.on_candidate_turn(answer, duration=20))
    assert probe.kind is TurnKind.PROBE and probe.scripted
    span = quoted(probe.text)
    assert span and span in answer  # verbatim: the candidate's own characters
    assert len(span.split()) <= ANCHOR_MAX_WORDS
    planned = next(p for p in rubric.probes_for("job-queue") if p.id == probe.probe_id)
    assert probe.text.endswith(planned.text)  # then the question as planned


class LateChat:
    """The embedded server missing the reply deadline."""

    model_name = "late"

    def stream(
        self, messages: Sequence[ChatMessage], *, max_tokens: int = 256, temperature: float = 0.6
    ) -> Iterator[str]:
        raise ReplyTooSlow("not ready in time")


def test_a_late_model_still_gets_an_anchored_probe(rubric: Rubric) -> None:
    engine = make_engine(rubric, LateChat())
    probe = line(engine.on_candidate_turn(POSTGRES, duration=20))
    assert probe.scripted and quoted(probe.text) in POSTGRES and quoted(probe.text)
    planned = engine.next_reply(POSTGRES, duration=20)
    assert planned is None or planned.scripted.startswith("You")


def test_the_model_s_question_follows_the_anchor(rubric: Rubric) -> None:
    engine = make_engine(rubric, ScriptedChat(["What happens to the job when a worker dies?"]))
    probe = line(engine.on_candidate_turn(MID, duration=20))
    assert not probe.scripted
    assert quoted(probe.text) in MID and quoted(probe.text)
    assert probe.text.endswith('". What happens to the job when a worker dies?')
    assert "anchored" in (probe.note or "")


def test_a_reply_that_refers_to_the_answer_itself_is_not_anchored_twice(rubric: Rubric) -> None:
    reply = "Okay, a pool of workers behind a queue. What happens when a worker dies mid-job?"
    engine = make_engine(rubric, ScriptedChat([reply]))
    probe = line(engine.on_candidate_turn(MID, duration=20))
    assert probe.text == reply


def test_the_model_s_rewording_passes_the_same_guard(rubric: Rubric) -> None:
    """A flattering rewording is rejected like any reply: the anchored plan is said."""
    flattering = "Great answer, a pool of workers. What happens when a worker dies mid-job?"
    engine = make_engine(rubric, ScriptedChat([flattering] * 3))
    probe = line(engine.on_candidate_turn(MID, duration=20))
    assert probe.scripted and "Great" not in probe.text
    assert quoted(probe.text) in MID and quoted(probe.text)


def test_an_off_topic_answer_is_redirected_not_quoted(rubric: Rubric) -> None:
    off_topic = (
        "Let me talk about how I'd design the frontend instead. I'd use React with a design "
        "system, server side rendering for speed, and a nice component library for buttons."
    )
    engine = make_engine(rubric)
    probe = line(engine.on_candidate_turn(off_topic, duration=20))
    assert "You said" not in probe.text and "back to" in probe.text.lower()


def test_the_span_is_about_the_probe_s_target(rubric: Rubric) -> None:
    answer = f"{RETRIES} {NUMBERS}"
    matches = find_evidence(rubric, ScoredText.from_text(answer))
    probes = {p.id: p for p in rubric.probes_for("job-queue")}
    spans = {}
    for probe_id in ("numbers-please", "poison-job"):
        probe = probes[probe_id]
        span = choose_span(
            answer,
            focus=probe.text,
            matches=matches,
            prefer=probe_targets(rubric, probe),
            criterion_id=probe.criterion,
        )
        assert span is not None and answer[span.start : span.end] == span.text
        spans[probe_id] = span.text
    assert "requests per second" in spans["numbers-please"]
    assert "retry" in spans["poison-job"]


def test_a_bare_component_is_named_when_no_clause_says_enough(rubric: Rubric) -> None:
    engine = make_engine(rubric)
    probe = line(engine.on_candidate_turn("Kafka, I think.", duration=5))
    assert probe.text.startswith("You mentioned Kafka.")


def test_is_anchored_needs_the_candidate_s_words_not_the_probe_s() -> None:
    planned = "A worker dies right after charging the card. What happens to that job?"
    terms = ["queue", "worker", "Postgres"]
    assert is_anchored("Okay, workers poll Postgres. What now?", POSTGRES, planned, terms)
    assert is_anchored("So the workers poll the table. What now?", POSTGRES, planned, terms)
    # "worker" is the probe's own word, and nothing else comes from the answer.
    assert not is_anchored("A worker dies. What happens to that job?", MID, planned, terms)


# --------------------------------------------------------------------------- follow-through


def test_a_dodged_probe_is_pressed_once_on_the_same_point(rubric: Rubric) -> None:
    """Issue 19: asked for numbers, the candidate talked about retries; the interviewer
    moved on and never came back to it."""
    engine = make_engine(rubric)
    line(engine.on_candidate_turn(MID, duration=20))
    numbers = line(engine.on_candidate_turn(RETRIES, duration=20))  # a failure answer
    assert numbers.probe_id == "numbers-please"
    dodge = "We retry failed charges with backoff, and the retries are capped."
    pressed = line(engine.on_candidate_turn(dodge, duration=20))
    assert pressed.probe_id == "numbers-please" and pressed.kind is TurnKind.PROBE
    assert pressed.text.startswith('You told me "')
    assert quoted(pressed.text) in dodge and "retry" in quoted(pressed.text)
    assert "not what I asked" in pressed.text
    planned = next(p for p in rubric.probes_for("job-queue") if p.id == "numbers-please")
    assert pressed.text.endswith(planned.text)
    assert "follow-through" in (pressed.note or "") and "scripted" in (pressed.note or "")
    # Dodged again: pressed once only, then the interviewer moves on.
    after = line(engine.on_candidate_turn(dodge, duration=20))
    assert after.probe_id != "numbers-please" and "told me" not in after.text


def test_an_answer_on_the_probed_point_is_not_pressed(rubric: Rubric) -> None:
    engine = make_engine(rubric)
    first = line(engine.on_candidate_turn(MID, duration=20))
    assert first.criterion_id == "failure-handling"
    nxt = line(engine.on_candidate_turn(FAILURE, duration=20))
    assert nxt.probe_id != first.probe_id and "told me" not in nxt.text


def test_a_press_is_said_at_once_without_the_model(rubric: Rubric) -> None:
    chat = ScriptedChat(["What happens to the job when a worker dies?"])
    engine = make_engine(rubric, chat)
    engine.on_candidate_turn(MID, duration=20)
    asked = len(chat.requests)
    pressed = line(engine.on_candidate_turn(NUMBERS, duration=20))  # not about failures
    assert pressed.scripted and "told me" in pressed.text
    assert len(chat.requests) == asked
    assert engine.next_request(NUMBERS) is None or engine.current is not None


# --------------------------------------------------------------------------- given


def test_a_probe_for_what_the_answer_already_evidences_is_not_asked(rubric: Rubric) -> None:
    """Before: a mid-level candidate who said "if the worker dies its lease expires...
    idempotency key" was asked "A worker dies right after charging the card ... what
    happens to that job, and how do you avoid charging the customer twice?"."""
    engine = make_engine(rubric, level=Level.MID)
    probe = line(engine.on_candidate_turn(FAILURE, duration=20))
    assert probe.probe_id != "charged-then-died"


def test_peak_load_is_never_asked_for_right_after_it_was_given(rubric: Rubric) -> None:
    """Issue 19: "at peak we might see maybe ten thousand requests per second, so I would
    start with around twenty machines" was followed by "What is the peak number of
    requests per second, and how many machines are needed to handle that load?"."""
    asked_again = (
        "What is the peak number of requests per second, and how many machines are needed "
        "to handle that load?"
    )
    chat = ScriptedChat(["What happens to the job when a worker dies?", *[asked_again] * 3])
    engine = make_engine(rubric, chat)
    engine.on_candidate_turn(MID, duration=20)
    reply = line(engine.on_candidate_turn(f"{FAILURE} {NUMBERS}", duration=20))
    assert "requests per second" not in reply.text.split('"')[-1]
    assert "machines" not in reply.text.split('"')[-1]
    assert reply.scripted  # the model's three tries asked for it again: the plan is said
    said = [t.text for t in engine.session.turns if t.speaker is Speaker.INTERVIEWER]
    assert asked_again not in " ".join(said)
    planned = engine.next_reply(NUMBERS, duration=20)
    if planned is not None:
        assert not planned.accepts(asked_again)


def test_a_heading_is_not_quoted() -> None:
    answer = "Deciding requirement: the first token must arrive within one second at p99."
    span = choose_span(answer, focus="What is a different design that would also work?")
    assert span is None or span.text != "Deciding requirement"
    span = choose_span(answer, focus="How fast must the first token arrive?")
    assert span is not None and span.text in answer and "first token" in span.text


def test_only_a_reaction_that_quotes_the_answer_is_said_early(rubric: Rubric) -> None:
    """Said early, a bare "Fair enough." would come before the anchor: one sentence too
    many. It waits; the anchor takes its place."""
    for reply, early_expected in (
        ("Fair enough, noted. What happens when a worker dies mid-job?", []),
        (
            "Okay, a pool of workers. What happens when a worker dies mid-job?",
            ["Okay, a pool of workers."],
        ),
    ):
        early: list[str] = []
        engine = make_engine(rubric, ScriptedChat([reply]))
        engine.on_sentence = early.append
        probe = line(engine.on_candidate_turn(MID, duration=20))
        assert early == early_expected
        assert probe.text.endswith("What happens when a worker dies mid-job?")
        assert quoted(probe.text) in MID or probe.text.startswith("Okay, a pool of workers.")
        assert "Fair enough" not in probe.text


# --------------------------------------------------------------------------- self-test


@pytest.mark.parametrize("persona_id", ["staff-infra", "friendly-backend"])
@pytest.mark.parametrize("candidate", sorted(CANDIDATES))
def test_simulated_candidates_get_an_interviewer_that_listens(
    rubric: Rubric, persona_id: str, candidate: str
) -> None:
    """Issue 19's properties on rounds with no LLM: every probe quotes the answer before
    it, none asks only for what was given, every dodged probe is pressed once, and no
    line flatters or speaks as the candidate."""
    engine = make_engine(rubric, None, persona_id)
    said: list[str] = []
    for answer in CANDIDATES[candidate]:
        if engine.finished:
            break
        before = set(engine.found)
        heard = " ".join([*said, answer])
        said.append(answer)
        current = engine.current
        events = engine.on_candidate_turn(answer, duration=20)
        reply = line(events)
        assert not FLATTERY.search(reply.text) and not ROLE_CONFUSION.search(reply.text)
        if reply.kind is not TurnKind.PROBE:
            continue
        pressed = "follow-through" in (reply.note or "")
        span = quoted(reply.text)
        assert span and span in answer, reply.text
        if pressed:
            assert current is not None and reply.probe_id == current.probe.id
            continue
        planned = next(p for p in rubric.probes_for("job-queue") if p.id == reply.probe_id)
        targets = probe_targets(rubric, planned)
        given = (before | engine.found) | mentioned_items(rubric, heard, targets)
        if planned.kind.value != "constraint_change":
            assert not targets <= given, f"{planned.id} asks for what was given"
        if current is not None and current.probe.id != reply.probe_id:
            probed = {(current.criterion.id, i.id) for i in current.criterion.checklist}
            dodged = not detect_items(rubric, answer) & probed and not mentioned_items(
                rubric, answer, probed
            )
            pressed_before = sum(t.probe_id == current.probe.id for t in engine.session.turns[:-1])
            assert not dodged or pressed_before >= 2, f"{current.probe.id} not followed through"
