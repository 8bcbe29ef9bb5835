"""The practice screen: prepares the backends with visible progress, then asks."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Label, ProgressBar, Static

from interviewer.core.ports import ChatModel, Transcriber
from interviewer.errors import InterviewerError

if TYPE_CHECKING:
    from interviewer.tui.app import InterviewerApp


class PracticeScreen(Screen[None]):
    """Shows the round, prepares the models, then presents the first question."""

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
        yield Label("preparing…", id="state")
        yield Static("", id="status-notes")
        yield Footer()

    def on_mount(self) -> None:
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
        self.query_one("#prep-bar", ProgressBar).update(progress=3)
        self.query_one("#prep", Vertical).display = False
        self.query_one("#question", Static).display = True
        self.query_one("#state", Label).update(
            "Ready for the first question. Read it, think, then answer out loud."
        )
