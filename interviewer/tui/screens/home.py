"""The home menu and the round setup screen.

Home is the bottom of the screen stack: every other screen returns to it. Setup picks
persona, rubric, question and level (the app's current choice preselected, so Enter
alone starts a round) and shows each backend's health from ``doctor`` with its fix.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from interviewer import catalog
from interviewer.core.content import Level, Persona, Rubric
from interviewer.errors import InterviewerError
from interviewer.tui.widgets.level_meter import LevelMeter

if TYPE_CHECKING:
    from interviewer.tui.app import InterviewerApp

RANDOM_QUESTION = "__random__"


class HomeScreen(Screen[None]):
    """Start practice, review recordings, drill missed items, edit personas."""

    BINDINGS = [
        Binding("p", "practice", "Practice"),
        Binding("r", "review", "Review"),
        Binding("d", "drill", "Drill"),
        Binding("e", "personas", "Personas"),
        Binding("q", "app.quit", "Quit"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="home"):
            yield Static(
                "[b]Spoken mock interviews[/b] for system-design and ML-systems rounds.\n"
                "Answer out loud; the interviewer probes failures and changed constraints; "
                "every score is backed by your own words. Practice only.",
                id="home-intro",
            )
            yield OptionList(
                Option("Practice a round            (p)", id="practice"),
                Option("Review recordings           (r)", id="review"),
                Option("Drill what you keep missing (d)", id="drill"),
                Option("Interviewer personas        (e)", id="personas"),
                Option("Quit                        (q)", id="quit"),
                id="home-menu",
            )
        yield Footer()

    class Recovered(Message):
        """Posted when rounds left unfinished by a crash were found and repaired."""

        def __init__(self, session_ids: list[str]) -> None:
            super().__init__()
            self.session_ids = session_ids

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.recover()

    @work(thread=True, exit_on_error=False, group="recover")
    def recover(self) -> None:
        """A round killed mid-answer keeps its audio: repair it and say where it is."""
        from interviewer.adapters.store.files import FileSessionStore

        store = FileSessionStore(cast("InterviewerApp", self.app).settings.recordings_dir)
        try:
            recovered = store.recover_interrupted()
        except InterviewerError:
            return  # `interviewer sessions` reports an unreadable recordings dir
        if recovered:
            self.post_message(self.Recovered(recovered))

    def on_home_screen_recovered(self, message: Recovered) -> None:
        names = ", ".join(message.session_ids[:3])
        self.notify(
            f"Recovered {len(message.session_ids)} interrupted round(s) ({names}): press r "
            "to review or score them.",
            timeout=10,
        )

    @on(OptionList.OptionSelected, "#home-menu")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        choice = event.option.id
        if choice == "practice":
            self.action_practice()
        elif choice == "review":
            self.action_review()
        elif choice == "drill":
            self.action_drill()
        elif choice == "personas":
            self.action_personas()
        elif choice == "quit":
            self.app.action_quit()  # type: ignore[unused-coroutine]

    def action_practice(self) -> None:
        self.app.push_screen(SetupScreen())

    def action_review(self) -> None:
        cast("InterviewerApp", self.app).open_review()

    def action_drill(self) -> None:
        cast("InterviewerApp", self.app).open_drill()

    def action_personas(self) -> None:
        from interviewer.tui.screens.persona_editor import PersonaListScreen

        app = cast("InterviewerApp", self.app)
        self.app.push_screen(PersonaListScreen(speak=app.speak_sample))


class SetupScreen(Screen[None]):
    """Choose the round, see what is ready, start."""

    BINDINGS = [
        Binding("ctrl+s", "start", "Start round", priority=True),
        Binding("f2", "mic_test", "Mic test"),
        Binding("escape", "back", "Back"),
    ]

    MIC_TEST_SECONDS = 3.0

    class MicTest(Message):
        """Posted during the microphone test: a level, then the words heard."""

        def __init__(self, level_db: float | None = None, text: str | None = None) -> None:
            super().__init__()
            self.level_db = level_db
            self.text = text

    class Health(Message):
        """Posted when the backend checks have run."""

        def __init__(self, lines: list[str]) -> None:
            super().__init__()
            self.lines = lines

    @property
    def interviewer_app(self) -> InterviewerApp:
        return cast("InterviewerApp", self.app)

    def compose(self) -> ComposeResult:
        app = self.interviewer_app
        self.personas = catalog.load_personas()
        self.rubrics = catalog.load_rubrics()
        yield Header()
        with Vertical(id="setup"):
            yield Label("Interviewer")
            yield Select(
                [(f"{p.name}: {p.title} ({p.tone.value})", p.id) for p in self._personas()],
                value=app.persona.id,
                allow_blank=False,
                id="setup-persona",
            )
            yield Label("Rubric")
            yield Select(
                [(r.title, r.id) for r in self._rubrics()],
                value=app.rubric.id,
                allow_blank=False,
                id="setup-rubric",
            )
            yield Label("Question")
            yield Select(
                self._question_options(app.rubric),
                value=app.question.id,
                allow_blank=False,
                id="setup-question",
            )
            yield Label("Target level")
            yield Select(
                [(level.value, level.value) for level in Level],
                value=app.level.value,
                allow_blank=False,
                id="setup-level",
            )
            with Horizontal(id="setup-buttons"):
                yield Button("Start round (ctrl+s)", variant="primary", id="setup-start")
                yield Button("Test microphone (f2)", id="setup-mic")
                yield Button("Back", id="setup-back")
            yield LevelMeter(id="setup-level-meter")
            yield Static("", id="mic-result")
            yield Static("checking the microphone, speech recognition and voice…", id="health")
        yield Footer()

    def _personas(self) -> list[Persona]:
        return sorted(self.personas.items.values(), key=lambda p: p.id)

    def _rubrics(self) -> list[Rubric]:
        return sorted(self.rubrics.items.values(), key=lambda r: r.id)

    @staticmethod
    def _question_options(rubric: Rubric) -> list[tuple[str, str]]:
        return [("Random question", RANDOM_QUESTION)] + [(q.title, q.id) for q in rubric.questions]

    def on_mount(self) -> None:
        self.sub_title = "new round"
        self.query_one("#setup-start", Button).focus()
        self.check_health()

    @on(Select.Changed, "#setup-rubric")
    def _rubric_changed(self, event: Select.Changed) -> None:
        rubric = self.rubrics.items.get(str(event.value))
        if rubric is None:
            return
        questions = self.query_one("#setup-question", Select)
        questions.set_options(self._question_options(rubric))
        questions.value = RANDOM_QUESTION

    @work(thread=True, exclusive=True, exit_on_error=False, group="health")
    def check_health(self) -> None:
        """Quick checks only: the LLM is started (and checked) by the round itself."""
        from interviewer.doctor import Status, check_microphone, check_recordings_dir, check_tts

        settings = self.interviewer_app.settings
        lines = []
        for check in (check_microphone, check_tts, check_recordings_dir):
            try:
                result = check(settings)
            except Exception as error:  # a check must never take the screen down
                lines.append(f"[red]✘[/] {check.__name__}: {error}")
                continue
            mark = {Status.OK: "[green]✔[/]", Status.WARN: "[yellow]![/]"}.get(
                result.status, "[red]✘[/]"
            )
            line = f"{mark} {result.name}: {result.detail}"
            if result.fix and result.status is not Status.OK:
                line += f"\n    fix: {result.fix}"
            lines.append(line)
        lines.append("  LLM: started when the round starts (`interviewer doctor` checks it now)")
        self.post_message(self.Health(lines))

    def on_setup_screen_health(self, message: Health) -> None:
        self.query_one("#health", Static).update("\n".join(message.lines))

    @on(Button.Pressed, "#setup-start")
    def action_start(self) -> None:
        persona = self.personas.items[str(self.query_one("#setup-persona", Select).value)]
        rubric = self.rubrics.items[str(self.query_one("#setup-rubric", Select).value)]
        wanted = str(self.query_one("#setup-question", Select).value)
        question = (
            random.choice(rubric.questions)
            if wanted == RANDOM_QUESTION
            else rubric.question(wanted)
        )
        level = Level(str(self.query_one("#setup-level", Select).value))
        app = self.interviewer_app
        self.dismiss()
        app.start_practice(persona, rubric, question, level)

    @on(Button.Pressed, "#setup-mic")
    def action_mic_test(self) -> None:
        self.query_one("#mic-result", Static).update(
            f"Say something for {self.MIC_TEST_SECONDS:.0f} seconds…"
        )
        self.mic_test()

    @work(thread=True, exclusive=True, exit_on_error=False, group="mic-test")
    def mic_test(self) -> None:
        """Record a few seconds with a live meter, then show what Whisper heard."""
        import numpy as np

        from interviewer.adapters.audio.dsp import rms_dbfs
        from interviewer.core.ports import SAMPLE_RATE
        from interviewer.errors import InterviewerError

        app = self.interviewer_app
        try:
            microphone = app.services.open_microphone()
            recognizer = app.services.load_transcriber(app.rubric.glossary)
            kept = []
            heard = 0
            for block in microphone.blocks():
                kept.append(block.samples)
                heard += block.samples.size
                if len(kept) % 3 == 0:
                    self.post_message(self.MicTest(level_db=rms_dbfs(block.samples)))
                if heard >= self.MIC_TEST_SECONDS * SAMPLE_RATE:
                    break
            microphone.stop()
            audio = np.concatenate(kept) if kept else np.zeros(0, np.float32)
            text = recognizer.transcribe(audio).text
        except InterviewerError as error:
            fix = f"\n    fix: {error.fix}" if error.fix else ""
            self.post_message(self.MicTest(text=f"[red]✘[/] {error.message}{fix}"))
            return
        self.post_message(
            self.MicTest(text=f"✔ heard: “{text}”" if text else "! heard no words: speak up?")
        )

    def on_setup_screen_mic_test(self, message: MicTest) -> None:
        if message.level_db is not None:
            self.query_one("#setup-level-meter", LevelMeter).level_db = message.level_db
        if message.text is not None:
            self.query_one("#mic-result", Static).update(message.text)

    @on(Button.Pressed, "#setup-back")
    def action_back(self) -> None:
        self.dismiss()
