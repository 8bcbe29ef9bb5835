"""Replies prepared while the candidate pauses: the engine's prediction of its next
request, the chat wrapper that runs it ahead, and the voice turn's pause signal."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from interviewer import catalog
from interviewer.adapters.llm.prepared import PreparedChat
from interviewer.adapters.store.files import FileSessionStore
from interviewer.adapters.stt.whisper import RecognizedSegment
from interviewer.core.content import Level, Rubric
from interviewer.core.endpointing import EndpointConfig, TurnMode
from interviewer.core.engine import EngineConfig, InterviewEngine, Say
from interviewer.core.ports import SAMPLE_RATE, AudioBlock, ChatMessage, ChatRequest, Samples
from interviewer.core.prompts import words_added
from interviewer.core.session import Word
from interviewer.errors import BackendUnavailable
from interviewer.live import PREPARED_REPLY_MAX_NEW_WORDS, LiveRound, SpokenTurn
from interviewer.voice import PREPARE_AFTER_PAUSE, VoiceTurn
from tests.fakes import ScriptedChat

ANSWER = (
    "I would put the jobs in a queue and have a pool of workers pull from it. The workers "
    "process each job and write the result to a database, and the API returns a job id."
)


@pytest.fixture(scope="module")
def rubric() -> Rubric:
    return catalog.load_rubrics().get("distributed-systems-design", "rubric")


def make_engine(rubric: Rubric, chat: object) -> InterviewEngine:
    return InterviewEngine(
        persona=catalog.load_personas().get("staff-infra", "persona"),
        rubric=rubric,
        question=rubric.question("job-queue"),
        level=Level.SENIOR,
        chat=chat,  # type: ignore[arg-type]
        session_id="test",
        config=EngineConfig(round_seconds=1500, backoff_seconds=0.0),
        clock=lambda: 0.0,
        sleep=lambda _: None,
    )


class RecordingChat(ScriptedChat):
    """``ScriptedChat`` that also records each request's sampling arguments."""

    def __init__(self, replies: Sequence[str]) -> None:
        super().__init__(replies)
        self.calls: list[ChatRequest] = []

    def stream(
        self, messages: Sequence[ChatMessage], *, max_tokens: int = 256, temperature: float = 0.6
    ) -> Iterator[str]:
        self.calls.append(ChatRequest(tuple(messages), max_tokens, temperature))
        return super().stream(messages, max_tokens=max_tokens, temperature=temperature)


# --------------------------------------------------------------------------- the engine


def test_next_request_is_the_request_the_turn_then_sends_and_changes_nothing(
    rubric: Rubric,
) -> None:
    chat = RecordingChat(["What happens when a worker dies mid-job?"])
    engine = make_engine(rubric, chat)
    engine.start()
    turns_before = len(engine.session.turns)
    predicted = engine.next_request(ANSWER, duration=20.0)
    assert predicted is not None
    assert len(engine.session.turns) == turns_before
    assert engine.asked == [] and engine.found == set()
    assert chat.calls == []  # the prediction never reached the model
    events = engine.on_candidate_turn(ANSWER, duration=20.0)
    assert [s.text for s in events if isinstance(s, Say)]
    assert chat.calls[0] == predicted


def test_a_different_answer_predicts_a_different_request(rubric: Rubric) -> None:
    engine = make_engine(rubric, RecordingChat([]))
    engine.start()
    first = engine.next_request(ANSWER)
    longer = engine.next_request(ANSWER + " Retries use exponential backoff.")
    assert first is not None and longer is not None
    assert first != longer


def test_turns_that_do_not_ask_the_llm_predict_nothing(rubric: Rubric) -> None:
    engine = make_engine(rubric, RecordingChat([]))
    engine.start()
    assert engine.next_request("What is the peak load?") is None  # answered from facts
    assert engine.next_request("I don't know.") is None  # a scripted hint
    assert make_engine(rubric, None).next_request(ANSWER) is None


# --------------------------------------------------------------------------- the wrapper


class GatedChat:
    """Streams its reply one piece per ``release()``, so a test controls the timing."""

    model_name = "gated"

    def __init__(self, reply: str, *, fail: bool = False) -> None:
        self.pieces = re.findall(r"\S+\s*", reply)
        self.fail = fail
        self.calls: list[ChatRequest] = []
        self.closed = threading.Event()
        self._gate = threading.Semaphore(0)

    def release(self, pieces: int = 1000) -> None:
        for _ in range(pieces):
            self._gate.release()

    def stream(
        self, messages: Sequence[ChatMessage], *, max_tokens: int = 256, temperature: float = 0.6
    ) -> Iterator[str]:
        self.calls.append(ChatRequest(tuple(messages), max_tokens, temperature))
        try:
            for piece in self.pieces:
                self._gate.acquire()
                if self.fail:
                    raise BackendUnavailable("the server went away")
                yield piece
        finally:
            self.closed.set()


def request(text: str) -> ChatRequest:
    return ChatRequest((ChatMessage("user", text),), 96, 0.5)


def stream_text(chat: PreparedChat, req: ChatRequest) -> str:
    return "".join(
        chat.stream(list(req.messages), max_tokens=req.max_tokens, temperature=req.temperature)
    )


def test_the_prepared_request_is_replayed_not_sent_again() -> None:
    inner = GatedChat("Okay. What happens when the worker dies?")
    chat = PreparedChat(inner)
    chat.prepare(request("answer"))
    inner.release()
    assert stream_text(chat, request("answer")) == "Okay. What happens when the worker dies?"
    assert len(inner.calls) == 1
    assert (chat.prepared, chat.used) == (1, 1)


def test_a_preparation_still_running_is_joined_where_it_is() -> None:
    inner = GatedChat("One two three four.")
    chat = PreparedChat(inner)
    chat.prepare(request("answer"))
    inner.release(2)
    deltas = chat.stream([ChatMessage("user", "answer")], max_tokens=96, temperature=0.5)
    assert next(deltas) == "One "
    inner.release()
    assert "".join(deltas) == "two three four."
    assert len(inner.calls) == 1


def test_another_request_stops_the_stale_preparation_and_goes_to_the_model() -> None:
    inner = GatedChat("Stale reply?")
    chat = PreparedChat(inner)
    chat.prepare(request("answer so far"))
    inner.release(1)
    fresh = chat.stream([ChatMessage("user", "answer, then more")], max_tokens=96, temperature=0.5)
    inner.release()
    assert "".join(fresh) == "Stale reply?"  # GatedChat says the same to everyone
    assert [c.messages[0].content for c in inner.calls] == ["answer so far", "answer, then more"]
    assert chat.used == 0


def test_cancel_stops_the_generation() -> None:
    inner = GatedChat("A long reply that nobody will hear.")
    chat = PreparedChat(inner)
    chat.prepare(request("answer"))
    inner.release(1)
    chat.cancel()
    inner.release()
    assert inner.closed.wait(5)
    assert stream_text(chat, request("answer")) == "A long reply that nobody will hear."
    assert len(inner.calls) == 2  # asked again: the cancelled one was not kept


def test_a_failed_preparation_raises_to_the_engine_which_then_retries() -> None:
    inner = GatedChat("Never said.", fail=True)
    chat = PreparedChat(inner)
    chat.prepare(request("answer"))
    inner.release()
    with pytest.raises(BackendUnavailable):
        stream_text(chat, request("answer"))
    inner.fail = False
    assert stream_text(chat, request("answer")) == "Never said."  # the retry: a new call


def test_an_engine_on_a_prepared_chat_speaks_the_prepared_reply(rubric: Rubric) -> None:
    inner = RecordingChat(["What happens when a worker dies mid-job?"])
    chat = PreparedChat(inner)
    engine = make_engine(rubric, chat)
    engine.start()
    predicted = engine.next_request(ANSWER)
    assert predicted is not None
    chat.prepare(predicted)
    events = engine.on_candidate_turn(ANSWER)
    assert [s.text for s in events if isinstance(s, Say)] == [
        "What happens when a worker dies mid-job?"
    ]
    assert len(inner.calls) == 1 and chat.used == 1


# --------------------------------------------------------------------------- the voice turn

BLOCK = 1600


class ListSource:
    def __init__(self, audio: Samples) -> None:
        self.audio = audio

    def blocks(self) -> Iterator[AudioBlock]:
        for offset in range(0, self.audio.size, BLOCK):
            yield AudioBlock(self.audio[offset : offset + BLOCK], offset / SAMPLE_RATE)

    def stop(self) -> None:
        pass


class BurstRecognizer:
    """Hears one word per loud burst: "one", "two", ..."""

    default_prompt: str | None = None
    names = ["one", "two", "three", "four"]

    def recognize(
        self, audio: Samples, *, prompt: str | None = None, fallback: bool = True
    ) -> list[RecognizedSegment]:
        loud = np.concatenate([[False], np.abs(audio) > 0.05, [False]])
        edges = np.flatnonzero(np.diff(loud.astype(np.int8)))
        words = [
            Word(word=self.names[i], start=a / SAMPLE_RATE, end=b / SAMPLE_RATE)
            for i, (a, b) in enumerate(zip(edges[::2], edges[1::2], strict=True))
        ]
        if not words:
            return []
        text = " ".join(w.word for w in words)
        return [RecognizedSegment(words[0].start, words[-1].end, text, words)]


def test_each_pause_reports_the_settled_text_once_and_speech_after_it_a_resume(
    tmp_path: Path,
) -> None:
    rng = np.random.default_rng(3)

    def burst(seconds: float) -> Samples:
        return (0.3 * np.sign(rng.standard_normal(int(seconds * SAMPLE_RATE)))).astype(np.float32)

    def silence(seconds: float) -> Samples:
        return np.zeros(int(seconds * SAMPLE_RATE), np.float32)

    audio = np.concatenate([silence(0.5), burst(1.0), silence(2.0), burst(1.0), silence(4.0)])
    paused: list[str] = []
    turn = VoiceTurn(
        ListSource(audio),
        BurstRecognizer(),
        tmp_path / "turn-00.wav",
        EndpointConfig(mode=TurnMode.HANDS_FREE, patience_seconds=3.0),
        vad=None,
        on_pause=lambda text, seconds: paused.append(text),
        on_resume=lambda: paused.append("(resumed)"),
    )
    result = turn.run()
    assert PREPARE_AFTER_PAUSE[TurnMode.HANDS_FREE] < 2.0
    assert paused == ["one", "(resumed)", "one two"]
    # What the last pause reported is exactly the final transcript.
    assert result.turn.text == "one two"


# --------------------------------------------------------------------------- the live round


class LocalChat(RecordingChat):
    """A local server as far as ``LiveRound`` can tell: preparing replies is free."""

    prompt_cache_warmable = True


def make_round(rubric: Rubric, chat: object, tmp_path: Path) -> LiveRound:
    return LiveRound(
        store=FileSessionStore(tmp_path),
        persona=catalog.load_personas().get("staff-infra", "persona"),
        rubric=rubric,
        question=rubric.question("job-queue"),
        level=Level.SENIOR,
        chat=chat,  # type: ignore[arg-type]
        speaker=None,
        round_minutes=25,
        on_event=lambda event: None,
    )


FILLER = " That is roughly how I would start on it."
MORE_FAILURE_HANDLING = (
    " If a worker dies its lease expires and the job is redelivered, and each charge has an"
    " idempotency key."
)
"""Few words, but they evidence failure handling: the planner then probes elsewhere."""


@pytest.mark.parametrize(
    ("added", "used"),
    [("", True), (FILLER, True), (MORE_FAILURE_HANDLING, False), (FILLER * 4, False)],
    ids=["same words", "one more sentence", "a new probe", "too many words"],
)
def test_the_round_uses_a_prepared_reply_only_when_it_still_fits(
    rubric: Rubric, tmp_path: Path, added: str, used: bool
) -> None:
    chat = LocalChat(["What happens when a worker dies mid-job?"] * 10)  # warm-ups take some
    live = make_round(rubric, chat, tmp_path)
    live.start()
    live.prepare_reply(ANSWER, 20.0)
    said = ANSWER + added
    live.answer(SpokenTurn(text=said, duration=22.0))
    assert live.prepared_replies_used == (1 if used else 0)
    reply = live.engine.session.turns[-1]
    assert reply.text == "What happens when a worker dies mid-job?"
    if used:
        assert "worded" in (reply.note or "")  # the review says it was prepared
    else:
        # The model was asked for the reply to what was finally said.
        last_request = [c for c in chat.calls if c.max_tokens > 1][-1]
        assert said.strip() in last_request.messages[-1].content
    live.abandon()


def test_words_added_needs_the_same_note_and_an_extended_answer(rubric: Rubric) -> None:
    engine = make_engine(rubric, RecordingChat([]))
    engine.start()
    first = engine.next_request(ANSWER)
    longer = engine.next_request(ANSWER + FILLER)
    changed = engine.next_request(ANSWER.replace("queue", "log") + FILLER)
    assert first is not None and longer is not None and changed is not None
    assert words_added(first, first) == 0
    assert words_added(first, longer) == len(FILLER.split())
    assert words_added(first, changed) is None
    assert words_added(longer, first) is None
    # The last words may come back re-heard once the candidate went on.
    assert ANSWER.endswith("returns a job id.")
    revised = engine.next_request(ANSWER.removesuffix("a job id.") + "the job ID, and that is it.")
    assert revised is not None
    assert words_added(first, revised) == 4
    assert len(MORE_FAILURE_HANDLING.split()) <= PREPARED_REPLY_MAX_NEW_WORDS
    new_probe = engine.next_request(ANSWER + MORE_FAILURE_HANDLING)
    assert new_probe is not None
    assert words_added(first, new_probe) is None  # another probe: another note


def test_a_reply_to_the_candidates_own_question_fits_only_the_same_words() -> None:
    note = "\n\n[Interviewer's private note, not said aloud: Answer briefly and honestly.]"

    def asking(text: str) -> ChatRequest:
        return ChatRequest((ChatMessage("user", text + note),), 96, 0.5)

    team = asking("What is the team like?")
    assert words_added(team, team) == 0
    assert words_added(team, asking("What is the team like? And how is on-call?")) is None


def test_a_prepared_reply_the_guard_rejects_is_retried_and_not_credited(
    rubric: Rubric, tmp_path: Path
) -> None:
    # Warm-ups (max_tokens=1) also read replies: give them their own.
    class Local(LocalChat):
        def stream(
            self,
            messages: Sequence[ChatMessage],
            *,
            max_tokens: int = 256,
            temperature: float = 0.6,
        ) -> Iterator[str]:
            if max_tokens == 1:
                return iter(["."])
            return super().stream(messages, max_tokens=max_tokens, temperature=temperature)

    chat = Local(["Queues are a fine start.", "What happens when a worker dies mid-job?"])
    live = make_round(rubric, chat, tmp_path)
    live.start()
    live.prepare_reply(ANSWER, 20.0)
    live.answer(SpokenTurn(text=ANSWER, duration=22.0))
    reply = live.engine.session.turns[-1]
    assert reply.text == "What happens when a worker dies mid-job?"  # the retry's
    assert live.prepared_replies_used == 1
    assert "worded" not in (reply.note or "")
    live.abandon()
