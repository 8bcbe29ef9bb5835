"""Review screens, driven through a tiny host app and once through the real factory.

Sessions are copies of the shipped sample (real Whisper words, real evidence), so every
check is against what a user would see on the sample; audio goes to a fake player that
implements the ``AudioPlayer`` port and whose position the test moves by hand.
"""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Button, DataTable, Input, OptionList, Static, TabbedContent

from interviewer import locations
from interviewer.adapters.audio.playback import AudioPlayer
from interviewer.adapters.store.files import FileSessionStore
from interviewer.core.content import Rubric
from interviewer.core.ports import Samples
from interviewer.core.scoring import Evaluation
from interviewer.core.session import Session
from interviewer.errors import BackendUnavailable
from interviewer.evaluation import load_evaluation
from interviewer.factory import build_app, round_choice
from interviewer.settings import load_settings
from interviewer.tui.screens.persona_editor import ConfirmScreen
from interviewer.tui.screens.review import (
    ProgressScreen,
    RubricPickerScreen,
    SessionDetailScreen,
    SessionsScreen,
)
from interviewer.tui.widgets.trend_plot import TrendPlot
from tests.fakes import fake_services

SAMPLE = locations.REPO_DIR / "recordings" / "sample-job-queue"
SAMPLE_ID = "sample-job-queue"


class FakePlayer:
    """An ``AudioPlayer`` that plays nothing; the test sets ``position`` by hand."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Path | None, float]] = []
        self.position = 0.0
        self.playing = False

    def play(self, audio: Samples | Path, start_seconds: float = 0.0) -> None:
        self.calls.append(("play", audio if isinstance(audio, Path) else None, start_seconds))
        self.position = start_seconds
        self.playing = True

    def pause(self) -> None:
        self.calls.append(("pause", None, self.position))
        self.playing = False

    def stop(self) -> None:
        self.playing = False


class Host(App[None]):
    """Pushes one screen on mount and records notifications."""

    def __init__(self, screen: Screen[None]) -> None:
        super().__init__()
        self.first = screen
        self.notes: list[str] = []

    def on_mount(self) -> None:
        self.push_screen(self.first)

    def notify(self, message: str, *args: Any, **kwargs: Any) -> None:
        self.notes.append(message)
        super().notify(message, *args, **kwargs)


def recordings(tmp_path: Path) -> FileSessionStore:
    """A store holding a copy of the shipped sample."""
    store = FileSessionStore(tmp_path / "recordings")
    store.root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(SAMPLE, store.root / SAMPLE_ID)
    return store


def add_copy(store: FileSessionStore, session_id: str, *, scored: bool) -> Session:
    """Another session: the sample's words under a new id (unscored unless ``scored``)."""
    shutil.copytree(SAMPLE, store.root / session_id)
    session = store.load(SAMPLE_ID).model_copy(update={"id": session_id})
    store.save(session)
    if not scored:
        for name in ("evaluation.json", "report.md", "report.html"):
            (store.root / session_id / name).unlink()
    return session


def sample_evaluation(store: FileSessionStore) -> Evaluation:
    evaluation = load_evaluation(store, SAMPLE_ID)
    assert evaluation is not None, "the shipped sample is scored"
    return evaluation


def table_ids(app: App[None]) -> list[str]:
    table: DataTable[Any] = app.screen.query_one(DataTable)
    return [str(table.coordinate_to_cell_key((i, 0)).row_key.value) for i in range(table.row_count)]


def detail(app: App[None]) -> SessionDetailScreen:
    assert isinstance(app.screen, SessionDetailScreen), type(app.screen)
    return app.screen


def rendered(app: App[None], selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def open_sample(pilot: Pilot[None]) -> SessionDetailScreen:
    await pilot.pause()
    return detail(pilot.app)


# ---------------------------------------------------------------------- the list


async def test_list_shows_each_session_and_marks_a_broken_one(tmp_path: Path) -> None:
    """Scored, unscored and unreadable sessions all get a row; the broken one says so."""
    store = recordings(tmp_path)
    add_copy(store, "2026-02-01-0900-job-queue", scored=False)
    broken = store.root / "2026-03-01-0900-cut-off"
    broken.mkdir()
    (broken / "session.json").write_text('{"schema_version": 1, "id": "2026-03-0')
    app = Host(SessionsScreen(store, make_player=FakePlayer))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        table: DataTable[Any] = app.screen.query_one(DataTable)
        assert sorted(table_ids(app)) == sorted(store.list_ids())
        sample = table.get_row(SAMPLE_ID)
        assert str(sample[5]) == str(sample_evaluation(store).overall)
        assert str(sample[1]) == "staff-infra" and str(sample[3]) == "job-queue"
        assert str(table.get_row("2026-02-01-0900-job-queue")[5]) == "—", "unscored"
        cut_off = table.get_row("2026-03-01-0900-cut-off")
        assert str(cut_off[7]) == "broken" and "truncated" in str(cut_off[3])
        assert "listed as broken" in rendered(app, "#sessions-notes")
        table.move_cursor(row=table.get_row_index("2026-03-01-0900-cut-off"))
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, SessionsScreen), "a broken session does not open"
        assert any("truncated" in note and "session.json" in note for note in app.notes)


async def test_filter_and_sort(tmp_path: Path) -> None:
    """Typing in the filter narrows the rows; s cycles the sort column, r reverses it."""
    store = recordings(tmp_path)
    add_copy(store, "2026-02-01-0900-job-queue", scored=False)
    app = Host(SessionsScreen(store, make_player=FakePlayer))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert len(table_ids(app)) == 2
        await pilot.press("slash")
        await pilot.press(*"sample")
        await pilot.pause()
        assert table_ids(app) == [SAMPLE_ID]
        app.screen.query_one("#sessions-filter", Input).value = "no such thing"
        await pilot.pause()
        assert table_ids(app) == []
        assert "No session matches" in rendered(app, "#sessions-notes")
        app.screen.query_one("#sessions-filter", Input).value = ""
        await pilot.press("escape")  # leaves the filter, back to the table
        await pilot.press("s")  # date -> score
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SessionsScreen) and screen.sort_key == "score"
        assert table_ids(app) == [SAMPLE_ID, "2026-02-01-0900-job-queue"], "unscored last"
        await pilot.press("r")
        await pilot.pause()
        assert table_ids(app)[-1] == "2026-02-01-0900-job-queue", "unscored stays last"


async def test_enter_opens_the_detail_and_escape_comes_back(tmp_path: Path) -> None:
    store = recordings(tmp_path)
    app = Host(SessionsScreen(store, make_player=FakePlayer))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        screen = await open_sample(pilot)
        assert screen.session_id == SAMPLE_ID
        assert f"{sample_evaluation(store).overall}/100" in rendered(app, "#headline")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, SessionsScreen)


async def test_delete_asks_first_and_removes_the_folder(tmp_path: Path) -> None:
    store = recordings(tmp_path)
    app = Host(SessionsScreen(store, make_player=FakePlayer))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert (store.root / SAMPLE_ID).is_dir(), "'keep' keeps it"
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert not (store.root / SAMPLE_ID).exists()
        assert table_ids(app) == []


async def test_open_session_by_prefix_pushes_its_detail(tmp_path: Path) -> None:
    store = recordings(tmp_path)
    app = Host(SessionsScreen(store, open_session="sample", make_player=FakePlayer))
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_sample(pilot)
        assert screen.session_id == SAMPLE_ID


async def test_an_unknown_open_session_is_a_message_not_a_crash(tmp_path: Path) -> None:
    store = recordings(tmp_path)
    app = Host(SessionsScreen(store, open_session="../etc", make_player=FakePlayer))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, SessionsScreen)
        assert any("not a session id" in note for note in app.notes)


# ---------------------------------------------------------------------- playback


async def test_play_lights_the_word_being_heard_and_follows_the_player(tmp_path: Path) -> None:
    """Space plays the selected turn; as the player moves on, the lit word moves too."""
    store = recordings(tmp_path)
    player = FakePlayer()
    app = Host(SessionDetailScreen(store, SAMPLE_ID, make_player=lambda: player))
    async with app.run_test(size=(120, 32)) as pilot:
        screen = await open_sample(pilot)
        turn = screen.turn(screen.selected_turn)
        assert turn is not None and turn.audio_file and len(turn.words) > 8
        await pilot.press("space")
        await pilot.pause()
        assert player.calls[-1] == ("play", store.root / SAMPLE_ID / turn.audio_file, 0.0)
        player.position = turn.words[2].start + 0.01
        await pilot.pause(0.3)
        assert screen.current_word == 2
        first = rendered(app, "#transcript")
        player.position = turn.words[7].start + 0.01
        await pilot.pause(0.3)
        assert screen.current_word == 7
        assert "▶ playing" in rendered(app, "#player-status")
        assert rendered(app, "#transcript") == first, "same words; only the highlight moved"
        await pilot.press("space")
        await pilot.pause()
        assert player.calls[-1][0] == "pause" and not player.playing
        assert "paused" in rendered(app, "#player-status")
        await pilot.press("space")
        await pilot.pause()
        assert player.calls[-1][0] == "play"
        assert player.calls[-1][2] == pytest.approx(turn.words[7].start + 0.01), "resumes"


async def test_seek_moves_five_seconds_within_the_turn(tmp_path: Path) -> None:
    store = recordings(tmp_path)
    player = FakePlayer()
    app = Host(SessionDetailScreen(store, SAMPLE_ID, make_player=lambda: player))
    async with app.run_test(size=(120, 32)) as pilot:
        screen = await open_sample(pilot)
        turn = screen.turn(screen.selected_turn)
        assert turn is not None
        await pilot.press("space")
        player.position = 2.0
        await pilot.press("right")
        await pilot.pause()
        assert player.calls[-1][2] == pytest.approx(7.0)
        await pilot.press("left", "left")
        await pilot.pause()
        assert player.calls[-1][2] == 0.0, "never before the start"
        for _ in range(10):
            await pilot.press("right")
        await pilot.pause()
        assert player.calls[-1][2] <= turn.duration, "never past the end"


async def test_selecting_evidence_plays_from_the_quoted_moment(tmp_path: Path) -> None:
    """quote.start is round time; the player gets the offset inside that turn's audio."""
    store = recordings(tmp_path)
    player = FakePlayer()
    app = Host(SessionDetailScreen(store, SAMPLE_ID, make_player=lambda: player))
    evaluation = sample_evaluation(store)
    quotes = [q for c in evaluation.criteria for q in c.evidence]
    later = next(q for q in quotes if q.turn_index is not None and q.turn_index > 2)
    async with app.run_test(size=(120, 32)) as pilot:
        screen = await open_sample(pilot)
        evidence = app.screen.query_one("#evidence", OptionList)
        option = next(k for k, v in screen.evidence_options.items() if v == later)
        evidence.focus()
        evidence.highlighted = evidence.get_option_index(option)
        await pilot.press("enter")
        await pilot.pause()
        turn = screen.turn(later.turn_index)
        assert turn is not None and turn.audio_file and later.start is not None
        kind, path, start = player.calls[-1]
        assert (kind, path) == ("play", store.root / SAMPLE_ID / turn.audio_file)
        assert start == pytest.approx(later.start - turn.started_at)
        assert 0.0 <= start <= turn.duration
        assert app.screen.query_one(TabbedContent).active == "tab-turns"
        assert screen.selected_turn == turn.index
        await pilot.pause(0.3)
        word = screen.current_word
        assert word is not None
        heard = turn.words[word].word.strip(" ,.").lower()
        assert heard in later.quote.lower(), "the lit word is one of the quoted words"


async def test_missing_portaudio_is_a_line_in_the_player(tmp_path: Path) -> None:
    store = recordings(tmp_path)

    def no_audio() -> AudioPlayer:
        raise BackendUnavailable("cannot play audio: PortAudio is not installed", fix="apt")

    app = Host(SessionDetailScreen(store, SAMPLE_ID, make_player=no_audio))
    async with app.run_test(size=(120, 32)) as pilot:
        await open_sample(pilot)
        await pilot.press("space")
        await pilot.pause()
        assert "PortAudio is not installed" in rendered(app, "#player-status")
        assert isinstance(app.screen, SessionDetailScreen)


# ---------------------------------------------------------------------- scoring, export


class GatedDetail(SessionDetailScreen):
    """Scores only once the test opens the gate, so the "scoring…" state can be seen."""

    def __init__(self, store: FileSessionStore, session_id: str) -> None:
        super().__init__(store, session_id, make_player=FakePlayer)
        self.gate = threading.Event()
        self.scored_on_main_thread: bool | None = None

    def score_with(self, rubric: Rubric) -> Evaluation:
        self.scored_on_main_thread = threading.current_thread() is threading.main_thread()
        assert self.gate.wait(10)
        return super().score_with(rubric)


async def test_rescore_with_another_rubric_in_a_worker(tmp_path: Path) -> None:
    """s offers every rubric (the session's first); scoring runs off the UI thread."""
    store = recordings(tmp_path)
    screen = GatedDetail(store, SAMPLE_ID)
    app = Host(screen)
    async with app.run_test(size=(120, 32)) as pilot:
        await open_sample(pilot)
        await pilot.press("s")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, RubricPickerScreen)
        options = picker.query_one(OptionList)
        assert options.get_option_at_index(0).id == "distributed-systems-design", "own first"
        options.highlighted = options.get_option_index("ml-systems-design")
        await pilot.press("enter")
        await pilot.pause()
        await pilot.pause(0.2)
        assert screen.scoring == "ml-systems-design"
        assert "scoring with" in rendered(app, "#score-state")
        await pilot.press("s")
        assert any("Already scoring" in note for note in app.notes), "one scoring at a time"
        screen.gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.scoring is None and rendered(app, "#score-state") == ""
        saved = load_evaluation(store, SAMPLE_ID)
        assert saved is not None and saved.rubric == "ml-systems-design", app.notes
        assert screen.evaluation == saved
        assert "ml-systems-design" in rendered(app, "#headline")
        assert any("Scored" in note for note in app.notes)
        assert screen.scored_on_main_thread is False


async def test_an_unscored_session_offers_scoring(tmp_path: Path) -> None:
    store = recordings(tmp_path)
    add_copy(store, "2026-02-01-0900-job-queue", scored=False)
    app = Host(SessionDetailScreen(store, "2026-02-01-0900-job-queue", make_player=FakePlayer))
    async with app.run_test(size=(120, 32)) as pilot:
        screen = await open_sample(pilot)
        assert "Not scored yet" in rendered(app, "#headline")
        assert app.screen.query_one("#score-now").display
        await pilot.press("x")
        await pilot.pause()
        assert any("Not scored yet" in note for note in app.notes), "export needs a score"
        app.screen.query_one("#score-now", Button).press()
        await pilot.pause()
        assert isinstance(app.screen, RubricPickerScreen)
        await pilot.press("enter")  # the session's own rubric
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.evaluation is not None
        # This screen has no sentence encoder, so its overall is the levels' mean alone,
        # which the shipped (encoder-scored) evaluation keeps as level_overall.
        assert screen.evaluation.overall == sample_evaluation(store).level_overall, "same words"
        assert not app.screen.query_one("#score-now").display


async def test_export_writes_both_reports_and_says_where(tmp_path: Path) -> None:
    store = recordings(tmp_path)
    folder = store.root / SAMPLE_ID
    (folder / "report.md").unlink()
    (folder / "report.html").unlink()
    app = Host(SessionDetailScreen(store, SAMPLE_ID, make_player=FakePlayer))
    async with app.run_test(size=(120, 32)) as pilot:
        await open_sample(pilot)
        await pilot.press("x")
        await pilot.pause()
    assert (folder / "report.md").read_text().startswith("# Interview feedback")
    assert "<svg" in (folder / "report.html").read_text()
    assert any(str(folder / "report.md") in note for note in app.notes)


async def test_feedback_shows_levels_evidence_missing_drills_and_outline(tmp_path: Path) -> None:
    """Right after a round this is the feedback screen: everything the report has."""
    store = recordings(tmp_path)
    evaluation = sample_evaluation(store)
    app = Host(SessionDetailScreen(store, SAMPLE_ID, make_player=FakePlayer))
    async with app.run_test(size=(120, 32)) as pilot:
        await open_sample(pilot)
        levels = rendered(app, "#levels")
        for criterion in evaluation.criteria:
            assert f"{criterion.title}" in levels and f"{criterion.level}/4" in levels
        evidence = app.screen.query_one("#evidence", OptionList)
        assert evidence.option_count == sum(len(c.evidence) for c in evaluation.criteria)
        missing = rendered(app, "#missing")
        assert all(
            d in missing.replace("\n", " ") or d[:30] in missing
            for c in evaluation.criteria
            for d in c.missing_descriptions
        )
        drills = rendered(app, "#drills")
        assert "Three drills" in drills and all(d[:30] in drills for d in evaluation.drills)
        assert "Model answer outline" in rendered(app, "#model-answer")
        assert "words per minute" in rendered(app, "#delivery")


# ---------------------------------------------------------------------- progress


async def test_progress_plots_the_overall_trend_and_most_missed_items(tmp_path: Path) -> None:
    store = recordings(tmp_path)
    add_copy(store, "2026-02-01-0900-job-queue", scored=True)
    app = Host(SessionsScreen(store, make_player=FakePlayer))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, ProgressScreen)
        overall = sample_evaluation(store).overall
        assert app.screen.query_one(TrendPlot).values == (float(overall), float(overall))
        assert "2 scored round(s)" in rendered(app, "#progress-summary")
        assert "Requirements" in rendered(app, "#criteria-trends")
        missed = rendered(app, "#most-missed")
        assert "most often missed" in missed and "2/2" in missed


# ---------------------------------------------------------------------- the real app


async def test_review_through_the_factory_opens_the_session(isolated_dirs: Path) -> None:
    """`interviewer review ID` builds the real app; it opens at that session's detail."""
    settings = load_settings()
    shutil.copytree(SAMPLE, settings.recordings_dir / SAMPLE_ID)
    app = build_app(
        settings,
        round_choice(settings),
        fake_services(),
        start="review",
        review_session=SAMPLE_ID,
    )
    async with app.run_test(size=(120, 32)) as pilot:
        await pilot.pause()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SessionDetailScreen) and screen.session_id == SAMPLE_ID
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, SessionsScreen)
        assert table_ids(app) == [SAMPLE_ID]


def test_detail_screen_at_100x32_snapshot(
    snap_compare: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The post-round feedback layout: headline, levels, evidence, in a 100x32 terminal."""
    monkeypatch.setenv("TZ", "UTC")  # the headline shows the local time of the round
    time.tzset()
    store = recordings(tmp_path)
    app = Host(SessionDetailScreen(store, SAMPLE_ID, make_player=FakePlayer))
    assert snap_compare(app, terminal_size=(100, 32))


async def test_two_rounds_can_be_compared_side_by_side(tmp_path: Path) -> None:
    """It should be possible to mark one round, select another and compare them."""
    from interviewer.tui.screens.review import CompareScreen

    store = recordings(tmp_path)
    add_copy(store, "2026-02-01-1000-job-queue", scored=True)
    app = Host(SessionsScreen(store))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("c")
        assert any("Mark a round" in n for n in app.notes)
        await pilot.press("m")
        await pilot.press("down")
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, CompareScreen)
        head = rendered(app, "#compare-head")
        overall = sample_evaluation(store).overall
        assert f"{overall} → {overall}/100 (+0)" in head
        table: DataTable[Any] = app.screen.query_one(DataTable)
        assert table.row_count == len(sample_evaluation(store).criteria)
