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

from interviewer.adapters.llm.openai_chat import CpuGate
from interviewer.adapters.llm.prepared import PreparedChat
from interviewer.adapters.llm.prompt_cache import PromptWarmer, warmable
from interviewer.adapters.store.files import FileSessionStore
from interviewer.adapters.stt.final_pass import FinalPass
from interviewer.core.content import Level, Persona, Question, Rubric
from interviewer.core.engine import (
    EngineConfig,
    InterviewEngine,
    InterviewerEvent,
    NextReply,
    Say,
)
from interviewer.core.ports import ChatModel, ChatRequest, Speaker, Transcript
from interviewer.core.prompts import words_added
from interviewer.core.session import SessionStatus, Word
from interviewer.core.session import Speaker as TurnSpeaker
from interviewer.llm_runtime import model_name_or_none

PREPARED_REPLY_MAX_NEW_WORDS = 50
"""A prepared reply is still used when the candidate added up to this many words (two
sentences or so) and the planner, given all of them, chose the same probe: the follow-up
is always chosen from everything said; only its wording may predate the last sentences.
The session note of the line says so. Push-to-talk replies are prepared from the
committed transcript, which trails the voice by ~3 s, and a preparation takes ~4 s on 2
cores while the candidate talks on: measured, the newest finished one was 15-45 words
behind when the key came."""
PREPARE_AHEAD_EVERY_WORDS = 8
"""While the candidate speaks (push-to-talk), a reply is prepared again once the
transcript has grown by this many words since the last preparation began."""


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
        first_sentence_deadline: float | None = None,
        final_pass: FinalPass | None = None,
    ) -> None:
        self.store = store
        self.final_pass = final_pass
        """Transcribes each spoken answer again, whole, once the reply is out; its text
        replaces the live one in the session (``settle_transcripts``)."""
        self._final_open = True
        self._lock = threading.RLock()
        self.speaker = speaker
        self.on_event = on_event
        self.session_id = store.new_id(question.id)
        # Replies are prepared ahead only on a local server: free, and the CPU is idle
        # while the candidate is silent. A paid remote API would bill the guesses.
        self._prepared = (
            PreparedChat(
                chat,
                fits=_prepared_reply_fits,
                first_sentence_seconds=first_sentence_deadline,
            )
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
            on_answer_recorded=store.save,
        )
        self.last_line = ""
        self.speak_early = True
        """Latency: speak an LLM line's first sentences while the rest still streams."""
        self.warm_prompt = True
        """Latency: keep the LLM server's prompt cache warm with the round so far."""
        self.prepare_replies = True
        """Latency: generate the reply when the candidate pauses (``prepare_reply``)."""
        self._early: list[str] = []
        self._prefetched_line = ""
        self.last_prepared: tuple[ChatRequest, int] | None = None
        """The prepared request replayed for the latest turn, and the words the candidate
        said after it was made (for benchmarks and tests). Kept when the engine then
        rejected that reply: its first sentence may already have been spoken."""
        self._warmer = PromptWarmer(chat) if chat is not None and warmable(chat) else None
        self.cpu_gate: CpuGate | None = getattr(chat, "cpu_gate", None)
        """Hold it while speech is decoded: the embedded LLM server's background work
        (a reply being prepared, a warm-up) waits meanwhile (``EmbeddedServer.paused``).
        None for remote endpoints and fakes."""

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
        if self._prepared is not None and (
            self._prepared.running or (partial_text and self._prepared.latest is not None)
        ):
            # A reply is being generated, or was prepared for this turn (push-to-talk
            # prepares again as the words grow): that warms the cache, and a warm-up in
            # flight would hold up the next preparation (the server runs one at a time).
            return
        if self.warm_prompt and self._warmer is not None and not self.engine.finished:
            self._warmer.warm(self.engine.prompt_prefix(partial_text))

    def prepare_reply(self, text: str, duration: float) -> None:
        """The candidate paused after saying ``text`` (the turn so far, ``duration``
        seconds): their turn may be over. Generate the reply to it now, in the
        background; ``answer`` speaks it at once if the turn ends with the same words,
        or with at most ``PREPARED_REPLY_MAX_NEW_WORDS`` more and the same probe chosen
        for them. Returns at once; skipped while a reply is being generated."""
        planned = self._plan_reply(text, duration)
        if planned is not None:
            self._prepare(planned)

    def prepare_ahead(self, text: str, duration: float) -> None:
        """The candidate is still speaking (push-to-talk) and has said ``text`` for sure
        (the committed transcript): prepare the reply to it, so that when the key comes
        a reply is ready if the turn ends within ``PREPARED_REPLY_MAX_NEW_WORDS`` more
        words with the same probe. A preparation that is running is left to finish
        unless the probe changed; a new one starts every ``PREPARE_AHEAD_EVERY_WORDS``.
        Returns at once (the capture thread calls it)."""
        planned = self._plan_reply(text, duration)
        if planned is None or self._prepared is None:
            return
        latest = self._prepared.latest  # None too when the newest reply was rejected
        added = words_added(latest, planned.request) if latest is not None else None
        if added is not None and (self._prepared.running or added < PREPARE_AHEAD_EVERY_WORDS):
            return  # same probe: let it finish, or too few new words to be worth it
        self._prepare(planned)

    def _plan_reply(self, text: str, duration: float) -> NextReply | None:
        """What the engine would ask the model if the turn ended with ``text`` (None:
        nothing to prepare, or the engine is busy); its planned line is synthesized
        ahead meanwhile."""
        if not self.prepare_replies or self._prepared is None or self.engine.finished:
            return None
        if not self._lock.acquire(blocking=False):
            return None
        try:
            planned = self.engine.next_reply(text, duration=duration)
        finally:
            self._lock.release()
        if planned is not None:
            self._prefetch_line(planned.scripted)
        return planned

    def _prepare(self, planned: NextReply) -> None:
        assert self._prepared is not None
        if self._warmer is not None:
            self._warmer.cancel()  # the preparation warms the cache as it goes
        # Checked as the engine will check it: a reply it would reject (the small model
        # now and then asks no question) is sampled again at the next words, not found
        # out after the turn, when a retry costs seconds of silence.
        self._prepared.prepare(planned.request, accept=planned.accepts, complete=planned.complete)

    def cancel_prepared(self) -> None:
        """Drop the prepared reply: the candidate went on talking (a new pause prepares
        again), the turn was answered, or the round closes."""
        if self._prepared is not None:
            self._prepared.cancel()

    @property
    def preparing(self) -> bool:
        """A reply is being prepared ahead right now (for benchmarks and tests)."""
        return self._prepared is not None and self._prepared.running

    @property
    def prepared_replies_rejected(self) -> int:
        """Prepared replies the engine would have rejected, so sampled again."""
        return self._prepared.rejected if self._prepared is not None else 0

    @property
    def prepared_replies_rejected_texts(self) -> list[str]:
        """What those rejected replies said, oldest first (for benchmarks)."""
        return list(self._prepared.rejected_replies) if self._prepared is not None else []

    @property
    def prepared_replies_used(self) -> int:
        """How many replies came from ``prepare_reply`` (for benchmarks and tests)."""
        return self._prepared.used if self._prepared is not None else 0

    def _note_prepared_reply(self) -> None:
        """Say in the session when a reply was worded before the answer's last words."""
        if self._prepared is None:
            return
        replayed, self._prepared.last_replayed = self._prepared.last_replayed, None
        if replayed is not None:
            self.last_prepared = (replayed[0], words_added(*replayed) or 0)
        if self._prepared.last_used is None:
            return
        prepared, asked = self._prepared.last_used
        self._prepared.last_used = None
        added = words_added(prepared, asked) or 0
        last = self.engine.session.turns[-1]
        if last.speaker is TurnSpeaker.INTERVIEWER and "scripted" not in (last.note or ""):
            when = f"{added} words before the answer ended" if added else "in the pause"
            last.note = f"{last.note}; worded {when}" if last.note else f"worded {when}"
            self.store.save(self.engine.session)

    def _prefetch_line(self, line: str) -> None:
        """Have the voice synthesize the planned line ahead: it is said as written when
        the model's reply is late or rejected, and then starts at once."""
        prefetch = getattr(self.speaker, "prefetch", None)
        if prefetch is not None and line and line != self._prefetched_line:
            self._prefetched_line = line
            prefetch(line)

    def _start_reply(self, *, spoken: bool) -> None:
        if self._prepared is not None:
            self._prepared.start_reply(spoken=spoken)

    def _say_early(self, sentence: str) -> None:
        if self.speak_early and self.speaker is not None:
            self._early.append(sentence)
            self.speaker.say(sentence)
            if self._prepared is not None:
                self._prepared.started_speaking()

    def answer(self, turn: SpokenTurn) -> None:
        if self._warmer is not None:
            self._warmer.cancel()  # the real request goes next
        self.last_prepared = None
        self._start_reply(spoken=turn.audio_file is not None)
        index = len(self.engine.session.turns)  # the index the answer is recorded at
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
        # Submitted only now, with the reply generated: the final pass never competes with
        # it for the cores (it runs at a lower priority while the reply is spoken).
        self._submit_final_pass(index, turn)
        self.prefill()  # the reply just given, before the candidate's next words

    def _submit_final_pass(self, index: int, turn: SpokenTurn) -> None:
        if self.final_pass is None or not turn.audio_file or not self._final_open:
            return
        turns = self.engine.session.turns
        if index >= len(turns) or turns[index].audio_file != turn.audio_file:
            return  # not recorded as an answer (the round had ended)
        path = self.store.session_dir(self.session_id) / turn.audio_file

        def use(transcript: Transcript, seconds: float) -> None:
            self._use_final_transcript(index, turn.text, transcript)

        self.final_pass.submit(path, use)

    def _use_final_transcript(self, index: int, live_text: str, final: Transcript) -> None:
        """Put the final pass's transcript of answer ``index`` in the session."""
        with self._lock:
            if not self._final_open:
                return  # scoring has started from the saved session: leave it alone
            turn = self.engine.session.turns[index]
            if turn.text != live_text or not final.text.strip():
                return  # changed meanwhile, or nothing heard: keep what was shown
            turn.text = final.text
            turn.words = list(final.words)
            self.store.save(self.engine.session)

    def settle_transcripts(self, timeout: float = 60.0) -> bool:
        """Wait for the final passes still running (at most ``timeout`` seconds), then
        stop taking their results: call before scoring or compacting the audio. False
        when some did not finish in time (those answers keep the live transcript)."""
        done = self.final_pass.wait(timeout) if self.final_pass is not None else True
        with self._lock:
            self._final_open = False
        if self.final_pass is not None:
            self.final_pass.close()
        return done

    def repeat_last_line(self) -> None:
        """The candidate asked to hear the question again (recorded as a repeat)."""
        self._start_reply(spoken=False)
        with self._lock:
            self._handle(self.engine.repeat_last())

    def hint(self) -> None:
        """The candidate asked for a hint (recorded as such in the session)."""
        self._start_reply(spoken=False)
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
        with self._lock:
            self._final_open = False
        if self.final_pass is not None:
            self.final_pass.close()
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
