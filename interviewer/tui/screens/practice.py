"""The interview screen: prepares the backends with visible progress, then runs a spoken
round (typed answers when there is no microphone), then scores it and shows feedback.

Threads: ``prepare`` loads models; ``voice_loop`` captures an answer, hands it to the
engine and speaks the reply, turn after turn; ``score`` evaluates the saved round. They
report back only with messages. Keys reach the capture loop through ``VoiceTurn``'s
thread-safe controls.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Label, ProgressBar, Static

from interviewer.adapters.store.files import FileSessionStore
from interviewer.adapters.stt.final_pass import FinalPass
from interviewer.core.endpointing import EndpointConfig, TurnMode, TurnStatus
from interviewer.core.engine import InterviewerEvent, RoundEnded, Say, StatusNote
from interviewer.core.ports import AudioSource, ChatModel, TurnEndDetector
from interviewer.core.session import Speaker
from interviewer.errors import InterviewerError
from interviewer.live import LiveRound, SpokenTurn
from interviewer.llm_runtime import model_name_or_none
from interviewer.services import ClosableSpeaker, Recognizer
from interviewer.tui.widgets.conversation import Conversation
from interviewer.tui.widgets.level_meter import LevelMeter

if TYPE_CHECKING:
    from interviewer.adapters.audio.vad import SileroVad
    from interviewer.tui.app import InterviewerApp
    from interviewer.voice import VoiceTurn

PREP_STEPS = 4
"""LLM, speech recognition, microphone (with the VAD), voice."""


@dataclass(frozen=True)
class Backends:
    """What ``prepare`` managed to open; None where the round degrades."""

    chat: ChatModel | None
    recognizer: Recognizer | None
    microphone: AudioSource | None
    vad: SileroVad | None
    speaker: ClosableSpeaker | None
    turn_end: TurnEndDetector | None = None
    """Hands-free: the end-of-turn model; None: pauses end after the persona's patience."""


class PracticeScreen(Screen[None]):
    """One round: question, live transcript, turn state, timer, latency, feedback."""

    BINDINGS = [
        Binding("space", "talk", "Talk / done"),
        Binding("e", "extend", "More time"),
        Binding("ctrl+r", "repeat", "Repeat"),
        Binding("ctrl+h", "hint", "Hint"),
        Binding("i", "type_answer", "Type instead"),
        Binding("f10", "end_round", "End round"),
        Binding("escape", "blur_input", "Leave input", show=False),
    ]

    class Event(Message):
        """An interviewer event from the round's worker thread."""

        def __init__(self, event: InterviewerEvent) -> None:
            super().__init__()
            self.event = event

    class AssemblyProgress(Message):
        """Posted while the bundled LLM is assembled (first run only)."""

        def __init__(self, done: int, total: int) -> None:
            super().__init__()
            self.done = done
            self.total = total

    class StepDone(Message):
        """Posted when one preparation step has finished (or degraded)."""

        def __init__(self, step: str, detail: str, ok: bool) -> None:
            super().__init__()
            self.step = step
            self.detail = detail
            self.ok = ok

    class Ready(Message):
        """Posted when every backend that could be prepared is ready."""

        def __init__(self, backends: Backends) -> None:
            super().__init__()
            self.backends = backends

    class TurnState(Message):
        """Posted when the round's state changes: listening, thinking, speaking."""

        def __init__(self, state: str, detail: str = "") -> None:
            super().__init__()
            self.state = state
            self.detail = detail

    class Level(Message):
        """Posted (at most ten times a second) with the microphone level."""

        def __init__(self, level_db: float) -> None:
            super().__init__()
            self.level_db = level_db

    class LivePartial(Message):
        """Posted when the live transcript of the current answer changes."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class CandidateSaid(Message):
        """Posted when a spoken answer has been transcribed."""

        def __init__(self, text: str, warnings: list[str]) -> None:
            super().__init__()
            self.text = text
            self.warnings = warnings

    class Latency(Message):
        """Posted after each reply: how long the candidate waited, by stage."""

        def __init__(self, transcript_s: float, reply_s: float) -> None:
            super().__init__()
            self.transcript_s = transcript_s
            self.reply_s = reply_s

    class Scored(Message):
        """Posted when the round has been scored (or scoring failed)."""

        def __init__(self, session_id: str, error: str | None = None) -> None:
            super().__init__()
            self.session_id = session_id
            self.error = error

    @property
    def interviewer_app(self) -> InterviewerApp:
        return cast("InterviewerApp", self.app)

    def compose(self) -> ComposeResult:
        app = self.interviewer_app
        yield Header()
        with Horizontal(id="round-bar"):
            yield Static(
                f"[b]{app.persona.name}[/b], {app.persona.title} · {app.question.title} · "
                f"{app.level.value}",
                id="round-info",
            )
            yield Static("00:00", id="timer")
        with Vertical(id="prep"):
            yield Label(
                "Preparing the interviewer (the first run assembles the model)…", id="prep-title"
            )
            yield ProgressBar(id="prep-bar", total=PREP_STEPS, show_eta=False)
            yield Label("", id="prep-step")
        yield Static(app.question.prompt, id="question")
        yield Conversation(app.persona.name, id="conversation")
        with Horizontal(id="turn-bar"):
            yield Label("preparing…", id="state")
            yield LevelMeter(id="level")
        yield Input(
            placeholder="Type an answer or a clarifying question, then Enter",
            id="typed-answer",
            disabled=True,
        )
        yield Static("", id="status-notes")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "practice round"
        self.round: LiveRound | None = None
        self.backends: Backends | None = None
        self.current_turn: VoiceTurn | None = None
        self.state = "preparing"
        self.notes: list[str] = []
        self._stop = threading.Event()
        """Set when the screen goes away: the voice loop stops without replying."""
        self._end_requested = threading.Event()
        """Set by End round while the voice loop runs."""
        self._last_level_post = 0.0
        self.started_at: float | None = None
        """When the round started (monotonic): the timer counts from here."""
        self.query_one("#conversation", Conversation).display = False
        self.query_one("#level", LevelMeter).display = False
        self.set_interval(1.0, self._tick)
        self.prepare()

    # ------------------------------------------------------------------ preparation

    @work(thread=True, exclusive=True, exit_on_error=False, group="prepare")
    def prepare(self) -> None:
        app = self.interviewer_app
        services = app.services
        chat = cast("ChatModel | None", app.shared_backend("chat"))
        if chat is None:
            self.post_message(self.StepDone("llm", "starting the LLM…", ok=True))
            try:
                chat, close, description = services.open_chat(self._report_assembly)
                app.call_from_thread(app.add_closer, close)
                app.call_from_thread(app.keep_backend, "chat", chat)
                if model_name_or_none(chat) is None:
                    # Kept: the engine retries it each turn, with scripted probes meanwhile.
                    self.post_message(
                        self.StepDone(
                            "llm",
                            f"LLM at {description} is not answering: scripted probes until it does",
                            ok=False,
                        )
                    )
                else:
                    self.post_message(self.StepDone("llm", f"LLM ready: {description}", ok=True))
            except InterviewerError as error:
                # A dead endpoint degrades the round (scripted probes) instead of ending it.
                self.post_message(
                    self.StepDone(
                        "llm", f"LLM unavailable ({error.message}): scripted probes", ok=False
                    )
                )
        else:
            self.post_message(self.StepDone("llm", "LLM ready", ok=True))
        recognizer: Recognizer | None = None
        self.post_message(self.StepDone("whisper", "loading speech recognition…", ok=True))
        try:
            recognizer = services.load_transcriber(app.rubric.glossary)
            self.post_message(self.StepDone("whisper", "speech recognition ready", ok=True))
        except InterviewerError as error:
            self.post_message(
                self.StepDone(
                    "whisper", f"speech recognition unavailable: {error.message}", ok=False
                )
            )
        microphone: AudioSource | None = None
        vad = None
        turn_end: TurnEndDetector | None = None
        if recognizer is not None:
            try:
                microphone = services.open_microphone()
                self.post_message(self.StepDone("mic", "microphone ready", ok=True))
            except InterviewerError as error:
                fix = f" ({error.fix})" if error.fix else ""
                self.post_message(
                    self.StepDone(
                        "mic", f"no microphone: {error.message}{fix}. Type your answers.", ok=False
                    )
                )
            if microphone is not None:
                try:
                    vad = services.load_vad()
                except InterviewerError as error:
                    self.post_message(
                        self.StepDone("vad", f"VAD unavailable: {error.message}", ok=False)
                    )
            if vad is not None and self.hands_free:
                try:
                    turn_end = services.load_turn_end()
                except InterviewerError as error:
                    detail = (
                        f"end-of-turn model unavailable ({error.message}): a pause ends "
                        "your answer after the persona's patience"
                    )
                    self.post_message(self.StepDone("vad", detail, ok=False))
        else:
            self.post_message(self.StepDone("mic", "typed answers (no speech recognition)", False))
        speaker: ClosableSpeaker | None = None
        try:
            speaker = services.open_speaker(app.persona)
            app.call_from_thread(app.add_closer, speaker.close)
            note = speaker.note
            self.post_message(
                self.StepDone("voice", f"voice: {note}" if note else "voice ready", ok=not note)
            )
        except InterviewerError as error:
            self.post_message(self.StepDone("voice", f"no voice: {error.message}", ok=False))
        backends = Backends(chat, recognizer, microphone, vad, speaker, turn_end)
        self.post_message(self.Ready(backends))

    def _report_assembly(self, done: int, total: int) -> None:
        self.post_message(self.AssemblyProgress(done, total))

    def on_practice_screen_assembly_progress(self, message: AssemblyProgress) -> None:
        self.query_one("#prep-step", Label).update(
            f"assembling the bundled LLM: {message.done / 2**20:,.0f} / "
            f"{message.total / 2**20:,.0f} MiB"
        )

    def on_practice_screen_step_done(self, message: StepDone) -> None:
        self.query_one("#prep-step", Label).update(message.detail)
        if message.detail.endswith("…"):
            return
        if message.step != "vad":
            self.query_one("#prep-bar", ProgressBar).advance(1)
        if not message.ok:
            self._note(message.detail)

    def on_practice_screen_ready(self, message: Ready) -> None:
        app = self.interviewer_app
        self.backends = message.backends
        self.query_one("#prep-bar", ProgressBar).update(progress=PREP_STEPS)
        self.query_one("#prep", Vertical).display = False
        self.query_one("#question", Static).display = True
        self.query_one("#conversation", Conversation).display = True
        self.round = LiveRound(
            store=FileSessionStore(app.settings.recordings_dir),
            persona=app.persona,
            rubric=app.rubric,
            question=app.question,
            level=app.level,
            chat=message.backends.chat,
            speaker=message.backends.speaker,
            round_minutes=app.settings.round.minutes,
            on_event=self._post_event,
            first_sentence_deadline=app.settings.llm.reply_deadline_seconds,
            final_pass=self._final_pass(message.backends),
        )
        app.add_closer(self._abandon_round)
        typed = self.query_one("#typed-answer", Input)
        typed.disabled = False
        self.started_at = time.monotonic()
        if self.voice_mode:
            self.query_one("#level", LevelMeter).display = True
            self.voice_loop()
        else:
            typed.focus()
            self.run_round_step(None)

    @property
    def voice_mode(self) -> bool:
        backends = self.backends
        return (
            backends is not None
            and backends.microphone is not None
            and backends.recognizer is not None
        )

    @property
    def hands_free(self) -> bool:
        return self.interviewer_app.settings.audio.hands_free

    # ------------------------------------------------------------------ spoken round

    @work(thread=True, exclusive=True, exit_on_error=False, group="round")
    def voice_loop(self) -> None:
        """Start the round, then: wait for the voice, capture, transcribe, reply; repeat."""
        from interviewer.voice import VoiceTurn

        live, backends = self.round, self.backends
        if live is None or backends is None:
            return
        assert backends.microphone is not None and backends.recognizer is not None
        live.start()
        while not live.finished and not self._stop.is_set():
            speaker = backends.speaker
            if self.hands_free and speaker is not None:
                # Listening while the interviewer talks would hear the interviewer.
                self._set_state("speaking", "")
                while not speaker.wait(timeout=0.2):
                    if self._stop.is_set():
                        return
            path = live.store.audio_path(live.session_id, live.next_turn_index)
            turn = VoiceTurn(
                backends.microphone,
                backends.recognizer,
                path,
                self._endpoint_config(),
                vad=backends.vad,
                turn_end=backends.turn_end,
                on_level=self._post_level,
                on_partial=self._post_partial,
                on_status=self._post_status,
                on_speech=live.stop_speaking,
                # Hands-free, a pause may end the turn: the reply is generated during it.
                # Push-to-talk, the key comes right after the last word: the reply is
                # prepared while the candidate speaks, from the words already settled.
                on_pause=live.prepare_reply if self.hands_free else None,
                on_resume=live.cancel_prepared if self.hands_free else None,
                on_progress=None if self.hands_free else live.prepare_ahead,
                decode_gate=live.cpu_gate,
            )
            self.current_turn = turn
            self._set_state("listening", "")
            try:
                result = turn.run()
            except InterviewerError as error:
                # The device failed: the audio so far is on disk; typing still works.
                self.current_turn = None
                self._post_note(
                    f"{error.message}. Fix: {error.fix}" if error.fix else error.message
                )
                self._set_state("typing", "")
                return
            finally:
                self.current_turn = None
            if self._stop.is_set():
                return
            self.post_message(self.CandidateSaid(result.turn.text, result.warnings))
            if self._end_requested.is_set():
                # End round mid-answer: keep the answer, skip the reply, close the round.
                if result.turn.text:
                    live.answer(result.turn)
                live.stop_speaking()
                live.end()
                return
            if not result.turn.text and result.warnings:
                continue  # nothing usable was said: listen again, the file is kept
            self._set_state("thinking", "")
            replied = time.monotonic()
            live.answer(result.turn)
            self.post_message(self.Latency(result.finish_seconds, time.monotonic() - replied))
        if self._end_requested.is_set() and not live.finished:
            live.end()

    def _endpoint_config(self) -> EndpointConfig:
        persona = self.interviewer_app.persona
        audio = self.interviewer_app.settings.audio
        return EndpointConfig(
            mode=TurnMode.HANDS_FREE if self.hands_free else TurnMode.PUSH_TO_TALK,
            patience_seconds=persona.patience_seconds,
            turn_end_check_seconds=tuple(audio.turn_end_check_seconds),
            turn_end_threshold=audio.turn_end_threshold,
            max_answer_seconds=max(60.0, persona.answer_budget_seconds * 2),
        )

    def _post_level(self, level_db: float) -> None:
        now = time.monotonic()
        if now - self._last_level_post >= 0.1:
            self._last_level_post = now
            self.post_message(self.Level(level_db))

    def _post_partial(self, text: str) -> None:
        self.post_message(self.LivePartial(text))
        if self.round is not None:
            # Sends the prompt with the answer so far to the LLM server ahead of time, so
            # only the last words are left to prefill when the turn ends (bench latency).
            self.round.prefill(text)

    def _post_status(self, status: TurnStatus) -> None:
        if status.capturing and not self.hands_free:
            detail = f"recording {status.answer_seconds:4.0f} s — space when done"
        elif self.hands_free and status.speech_heard and status.pause_seconds > 0.5:
            detail = (
                f"pause {status.pause_seconds:.0f}/{status.allowance_seconds:.0f} s — "
                "e for more time, space when done"
            )
        else:
            return
        self._set_state("listening", detail)

    def _set_state(self, state: str, detail: str) -> None:
        self.post_message(self.TurnState(state, detail))

    def _post_note(self, text: str) -> None:
        self.post_message(self.Event(StatusNote(text)))

    # ------------------------------------------------------------------ typed round

    @work(thread=True, exclusive=True, exit_on_error=False, group="round")
    def run_round_step(self, turn: SpokenTurn | None) -> None:
        """Start the round (``turn`` None) or hand the engine one typed candidate turn."""
        live = self.round
        if live is None:
            return
        if turn is None:
            live.start()
        elif not live.finished:
            self._set_state("thinking", "")
            replied = time.monotonic()
            live.answer(turn)
            self.post_message(self.Latency(0.0, time.monotonic() - replied))

    @on(Input.Submitted, "#typed-answer")
    def submit_typed_answer(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text or self.round is None or self.round.finished:
            return
        if self.current_turn is not None or self.state == "thinking":
            self.notify("Wait for the interviewer, or stop talking first.", severity="warning")
            return
        event.input.value = ""
        self.query_one("#conversation", Conversation).add_turn(Speaker.CANDIDATE, text)
        self.run_round_step(SpokenTurn(text=text, duration=len(text.split()) / 2.5))

    # ------------------------------------------------------------------ messages

    def _post_event(self, event: InterviewerEvent) -> None:
        self.post_message(self.Event(event))

    def on_practice_screen_event(self, message: Event) -> None:
        event = message.event
        conversation = self.query_one("#conversation", Conversation)
        if isinstance(event, Say):
            conversation.add_turn(Speaker.INTERVIEWER, event.text)
            if event.kind.value in ("question", "probe"):
                self.query_one("#question", Static).update(event.text)
            if not self.voice_mode:
                self._show_state("your turn", "")
        elif isinstance(event, StatusNote):
            conversation.add_note(event.text)
            self._note(event.text)
        elif isinstance(event, RoundEnded):
            self._show_state("ended", "")
            self.query_one("#typed-answer", Input).disabled = True
            self.score()

    def on_practice_screen_turn_state(self, message: TurnState) -> None:
        self._show_state(message.state, message.detail)

    def _show_state(self, state: str, detail: str) -> None:
        self.state = state
        name = self.interviewer_app.persona.name
        talk = "press space to talk" if not self.hands_free else "just speak"
        text = {
            "listening": f"● LISTENING · Your turn — {talk}",
            "thinking": f"… THINKING · {name} is thinking",
            "speaking": f"◆ SPEAKING · {name} is speaking",
            "your turn": "Your turn: type your answer, then Enter",
            "typing": "Your turn: type your answer (i), then Enter",
            "ended": "Round over: your recording is saved. Scoring…",
        }.get(state, state)
        if detail:
            text = f"{text} · {detail}"
        self.query_one("#state", Label).update(text)
        if state == "typing":
            typed = self.query_one("#typed-answer", Input)
            typed.disabled = False
            typed.focus()

    def on_practice_screen_level(self, message: Level) -> None:
        self.query_one("#level", LevelMeter).level_db = message.level_db

    def on_practice_screen_live_partial(self, message: LivePartial) -> None:
        self.query_one("#conversation", Conversation).set_partial(message.text)

    def on_practice_screen_candidate_said(self, message: CandidateSaid) -> None:
        conversation = self.query_one("#conversation", Conversation)
        if message.text:
            conversation.add_turn(Speaker.CANDIDATE, message.text)
        else:
            conversation.set_partial("")
        for warning in message.warnings:
            conversation.add_note(f"audio: {warning}")

    def on_practice_screen_latency(self, message: Latency) -> None:
        parts = [f"reply {message.reply_s:.1f} s"]
        if message.transcript_s:
            parts.insert(0, f"transcript {message.transcript_s:.2f} s")
        self._note("last turn: " + " · ".join(parts), replace_latency=True)

    def _note(self, text: str, *, replace_latency: bool = False) -> None:
        if replace_latency:
            self.notes = [n for n in self.notes if not n.startswith("last turn:")]
        self.notes = [*self.notes[-2:], text]
        self.query_one("#status-notes", Static).update("\n".join(self.notes))

    def _tick(self) -> None:
        if self.started_at is None or self.state == "ended":
            return
        elapsed = int(time.monotonic() - self.started_at)
        budget = int(self.interviewer_app.settings.round.minutes * 60)
        self.query_one("#timer", Static).update(
            f"{elapsed // 60:02d}:{elapsed % 60:02d} / {budget // 60:02d}:00"
        )

    # ------------------------------------------------------------------ scoring

    @work(thread=True, exclusive=True, exit_on_error=False, group="score")
    def score(self) -> None:
        from interviewer.evaluation import evaluate_and_save

        live = self.round
        if live is None:
            return
        try:
            # The final-quality transcripts first: scoring reads them, and compacting
            # renames the recordings they are made from.
            live.settle_transcripts()
            # Turn WAVs are crash-safe while recording; once the round is over they are
            # kept as lossless FLAC at about half the size.
            live.store.compact_audio(live.session_id)
            evaluate_and_save(
                live.store,
                live.session_id,
                self.interviewer_app.rubric,
                similarity=self.interviewer_app.services.load_similarity(),
            )
        except InterviewerError as error:
            self.post_message(self.Scored(live.session_id, error.message))
            return
        self.post_message(self.Scored(live.session_id))

    def on_practice_screen_scored(self, message: Scored) -> None:
        if message.error:
            self._note(f"scoring failed: {message.error}; the recording is kept")
            return
        self.query_one("#state", Label).update("Round over: scored. Opening your feedback…")
        self.interviewer_app.show_feedback(message.session_id)

    # ------------------------------------------------------------------ keys

    def action_talk(self) -> None:
        """Push-to-talk: start and stop the answer. Hands-free: 'I'm done'. Either way
        pressing it while the interviewer speaks cuts the interviewer off (barge-in)."""
        if self.round is not None:
            self.round.stop_speaking()
        turn = self.current_turn
        if turn is None:
            return
        if self.hands_free:
            turn.end_turn()
        else:
            turn.toggle_talk()

    def action_extend(self) -> None:
        if self.current_turn is not None:
            self.current_turn.extend()
            self.notify("More time: the pause allowance grew.", timeout=2)

    def action_repeat(self) -> None:
        if self.round is not None and self.state != "thinking":
            self._run_in_round_thread(self.round.repeat_last_line)

    def action_hint(self) -> None:
        if self.round is not None and self.state != "thinking":
            self._run_in_round_thread(self.round.hint)

    def action_type_answer(self) -> None:
        typed = self.query_one("#typed-answer", Input)
        if not typed.disabled:
            typed.focus()

    def action_end_round(self) -> None:
        if self.round is None or self.round.finished:
            return
        live = self.round
        if self.voice_mode and self.state != "typing":
            # The voice loop owns the engine: it keeps the answer in progress and ends.
            self._end_requested.set()
            if self.current_turn is not None:
                self.current_turn.end_turn()
            return
        # LiveRound serialises engine calls: a reply being generated is finished first.
        self.run_worker(live.end, thread=True, group="end")

    def action_blur_input(self) -> None:
        self.set_focus(None)

    def _run_in_round_thread(self, function: Callable[[], None]) -> None:
        """Run a repeat or hint request. While a voice turn listens the engine is idle
        (the loop is capturing), so the request may run beside it."""
        if self.current_turn is not None:
            # The capture loop only reads audio; the engine is idle while listening.
            self.run_worker(function, thread=True, group="aside")
            return
        self.run_worker(function, thread=True, exclusive=True, group="round")

    def _final_pass(self, backends: Backends) -> FinalPass | None:
        """The background final-quality transcription of spoken answers, or None (no
        recognizer, or ``stt.final_pass`` off). It loads its own recognizer, in its own
        thread, the first time an answer ends."""
        app = self.interviewer_app
        if backends.recognizer is None or not app.settings.stt.final_pass:
            return None
        glossary = app.rubric.glossary
        load = app.services.load_final_transcriber or app.services.load_transcriber
        return FinalPass(lambda: load(glossary))

    def _abandon_round(self) -> None:
        self._stop.set()
        if self.current_turn is not None:
            self.current_turn.end_turn()
        if self.round is not None and not self.round.finished:
            self.round.abandon()
