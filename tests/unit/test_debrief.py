"""The debrief's grounding: nothing is shown that claims what the candidate said unless
it quotes them verbatim, nothing grades, and the evaluation answers when the model
cannot. Run on the shipped sample round (real Whisper words, real evidence)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from interviewer import catalog, locations
from interviewer.adapters.store.files import FileSessionStore
from interviewer.core.content import Persona
from interviewer.core.debrief import (
    DebriefContext,
    answer_question,
    build_context,
    debrief_messages,
    find_quote,
    guard_debrief,
)
from interviewer.core.ports import ChatMessage
from interviewer.core.session import Session
from interviewer.debriefs import open_debrief
from interviewer.errors import BackendUnavailable, InterviewerError
from interviewer.evaluation import load_evaluation
from tests.fakes import ScriptedChat

SAMPLE = locations.REPO_DIR / "recordings" / "sample-job-queue"


@pytest.fixture
def store(tmp_path: Path) -> FileSessionStore:
    store = FileSessionStore(tmp_path / "recordings")
    store.root.mkdir(parents=True)
    shutil.copytree(SAMPLE, store.root / "sample-job-queue")
    return store


@pytest.fixture
def context(store: FileSessionStore) -> DebriefContext:
    session = store.load("sample-job-queue")
    evaluation = load_evaluation(store, session.id)
    assert evaluation is not None
    return build_context(session, evaluation, catalog.load_rubrics().get(session.rubric_id, "r"))


def persona() -> Persona:
    return catalog.load_personas().get("staff-infra", "persona")


def test_a_quote_is_found_with_its_time_in_the_recording(context: DebriefContext) -> None:
    found = find_quote(context.session, "the charge call carries an idempotency key")
    assert found is not None and found.turn_index is not None
    turn = next(t for t in context.session.turns if t.index == found.turn_index)
    assert found.start is not None and turn.started_at <= found.start <= turn.started_at + 60
    assert find_quote(context.session, "we use Kafka for everything") is None


@pytest.mark.parametrize(
    "sentence",
    [
        'You said "we use Kafka for everything", which is fine.',  # invented quote
        "You mentioned Kafka as the queue.",  # a claim with no quote at all
        "Your answer relied on exactly-once delivery.",
        "You talked about fencing tokens at length.",
        "You did not mention a dead-letter queue.",  # the sample did say one: not missing
        "The candidate said the queue was Kafka.",  # the bundled model's third person
        "They chose Kafka for the log.",
        "You got 3 on tradeoffs.",  # the evaluation gave 1
    ],
)
def test_an_ungrounded_claim_about_the_candidate_is_never_shown(
    context: DebriefContext, sentence: str
) -> None:
    guarded = guard_debrief(
        f"{sentence} A staff answer compares two designs.", context.session, context.evaluation
    )
    assert guarded.text == "A staff answer compares two designs."
    assert len(guarded.dropped) == 1 and sentence in guarded.dropped[0]


def test_a_claim_with_a_verbatim_quote_is_kept_and_its_quote_is_playable(
    context: DebriefContext,
) -> None:
    reply = 'You said "the charge call carries an idempotency key", which covers double charges.'
    guarded = guard_debrief(reply, context.session, context.evaluation)
    assert guarded.text == reply
    assert [q.quote for q in guarded.quotes] == ["the charge call carries an idempotency key"]
    assert guarded.quotes[0].start is not None


def test_a_missing_item_may_be_named_without_a_quote(context: DebriefContext) -> None:
    """'You did not ...' is grounded by the evaluation's missing items, not by a quote."""
    reply = "You did not name a concrete alternative design or component."
    assert guard_debrief(reply, context.session, context.evaluation).text == reply


@pytest.mark.parametrize(
    "sentence",
    ["I would give you a 3 on tradeoffs.", "Honestly you deserve level 3 here.", "That is 80/100."],
)
def test_the_model_never_re_scores(context: DebriefContext, sentence: str) -> None:
    assert guard_debrief(sentence, context.session, context.evaluation).text == ""


def test_the_prompt_carries_the_evidence_missing_items_levels_and_outline(
    context: DebriefContext,
) -> None:
    messages = debrief_messages(context, persona(), "Why did I get 1 on tradeoffs?")
    system = messages[0].content
    tradeoffs = next(c.score for c in context.criteria if c.score.id == "tradeoffs")
    assert tradeoffs.missing_descriptions[0] in system
    assert "Rubric text for level 3" in system
    assert context.evaluation.outline[0].point in system
    assert messages[-1].content == "Why did I get 1 on tradeoffs?"


def test_a_grounded_model_reply_is_shown_with_its_quotes(context: DebriefContext) -> None:
    chat = ScriptedChat(
        [
            'You said "a worker claims each job with a lease", and that is solid. '
            "You mentioned fencing too. A staff answer adds fencing tokens."
        ]
    )
    exchange = answer_question(
        context,
        persona(),
        "How was my failure handling?",
        chat=chat,
    )
    assert exchange.source == "model"
    assert "fencing too" not in exchange.answer, "the unquoted claim is dropped"
    assert exchange.answer.startswith('You said "a worker claims each job with a lease"')
    assert exchange.quotes[0].quote == "a worker claims each job with a lease"
    assert any("without quoting" in d for d in exchange.dropped)


def test_without_a_model_the_evaluation_answers(context: DebriefContext) -> None:
    exchange = answer_question(
        context,
        persona(),
        "Why did I get 1 on tradeoffs?",
        chat=None,
    )
    assert exchange.source == "evaluation"
    assert exchange.answer.startswith("Tradeoffs: level 1 of 4, target 3.")
    assert "Names a concrete alternative design or component" in exchange.answer


def test_a_reply_with_nothing_grounded_falls_back_to_the_evaluation(
    context: DebriefContext,
) -> None:
    chat = ScriptedChat(['You said "we shard by region". I would give you a 2.'])
    exchange = answer_question(
        context,
        persona(),
        "How were my numbers?",
        chat=chat,
    )
    assert exchange.source == "evaluation" and "shard by region" not in exchange.answer
    assert exchange.answer.startswith("Quantitative reasoning: level 2 of 4")
    assert exchange.quotes, "the criterion's evidence is there to play"


class DownChat(ScriptedChat):
    def stream(
        self, messages: Sequence[ChatMessage], *, max_tokens: int = 256, temperature: float = 0.6
    ) -> Iterator[str]:
        raise BackendUnavailable("connection refused")


def test_a_dead_endpoint_is_an_evaluation_answer_not_an_error(context: DebriefContext) -> None:
    exchange = answer_question(
        context,
        persona(),
        "How was my failure handling?",
        chat=DownChat([]),
    )
    assert exchange.source == "evaluation"
    assert exchange.dropped == ["(no reply: connection refused)"]


def test_exchanges_are_saved_with_the_session_and_old_sessions_still_load(
    store: FileSessionStore,
) -> None:
    raw = (store.root / "sample-job-queue" / "session.json").read_text()
    assert '"debrief"' not in raw, "the shipped sample predates the debrief"
    debrief = open_debrief(store, "sample-job-queue")
    debrief.ask("Why did I get 1 on tradeoffs?", None)
    reloaded = store.load("sample-job-queue")
    assert [e.asked for e in reloaded.debrief] == ["Why did I get 1 on tradeoffs?"]
    assert isinstance(reloaded, Session) and reloaded.kind.value == "round"


def test_an_unscored_round_cannot_be_debriefed(store: FileSessionStore) -> None:
    (store.root / "sample-job-queue" / "evaluation.json").unlink()
    with pytest.raises(InterviewerError, match="has not been scored"):
        open_debrief(store, "sample-job-queue")


def test_the_debrief_waits_longer_than_a_turn_for_the_embedded_model() -> None:
    from interviewer.adapters.llm.openai_chat import OpenAIChatModel
    from interviewer.debriefs import DEBRIEF_TIMEOUT_SECONDS, patient

    embedded = OpenAIChatModel("http://127.0.0.1:9/v1", model="m", timeout=30)
    slow = patient(embedded)
    assert isinstance(slow, OpenAIChatModel)
    assert (slow.timeout, slow.stall_seconds) == (DEBRIEF_TIMEOUT_SECONDS,) * 2
    remote = OpenAIChatModel("http://127.0.0.1:9/v1", timeout=30, stall_seconds=5)
    slow_remote = patient(remote)
    assert isinstance(slow_remote, OpenAIChatModel)
    assert slow_remote.stall_seconds == 5, "a hanging remote endpoint still costs 5 s"
    assert patient(None) is None


def test_a_quote_illustrating_a_stronger_answer_is_not_the_candidates(
    context: DebriefContext,
) -> None:
    """Seen from the bundled model: 'A staff answer would have said something like: "…"'."""
    shown = 'A staff answer would say "we compare Kafka against a database table".'
    assert guard_debrief(shown, context.session, context.evaluation).text == shown
    passed_off = 'Try "we compare Kafka against a database table" next time.'
    assert guard_debrief(passed_off, context.session, context.evaluation).text == ""


def test_the_embedded_models_tradeoffs_answer_passes_the_guard(context: DebriefContext) -> None:
    """The reply the bundled model gave on the sample (docs quote it): its claims about
    the candidate are the evaluation's missing items and its level is the scored one."""
    raw = (
        "You got 1 on tradeoffs because the candidate presented a design as obviously right "
        "without mentioning any alternatives or trade-offs. They didn't compare different "
        "options, evaluate their consistency, latency, cost, or reliability, and they didn't "
        "make a choice based on those criteria."
    )
    assert guard_debrief(raw, context.session, context.evaluation).text == raw


def test_a_claim_repeating_the_candidates_words_without_quotation_marks_is_kept(
    context: DebriefContext,
) -> None:
    """Dropped in the first real run (docs quote it); six words in a row are a quote."""
    reply = "You said that if a worker dies, police expires and another worker reclaims the job."
    guarded = guard_debrief(reply, context.session, context.evaluation)
    assert guarded.text == reply
    assert guarded.quotes[0].quote.startswith("if a worker dies")
    assert guarded.quotes[0].start is not None
    close = "You said that if a worker dies, the lease expires and the job is retried."
    assert guard_debrief(close, context.session, context.evaluation).text == ""


def test_a_sentence_leaning_on_a_dropped_one_goes_with_it(context: DebriefContext) -> None:
    reply = (
        "You said the queue was Kafka. This is correct but could be improved. "
        "A staff answer adds fencing tokens."
    )
    guarded = guard_debrief(reply, context.session, context.evaluation)
    assert guarded.text == "A staff answer adds fencing tokens."
    assert "referred to a sentence not shown" in guarded.dropped[1]
    kept = "A staff answer adds fencing tokens. This stops a late worker."
    assert guard_debrief(kept, context.session, context.evaluation).text == kept
