"""The practice screen: prepares the backends with visible progress, then asks."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Label, ProgressBar, Static

from interviewer.adapters.store.files import FileSessionStore
from interviewer.core.engine import InterviewerEvent, RoundEnded, Say, StatusNote
from interviewer.core.ports import ChatModel, Transcriber
from interviewer.core.session import Speaker
from interviewer.errors import InterviewerError
from interviewer.live import LiveRound, SpokenTurn
from interviewer.tui.widgets.conversation import Conversation

if TYPE_CHECKING:
    from interviewer.tui.app import InterviewerApp


class PracticeScreen(Screen[None]):
    """Prepares the models with visible progress, then runs the round."""

    BINDINGS = [
        Binding("ctrl+r", "repeat", "Repeat line"),
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

        def __init__(self, chat: ChatModel | None, transcriber: Transcriber | None) -> None:
            super().__init__()
            self.chat = chat
            self.transcriber = transcriber

    @property
    def interviewer_app(self) -> InterviewerApp:
        return cast("InterviewerApp", self.app)

    def compose(self) -> ComposeResult:
        app = self.interviewer_app
        yield Header()
        yield Static(
            f"[b]{app.persona.name}[/b], {app.persona.title} · {app.rubric.title} · "
            f"{app.question.title} · level {app.level.value}",
            id="round-info",
        )
        with Vertical(id="prep"):
            yield Label(
                "Preparing the interviewer (first run assembles the model)…", id="prep-title"
            )
            yield ProgressBar(id="prep-bar", total=3, show_eta=False)
            yield Label("", id="prep-step")
        yield Static(app.question.prompt, id="question")
        yield Conversation(app.persona.name, id="conversation")
        yield Label("preparing…", id="state")
        yield Input(
            placeholder="Type an answer or a clarifying question, then Enter",
            id="typed-answer",
            disabled=True,
        )
        yield Static("", id="status-notes")
        yield Footer()

    def on_mount(self) -> None:
        self.round: LiveRound | None = None
        self.query_one("#conversation", Conversation).display = False
        self.prepare()

    @work(thread=True, exclusive=True, exit_on_error=False, group="prepare")
    def prepare(self) -> None:
        app = self.interviewer_app
        chat: ChatModel | None = None
        transcriber: Transcriber | None = None
        self.post_message(self.StepDone("llm", "starting the LLM…", ok=True))
        try:
            chat, close, description = app.services.open_chat(self._report_assembly)
            app.call_from_thread(app.add_closer, close)
            self.post_message(self.StepDone("llm", f"LLM ready: {description}", ok=True))
        except InterviewerError as error:
            # A dead endpoint degrades the round (scripted probes) instead of ending it.
            self.post_message(
                self.StepDone(
                    "llm", f"LLM unavailable ({error.message}): scripted probes", ok=False
                )
            )
        try:
            transcriber = app.services.load_transcriber()
            self.post_message(self.StepDone("whisper", "speech recognition ready", ok=True))
        except InterviewerError as error:
            self.post_message(
                self.StepDone(
                    "whisper", f"speech recognition unavailable: {error.message}", ok=False
                )
            )
        self.post_message(self.Ready(chat, transcriber))

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
        self.query_one("#prep-bar", ProgressBar).advance(1)
        if not message.ok:
            notes = self.query_one("#status-notes", Static)
            notes.update(message.detail)

    def on_practice_screen_ready(self, message: Ready) -> None:
        app = self.interviewer_app
        self.query_one("#prep-bar", ProgressBar).update(progress=3)
        self.query_one("#prep", Vertical).display = False
        self.query_one("#question", Static).display = True
        self.query_one("#conversation", Conversation).display = True
        self.round = LiveRound(
            store=FileSessionStore(app.settings.recordings_dir),
            persona=app.persona,
            rubric=app.rubric,
            question=app.question,
            level=app.level,
            chat=message.chat,
            speaker=None,
            round_minutes=app.settings.round.minutes,
            on_event=self._post_event,
        )
        app.add_closer(self._abandon_round)
        self.query_one("#state", Label).update(
            "Ready for the first question. Read it, think, then answer."
        )
        typed = self.query_one("#typed-answer", Input)
        typed.disabled = False
        typed.focus()
        self.run_round_step(None)

    # ------------------------------------------------------------------ the round

    @work(thread=True, exclusive=True, exit_on_error=False, group="round")
    def run_round_step(self, turn: SpokenTurn | None) -> None:
        """Start the round (``turn`` None) or hand the engine one candidate turn."""
        live = self.round
        if live is None:
            return
        if turn is None:
            live.start()
        elif not live.finished:
            live.answer(turn)

    def _post_event(self, event: InterviewerEvent) -> None:
        self.post_message(self.Event(event))

    def on_practice_screen_event(self, message: Event) -> None:
        event = message.event
        conversation = self.query_one("#conversation", Conversation)
        if isinstance(event, Say):
            conversation.add_turn(Speaker.INTERVIEWER, event.text)
            self.query_one("#state", Label).update("Your turn.")
        elif isinstance(event, StatusNote):
            conversation.add_note(event.text)
            self.query_one("#status-notes", Static).update(event.text)
        elif isinstance(event, RoundEnded):
            self.query_one("#state", Label).update("Round over: your recording is saved.")
            self.query_one("#typed-answer", Input).disabled = True

    @on(Input.Submitted, "#typed-answer")
    def submit_typed_answer(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text or self.round is None or self.round.finished:
            return
        event.input.value = ""
        self.query_one("#conversation", Conversation).add_turn(Speaker.CANDIDATE, text)
        self.query_one("#state", Label).update(f"{self.interviewer_app.persona.name} is thinking…")
        self.run_round_step(SpokenTurn(text=text, duration=len(text.split()) / 2.5))

    def action_repeat(self) -> None:
        if self.round is not None:
            self.query_one("#conversation", Conversation).add_note(
                f"(repeated) {self.round.last_line}"
            )
            self.run_in_thread(self.round.repeat_last_line)

    def action_end_round(self) -> None:
        if self.round is not None and not self.round.finished:
            self.run_in_thread(self.round.end)

    def action_blur_input(self) -> None:
        self.set_focus(None)

    def run_in_thread(self, function: Callable[[], None]) -> None:
        self.run_worker(function, thread=True, exclusive=True, group="round")

    def _abandon_round(self) -> None:
        if self.round is not None and not self.round.finished:
            self.round.abandon()
