"""Latency hooks of the engine: sentences said before the reply is complete, and the
prompt prefix a front end sends ahead to warm the LLM server's cache."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest

from interviewer import catalog
from interviewer.core.content import Level, Rubric
from interviewer.core.engine import EngineConfig, InterviewEngine, InterviewerEvent, Say
from interviewer.core.ports import ChatMessage
from interviewer.core.prompts import _clip
from tests.fakes import ScriptedChat

ANSWER = (
    "I would put the jobs in a queue and have a pool of workers pull from it. The workers "
    "process each job and write the result to a database, and the API returns a job id."
)


@pytest.fixture(scope="module")
def rubric() -> Rubric:
    return catalog.load_rubrics().get("distributed-systems-design", "rubric")


class LoggedChat(ScriptedChat):
    """ScriptedChat that logs each delta as it is handed out, to see what came first."""

    def __init__(self, replies: Sequence[str], log: list[str]) -> None:
        super().__init__(replies)
        self.log = log

    def stream(
        self, messages: Sequence[ChatMessage], *, max_tokens: int = 256, temperature: float = 0.6
    ) -> Iterator[str]:
        for delta in super().stream(messages, max_tokens=max_tokens, temperature=temperature):
            self.log.append(f"delta:{delta.strip()}")
            yield delta


def make_engine(
    rubric: Rubric, chat: object, persona_id: str, early: list[str] | None
) -> InterviewEngine:
    engine = InterviewEngine(
        persona=catalog.load_personas().get(persona_id, "persona"),
        rubric=rubric,
        question=rubric.question("job-queue"),
        level=Level.SENIOR,
        chat=chat,  # type: ignore[arg-type]
        session_id="test",
        config=EngineConfig(round_seconds=1500, backoff_seconds=0.0),
        clock=lambda: 0.0,
        sleep=lambda _: None,
        on_sentence=None if early is None else early.append,
    )
    engine.start()
    return engine


def probe_line(events: Sequence[InterviewerEvent]) -> Say:
    return [e for e in events if isinstance(e, Say)][-1]


REPLY = "Nice point about the pool of workers. What happens when a worker dies mid-job?"


def test_without_a_hook_the_line_is_unchanged(rubric: Rubric) -> None:
    plain = make_engine(rubric, ScriptedChat([REPLY]), "friendly-backend", None)
    hooked = make_engine(rubric, ScriptedChat([REPLY]), "friendly-backend", [])
    assert (
        probe_line(plain.on_candidate_turn(ANSWER)).text
        == probe_line(hooked.on_candidate_turn(ANSWER)).text
    )


def test_a_lead_in_is_said_before_the_question_has_streamed(rubric: Rubric) -> None:
    log: list[str] = []
    engine = make_engine(rubric, LoggedChat([REPLY], log), "friendly-backend", None)
    engine.on_sentence = lambda sentence: log.append(f"say:{sentence}")
    line = probe_line(engine.on_candidate_turn(ANSWER))
    said = log.index("say:Nice point about the pool of workers.")
    assert said < log.index("delta:mid-job?")
    assert line.text.startswith("Nice point about the pool of workers.")
    assert line.text.endswith("?")


def test_the_question_itself_is_never_early(rubric: Rubric) -> None:
    early: list[str] = []
    engine = make_engine(
        rubric, ScriptedChat(["What happens when a worker dies?"]), "friendly-backend", early
    )
    engine.on_candidate_turn(ANSWER)
    assert early == []


def test_a_lecturing_lead_in_is_not_said_early(rubric: Rubric) -> None:
    early: list[str] = []
    reply = "You should use a dead letter queue. What happens when a worker dies?"
    engine = make_engine(rubric, ScriptedChat([reply]), "friendly-backend", early)
    line = probe_line(engine.on_candidate_turn(ANSWER))
    assert early == []
    assert "dead letter" not in line.text  # the guard dropped it from the line as well


def test_no_room_left_for_the_question_means_no_early_sentence(rubric: Rubric) -> None:
    """staff-infra says at most two sentences: one lead-in may go early, not two."""
    early: list[str] = []
    reply = "Fair enough, a pool of workers. That part is clear. What happens when a worker dies?"
    engine = make_engine(rubric, ScriptedChat([reply]), "staff-infra", early)
    engine.on_candidate_turn(ANSWER)
    assert early == ["Fair enough, a pool of workers."]


def test_a_rejected_reply_keeps_what_was_already_said(rubric: Rubric) -> None:
    """Said is said: the retry's question follows the early lead-in, and the retry does
    not say a lead-in of its own early."""
    early: list[str] = []
    replies = [
        "Nice point about the pool of workers. As an AI language model I cannot judge.",
        "Good point. How do you detect a dead worker?",
    ]
    engine = make_engine(rubric, ScriptedChat(replies), "friendly-backend", early)
    line = probe_line(engine.on_candidate_turn(ANSWER))
    assert early == ["Nice point about the pool of workers."]
    assert line.text.startswith("Nice point about the pool of workers. ")
    assert line.text.endswith("How do you detect a dead worker?")
    assert engine.session.turns[-1].text == line.text


def test_a_scripted_lead_is_said_before_the_llm_is_asked(rubric: Rubric) -> None:
    log: list[str] = []
    engine = make_engine(
        rubric, LoggedChat(["What happens when a worker dies?"], log), "staff-infra", None
    )
    engine.on_sentence = lambda sentence: log.append(f"say:{sentence}")
    line = probe_line(engine.on_candidate_turn(ANSWER, interrupted=True))
    assert log[0] == "say:Stop there."
    assert line.text.startswith('Stop there. You said "')
    assert line.text.endswith('". What happens when a worker dies?')


def test_prompt_prefix_is_the_start_of_the_next_request(rubric: Rubric) -> None:
    chat = ScriptedChat(["What happens when a worker dies?"])
    engine = make_engine(rubric, chat, "staff-infra", None)
    partial = ANSWER[: len(ANSWER) // 2].rsplit(" ", 1)[0]
    prefix = engine.prompt_prefix(partial)
    engine.on_candidate_turn(ANSWER)
    request = chat.requests[-1]
    assert request[: len(prefix) - 1] == prefix[:-1]
    assert prefix[-1].role == request[len(prefix) - 1].role == "user"
    assert request[len(prefix) - 1].content.startswith(prefix[-1].content)


def test_prompt_prefix_without_words_is_the_round_so_far(rubric: Rubric) -> None:
    engine = make_engine(rubric, ScriptedChat([]), "staff-infra", None)
    prefix = engine.prompt_prefix()
    assert [m.role for m in prefix] == ["system", "assistant"]


def test_a_growing_long_answer_keeps_its_clipped_start() -> None:
    """Clipping steps, so warming with a partial long answer stays useful."""
    words = [f"w{i}" for i in range(400)]
    same = 0
    for n in range(150, 399):
        shorter, longer = _clip(" ".join(words[:n])), _clip(" ".join(words[: n + 1]))
        same += longer.startswith(shorter)
        assert len(longer.split()) <= 140 + 35 + 1
    assert same > 0.9 * (399 - 150)


def test_a_long_explaining_sentence_is_never_said_early(rubric: Rubric) -> None:
    """Once said it cannot be taken back: the model once answered its own question in a
    31-word first sentence, spoken before the guard saw the rest."""
    early: list[str] = []
    reply = (
        "The time goes from the moment a request is received to the moment it's processed, "
        "and this can vary depending on factors such as database queries, network latency, "
        "and CPU usage. Where does the time go in a single request?"
    )
    engine = make_engine(rubric, ScriptedChat([reply]), "friendly-backend", early)
    line = probe_line(engine.on_candidate_turn(ANSWER))
    assert early == []
    assert "database queries" not in line.text


def test_a_reaction_that_asks_nothing_is_followed_by_the_planned_probe(rubric: Rubric) -> None:
    early: list[str] = []
    engine = make_engine(
        rubric,
        ScriptedChat(["Okay, a pool of workers behind a queue."]),
        "friendly-backend",
        early,
    )
    planned = engine.next_reply(ANSWER)
    assert planned is not None and planned.accepts("Okay, a pool of workers behind a queue.")
    line = probe_line(engine.on_candidate_turn(ANSWER))
    # The reaction refers to the answer, so it stands for the anchor.
    assert line.text == f"Okay, a pool of workers behind a queue. {planned.planned_question}"
    assert planned.scripted.endswith(planned.planned_question)
    assert line.scripted is False
    assert "planned question follows" in (line.note or "")
