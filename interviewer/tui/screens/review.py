"""Review of saved rounds: the session list, one round in detail, and progress over time.

Reviewing is where practice turns into improvement, so the detail screen puts the
feedback first (headline score, each criterion's level, the quotes that earned it, what
was missing, three drills, the model-answer outline) and makes every quote a way back
into the recording: selecting it plays that turn's audio from the quoted moment, with
the word being heard lit up. The same screen is the post-round feedback screen.

Blocking work stays off the UI thread: scoring runs in a thread worker that reports back
with a message, and audio plays through a non-blocking ``AudioPlayer`` whose position a
timer polls. Nothing here can crash the app: a broken ``session.json`` is a row marked
broken, missing PortAudio is a line in the player, a failed scoring is a notification.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.widgets import (
    Button,
    DataTable,
    Footer,
    Header,
    Input,
    OptionList,
    Static,
    TabbedContent,
    TabPane,
)
from textual.widgets.option_list import Option

from interviewer import catalog
from interviewer.adapters.audio.playback import AudioPlayer
from interviewer.adapters.store.files import FileSessionStore
from interviewer.core.content import Question, Rubric
from interviewer.core.delivery import REFERENCE_RANGES, DeliveryMetrics
from interviewer.core.ports import SentenceSimilarity
from interviewer.core.progress import (
    SORT_KEYS,
    SessionRow,
    Trend,
    broken_row,
    compare,
    current_word_index,
    filter_rows,
    most_missed,
    session_row,
    sort_rows,
    trends,
)
from interviewer.core.report import (
    clock,
    overall_explained,
    quantities_line,
    render_html,
    render_markdown,
)
from interviewer.core.scoring import Evaluation, EvidenceQuote
from interviewer.core.session import Session, SessionKind, Speaker, Turn
from interviewer.errors import InterviewerError
from interviewer.evaluation import (
    REPORT_HTML,
    REPORT_MD,
    evaluate_and_save,
    load_evaluation,
)
from interviewer.tui.screens.persona_editor import ConfirmScreen
from interviewer.tui.widgets.trend_plot import DRILL_MARK, TrendPlot, sparkline

__all__ = [
    "MakePlayer",
    "ProgressScreen",
    "RubricPickerScreen",
    "SessionDetailScreen",
    "SessionsScreen",
]

MakePlayer = Callable[[], AudioPlayer]
"""Builds the audio player on first use (so a missing PortAudio costs nothing until then)."""

SEEK_SECONDS = 5.0
TICK_SECONDS = 0.1
"""How often the playing word is looked up: fast enough to follow speech (~3 words/s)."""

COLUMNS = ("date", "persona", "rubric", "question", "level", "score", "duration", "status")
_SORT_COLUMN = {"date": 0, "persona": 1, "rubric": 2, "question": 3, "score": 5, "duration": 6}


def _default_player() -> AudioPlayer:
    from interviewer.adapters.audio.playback import SoundDevicePlayer

    return SoundDevicePlayer()


def _length(turn: Turn) -> float:
    """Seconds of the turn's audio (its words' end when the duration was not recorded)."""
    return max(0.0, turn.duration or (turn.words[-1].end if turn.words else 0.0))


def _error_text(error: Exception) -> str:
    if isinstance(error, InterviewerError):
        return error.message + (f" Fix: {error.fix}" if error.fix else "")
    return str(error) or type(error).__name__


# ====================================================================== session list


LoadSimilarity = Callable[[], SentenceSimilarity | None]
"""Loads the sentence encoder (slow the first time: call it in a worker)."""


class SessionsScreen(Screen[None]):
    """Every saved round; Enter opens one, ``t`` shows progress, ``d`` deletes."""

    DEFAULT_CSS = """
    SessionsScreen #sessions-hint {
        height: auto;
        padding: 0 1;
        color: $text-muted;
    }
    SessionsScreen #sessions-filter {
        margin: 0 1;
    }
    SessionsScreen #sessions-table {
        height: 1fr;
    }
    SessionsScreen #sessions-notes {
        height: auto;
        max-height: 4;
        padding: 0 1;
        color: $warning;
    }
    """

    BINDINGS = [
        Binding("enter", "open", "Open"),
        Binding("s", "cycle_sort", "Sort"),
        Binding("r", "reverse_sort", "Reverse"),
        Binding("slash", "focus_filter", "Filter"),
        Binding("t", "progress", "Progress"),
        Binding("d", "delete", "Delete"),
        Binding("m", "mark", "Mark to compare"),
        Binding("c", "compare", "Compare with marked"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(
        self,
        store: FileSessionStore,
        *,
        open_session: str | None = None,
        make_player: MakePlayer | None = None,
        load_similarity: LoadSimilarity | None = None,
    ) -> None:
        """``open_session``: an id or unique id prefix whose detail opens at once.
        ``load_similarity``: the sentence encoder re-scoring uses (None: phrases only)."""
        super().__init__()
        self.store = store
        self.open_session = open_session
        self.make_player = make_player
        self.load_similarity = load_similarity
        self.rows: list[SessionRow] = []
        """Every session in the store, broken ones included."""
        self.shown: list[SessionRow] = []
        """The rows in the table: filtered and sorted."""
        self.sort_key = "date"
        self.descending = True
        self.filter_text = ""
        self.marked: str | None = None
        """The session marked with ``m``; ``c`` compares the selected one with it."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(
            f"Sessions in {self.store.root}. Enter opens, / filters, s sorts, m then c compares, t "
            "shows progress, d deletes.",
            id="sessions-hint",
        )
        yield Input(placeholder="filter: words from any column", id="sessions-filter")
        yield DataTable(id="sessions-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="sessions-notes")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "recordings"
        # A round killed mid-way shows as interrupted (its audio repaired), not as running.
        self.store.recover_interrupted()
        self.reload()
        self.query_one(DataTable).focus()
        if self.open_session:
            self.call_later(self._open_initial, self.open_session)

    def _open_initial(self, wanted: str) -> None:
        try:
            session_id = self.store.resolve_id(wanted)
        except InterviewerError as error:
            self.notify(_error_text(error), severity="error", timeout=10, markup=False)
            return
        self.open_detail(session_id)

    # ------------------------------------------------------------------ data

    def reload(self, select: str | None = None) -> None:
        """Re-read every session (a broken one becomes a row, never an exception)."""
        current = select or self.selected_id()
        rows: list[SessionRow] = []
        for session_id in self.store.list_ids():
            try:
                session = self.store.load(session_id)
            except InterviewerError as error:
                rows.append(broken_row(session_id, error.message))
                continue
            rows.append(session_row(session, load_evaluation(self.store, session_id)))
        self.rows = rows
        self._fill(current)

    def _fill(self, select: str | None = None) -> None:
        table: DataTable[str | Text] = self.query_one(DataTable)
        self.shown = sort_rows(
            filter_rows(self.rows, self.filter_text), self.sort_key, descending=self.descending
        )
        table.clear(columns=True)
        arrow = " ▼" if self.descending else " ▲"
        sorted_column = _SORT_COLUMN.get(self.sort_key)
        for index, name in enumerate(COLUMNS):
            table.add_column(name + (arrow if index == sorted_column else ""), key=name)
        for row in self.shown:
            cells: list[str | Text] = list(row.cells())
            if row.broken:
                cells = [Text(str(c), style="red") for c in cells]
            table.add_row(*cells, key=row.id)
        if select is not None and any(r.id == select for r in self.shown):
            table.move_cursor(row=table.get_row_index(select))
        broken = sum(r.broken for r in self.rows)
        notes: list[str] = []
        if not self.rows:
            notes.append(
                "No sessions yet. Run a practice round, or `interviewer simulate` a headless one."
            )
        elif not self.shown:
            notes.append(f"No session matches '{self.filter_text}'.")
        if broken:
            notes.append(
                f"{broken} session(s) could not be read and are listed as broken; open one "
                "to see why. Their audio files are kept."
            )
        self.query_one("#sessions-notes", Static).update("\n".join(notes))

    def selected_id(self) -> str | None:
        table: DataTable[str | Text] = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return row_key.value

    def selected_row(self) -> SessionRow | None:
        wanted = self.selected_id()
        return next((r for r in self.shown if r.id == wanted), None)

    # ------------------------------------------------------------------ events

    @on(Input.Changed, "#sessions-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value
        self._fill()

    @on(Input.Submitted, "#sessions-filter")
    def _filter_done(self) -> None:
        self.query_one(DataTable).focus()

    @on(DataTable.RowSelected)
    def _row_selected(self) -> None:
        self.action_open()

    # ------------------------------------------------------------------ actions

    def action_open(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        if row.broken:
            self.notify(
                f"{row.error}. It cannot be opened; its folder is {self.store.root / row.id}.",
                severity="error",
                timeout=10,
            )
            return
        self.open_detail(row.id)

    def open_detail(self, session_id: str) -> None:
        def back(_: None) -> None:
            self.reload(select=session_id)

        detail = SessionDetailScreen(
            self.store,
            session_id,
            make_player=self.make_player,
            load_similarity=self.load_similarity,
        )
        self.app.push_screen(detail, back)

    def action_cycle_sort(self) -> None:
        position = SORT_KEYS.index(self.sort_key)
        self.sort_key = SORT_KEYS[(position + 1) % len(SORT_KEYS)]
        self._fill(self.selected_id())
        self.notify(f"Sorted by {self.sort_key}", timeout=2)

    def action_reverse_sort(self) -> None:
        self.descending = not self.descending
        self._fill(self.selected_id())

    def action_focus_filter(self) -> None:
        self.query_one("#sessions-filter", Input).focus()

    def action_progress(self) -> None:
        self.app.push_screen(ProgressScreen(self.store))

    def action_delete(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        question = (
            f"Delete session {row.id}?\nIts audio, transcript and scores are removed for "
            "good; this cannot be undone."
        )

        def delete(confirmed: bool | None) -> None:
            if not confirmed:
                return
            try:
                self.store.delete(row.id)
            except InterviewerError as error:
                self.notify(_error_text(error), severity="error", timeout=10, markup=False)
                return
            self.notify(f"Deleted {row.id}.")
            self.reload()

        self.app.push_screen(ConfirmScreen(question, yes="Delete", no="Keep"), delete)

    def action_mark(self) -> None:
        row = self.selected_row()
        if row is None or row.broken:
            return
        self.marked = row.id
        self.notify(f"Marked {row.id}: select another round and press c to compare.")

    def action_compare(self) -> None:
        row = self.selected_row()
        if self.marked is None:
            self.notify("Mark a round with m first, then select another and press c.")
            return
        if row is None or row.id == self.marked:
            self.notify("Select a different round to compare with the marked one.")
            return
        first, second = sorted([self.marked, row.id])  # ids start with the date
        evaluations = [load_evaluation(self.store, i) for i in (first, second)]
        if evaluations[0] is None or evaluations[1] is None:
            self.notify("Both rounds must be scored: open one and press s.", severity="warning")
            return
        self.app.push_screen(CompareScreen(first, evaluations[0], second, evaluations[1]))

    def action_back(self) -> None:
        if self.focused is self.query_one("#sessions-filter", Input):
            self.query_one(DataTable).focus()
            return
        self.dismiss(None)


# ====================================================================== rubric picker


class RubricPickerScreen(ModalScreen[str | None]):
    """Choose the rubric to (re)score with; dismisses with its id, or None."""

    DEFAULT_CSS = """
    RubricPickerScreen {
        align: center middle;
        background: $background 60%;
    }
    RubricPickerScreen > Vertical {
        width: 70;
        max-width: 95%;
        height: auto;
        max-height: 80%;
        padding: 1 2;
        border: thick $primary;
        background: $surface;
    }
    RubricPickerScreen OptionList {
        height: auto;
        max-height: 16;
    }
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, rubrics: dict[str, Rubric], current: str) -> None:
        super().__init__()
        self.rubrics = rubrics
        self.current = current

    def compose(self) -> ComposeResult:
        ordered = sorted(self.rubrics.values(), key=lambda r: (r.id != self.current, r.id))
        options = [
            Option(
                f"{r.title} ({r.id})"
                + ("  · this session's rubric" if r.id == self.current else ""),
                id=r.id,
            )
            for r in ordered
        ]
        with Vertical():
            yield Static("Score this round with which rubric? (Enter chooses, Esc cancels)")
            yield OptionList(*options, id="rubric-options")

    @on(OptionList.OptionSelected, "#rubric-options")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


# ====================================================================== one session


class SessionDetailScreen(Screen[None]):
    """One round: feedback with evidence, every turn replayable, delivery figures."""

    DEFAULT_CSS = """
    SessionDetailScreen #headline {
        height: auto;
        padding: 0 1;
        background: $boost;
    }
    SessionDetailScreen #score-state {
        height: auto;
        padding: 0 1;
        color: $warning;
        text-style: bold;
    }
    SessionDetailScreen TabbedContent {
        height: 1fr;
    }
    SessionDetailScreen #feedback {
        height: 1fr;
        padding: 0 1;
    }
    SessionDetailScreen .section {
        height: auto;
        margin-top: 1;
    }
    SessionDetailScreen .section-title {
        height: auto;
        margin-top: 1;
        text-style: bold;
        color: $accent;
    }
    SessionDetailScreen #levels {
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    SessionDetailScreen #evidence {
        height: auto;
        max-height: 12;
    }
    SessionDetailScreen #score-now {
        margin-top: 1;
    }
    SessionDetailScreen #turns-pane {
        height: 1fr;
    }
    SessionDetailScreen #turns {
        width: 40%;
        height: 1fr;
    }
    SessionDetailScreen #player {
        width: 1fr;
        height: 1fr;
        padding: 0 1;
    }
    SessionDetailScreen #player-status {
        height: auto;
        color: $text-muted;
    }
    SessionDetailScreen #transcript-scroll {
        height: 1fr;
    }
    SessionDetailScreen #delivery {
        height: auto;
        padding: 0 1;
    }
    """

    BINDINGS = [
        Binding("space", "play_pause", "Play/pause", priority=True),
        Binding("left", "seek(-5)", "−5 s", priority=True),
        Binding("right", "seek(5)", "+5 s", priority=True),
        Binding("s", "score", "Score"),
        Binding("b", "debrief", "Debrief"),
        Binding("x", "export", "Export"),
        Binding("escape", "back", "Back"),
    ]

    class Scored(Message):
        """Posted (from the scoring worker) when a new evaluation has been saved."""

        def __init__(self, evaluation: Evaluation) -> None:
            super().__init__()
            self.evaluation = evaluation

    class ScoringFailed(Message):
        """Posted (from the scoring worker) when scoring raised; ``reason`` is for people."""

        def __init__(self, reason: str) -> None:
            super().__init__()
            self.reason = reason

    def __init__(
        self,
        store: FileSessionStore,
        session_id: str,
        *,
        make_player: MakePlayer | None = None,
        load_similarity: LoadSimilarity | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.session_id = session_id
        self.make_player = make_player or _default_player
        self.load_similarity = load_similarity
        """The sentence encoder scoring finds evidence by meaning with; None: phrases only."""
        self.session: Session | None = None
        self.load_error: str | None = None
        self.evaluation: Evaluation | None = None
        self.rubrics: dict[str, Rubric] = {}
        self.scoring: str | None = None
        """The rubric id being scored with right now, else None."""
        self.player: AudioPlayer | None = None
        self.player_error: str | None = None
        self.selected_turn: int | None = None
        """Index (``Turn.index``) of the turn highlighted in the turn list."""
        self.playing_turn: int | None = None
        """The turn whose audio the player holds (playing or paused)."""
        self.resume_at = 0.0
        """Where play starts for the selected turn when the player is not running."""
        self.current_word: int | None = None
        """Index into the playing turn's words of the word being heard."""
        self._ticker: Timer | None = None
        self.evidence_options: dict[str, EvidenceQuote] = {}
        """The evidence list's option ids and the quote each one plays."""

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="headline")
        yield Static(id="score-state")
        with TabbedContent(initial="tab-feedback"):
            with TabPane("Feedback", id="tab-feedback"), VerticalScroll(id="feedback"):
                yield Static(id="levels")
                yield Button("Score now (s)", id="score-now", variant="primary")
                yield Static("Evidence · Enter plays that moment", classes="section-title")
                yield OptionList(id="evidence")
                yield Static(id="missing", classes="section")
                yield Static(id="drills", classes="section")
                yield Static(id="model-answer", classes="section")
                yield Static(id="notes", classes="section")
            with TabPane("Turns & audio", id="tab-turns"), Horizontal(id="turns-pane"):
                yield OptionList(id="turns")
                with Vertical(id="player"):
                    yield Static(id="player-status")
                    with VerticalScroll(id="transcript-scroll"):
                        yield Static(id="transcript")
            with TabPane("Delivery", id="tab-delivery"), VerticalScroll():
                yield Static(id="delivery")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"session {self.session_id}"
        self._ticker = self.set_interval(TICK_SECONDS, self._tick, pause=True)
        self.rubrics = dict(catalog.load_rubrics().items)
        try:
            self.session = self.store.load(self.session_id)
        except InterviewerError as error:
            self.load_error = _error_text(error)
        self.evaluation = load_evaluation(self.store, self.session_id) if self.session else None
        self._show_turns()
        self._show_evaluation()
        first = self.query_one("#evidence" if self.evidence_options else "#turns", OptionList)
        first.focus(scroll_visible=False)  # the headline and levels stay in view

    def on_unmount(self) -> None:
        if self.player is not None:
            self.player.stop()

    # ------------------------------------------------------------------ feedback

    def _rubric_question(self) -> tuple[Rubric | None, Question | None]:
        rubric_id = self.evaluation.rubric if self.evaluation else None
        rubric = self.rubrics.get(rubric_id or "")
        question_id = self.evaluation.question if self.evaluation else None
        question = (
            next((q for q in rubric.questions if q.id == question_id), None) if rubric else None
        )
        return rubric, question

    def _show_evaluation(self) -> None:
        headline = self.query_one("#headline", Static)
        levels = self.query_one("#levels", Static)
        score_now = self.query_one("#score-now", Button)
        evidence = self.query_one("#evidence", OptionList)
        evidence.clear_options()
        self.evidence_options = {}
        for name in ("missing", "drills", "model-answer", "notes"):
            self.query_one(f"#{name}", Static).update("")
        session = self.session
        if session is None:
            headline.update(Text(f"Cannot open {self.session_id}", style="bold red"))
            levels.update(self.load_error or "")
            score_now.display = False
            return
        if session.kind is SessionKind.DRILL:
            from interviewer.tui.screens.drill import drill_summary

            headline.update(Text(f"Drill · {session.created_at.astimezone():%Y-%m-%d %H:%M}"))
            levels.update(drill_summary(session))
            score_now.display = False
            return
        _, question = self._rubric_question()
        evaluation = self.evaluation
        facts = (
            f"{question.title if question else session.question_id} · "
            f"{evaluation.rubric if evaluation else session.rubric_id} · "
            f"{session.level.value} · {len(session.candidate_turns())} answers · "
            f"{clock(session.duration)} · {session.created_at.astimezone():%Y-%m-%d %H:%M}"
        )
        if evaluation is None:
            headline.update(Text.assemble(("Not scored yet", "bold"), "   ", (facts, "dim")))
            levels.update(
                f"This round has no evaluation. Press s to score it with "
                f"'{session.rubric_id}' (or pick another rubric)."
            )
            score_now.display = True
            self._show_delivery(None)
            return
        score_now.display = False
        colour = (
            "green" if evaluation.overall >= 67 else "yellow" if evaluation.overall >= 34 else "red"
        )
        headline.update(
            Text.assemble(
                (f" {evaluation.overall}/100 ", f"bold reverse {colour}"),
                "  ",
                (f"target: level {evaluation.target_level}/4 on each criterion", "bold"),
                "\n",
                (facts, "dim"),
            )
        )
        levels.update(self._levels_text(evaluation))
        for c_index, criterion in enumerate(evaluation.criteria):
            for q_index, quote in enumerate(criterion.evidence):
                option_id = f"ev-{c_index}-{q_index}"
                self.evidence_options[option_id] = quote
                when = clock(quote.start) if quote.start is not None else "--:--"
                prompt = Text.assemble(
                    (f"{when} ", "bold cyan"),
                    (criterion.title, "bold"),
                    (f" · {quote.item}\n", "dim"),
                    (f"      “{quote.quote}”", "italic"),
                )
                evidence.add_option(Option(prompt, id=option_id))
        if not self.evidence_options:
            evidence.add_option(Option("No evidence found for any criterion.", disabled=True))
        missing = Text()
        for criterion in evaluation.criteria:
            if criterion.missing_descriptions:
                missing.append(f"{criterion.title}\n", style="bold")
                for description in criterion.missing_descriptions:
                    missing.append(f"  ✘ {description}\n", style="red")
        self._section("missing", "What was missing for your level", missing)
        drills = Text("".join(f"{n}. {d}\n" for n, d in enumerate(evaluation.drills, 1)))
        self._section("drills", "Three drills for next time", drills)
        if evaluation.outline:
            outline = Text(overall_explained(evaluation) + "\n", style="dim")
            if numbers := quantities_line(evaluation):
                outline.append(numbers + "\n", style="dim")
            for point in evaluation.outline:
                mark = "✔" if point.credit >= 1 else ("◐" if point.credit > 0 else "✘")
                outline.append(f"{mark} {point.point}\n")
                if point.quote:
                    when = clock(point.start) if point.start is not None else "--:--"
                    outline.append(f"    {when} “{point.quote}”\n", style="italic cyan")
            self._section("model-answer", "Model answer outline, and how close you came", outline)
        elif question and question.model_answer:
            outline = Text("".join(f"• {point}\n" for point in question.model_answer))
            self._section("model-answer", "Model answer outline", outline)
        notes = [*evaluation.notes]
        notes += [f"{'✔' if s.shown else '✘'} {s.name}: {s.detail}" for s in evaluation.signals]
        self._section("notes", "Signals interviewers look for", Text("\n".join(notes)))
        self._show_delivery(evaluation.delivery)

    def _section(self, widget_id: str, title: str, body: Text) -> None:
        if not body.plain.strip():
            self.query_one(f"#{widget_id}", Static).update("")
            return
        text = Text(title + "\n", style="bold")
        text.append_text(body)
        text.rstrip()
        self.query_one(f"#{widget_id}", Static).update(text)

    @staticmethod
    def _levels_text(evaluation: Evaluation) -> Text:
        # One line per criterion (the anchor is cut to fit) so all of them show at once.
        text = Text(no_wrap=True, overflow="ellipsis")
        width = max((len(c.title) for c in evaluation.criteria), default=10)
        for criterion in evaluation.criteria:
            text.append(criterion.title.ljust(width + 2))
            if not criterion.assessed:
                text.append("░" * 16 + " –/4 ", style="dim")
                text.append("not assessed ".ljust(13), style="dim")
                text.append(f"{criterion.anchor}\n", style="dim")
                continue
            met = criterion.level >= evaluation.target_level
            bar = "█" * (criterion.level * 4) + "░" * ((4 - criterion.level) * 4)
            text.append(bar, style="green" if met else "yellow")
            text.append(f" {criterion.level}/4 ", style="bold")
            verdict = "✔ at target" if met else "below target"
            text.append(verdict.ljust(13), style="green" if met else "yellow")
            text.append(f"{criterion.anchor}\n", style="dim")
        text.rstrip()
        return text

    def _show_delivery(self, delivery: DeliveryMetrics | None) -> None:
        shown = self.query_one("#delivery", Static)
        if delivery is None:
            shown.update(
                "No word timings (a typed answer, or not scored yet): no delivery figures."
            )
            return
        labels = {
            "words_per_minute": ("words per minute", ""),
            "fillers_per_minute": ("filler words per minute", ""),
            "long_pauses_per_minute": ("long pauses per minute", ""),
            "longest_pause": ("longest pause", " s"),
            "talk_time_share": ("your share of talk time", ""),
            "mean_time_to_first_word": ("time to first word", " s"),
            "longest_answer": ("longest answer", " s"),
        }
        text = Text()
        for name, (label, unit) in labels.items():
            value = getattr(delivery, name)
            if value is None:
                continue
            low, high = REFERENCE_RANGES[name]
            ok = delivery.in_range(name)
            text.append(f"{label:<28}{value:>8g}{unit:<3}", style="bold")
            text.append(f"  reference {low:g}–{high:g}{unit}  ", style="dim")
            text.append(
                "ok\n" if ok else ("low\n" if value < low else "high\n"),
                style="green" if ok else "yellow",
            )
        if delivery.filler_counts:
            heard = ", ".join(f"{k} ×{v}" for k, v in delivery.filler_counts.items())
            text.append(f"fillers heard: {heard}")
        text.rstrip()
        shown.update(text)

    # ------------------------------------------------------------------ turns

    def _show_turns(self) -> None:
        turns = self.query_one("#turns", OptionList)
        turns.clear_options()
        if self.session is None:
            return
        for turn in self.session.turns:
            who = "You" if turn.speaker is Speaker.CANDIDATE else "Interviewer"
            audio = " ♪" if turn.audio_file else ""
            text = turn.text or (turn.note or "")
            prompt = Text.assemble(
                (f"{clock(turn.started_at)} ", "cyan"),
                (f"{who}{audio}: ", "bold"),
                text if len(text) <= 70 else text[:69] + "…",
            )
            turns.add_option(Option(prompt, id=f"turn-{turn.index}"))
        first = next((t for t in self.session.turns if t.audio_file), None)
        if first is not None:
            self._select_turn(first.index)
        elif self.session.turns:
            self._select_turn(self.session.turns[0].index)

    def turn(self, index: int | None) -> Turn | None:
        if self.session is None or index is None:
            return None
        return next((t for t in self.session.turns if t.index == index), None)

    def _select_turn(self, index: int) -> None:
        turns = self.query_one("#turns", OptionList)
        option_index = turns.get_option_index(f"turn-{index}")
        if turns.highlighted != option_index:
            turns.highlighted = option_index
        if self.selected_turn != index:
            self.selected_turn = index
            if self.playing_turn != index:
                self.resume_at = 0.0
        self._render_transcript()

    @on(OptionList.OptionHighlighted, "#turns")
    def _turn_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id:
            self._select_turn(int(event.option.id.removeprefix("turn-")))

    @on(OptionList.OptionSelected, "#turns")
    def _turn_chosen(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            index = int(event.option.id.removeprefix("turn-"))
            self._select_turn(index)
            self.play_turn(index, self.resume_at if self.playing_turn == index else 0.0)

    @on(OptionList.OptionSelected, "#evidence")
    def _evidence_chosen(self, event: OptionList.OptionSelected) -> None:
        quote = self.evidence_options.get(event.option.id or "")
        if quote is not None:
            self.jump_to(quote)

    def jump_to(self, quote: EvidenceQuote) -> None:
        """Play the quote's turn from the quoted moment (round time minus turn offset)."""
        turn = self.turn(quote.turn_index)
        if turn is None:
            self.notify("This quote has no turn to play (a typed answer).", severity="warning")
            return
        offset = max(0.0, (quote.start or turn.started_at) - turn.started_at)
        self.query_one(TabbedContent).active = "tab-turns"
        self._select_turn(turn.index)
        self.play_turn(turn.index, offset)

    # ------------------------------------------------------------------ playback

    def _audio_path(self, turn: Turn) -> Path | None:
        if not turn.audio_file:
            return None
        path = self.store.session_dir(self.session_id) / turn.audio_file
        return path if path.is_file() else None

    def _ensure_player(self) -> AudioPlayer | None:
        if self.player is None and self.player_error is None:
            try:
                self.player = self.make_player()
            except Exception as error:  # PortAudio missing, no device: say so, keep going
                self.player_error = _error_text(error)
        return self.player

    def play_turn(self, index: int, start_seconds: float = 0.0) -> None:
        turn = self.turn(index)
        if turn is None:
            return
        path = self._audio_path(turn)
        if path is None:
            reason = "was not recorded" if not turn.audio_file else f"{turn.audio_file} is missing"
            self._status(f"No audio for this turn: it {reason}. The transcript is below.")
            return
        player = self._ensure_player()
        if player is None:
            self._status(f"Cannot play audio: {self.player_error}")
            return
        try:
            player.play(path, max(0.0, start_seconds))
        except Exception as error:  # a damaged file or a device that vanished
            self._status(f"Cannot play audio: {_error_text(error)}")
            return
        self.playing_turn = index
        self.resume_at = max(0.0, start_seconds)
        if self._ticker is not None:
            self._ticker.resume()
        self._tick()

    def action_play_pause(self) -> None:
        player = self.player
        if player is not None and player.playing:
            self.resume_at = player.position
            player.pause()
            self._tick()
            return
        if self.selected_turn is None:
            return
        start = self.resume_at if self.playing_turn == self.selected_turn else 0.0
        self.play_turn(self.selected_turn, start)

    def action_seek(self, delta: float) -> None:
        turn = self.turn(self.playing_turn if self.playing_turn is not None else self.selected_turn)
        if turn is None:
            return
        player = self.player
        running = player is not None and player.playing and self.playing_turn == turn.index
        here = player.position if running and player is not None else self.resume_at
        target = min(max(0.0, here + delta), _length(turn))
        if running:
            self.play_turn(turn.index, target)
        else:
            self.resume_at = target
            self.playing_turn = turn.index
            self._show_position(target, playing=False)

    def _tick(self) -> None:
        """Follow the player: light the word being heard; notice when the audio ends."""
        player = self.player
        turn = self.turn(self.playing_turn)
        if player is None or turn is None:
            return
        if player.playing:
            self.resume_at = player.position
            self._show_position(self.resume_at, playing=True)
            return
        if self._ticker is not None:
            self._ticker.pause()
        if player.position >= _length(turn) - 0.05:
            self.resume_at = 0.0  # ran to the end: space starts it again from the top
            self._show_position(player.position, playing=False, finished=True)
        else:
            self._show_position(self.resume_at, playing=False)

    def _show_position(self, position: float, *, playing: bool, finished: bool = False) -> None:
        turn = self.turn(self.playing_turn)
        if turn is None:
            return
        word = current_word_index(turn.words, position)
        if word != self.current_word:
            self.current_word = word
            self._render_transcript()
        state = "▶ playing" if playing else ("■ finished" if finished else "⏸ paused")
        self._status(
            f"{state} turn {turn.index} · {clock(position)} / {clock(_length(turn))}   "
            "space play/pause · ←/→ 5 s"
        )

    def _status(self, message: str) -> None:
        self.query_one("#player-status", Static).update(message)

    def _render_transcript(self) -> None:
        turn = self.turn(self.selected_turn)
        shown = self.query_one("#transcript", Static)
        if turn is None:
            shown.update("")
            return
        who = "You" if turn.speaker is Speaker.CANDIDATE else "Interviewer"
        text = Text(f"{who}, at {clock(turn.started_at)}\n", style="bold")
        if turn.note:
            text.append(f"({turn.note})\n", style="dim")
        lit = self.current_word if self.playing_turn == turn.index else None
        if turn.words:
            for position, word in enumerate(turn.words):
                style = "bold reverse yellow" if position == lit else ""
                text.append(word.word.strip(), style=style)
                text.append(" ")
        else:
            text.append(turn.text)
        shown.update(text)
        if self.player_error and turn.audio_file:
            self._status(f"Cannot play audio: {self.player_error}")
        elif self.playing_turn != turn.index:
            hint = "Enter or space plays this turn" if turn.audio_file else "no audio recorded"
            self._status(hint)

    # ------------------------------------------------------------------ scoring

    @on(Button.Pressed, "#score-now")
    def _score_pressed(self) -> None:
        self.action_score()

    def action_score(self) -> None:
        if self.session is None:
            self.notify("This session cannot be read, so it cannot be scored.", severity="error")
            return
        if self.scoring is not None:
            self.notify(f"Already scoring with {self.scoring}…", severity="warning")
            return
        if self.session.kind is SessionKind.DRILL:
            self.notify("A drill is scored item by item as it is answered.", severity="warning")
            return
        if not self.rubrics:
            self.notify("No rubrics found: check `interviewer rubrics check`.", severity="error")
            return
        current = self.evaluation.rubric if self.evaluation else self.session.rubric_id

        def chosen(rubric_id: str | None) -> None:
            if rubric_id is not None:
                self.rescore(rubric_id)

        self.app.push_screen(RubricPickerScreen(self.rubrics, current), chosen)

    def rescore(self, rubric_id: str) -> None:
        """Score again with ``rubric_id`` in a worker; the result arrives as ``Scored``."""
        rubric = self.rubrics.get(rubric_id)
        if rubric is None or self.scoring is not None:
            return
        self.scoring = rubric_id
        self.query_one("#score-state", Static).update(f"⏳ scoring with {rubric.title}…")
        self._score(rubric)

    def score_with(self, rubric: Rubric) -> Evaluation:
        """Score and save (blocking; runs in the worker). A seam for slower scorers."""
        similarity = self.load_similarity() if self.load_similarity else None
        return evaluate_and_save(self.store, self.session_id, rubric, similarity=similarity)

    @work(thread=True, exclusive=True, group="rescore", exit_on_error=False)
    def _score(self, rubric: Rubric) -> None:
        try:
            evaluation = self.score_with(rubric)
        except Exception as error:  # scoring must never take the review down
            self.post_message(self.ScoringFailed(_error_text(error)))
            return
        self.post_message(self.Scored(evaluation))

    @on(Scored)
    def _scored(self, message: Scored) -> None:
        self.scoring = None
        self.evaluation = message.evaluation
        self.query_one("#score-state", Static).update("")
        self._show_evaluation()
        self.notify(
            f"Scored {message.evaluation.overall}/100 with {message.evaluation.rubric}; "
            "saved evaluation.json and the reports."
        )

    @on(ScoringFailed)
    def _scoring_failed(self, message: ScoringFailed) -> None:
        self.scoring = None
        self.query_one("#score-state", Static).update("")
        self.notify(f"Scoring failed: {message.reason}", severity="error", timeout=10, markup=False)

    # ------------------------------------------------------------------ export, back

    def action_debrief(self) -> None:
        """Ask the interviewer about this round (tui/screens/debrief.py)."""
        from interviewer.tui.screens.debrief import DebriefScreen

        if self.session is not None and self.session.kind is SessionKind.DRILL:
            self.notify("A drill has no debrief: its result is per item.", severity="warning")
            return
        if self.player is not None:
            self.player.stop()
        self.app.push_screen(
            DebriefScreen(self.store, self.session_id, make_player=self.make_player)
        )

    def action_export(self) -> None:
        if self.session is None or self.evaluation is None:
            self.notify("Not scored yet: press s to score first.", severity="warning")
            return
        rubric, _ = self._rubric_question()
        try:
            md = self.store.write_artifact(
                self.session_id, REPORT_MD, render_markdown(self.evaluation, self.session, rubric)
            )
            html = self.store.write_artifact(
                self.session_id, REPORT_HTML, render_html(self.evaluation, self.session, rubric)
            )
        except InterviewerError as error:
            self.notify(
                f"Could not export: {_error_text(error)}",
                severity="error",
                timeout=10,
                markup=False,
            )
            return
        self.notify(f"Report saved: {md} and {html.name}", title="Exported", timeout=10)

    def action_back(self) -> None:
        if self.player is not None:
            self.player.stop()
        self.dismiss(None)


# ====================================================================== compare


class CompareScreen(Screen[None]):
    """Two scored rounds side by side: levels per criterion, what was gained and lost."""

    DEFAULT_CSS = """
    CompareScreen #compare-head { height: auto; padding: 0 1; }
    CompareScreen #compare-table { height: auto; max-height: 12; }
    CompareScreen #compare-items { height: 1fr; padding: 0 1; }
    """

    BINDINGS = [Binding("escape", "back", "Back")]

    def __init__(
        self, before_id: str, before: Evaluation, after_id: str, after: Evaluation
    ) -> None:
        super().__init__()
        self.before_id, self.before = before_id, before
        self.after_id, self.after = after_id, after
        self.changes = compare(before, after)

    def compose(self) -> ComposeResult:
        yield Header()
        delta = self.after.overall - self.before.overall
        yield Static(
            f"[b]{self.before.overall} → {self.after.overall}/100[/b] ({delta:+d})   "
            f"{self.before_id}  →  {self.after_id}",
            id="compare-head",
        )
        yield DataTable(id="compare-table", cursor_type="row")
        with VerticalScroll(id="compare-items"):
            yield Static(self._items_text())
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "compare rounds"
        table: DataTable[str | Text] = self.query_one(DataTable)
        table.add_columns("criterion", "before", "after", "change")
        for change in self.changes:
            delta = change.delta
            style = "green" if delta and delta > 0 else "red" if delta and delta < 0 else ""
            table.add_row(
                change.title,
                "—" if change.before is None else f"{change.before}/4",
                "—" if change.after is None else f"{change.after}/4",
                Text("—" if delta is None else f"{delta:+d}", style=style),
            )

    def _items_text(self) -> Text:
        text = Text()
        for change in self.changes:
            for item in change.gained:
                text.append("+ ", style="green bold")
                text.append(f"{item} ({change.title})\n")
            for item in change.lost:
                text.append("− ", style="red bold")
                text.append(f"{item} ({change.title})\n")
        if not text.plain:
            text.append("The same checklist items were evidenced in both rounds.")
        return text

    def action_back(self) -> None:
        self.dismiss(None)


# ====================================================================== progress


class ProgressScreen(Screen[None]):
    """Overall and per-criterion trends across scored rounds, and what keeps missing."""

    DEFAULT_CSS = """
    ProgressScreen #progress-body {
        height: 1fr;
        padding: 0 1;
    }
    ProgressScreen #overall-plot {
        height: 9;
        margin-bottom: 1;
    }
    ProgressScreen .section {
        height: auto;
        margin-bottom: 1;
    }
    """

    BINDINGS = [Binding("escape", "back", "Back")]

    def __init__(self, store: FileSessionStore) -> None:
        super().__init__()
        self.store = store
        self.scored: list[tuple[Session, Evaluation]] = []
        self.drills: list[Session] = []

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="progress-body"):
            yield Static(id="progress-summary", classes="section")
            yield TrendPlot(
                title=f"Overall score per round (0-100) · {DRILL_MARK} a drill: its items shown",
                id="overall-plot",
            )
            yield Static(id="criteria-trends", classes="section")
            yield Static(id="most-missed", classes="section")
            yield Static(id="next-drill", classes="section")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "progress"
        for session_id in self.store.list_ids():
            try:
                session = self.store.load(session_id)
            except InterviewerError:
                continue  # listed as broken on the sessions screen
            if session.kind is SessionKind.DRILL:
                self.drills.append(session)
                continue
            evaluation = load_evaluation(self.store, session_id)
            if evaluation is not None:
                self.scored.append((session, evaluation))
        series = trends(self.scored, self.drills)
        overall = series[0]
        summary = self.query_one("#progress-summary", Static)
        if not overall.points:
            summary.update(
                "No scored rounds yet. Score a round (s on its detail) to start a trend."
            )
        else:
            full = Trend(overall.id, overall.title, [p for p in overall.points if not p.drill])
            change = full.change
            trend = "" if change is None else f", {change:+d} since the first"
            latest = f": latest {full.points[-1].value}/100{trend}." if full.points else "."
            summary.update(
                Text.assemble(
                    (f"{len(full.points)} scored round(s), {len(self.drills)} drill(s)", "bold"),
                    latest + ("" if change is not None else " Score another round to see a trend."),
                )
            )
        plot = self.query_one(TrendPlot)
        plot.values = tuple(float(v) for v in overall.values)
        plot.marked = tuple(p.drill for p in overall.points)
        rows = Text("Per criterion (oldest → newest, level 1-4)\n", style="bold")
        width = max((len(t.title) for t in series[1:]), default=10)
        for trend_ in series[1:]:
            levels = [p.level or 0 for p in trend_.points]
            rows.append(trend_.title.ljust(width + 2))
            rows.append(sparkline(trend_.values).ljust(12), style="cyan")
            rows.append(f" {' → '.join(str(level) for level in levels[-6:])}\n", style="dim")
        rows.rstrip()
        self.query_one("#criteria-trends", Static).update(rows if len(series) > 1 else "")
        missed = most_missed((e for _, e in self.scored), drills=self.drills)
        text = Text("Checklist items most often missed\n", style="bold")
        for item in missed:
            text.append(f"{item.count}/{item.sessions} ", style="bold red")
            text.append(f"{item.description} ", style="")
            text.append(f"({item.criterion})\n", style="dim")
        text.rstrip()
        self.query_one("#most-missed", Static).update(text if missed else "")
        from interviewer.tui.screens.drill import next_drill_text

        self.query_one("#next-drill", Static).update(next_drill_text(self.scored, self.drills))

    def action_back(self) -> None:
        self.dismiss(None)
