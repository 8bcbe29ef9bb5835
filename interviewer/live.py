"""One live practice round: the engine, the session store and the interviewer's voice.

Front-end neutral: the Textual screen calls these methods from a worker thread and shows
what the ``on_event`` callback reports. The session is saved after every turn, so quitting
or crashing mid-round keeps everything said so far.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from interviewer.adapters.llm.prepared import PreparedChat
from interviewer.adapters.llm.prompt_cache import PromptWarmer, warmable
from interviewer.adapters.store.files import FileSessionStore
from interviewer.core.content import Level, Persona, Question, Rubric
from interviewer.core.engine import EngineConfig, InterviewEngine, InterviewerEvent, Say
from interviewer.core.ports import ChatModel, ChatRequest, Speaker
from interviewer.core.prompts import words_added
from interviewer.core.session import SessionStatus, Word
from interviewer.core.session import Speaker as TurnSpeaker
from interviewer.llm_runtime import model_name_or_none

PREPARED_REPLY_MAX_NEW_WORDS = 25
"""A reply prepared at a pause is still used when the candidate added up to this many
words (about one sentence) and the planner, given all of them, chose the same probe: the
follow-up is always chosen from everything said; only its wording may predate the last
sentence. The session note of the line says so."""


def _prepared_reply_fits(prepared: ChatRequest, asked: ChatRequest) -> bool:
    added = words_added(prepared, asked)
    return added is not None and added <= PREPARED_REPLY_MAX_NEW_WORDS


@dataclass(frozen=True)
class SpokenTurn:
    """A finished candidate turn."""

    text: str
    words: Sequence[Word] = ()
    duration: float = 0.0
    audio_file: str | None = None
    interrupted: bool = False


class LiveRound:
    """Drives one round. Safe to call from several worker threads: engine calls are
    serialised, so an "end round" pressed while a reply is being generated lands after
    that reply, never in the middle of it."""

    def __init__(
        self,
        *,
        store: FileSessionStore,
        persona: Persona,
        rubric: Rubric,
        question: Question,
        level: Level,
        chat: ChatModel | None,
        speaker: Speaker | None,
        round_minutes: float,
        on_event: Callable[[InterviewerEvent], None],
    ) -> None:
        self.store = store
        self._lock = threading.RLock()
        self.speaker = speaker
        self.on_event = on_event
        self.session_id = store.new_id(question.id)
        # Replies are prepared ahead only on a local server: free, and the CPU is idle
        # while the candidate is silent. A paid remote API would bill the guesses.
        self._prepared = (
            PreparedChat(chat, fits=_prepared_reply_fits)
            if chat is not None and warmable(chat)
            else None
        )
        self.engine = InterviewEngine(
            persona=persona,
            rubric=rubric,
            question=question,
            level=level,
            chat=self._prepared or chat,
            session_id=self.session_id,
            config=EngineConfig(round_seconds=round_minutes * 60),
            on_sentence=self._say_early,
        )
        self.last_line = ""
        self.speak_early = True
        """Latency: speak an LLM line's first sentences while the rest still streams."""
        self.warm_prompt = True
        """Latency: keep the LLM server's prompt cache warm with the round so far."""
        self.prepare_replies = True
        """Latency: generate the reply when the candidate pauses (``prepare_reply``)."""
        self._early: list[str] = []
        self._warmer = PromptWarmer(chat) if chat is not None and warmable(chat) else None

    @property
    def finished(self) -> bool:
        return self.engine.finished

    def start(self) -> None:
        # Asked here, in the worker: a remote endpoint answers over the network.
        self.engine.session.llm_model = model_name_or_none(self.engine.chat)
        self.store.claim(self.session_id)
        with self._lock:
            self._handle(self.engine.start())
        self.prefill()  # the system prompt and the question, while they are spoken

    def prefill(self, partial_text: str = "") -> None:
        """Warm the LLM's prompt cache with the round so far plus the candidate's words
        (``VoiceTurn``'s ``on_partial``). Returns at once, takes no lock: safe from the
        capture thread while a reply is being generated."""
        if self._prepared is not None and self._prepared.running:
            return  # a reply is being generated: it warms the cache as it goes
        if self.warm_prompt and self._warmer is not None and not self.engine.finished:
            self._warmer.warm(self.engine.prompt_prefix(partial_text))

    def prepare_reply(self, text: str, duration: float) -> None:
        """The candidate paused after saying ``text`` (the turn so far, ``duration``
        seconds): their turn may be over. Generate the reply to it now, in the
        background; ``answer`` speaks it at once if the turn ends with the same words,
        or with at most ``PREPARED_REPLY_MAX_NEW_WORDS`` more and the same probe chosen
        for them. Returns at once; skipped while a reply is being generated."""
        if not self.prepare_replies or self._prepared is None or self.engine.finished:
            return
        if not self._lock.acquire(blocking=False):
            return
        try:
            request = self.engine.next_request(text, duration=duration)
        finally:
            self._lock.release()
        if request is None:
            return
        if self._warmer is not None:
            self._warmer.cancel()  # the preparation warms the cache as it goes
        self._prepared.prepare(request)

    def cancel_prepared(self) -> None:
        """Drop the prepared reply: the candidate went on talking (a new pause prepares
        again), the turn was answered, or the round closes."""
        if self._prepared is not None:
            self._prepared.cancel()

    @property
    def prepared_replies_used(self) -> int:
        """How many replies came from ``prepare_reply`` (for benchmarks and tests)."""
        return self._prepared.used if self._prepared is not None else 0

    def _note_prepared_reply(self) -> None:
        """Say in the session when a reply was worded before the answer's last words."""
        if self._prepared is None or self._prepared.last_used is None:
            return
        prepared, asked = self._prepared.last_used
        self._prepared.last_used = None
        added = words_added(prepared, asked) or 0
        last = self.engine.session.turns[-1]
        if last.speaker is TurnSpeaker.INTERVIEWER and "scripted" not in (last.note or ""):
            when = f"{added} words before the answer ended" if added else "in the pause"
            last.note = f"{last.note}; worded {when}" if last.note else f"worded {when}"
            self.store.save(self.engine.session)

    def _say_early(self, sentence: str) -> None:
        if self.speak_early and self.speaker is not None:
            self._early.append(sentence)
            self.speaker.say(sentence)

    def answer(self, turn: SpokenTurn) -> None:
        if self._warmer is not None:
            self._warmer.cancel()  # the real request goes next
        with self._lock:
            self._handle(
                self.engine.on_candidate_turn(
                    turn.text,
                    turn.words,
                    duration=turn.duration,
                    audio_file=turn.audio_file,
                    interrupted=turn.interrupted,
                )
            )
        self.cancel_prepared()  # one not asked for is stale now
        self._note_prepared_reply()
        self.prefill()  # the reply just given, before the candidate's next words

    def repeat_last_line(self) -> None:
        """The candidate asked to hear the question again (recorded as a repeat)."""
        with self._lock:
            self._handle(self.engine.repeat_last())

    def hint(self) -> None:
        """The candidate asked for a hint (recorded as such in the session)."""
        with self._lock:
            self._handle(self.engine.request_hint())

    @property
    def next_turn_index(self) -> int:
        """The index the next recorded turn gets: names the next answer's audio file."""
        return len(self.engine.session.turns)

    def end(self, reason: str = "ended by the candidate") -> None:
        with self._lock:
            self._handle(self.engine.end_round(reason))

    def abandon(self) -> None:
        """The app is closing mid-round: keep what was said, marked interrupted."""
        if self.speaker is not None:
            with contextlib.suppress(Exception):
                self.speaker.stop()
        if self._warmer is not None:
            self._warmer.close()
        self.cancel_prepared()
        if not self.engine.finished:
            self.engine.session.status = SessionStatus.INTERRUPTED
        self.store.save(self.engine.session)
        self.store.release(self.session_id)

    def stop_speaking(self) -> None:
        """Barge-in: the candidate started talking."""
        if self.speaker is not None:
            self.speaker.stop()

    def _handle(self, events: list[InterviewerEvent]) -> None:
        # Saved before speaking: speech takes seconds, a crash must not lose the turn.
        self.store.save(self.engine.session)
        for event in events:
            self.on_event(event)
            if isinstance(event, Say):
                self.last_line = event.text
                text = event.text
                early = " ".join(self._early)
                if early and text.startswith(early):
                    text = text[len(early) :].strip()  # already being spoken
                    self._early = []
                if self.speaker is not None and text:
                    self.speaker.say(text)
        self._early = []
        if self.engine.finished:
            self.store.save(self.engine.session)
            self.store.release(self.session_id)
            if self._warmer is not None:
                self._warmer.close()
