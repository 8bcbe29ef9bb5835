"""The Textual app. Built only by ``interviewer.factory.build_app``.

Screens stack on a home menu: practice (setup, the round, feedback), review of saved
recordings, and the persona editor. Backends that outlive one screen (the embedded LLM
server) are registered with ``add_closer`` and shut down when the app exits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Literal

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from interviewer import locations
from interviewer.core.content import Level, Persona, Question, Rubric
from interviewer.services import Services
from interviewer.settings import Settings
from interviewer.tui.stall import INTERVAL as STALL_INTERVAL
from interviewer.tui.stall import StallMonitor

StartScreen = Literal["home", "practice", "review", "drill"]


class InterviewerApp(App[int]):
    """A practice round: prepares the backends, then runs the interview."""

    TITLE = "interviewer"
    SUB_TITLE = "practice for system-design interviews"
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
        start: StartScreen = "practice",
        review_session: str | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.persona = persona
        self.rubric = rubric
        self.question = question
        self.level = level
        self.services = services
        self.start = start
        self.review_session = review_session
        self._closers: list[Callable[[], None]] = []
        self._backends: dict[str, object] = {}
        self.stalls = StallMonitor()
        """Measures UI responsiveness; written to the UI log when the app exits."""

    def on_mount(self) -> None:
        from interviewer.tui.screens.home import HomeScreen

        self.set_interval(STALL_INTERVAL, self.stalls.tick)

        self.push_screen(HomeScreen())
        if self.start == "practice":
            self.start_practice()
        elif self.start == "review":
            self.open_review(self.review_session)
        elif self.start == "drill":
            self.open_drill()

    def start_practice(
        self,
        persona: Persona | None = None,
        rubric: Rubric | None = None,
        question: Question | None = None,
        level: Level | None = None,
    ) -> None:
        """Start a round (with the app's current choice for anything not given)."""
        from interviewer.tui.screens.practice import PracticeScreen

        self.persona = persona or self.persona
        self.rubric = rubric or self.rubric
        self.question = question or self.question
        self.level = level or self.level
        self.push_screen(PracticeScreen())

    def open_review(self, session_id: str | None = None) -> None:
        from interviewer.adapters.store.files import FileSessionStore
        from interviewer.tui.screens.review import SessionsScreen

        store = FileSessionStore(self.settings.recordings_dir)
        self.push_screen(
            SessionsScreen(
                store, open_session=session_id, load_similarity=self.services.load_similarity
            )
        )

    def open_drill(self) -> None:
        from interviewer.tui.screens.drill import DrillScreen

        self.push_screen(DrillScreen())

    def open_debrief(self, session_id: str) -> None:
        from interviewer.adapters.store.files import FileSessionStore
        from interviewer.tui.screens.debrief import DebriefScreen

        store = FileSessionStore(self.settings.recordings_dir)
        self.push_screen(DebriefScreen(store, session_id))

    def show_feedback(self, session_id: str) -> None:
        """After a round: replace the round's screen with its scored recording."""
        from interviewer.adapters.store.files import FileSessionStore
        from interviewer.tui.screens.review import SessionDetailScreen

        store = FileSessionStore(self.settings.recordings_dir)
        self.pop_screen()
        self.push_screen(
            SessionDetailScreen(store, session_id, load_similarity=self.services.load_similarity)
        )

    def shared_backend(self, name: str) -> object | None:
        """A backend kept from an earlier round (the LLM server starts once per app)."""
        return self._backends.get(name)

    def keep_backend(self, name: str, backend: object) -> None:
        self._backends[name] = backend

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """The palette (ctrl+p) reaches every screen from anywhere."""
        yield from super().get_system_commands(screen)
        yield SystemCommand(
            "New practice round", "Choose persona, rubric and question", self._palette_setup
        )
        yield SystemCommand(
            "Review recordings", "Replay answers, see evidence, re-score", self.open_review
        )
        yield SystemCommand(
            "Drill what you keep missing",
            "A short round on your most-missed checklist items",
            self.open_drill,
        )
        yield SystemCommand(
            "Interviewer personas", "Edit or create personas", self._palette_personas
        )

    def _palette_setup(self) -> None:
        from interviewer.tui.screens.home import SetupScreen

        self.push_screen(SetupScreen())

    def _palette_personas(self) -> None:
        from interviewer.tui.screens.persona_editor import PersonaListScreen

        self.push_screen(PersonaListScreen(speak=self.speak_sample))

    def speak_sample(self, persona: Persona, line: str) -> None:
        """The persona editor's sample: ``line`` in ``persona``'s voice, played to the end
        (blocking: the editor calls it from a worker thread)."""
        speaker = self.services.open_speaker(persona)
        try:
            if speaker.note:  # a fallback or silent voice: say why, not just play less
                self.call_from_thread(self.notify, f"Voice: {speaker.note}", severity="warning")
            speaker.say(line)
            speaker.wait()
        finally:
            speaker.close()

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
        self._log_stalls()
        self.exit(0)

    def _log_stalls(self) -> None:
        log = locations.state_dir() / "logs" / "ui.log"
        try:
            log.parent.mkdir(parents=True, exist_ok=True)
            with log.open("a", encoding="utf-8") as file:
                file.write(f"{datetime.now(UTC).isoformat()} {self.stalls.summary()}\n")
        except OSError:
            pass  # a diagnostic must never stop the app from quitting
