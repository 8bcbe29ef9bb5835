"""Issue 20, LLM endpoint faults, injected by a fake OpenAI-compatible server on
loopback (tests/fakes/openai_server.py) through the real ``openai`` client: whatever the
endpoint does, the round goes on with the planned line, never stalls more than a few
seconds, honours Retry-After, and never shows or stores the URL's credentials."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import pytest

from interviewer import catalog
from interviewer.adapters.llm.openai_chat import OpenAIChatModel, redact_url
from interviewer.adapters.store.files import FileSessionStore
from interviewer.core.content import Level, Rubric
from interviewer.core.engine import EngineConfig, InterviewEngine, Say
from interviewer.errors import BackendUnavailable
from interviewer.llm_runtime import model_name_or_none, open_llm
from interviewer.settings import LLMSettings
from interviewer.simulation import PreparedAnswer, simulate_round
from tests.fakes.openai_server import FakeOpenAIServer

ANSWER = "I would keep the jobs in Postgres and let workers lease them with a timeout."
NUMBERS = "About five thousand jobs per second at peak, so we need about ten workers."


@pytest.fixture(scope="module")
def rubric() -> Rubric:
    return catalog.load_rubrics().get("distributed-systems-design", "rubric")


def make_engine(rubric: Rubric, chat: OpenAIChatModel) -> InterviewEngine:
    engine = InterviewEngine(
        persona=catalog.load_personas().get("staff-infra", "persona"),
        rubric=rubric,
        question=rubric.question("job-queue"),
        level=Level.SENIOR,
        chat=chat,
        session_id="test",
        config=EngineConfig(round_seconds=1500),
    )
    engine.start()
    return engine


def timed_turn(engine: InterviewEngine, text: str = ANSWER) -> tuple[float, str]:
    """Seconds the turn took, and what the interviewer said."""
    started = time.monotonic()
    events = engine.on_candidate_turn(text, duration=5.0)
    said = " ".join(e.text for e in events if isinstance(e, Say))
    return time.monotonic() - started, said


@pytest.mark.parametrize("mode", ["hang", "trickle"])
def test_a_hanging_or_trickling_endpoint_costs_one_stall_per_turn(
    rubric: Rubric, mode: str
) -> None:
    """Issue 20.10: a hanging endpoint cost 92 s for two answers (3 attempts x 30 s) and
    an empty-delta trickle was accepted after 110 s. Now: one stall (1 s here), the
    planned line, and the next turn asks the model again."""
    with FakeOpenAIServer(mode) as server:
        chat = OpenAIChatModel(server.url, model="fake", timeout=30, stall_seconds=1.0)
        engine = make_engine(rubric, chat)
        for turn in (1, 2):
            # The second answer gives what the first probe asked for (numbers): no
            # follow-through, so the model is asked again.
            seconds, said = timed_turn(engine, ANSWER if turn == 1 else NUMBERS)
            assert seconds < 3.0 and said
            assert len(server.chat_requests()) == turn
    assert "timed out" in (engine.session.turns[-1].note or "")


def test_retry_after_beyond_what_a_candidate_can_wait_stops_requests_until_then(
    rubric: Rubric,
) -> None:
    """Issue 20.12: 429 with Retry-After: 5 was retried after 0.25 s and 0.5 s."""
    with FakeOpenAIServer("status", status=429, headers={"Retry-After": "5"}) as server:
        engine = make_engine(rubric, OpenAIChatModel(server.url, model="fake"))
        seconds, said = timed_turn(engine)
        assert said and seconds < 1.0
        timed_turn(engine)  # within the 5 s: the model is not asked
        assert len(server.chat_requests()) == 1


def test_a_short_retry_after_is_waited_for_before_the_retry(rubric: Rubric) -> None:
    with FakeOpenAIServer("status", status=429, headers={"Retry-After": "1"}) as server:
        engine = make_engine(rubric, OpenAIChatModel(server.url, model="fake"))
        timed_turn(engine)
        asked = server.chat_requests()
        assert len(asked) == 3  # the first try and max_retries (2) retries
        assert min(b - a for a, b in itertools.pairwise(asked)) >= 1.0


def test_a_models_list_that_is_not_json_is_an_unavailable_endpoint(tmp_path: Path) -> None:
    """Issue 20.11: /v1/models answering garbage gave a traceback, exit 1, and no
    session was saved."""
    rubric = catalog.load_rubrics().get("distributed-systems-design", "rubric")
    with FakeOpenAIServer(garbage_models=True) as server:
        chat = OpenAIChatModel(server.url)
        with pytest.raises(BackendUnavailable, match="not a model list"):
            _ = chat.model_name
        assert model_name_or_none(chat) is None
        result = simulate_round(
            store=FileSessionStore(tmp_path),
            persona=catalog.load_personas().get("staff-infra", "persona"),
            rubric=rubric,
            question=rubric.question("job-queue"),
            level=Level.SENIOR,
            chat=chat,
            answers=[PreparedAnswer(source=tmp_path / "a.txt", text=ANSWER, duration=6.0)],
            round_minutes=25,
        )
    session = FileSessionStore(tmp_path).load(result.session_id)
    assert [t.text for t in session.candidate_turns()] == [ANSWER]


@pytest.mark.parametrize(
    "server",
    [
        FakeOpenAIServer("status", status=500),
        FakeOpenAIServer("garbage"),
        FakeOpenAIServer("cut"),
    ],
    ids=["500", "garbage-stream", "cut-stream"],
)
def test_a_broken_reply_is_replaced_by_the_planned_line(
    rubric: Rubric, server: FakeOpenAIServer
) -> None:
    with server:
        engine = make_engine(rubric, OpenAIChatModel(server.url, model="fake"))
        seconds, said = timed_turn(engine)
    assert said.endswith("?") and seconds < 3.0
    assert "scripted" in (engine.session.turns[-1].note or "")


SECRET_URL = "http://dana:hunter2@{host}/v1?api-key=sk-live-42&region=eu"


def test_credentials_in_the_endpoint_url_are_never_shown_or_stored(rubric: Rubric) -> None:
    """Issue 20.14: user:password and ?api-key= were written into session.json turn
    notes and printed by `doctor --json`."""
    with FakeOpenAIServer("status", status=500) as server:
        url = SECRET_URL.format(host=server.url.split("//")[1].removesuffix("/v1"))
        runtime = open_llm(LLMSettings(base_url=url, model="fake"))
        engine = make_engine(rubric, runtime.chat)
        timed_turn(engine)
    stored = engine.session.model_dump_json()
    for secret in ("hunter2", "sk-live-42", "dana"):
        assert secret not in stored and secret not in runtime.description
    assert "***@127.0.0.1" in runtime.description


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://api.openai.com/v1", "https://api.openai.com/v1"),
        ("http://u:p@host:8080/v1", "http://***@host:8080/v1"),
        ("http://host/v1?api-key=abc&x=", "http://host/v1?api-key=***&x=***"),
        ("http://[::1]:9/v1", "http://[::1]:9/v1"),
    ],
)
def test_redact_url(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_a_reply_that_breaks_character_is_replaced_by_the_planned_line(rubric: Rubric) -> None:
    broken = "As an AI language model, I cannot pretend to be an interviewer."
    with FakeOpenAIServer("ok", reply=broken) as server:
        engine = make_engine(rubric, OpenAIChatModel(server.url, model="fake"))
        _, said = timed_turn(engine)
    assert "AI language model" not in said and said.endswith("?")


def test_a_leading_question_from_the_endpoint_is_replaced_by_the_planned_line(
    rubric: Rubric,
) -> None:
    """Issue 20.13, end to end: the leading question was said, twice."""
    leading = (
        "Would you store an idempotency key with each job and let the lease expire so "
        "another worker picks the job up again?"
    )
    with FakeOpenAIServer("ok", reply=leading) as server:
        engine = make_engine(rubric, OpenAIChatModel(server.url, model="fake"))
        said = [timed_turn(engine, "Workers pull jobs from a queue.")[1] for _ in range(2)]
    assert all("idempotency" not in line for line in said)
