"""The Textual app. Built only by ``interviewer.factory.build_app``."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import App
from textual.binding import Binding

from interviewer.core.content import Level, Persona, Question, Rubric
from interviewer.services import Services
from interviewer.settings import Settings
from interviewer.tui.screens.practice import PracticeScreen


class InterviewerApp(App[int]):
    """A practice round: prepares the backends, then runs the interview."""

    TITLE = "interviewer"
    SUB_TITLE = "practice round"
    CSS_PATH = "app.tcss"
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("ctrl+t", "toggle_dark", "Theme"),
    ]

    def __init__(
        self,
        *,
        settings: Settings,
        persona: Persona,
        rubric: Rubric,
        question: Question,
        level: Level,
        services: Services,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.persona = persona
        self.rubric = rubric
        self.question = question
        self.level = level
        self.services = services
        self._closers: list[Callable[[], None]] = []

    def on_mount(self) -> None:
        self.push_screen(PracticeScreen())

    def add_closer(self, close: Callable[[], None]) -> None:
        """Register a backend to shut down when the app exits (the embedded LLM server)."""
        self._closers.append(close)

    def close_backends(self) -> None:
        while self._closers:
            self._closers.pop()()

    def action_toggle_dark(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"

    async def action_quit(self) -> None:
        self.close_backends()
        self.exit(0)
