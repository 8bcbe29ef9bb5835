"""A drill round in the app: one targeted prompt per most-missed checklist item.

The plan comes from every saved session (``drill_rounds.plan_next``); the persona says
each prompt; each answer is typed, or spoken (f5 starts and stops the microphone; the
audio is kept with the drill so its quote plays in review), scored on its item alone in
a worker (the sentence encoder may need loading) and saved at once, so leaving half way
keeps what was answered. The result shows which items were shown, with the words that
showed them; ctrl+t opens progress, where the drill joins the trend.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Static

from interviewer import catalog, drill_rounds
from interviewer.adapters.store.files import FileSessionStore
from interviewer.core.report import clock
from interviewer.core.scoring import Evaluation
from interviewer.core.session import DrillItem, Session
from interviewer.errors import InterviewerError
from interviewer.services import ClosableSpeaker
from interviewer.tui.push_to_talk import PushToTalk, save_flac

if TYPE_CHECKING:
    from interviewer.tui.app import InterviewerApp

__all__ = ["DrillScreen", "drill_summary", "next_drill_text"]


def next_drill_text(
    rounds: Sequence[tuple[Session, Evaluation]], drills: Sequence[Session]
) -> Text:
    """What the next drill practises, and which items rest after three hits in a row."""
    history = drill_rounds.History(list(rounds), list(drills))
    picks = drill_rounds.next_picks(history)
    text = Text()
    if picks:
        text.append("Next drill practises (d on the home screen)\n", style="bold")
        for pick in picks:
            streak = pick.history.hit_streak
            text.append(f"  {pick.history.description} ")
            text.append(
                f"(missed {pick.history.misses}×"
                + (f", shown {streak}× since)\n" if streak else ")\n"),
                style="dim",
            )
    now = datetime.now(UTC)
    resting = [
        (h, until)
        for h in history.items().values()
        if (until := h.resting_until()) is not None and until > now
    ]
    if resting:
        text.append("Resting (shown three times in a row)\n", style="bold")
        for h, until in resting:
            text.append(f"  {h.description} ", style="green")
            text.append(f"until {until.astimezone():%Y-%m-%d}\n", style="dim")
    text.rstrip()
    return text


def drill_summary(session: Session) -> Text:
    """Each item of a drill with ✔ or ✘ and the words that showed it (review uses it too)."""
    text = Text()
    scored = [i for i in session.drill_items if i.hit is not None]
    if scored:
        shown = sum(bool(i.hit) for i in scored)
        text.append(f"Drill: {shown} of {len(scored)} items shown\n", style="bold")
    for item in session.drill_items:
        if item.hit is None:
            text.append(f"· {item.description} (not answered)\n", style="dim")
            continue
        text.append("✔ " if item.hit else "✘ ", style="green" if item.hit else "red")
        text.append(f"{item.description}\n")
        if item.quote is not None:
            when = clock(item.quote.start) or "--:--"
            text.append(f"    {when} “{item.quote.quote}”\n", style="italic cyan")
    text.rstrip()
    return text


class DrillScreen(Screen[None]):
    """Prompt, typed answer, verdict; next item; the summary at the end."""

    DEFAULT_CSS = """
    DrillScreen #drill-body {
        height: 1fr;
        padding: 0 1;
    }
    DrillScreen #drill-step {
        height: auto;
        color: $accent;
        text-style: bold;
        margin-top: 1;
    }
    DrillScreen #drill-prompt {
        height: auto;
        margin: 1 0;
    }
    DrillScreen #drill-results {
        height: auto;
        margin-top: 1;
    }
    """

    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("f5", "talk", "Speak / done", priority=True),
        Binding("ctrl+t", "progress", "Progress", show=True),
    ]

    class Planned(Message):
        def __init__(self, session: Session | None, error: str | None = None) -> None:
            super().__init__()
            self.session = session
            self.error = error

    class Scored(Message):
        def __init__(self, index: int, item: DrillItem | None, error: str | None = None) -> None:
            super().__init__()
            self.index = index
            self.item = item
            self.error = error

    def __init__(self) -> None:
        super().__init__()
        self.session: Session | None = None
        self.current = 0
        """The item being asked (index into the drill's items)."""
        self.talk = PushToTalk()
        self._speaker: ClosableSpeaker | None = None

    @property
    def interviewer_app(self) -> InterviewerApp:
        return cast("InterviewerApp", self.app)

    @property
    def store(self) -> FileSessionStore:
        return FileSessionStore(self.interviewer_app.settings.recordings_dir)

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="drill-body"):
            yield Static(
                "A short drill on the checklist items you miss most, recent misses first. "
                "Each answer is scored on its item alone.",
                id="drill-intro",
            )
            yield Static("Choosing the items…", id="drill-step")
            yield Static("", id="drill-prompt")
            yield Input(placeholder="Type your answer, then Enter", id="drill-answer")
            yield Static("", id="drill-results")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "drill"
        self.query_one(Input).disabled = True
        self.plan()

    @work(thread=True, exclusive=True, exit_on_error=False, group="drill-plan")
    def plan(self) -> None:
        app = self.interviewer_app
        try:
            session = drill_rounds.plan_next(
                self.store, catalog.load_rubrics(), app.settings.round.persona
            )
        except InterviewerError as error:
            fix = f" Fix: {error.fix}" if error.fix else ""
            self.post_message(self.Planned(None, f"{error.message}.{fix}"))
            return
        self.post_message(self.Planned(session))

    def on_drill_screen_planned(self, message: Planned) -> None:
        if message.session is None:
            self.query_one("#drill-step", Static).update(
                Text(message.error or "Nothing to drill.", style="yellow")
            )
            return
        self.session = message.session
        self._ask(0)

    def _ask(self, index: int) -> None:
        assert self.session is not None
        self.current = index
        item = self.session.drill_items[index]
        total = len(self.session.drill_items)
        self.query_one("#drill-step", Static).update(
            f"Item {index + 1} of {total} · practising: {item.description}"
        )
        self.query_one("#drill-prompt", Static).update(Text(item.prompt, style="bold"))
        box = self.query_one(Input)
        box.disabled = False
        box.placeholder = "Type your answer, then Enter (or f5 to speak it)"
        box.focus()
        self.say(item.prompt)

    @work(thread=True, exclusive=True, exit_on_error=False, group="drill-voice")
    def say(self, text: str) -> None:
        """The prompt in the persona's voice (silent when the app has no voice)."""
        app = self.interviewer_app
        try:
            if self._speaker is None:
                self._speaker = app.services.open_speaker(app.persona)
            self._speaker.say(text)
        except InterviewerError:
            return  # the prompt is on screen

    def action_talk(self) -> None:
        box = self.query_one(Input)
        if self.talk.listening:
            self.talk.stop()
            self.query_one("#drill-step", Static).update("Transcribing your answer…")
            return
        if self.session is None or box.disabled:
            return
        if self._speaker is not None:
            self._speaker.stop()
        box.disabled = True
        self.talk.listening = True
        self.query_one("#drill-step", Static).update("Listening… press f5 again when done.")
        self.listen(self.current)

    @work(thread=True, exclusive=True, exit_on_error=False, group="drill-listen")
    def listen(self, index: int) -> None:
        """Record the answer, keep its audio with the drill, and score it."""
        assert self.session is not None
        app = self.interviewer_app
        try:
            rubric = catalog.load_rubrics().get(self.session.rubric_id, "rubric")
            heard = self.talk.record(app.services, rubric.glossary)
            if not heard.text:
                self.post_message(self.Scored(index, None, "heard nothing: speak up, or type"))
                return
            store = self.store
            if index == 0:
                store.claim(self.session.id)
            store.create_dir(self.session.id)
            audio = store.audio_path(self.session.id, len(self.session.turns) + 1, ".flac")
            save_flac(audio, heard.audio)
            item = drill_rounds.answer(
                store,
                self.session,
                index,
                rubric,
                heard.text,
                words=heard.words,
                duration=heard.duration,
                audio_file=audio.name,
                similarity=app.services.load_similarity(),
            )
        except InterviewerError as error:
            self.post_message(self.Scored(index, None, error.message))
            return
        self.post_message(self.Scored(index, item))

    @on(Input.Submitted, "#drill-answer")
    def _submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text or self.session is None:
            return
        event.input.value = ""
        event.input.disabled = True
        self.query_one("#drill-step", Static).update("Scoring your answer…")
        self.score(self.current, text)

    @work(thread=True, exclusive=True, exit_on_error=False, group="drill-score")
    def score(self, index: int, text: str) -> None:
        assert self.session is not None
        app = self.interviewer_app
        try:
            rubric = catalog.load_rubrics().get(self.session.rubric_id, "rubric")
            store = self.store
            if index == 0:
                store.claim(self.session.id)
            item = drill_rounds.answer(
                store,
                self.session,
                index,
                rubric,
                text,
                similarity=app.services.load_similarity(),
            )
        except InterviewerError as error:
            self.post_message(self.Scored(index, None, error.message))
            return
        self.post_message(self.Scored(index, item))

    def on_drill_screen_scored(self, message: Scored) -> None:
        assert self.session is not None
        if message.item is None:
            self.query_one("#drill-step", Static).update(
                Text(f"Could not score that answer: {message.error}", style="red")
            )
            self.query_one(Input).disabled = False
            return
        self.query_one("#drill-results", Static).update(drill_summary(self.session))
        if message.index + 1 < len(self.session.drill_items):
            self._ask(message.index + 1)
            return
        self._finish()

    def _finish(self) -> None:
        assert self.session is not None
        store = self.store
        drill_rounds.finish(store, self.session)
        store.release(self.session.id)
        self.query_one("#drill-step", Static).update(
            f"Done: {self.session.drill_score}% of the items shown. ctrl+t shows progress, "
            "where this drill now counts."
        )
        self.query_one("#drill-prompt", Static).update("")
        self.query_one(Input).display = False

    def action_progress(self) -> None:
        from interviewer.tui.screens.review import ProgressScreen

        self.app.push_screen(ProgressScreen(self.store))

    def on_unmount(self) -> None:
        self.talk.stop()
        if self._speaker is not None:
            self._speaker.close()

    def action_back(self) -> None:
        if self.session is not None and any(i.hit is not None for i in self.session.drill_items):
            # Left half way: what was answered counts; the rest was never asked.
            drill_rounds.finish(self.store, self.session)
            self.store.release(self.session.id)
        self.dismiss(None)
