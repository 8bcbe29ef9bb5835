"""Replies prepared while the candidate pauses: the engine's prediction of its next
request, the chat wrapper that runs it ahead, and the voice turn's pause signal."""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from interviewer import catalog
from interviewer.adapters.llm.prepared import PreparedChat
from interviewer.adapters.stt.whisper import RecognizedSegment
from interviewer.core.content import Level, Rubric
from interviewer.core.endpointing import EndpointConfig, TurnMode
from interviewer.core.engine import EngineConfig, InterviewEngine, Say
from interviewer.core.ports import SAMPLE_RATE, AudioBlock, ChatMessage, ChatRequest, Samples
from interviewer.core.prompts import words_added
from interviewer.core.session import Word
from interviewer.errors import BackendUnavailable, ReplyTooSlow
from interviewer.live import (
    PREPARE_AHEAD_EVERY_WORDS,
    PREPARED_REPLY_MAX_NEW_WORDS,
    LiveRound,
    SpokenTurn,
)
from interviewer.voice import PREPARE_AFTER_PAUSE, VoiceTurn
from tests.fakes import ScriptedChat, job_queue_round

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
    (line,) = [s.text for s in events if isinstance(s, Say)]
    assert line.endswith('". What happens when a worker dies mid-job?')  # anchored
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


class RepliesOnlyChat(LocalChat):
    """Scripted replies go to replies only: warm-ups (max_tokens=1) get their own."""

    def stream(
        self, messages: Sequence[ChatMessage], *, max_tokens: int = 256, temperature: float = 0.6
    ) -> Iterator[str]:
        if max_tokens == 1:
            return iter(["."])
        return super().stream(messages, max_tokens=max_tokens, temperature=temperature)


def make_round(rubric: Rubric, chat: object, tmp_path: Path) -> LiveRound:
    assert rubric.id == "distributed-systems-design"
    return job_queue_round(tmp_path, chat)


FILLER = " That is roughly how I would start on it."
MORE_FAILURE_HANDLING = (
    " If a worker dies its lease expires and the job is redelivered, and each charge has an"
    " idempotency key."
)
"""Few words, but they evidence failure handling: the planner then probes elsewhere."""


@pytest.mark.parametrize(
    ("added", "used"),
    [
        ("", True),
        (FILLER, True),
        (MORE_FAILURE_HANDLING, False),
        (FILLER * (PREPARED_REPLY_MAX_NEW_WORDS // len(FILLER.split()) + 1), False),
    ],
    ids=["same words", "one more sentence", "a new probe", "too many words"],
)
def test_the_round_uses_a_prepared_reply_only_when_it_still_fits(
    rubric: Rubric, tmp_path: Path, added: str, used: bool
) -> None:
    chat = LocalChat(["How would you size that?"] * 10)  # warm-ups take some
    live = make_round(rubric, chat, tmp_path)
    live.start()
    live.prepare_reply(ANSWER, 20.0)
    said = ANSWER + added
    live.answer(SpokenTurn(text=said, duration=22.0))
    assert live.prepared_replies_used == (1 if used else 0)
    reply = live.engine.session.turns[-1]
    assert reply.text.endswith('". How would you size that?')  # anchored (issue 19)
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


def test_a_prepared_reply_the_guard_rejects_is_never_spoken_or_credited(
    rubric: Rubric, tmp_path: Path
) -> None:
    """It should be checked as soon as it is complete, and the turn asks the model."""

    chat = RepliesOnlyChat(
        ["Kafka can handle ten thousand requests a second.", "What happens when a worker dies?"]
    )
    live = make_round(rubric, chat, tmp_path)
    live.start()
    live.prepare_reply(ANSWER, 20.0)
    deadline = time.monotonic() + 5
    while live.preparing and time.monotonic() < deadline:
        time.sleep(0.01)
    assert live.prepared_replies_rejected == 1
    live.answer(SpokenTurn(text=ANSWER, duration=22.0))
    reply = live.engine.session.turns[-1]
    assert reply.text.endswith("What happens when a worker dies?")  # the model's second
    assert live.prepared_replies_used == 0
    assert "worded" not in (reply.note or "")
    live.abandon()


# --------------------------------------------------------------------------- push-to-talk


def extends(prepared: ChatRequest, asked: ChatRequest) -> bool:
    """A ``fits`` rule for tests: the asked text extends the prepared text."""
    return asked.messages[-1].content.startswith(prepared.messages[-1].content)


def test_a_finished_preparation_is_kept_while_a_newer_one_runs_and_wins_when_it_fits() -> None:
    inner = GatedChat("Okay. What happens when the worker dies?")
    chat = PreparedChat(inner, fits=extends)
    chat.prepare(request("one"))
    inner.release(len(inner.pieces))  # the first preparation finishes
    deadline = time.monotonic() + 5
    while chat.running and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not chat.running
    chat.prepare(request("one two"))  # still generating when the turn ends
    assert chat.running and chat.latest == request("one two")
    # "one two three" fits both: the finished one is spoken, the running one stopped.
    assert stream_text(chat, request("one two three")) == "Okay. What happens when the worker dies?"
    assert chat.last_used == (request("one"), request("one two three"))
    inner.release()
    assert inner.closed.wait(5)
    assert len(inner.calls) == 2


def test_when_only_the_running_preparation_fits_it_is_joined() -> None:
    inner = GatedChat("Right. And at ten times the traffic?")
    chat = PreparedChat(inner, fits=extends)
    chat.prepare(request("alpha"))
    inner.release(len(inner.pieces))
    while chat.running:
        time.sleep(0.01)
    chat.prepare(request("beta"))  # another probe: "alpha" no longer fits
    inner.release()
    assert stream_text(chat, request("beta gamma")) == "Right. And at ten times the traffic?"
    assert chat.last_used == (request("beta"), request("beta gamma"))
    assert len(inner.calls) == 2


def test_cancel_forgets_the_finished_preparation_too() -> None:
    inner = GatedChat("Stale?")
    chat = PreparedChat(inner)
    chat.prepare(request("answer"))
    inner.release()
    while chat.running:
        time.sleep(0.01)
    chat.cancel()
    assert chat.latest is None
    stream_text(chat, request("answer"))
    assert len(inner.calls) == 2 and chat.used == 0


class SlowLocalChat(LocalChat):
    """A local server whose replies take until ``release()``: a preparation stays running."""

    def __init__(self, replies: Sequence[str]) -> None:
        super().__init__(replies)
        self.gate = threading.Event()

    def stream(
        self, messages: Sequence[ChatMessage], *, max_tokens: int = 256, temperature: float = 0.6
    ) -> Iterator[str]:
        if max_tokens == 1:
            return iter(["."])  # warm-ups
        pieces = list(super().stream(messages, max_tokens=max_tokens, temperature=temperature))

        def slow() -> Iterator[str]:
            self.gate.wait(10)
            yield from pieces

        return slow()


def replies(chat: RecordingChat) -> list[ChatRequest]:
    return [c for c in chat.calls if c.max_tokens > 1]


def test_prepare_ahead_lets_a_running_preparation_finish_and_waits_for_new_words(
    rubric: Rubric, tmp_path: Path
) -> None:
    """It should prepare once, not again for a few more words while that one runs, and
    again once the candidate has said ``PREPARE_AHEAD_EVERY_WORDS`` more."""
    chat = SlowLocalChat(["What happens when a worker dies mid-job?"] * 10)
    live = make_round(rubric, chat, tmp_path)
    live.start()
    live.prepare_ahead(ANSWER, 20.0)
    assert len(replies(chat)) == 1
    live.prepare_ahead(ANSWER + " That is it.", 21.0)  # running, same probe: left alone
    assert len(replies(chat)) == 1
    chat.gate.set()
    deadline = time.monotonic() + 5
    while live.preparing and time.monotonic() < deadline:
        time.sleep(0.01)
    few = ANSWER + " That is it."
    assert len(few.split()) - len(ANSWER.split()) < PREPARE_AHEAD_EVERY_WORDS
    live.prepare_ahead(few, 21.0)  # finished, but too few new words
    assert len(replies(chat)) == 1
    more = ANSWER + FILLER
    assert len(FILLER.split()) >= PREPARE_AHEAD_EVERY_WORDS
    live.prepare_ahead(more, 23.0)
    assert len(replies(chat)) == 2
    # The turn ends a few words later: a prepared reply answers it, with no new request.
    live.answer(SpokenTurn(text=more + " Done.", duration=24.0))
    assert live.prepared_replies_used == 1
    assert len(replies(chat)) == 2
    assert live.last_prepared is not None
    assert "worded" in (live.engine.session.turns[-1].note or "")
    live.abandon()


def test_prepare_ahead_replaces_a_running_preparation_when_the_probe_changes(
    rubric: Rubric, tmp_path: Path
) -> None:
    # Not a question about a dying worker: the candidate has just said what happens then.
    chat = SlowLocalChat(["How would you size that?"] * 10)
    live = make_round(rubric, chat, tmp_path)
    live.start()
    live.prepare_ahead(ANSWER, 20.0)
    live.prepare_ahead(ANSWER + MORE_FAILURE_HANDLING, 24.0)  # now another probe is due
    assert len(replies(chat)) == 2
    chat.gate.set()
    live.answer(SpokenTurn(text=ANSWER + MORE_FAILURE_HANDLING, duration=24.0))
    assert live.prepared_replies_used == 1
    assert len(replies(chat)) == 2  # the second preparation was the reply
    live.abandon()


def test_push_to_talk_reports_growing_committed_text_and_decodes_inside_the_gate(
    tmp_path: Path,
) -> None:
    """``on_progress`` gets only words that the final transcript keeps as they are, each
    time more of them are settled; every decode holds the gate."""
    rng = np.random.default_rng(5)

    def burst(seconds: float) -> Samples:
        return (0.3 * np.sign(rng.standard_normal(int(seconds * SAMPLE_RATE)))).astype(np.float32)

    def silence(seconds: float) -> Samples:
        return np.zeros(int(seconds * SAMPLE_RATE), np.float32)

    # Each burst's length names its word, wherever the decoded window starts.
    audio = np.concatenate(
        [silence(0.5), burst(0.6), silence(3.5), burst(0.8), silence(3.5), burst(1.0)]
    )
    held = {"now": 0, "decodes_outside": 0}

    @contextlib.contextmanager
    def gate() -> Iterator[None]:
        held["now"] += 1
        try:
            yield
        finally:
            held["now"] -= 1

    class Checked(BurstRecognizer):
        def recognize(
            self, audio: Samples, *, prompt: str | None = None, fallback: bool = True
        ) -> list[RecognizedSegment]:
            if held["now"] != 1:
                held["decodes_outside"] += 1
            segments = super().recognize(audio, prompt=prompt, fallback=fallback)
            names = {6: "one", 8: "two", 10: "three"}  # a burst still arriving: "cut"
            words = [
                w.model_copy(update={"word": names.get(round((w.end - w.start) * 10), "cut")})
                for s in segments
                for w in s.words
            ]
            # One segment per word, as Whisper ends segments at pauses.
            return [RecognizedSegment(w.start, w.end, w.word, [w]) for w in words]

    progress: list[str] = []
    turn = VoiceTurn(
        ListSource(audio),
        Checked(),
        tmp_path / "turn-00.wav",
        EndpointConfig(mode=TurnMode.PUSH_TO_TALK),
        vad=None,
        on_progress=lambda text, seconds: progress.append(text),
        decode_gate=gate,
    )
    turn.toggle_talk()
    result = turn.run()
    assert result.turn.text == "one two three"
    assert progress == ["one", "one two"]
    assert held == {"now": 0, "decodes_outside": 0}
    assert turn.streaming.decodes >= 3


def test_a_reply_the_engine_would_reject_is_never_replayed_and_is_sampled_again() -> None:
    inner = GatedChat("Queues are nice.")
    chat = PreparedChat(inner)
    chat.prepare(request("answer"), accept=lambda text: "?" in text)
    inner.release()
    deadline = time.monotonic() + 5
    while chat.running and time.monotonic() < deadline:
        time.sleep(0.01)
    assert chat.rejected == 1
    assert chat.latest is None  # nothing usable: LiveRound prepares again
    inner.pieces = ["What ", "breaks ", "first?"]
    chat.prepare(request("answer"), accept=lambda text: "?" in text)  # the same request
    assert len(inner.calls) == 2
    assert stream_text(chat, request("answer")) == "What breaks first?"
    assert chat.used == 1


def test_a_preparation_stops_generating_once_complete_says_the_engine_stops_reading() -> None:
    inner = GatedChat("Fine. What breaks first? And then what else would you like?")
    chat = PreparedChat(inner)
    chat.prepare(request("answer"), complete=lambda text: "?" in text)
    inner.release()
    assert inner.closed.wait(5)
    assert stream_text(chat, request("answer")) == "Fine. What breaks first? "


def test_next_reply_checks_a_reply_as_the_engine_will(rubric: Rubric) -> None:
    engine = make_engine(rubric, RecordingChat([]))
    engine.start()
    planned = engine.next_reply(ANSWER, duration=20.0)
    assert planned is not None and planned.must_ask
    assert planned.request == engine.next_request(ANSWER, duration=20.0)
    assert planned.accepts("Okay. What happens when a worker dies mid-job?")
    # A probe must ask: a plain reaction is followed by the planned question...
    assert planned.accepts("Okay, queues are a fine start.")
    # ...a claim is not a reaction, and without a question nothing is left to say.
    assert not planned.accepts("Kafka can handle ten thousand requests a second.")
    assert not planned.complete("Okay.") and planned.complete("Okay. Why?")


def test_prepare_ahead_samples_again_when_the_engine_would_reject_the_reply(
    rubric: Rubric, tmp_path: Path
) -> None:
    chat = RepliesOnlyChat(
        ["Kafka can handle ten thousand requests a second.", "What happens when a worker dies?"]
    )
    live = make_round(rubric, chat, tmp_path)
    live.start()
    live.prepare_ahead(ANSWER, 20.0)
    deadline = time.monotonic() + 5
    while live.prepared_replies_rejected == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    live.prepare_ahead(ANSWER + " That is it.", 21.0)  # few new words, but a rejected reply
    while live.preparing and time.monotonic() < deadline:
        time.sleep(0.01)
    live.answer(SpokenTurn(text=ANSWER + " That is it.", duration=21.0))
    reply = live.engine.session.turns[-1]
    assert reply.text.endswith("What happens when a worker dies?")
    assert live.prepared_replies_used == 1
    assert len(replies(chat)) == 2  # the rejected sample and the good one; no retry after
    live.abandon()


# --------------------------------------------------------------------------- the deadline


def test_a_reply_with_no_sentence_by_the_deadline_raises_reply_too_slow() -> None:
    inner = GatedChat("Okay. What breaks first?")
    chat = PreparedChat(inner, first_sentence_seconds=0.2)
    chat.start_reply(spoken=True)
    started = time.monotonic()
    with pytest.raises(ReplyTooSlow):
        stream_text(chat, request("answer"))
    assert 0.15 <= time.monotonic() - started < 2.0
    inner.release(1)  # the next token arrives: the abandoned request is closed then
    assert inner.closed.wait(5)


def test_a_typed_answer_waits_for_the_model_as_long_as_it_takes() -> None:
    """The candidate reads a reply to a typed answer: no deadline, no planned line."""
    inner = GatedChat("What breaks first?")
    chat = PreparedChat(inner, first_sentence_seconds=0.05)
    chat.start_reply(spoken=False)
    deltas = chat.stream([ChatMessage("user", "answer")], max_tokens=96, temperature=0.5)
    threading.Timer(0.3, inner.release).start()
    assert "".join(deltas) == "What breaks first?"


def test_after_a_sentence_was_said_early_a_reply_may_take_its_time() -> None:
    inner = GatedChat("Okay. What breaks first?")
    chat = PreparedChat(inner, first_sentence_seconds=0.3)
    chat.start_reply(spoken=True)
    inner.release(2)  # "Okay. " and the start of the next sentence
    deltas = chat.stream([ChatMessage("user", "answer")], max_tokens=96, temperature=0.5)
    assert next(deltas) == "Okay. "
    chat.started_speaking()  # what the engine does when it says "Okay." early
    time.sleep(0.5)  # past the deadline, but the candidate hears the reply begin
    inner.release()
    assert "".join(deltas) == "What breaks first?"


def test_a_sentence_not_said_does_not_meet_the_deadline() -> None:
    """The engine says early only an acknowledgement; a lead-in it keeps back leaves the
    candidate in silence as much as no sentence at all (measured: 1.4-2.8 s, then the
    planned line anyway)."""
    inner = GatedChat("The queue retries the job. What breaks first?")
    chat = PreparedChat(inner, first_sentence_seconds=0.3)
    chat.start_reply(spoken=True)
    inner.release(6)  # the whole first sentence and the start of the next
    deltas = chat.stream([ChatMessage("user", "answer")], max_tokens=96, temperature=0.5)
    started = time.monotonic()
    with pytest.raises(ReplyTooSlow):
        for _ in deltas:
            pass
    assert time.monotonic() - started < 2.0


def test_a_complete_question_meets_the_deadline() -> None:
    inner = GatedChat("What breaks first? And then?")
    chat = PreparedChat(inner, first_sentence_seconds=0.2)
    chat.start_reply(spoken=True)
    inner.release(3)
    deltas = chat.stream([ChatMessage("user", "answer")], max_tokens=96, temperature=0.5)
    assert [next(deltas) for _ in range(3)] == ["What ", "breaks ", "first? "]
    time.sleep(0.4)
    inner.release()
    assert "".join(deltas) == "And then?"


def test_a_prepared_reply_that_is_ready_beats_any_deadline() -> None:
    inner = GatedChat("What happens when the worker dies?")
    chat = PreparedChat(inner, first_sentence_seconds=0.01)
    chat.prepare(request("answer"))
    inner.release()
    while chat.running:
        time.sleep(0.01)
    chat.start_reply(spoken=True)
    time.sleep(0.05)
    assert stream_text(chat, request("answer")) == "What happens when the worker dies?"


class TooSlowChat(RecordingChat):
    """Raises ``ReplyTooSlow`` for the first ``slow`` replies, then answers."""

    def __init__(self, replies: Sequence[str], slow: int) -> None:
        super().__init__(replies)
        self.slow = slow

    def stream(
        self, messages: Sequence[ChatMessage], *, max_tokens: int = 256, temperature: float = 0.6
    ) -> Iterator[str]:
        self.calls.append(ChatRequest(tuple(messages), max_tokens, temperature))
        if self.slow:
            self.slow -= 1
            raise ReplyTooSlow("not ready")
        return ScriptedChat.stream(self, messages, max_tokens=max_tokens, temperature=temperature)


def test_a_reply_too_slow_is_the_planned_line_at_once_and_the_next_turn_asks_again(
    rubric: Rubric,
) -> None:
    chat = TooSlowChat(["What happens at ten times the traffic?"], slow=1)
    engine = make_engine(rubric, chat)
    engine.start()
    events = engine.on_candidate_turn(ANSWER, duration=20.0)
    said = [e for e in events if isinstance(e, Say)]
    assert said and said[-1].scripted
    assert "not ready in time" in (engine.session.turns[-1].note or "")
    assert len(chat.calls) == 1  # no retry: a retry would only be slower
    assert not [e for e in events if not isinstance(e, Say)]  # no fault shown
    events = engine.on_candidate_turn("Workers hold leases; a dead worker's job is retried.")
    assert len(chat.calls) == 2  # no cooldown either
    assert any(isinstance(e, Say) and not e.scripted for e in events)


class PrefetchingSpeaker:
    """A ``Speaker`` that records what it was asked to synthesize ahead and to say."""

    def __init__(self) -> None:
        self.prefetched: list[str] = []
        self.said: list[str] = []

    def say(self, text: str) -> None:
        self.said.append(text)

    def stop(self) -> None:
        pass

    def prefetch(self, text: str) -> None:
        self.prefetched.append(text)


class LocalTooSlowChat(TooSlowChat):
    prompt_cache_warmable = True


def test_the_planned_line_is_synthesized_ahead_once_per_probe(
    rubric: Rubric, tmp_path: Path
) -> None:
    """It should be ready to say at once when the model's reply is late."""
    speaker = PrefetchingSpeaker()
    live = job_queue_round(
        tmp_path,
        LocalTooSlowChat(["What happens when a worker dies mid-job?"] * 5, slow=5),
        speaker=speaker,
    )
    live.start()
    planned = live.engine.next_reply(ANSWER)
    assert planned is not None and planned.scripted
    live.prepare_ahead(ANSWER, 20.0)
    live.prepare_ahead(ANSWER + FILLER, 22.0)  # the same probe: nothing new to synthesize
    assert speaker.prefetched == [planned.scripted]
    live.answer(SpokenTurn(text=ANSWER + FILLER, duration=22.0))
    assert speaker.said[-1] == planned.scripted  # late model: the planned line, as prefetched
    live.abandon()
