"""The practice loop in the app, driven by keys: debrief a round from its feedback (quotes
play from their moment), run drills from home, and see them in progress."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Static

from interviewer.adapters.audio.files import FileAudioSource
from interviewer.adapters.store.files import FileSessionStore
from interviewer.adapters.tts.speaker import SilentSpeaker
from interviewer.core.session import SessionKind
from interviewer.factory import build_app
from interviewer.settings import load_settings
from interviewer.tui.app import InterviewerApp
from interviewer.tui.screens.debrief import DebriefScreen
from interviewer.tui.screens.drill import DrillScreen
from interviewer.tui.screens.home import HomeScreen
from interviewer.tui.screens.review import ProgressScreen, SessionDetailScreen
from interviewer.tui.widgets.trend_plot import TrendPlot
from tests.fakes import ScriptedChat, SilentTranscriber, fake_services
from tests.tui.test_practice_screen import shipped_choice
from tests.tui.test_review import SAMPLE, SAMPLE_ID, FakePlayer, Host, recordings


async def until(pilot: Pilot[Any], check: Callable[[], bool], timeout: float = 20.0) -> None:
    """Wait for a worker's message to land (posted from another thread)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not check() and asyncio.get_running_loop().time() < deadline:
        await pilot.pause(0.05)
    assert check(), "timed out"


def log_text(screen: DebriefScreen) -> str:
    return "\n".join(str(w.render()) for w in screen.query(".exchange").results(Static))


async def ask(pilot: Pilot[Any], screen: DebriefScreen, question: str) -> None:
    count = len(screen.debrief.exchanges) if screen.debrief else 0
    box = screen.query_one("#debrief-input", Input)
    box.focus()
    box.value = question
    await pilot.press("enter")
    await until(pilot, lambda: screen.debrief is not None and len(screen.debrief.exchanges) > count)
    await pilot.pause()


async def test_b_on_the_feedback_opens_a_debrief_whose_quotes_play(tmp_path: Path) -> None:
    """Three questions, each answered from the round, each quote playable (no model:
    the evaluation answers)."""
    store = recordings(tmp_path)
    player = FakePlayer()
    app = Host(SessionDetailScreen(store, SAMPLE_ID, make_player=lambda: player))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("b")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DebriefScreen)
        await ask(pilot, screen, "Why did I get 1 on tradeoffs?")
        await ask(pilot, screen, "How was my failure handling?")
        await ask(pilot, screen, "What should I practise for the numbers?")
        text = log_text(screen)
        assert "Tradeoffs: level 1 of 4" in text and "Failure handling: level 3 of 4" in text
        quotes = screen.query_one("#debrief-quotes", OptionList)
        assert quotes.option_count >= 2
        quotes.focus()
        quotes.highlighted = 0
        await pilot.press("enter")
        await pilot.pause()
        first = screen.quotes["quote-0"]
        session = store.load(SAMPLE_ID)
        turn = next(t for t in session.turns if t.index == first.turn_index)
        kind, path, start = player.calls[-1]
        assert (kind, path) == ("play", store.root / SAMPLE_ID / str(turn.audio_file))
        assert first.start is not None
        assert start == pytest.approx(first.start - turn.started_at)
        assert len(store.load(SAMPLE_ID).debrief) == 3, "saved with the session"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, SessionDetailScreen)


async def test_the_model_answers_and_an_ungrounded_sentence_is_not_shown(
    tmp_path: Path,
) -> None:
    store = recordings(tmp_path)
    chat = ScriptedChat(
        [
            'You said "a worker claims each job with a lease". You also said the queue was '
            "Kafka. A staff answer adds fencing tokens so a late worker cannot write."
        ]
    )
    app = Host(DebriefScreen(store, SAMPLE_ID, open_chat=lambda: chat))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DebriefScreen)
        await ask(pilot, screen, "What would a staff answer say about failures?")
        text = log_text(screen)
        assert "a worker claims each job with a lease" in text
        assert "Kafka" not in text, "a claim about the candidate without a quote"
        assert "fencing tokens" in text


async def test_reopening_a_debrief_shows_the_earlier_exchanges(tmp_path: Path) -> None:
    store = recordings(tmp_path)
    app = Host(DebriefScreen(store, SAMPLE_ID))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DebriefScreen)
        await ask(pilot, screen, "Why did I get 1 on tradeoffs?")
    again = Host(DebriefScreen(store, SAMPLE_ID))
    async with again.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = again.screen
        assert isinstance(screen, DebriefScreen)
        assert "Why did I get 1 on tradeoffs?" in log_text(screen)


def drill_app(isolated_dirs: Path) -> tuple[InterviewerApp, FileSessionStore]:
    store = FileSessionStore(isolated_dirs / "recordings")
    store.root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(SAMPLE, store.root / SAMPLE_ID)
    services = fake_services(None)
    services.load_similarity = lambda: None  # phrases only: no encoder in a UI test
    app = build_app(load_settings(), shipped_choice(), services, start="home")
    return app, store


GOOD_ANSWERS = {
    "data-model": "Each job row has the job id as primary key, a customer id as the "
    "partition key, a status and a lease expiry, with an index on status.",
    "detection": "Workers send a heartbeat every five seconds; after three missed "
    "heartbeats a health check alerts us, so we detect a dead worker within fifteen seconds.",
}


async def run_drill(app: InterviewerApp, pilot: Pilot[int]) -> DrillScreen:
    await pilot.press("d")
    screen = app.screen
    assert isinstance(screen, DrillScreen)
    await until(pilot, lambda: screen.session is not None)
    session = screen.session
    assert session is not None
    box = screen.query_one(Input)
    for index, item in enumerate(session.drill_items):

        def asking(i: int = index) -> bool:
            return screen.current == i and not box.disabled

        def scored(i: int = index) -> bool:
            return session.drill_items[i].hit is not None

        await until(pilot, asking)
        box.value = GOOD_ANSWERS.get(item.item_id, "I would have to look that up.")
        await pilot.press("enter")
        await until(pilot, scored)
    await until(pilot, lambda: "Done" in str(screen.query_one("#drill-step", Static).render()))
    return screen


async def test_two_drills_from_home_change_progress(isolated_dirs: Path) -> None:
    app, store = drill_app(isolated_dirs)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        first = await run_drill(app, pilot)
        assert first.session is not None
        results = str(first.query_one("#drill-results", Static).render())
        assert "✔ Describes the data model" in results and "✘" in results
        first_items = [i.item_id for i in first.session.drill_items]
        await pilot.press("escape")
        await pilot.pause()
        second = await run_drill(app, pilot)
        assert second.session is not None
        second_items = [i.item_id for i in second.session.drill_items]
        assert "data-model" in first_items and "data-model" not in second_items
        await pilot.press("ctrl+t")
        await pilot.pause()
        progress = app.screen
        assert isinstance(progress, ProgressScreen)
        plot = progress.query_one(TrendPlot)
        assert plot.marked == (False, True, True), "the two drills are marked on the trend"
        summary = str(progress.query_one("#progress-summary", Static).render())
        assert "1 scored round(s), 2 drill(s)" in summary
        assert "Next drill practises" in str(progress.query_one("#next-drill", Static).render())
        await pilot.press("ctrl+q")
    drills = [s for s in (store.load(i) for i in store.list_ids()) if s.kind is SessionKind.DRILL]
    assert len(drills) == 2 and all(d.status.value == "complete" for d in drills)


async def test_a_drill_with_nothing_to_practise_says_so(isolated_dirs: Path) -> None:
    app = build_app(load_settings(), shipped_choice(), fake_services(None), start="drill")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, DrillScreen)
        step = screen.query_one("#drill-step", Static)
        await until(pilot, lambda: "nothing to drill" in str(step.render()))
        assert screen.query_one(Input).disabled


async def test_a_spoken_question_is_transcribed_asked_and_answered_aloud(
    isolated_dirs: Path,
) -> None:
    """f5 opens the microphone, f5 again ends the question; Whisper's text is asked and
    the answer is said in the persona's voice."""
    store = FileSessionStore(isolated_dirs / "recordings")
    store.root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(SAMPLE, store.root / SAMPLE_ID)
    voice = SilentSpeaker()
    services = fake_services(
        None,
        transcriber=SilentTranscriber("Why did I get 1 on tradeoffs?"),
        microphone=lambda: FileAudioSource(np.zeros(16_000, np.float32), realtime=True),
        speaker=lambda persona: voice,
    )
    services.load_similarity = lambda: None
    app = build_app(
        load_settings(), shipped_choice(), services, start="review", review_session=SAMPLE_ID
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, SessionDetailScreen))
        await pilot.press("b")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DebriefScreen)
        await pilot.press("f5")
        await pilot.pause(0.2)
        await pilot.press("f5")
        await until(pilot, lambda: bool(screen.debrief and screen.debrief.exchanges))
        assert screen.debrief is not None
        assert screen.debrief.exchanges[0].asked == "Why did I get 1 on tradeoffs?"
        await until(pilot, lambda: bool(voice.spoken))
        assert voice.spoken[0].startswith("Tradeoffs: level 1 of 4")
        await pilot.press("ctrl+q")


async def test_a_drill_answer_can_be_spoken_and_its_audio_is_kept(isolated_dirs: Path) -> None:
    store = FileSessionStore(isolated_dirs / "recordings")
    store.root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(SAMPLE, store.root / SAMPLE_ID)
    voice = SilentSpeaker()
    services = fake_services(
        None,
        transcriber=SilentTranscriber(GOOD_ANSWERS["data-model"]),
        microphone=lambda: FileAudioSource(np.zeros(8_000, np.float32)),
        speaker=lambda persona: voice,
    )
    services.load_similarity = lambda: None
    app = build_app(load_settings(), shipped_choice(), services, start="drill")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, DrillScreen)
        await until(pilot, lambda: screen.session is not None)
        session = screen.session
        assert session is not None
        await until(pilot, lambda: bool(voice.spoken))
        assert voice.spoken[0] in session.drill_items[0].prompt, "the persona says the prompt"
        await pilot.press("f5")
        await until(pilot, lambda: session.drill_items[0].hit is not None)
        assert session.drill_items[0].hit is True
        answer = session.turns[-1]
        assert answer.speaker.value == "candidate" and answer.audio_file
        assert (store.root / session.id / answer.audio_file).is_file()
        assert answer.duration == pytest.approx(0.5)
        await pilot.press("ctrl+q")


async def test_a_drill_opened_in_review_shows_its_items_and_is_not_rescored(
    tmp_path: Path,
) -> None:
    from interviewer import catalog, drill_rounds

    store = recordings(tmp_path)
    rubrics = catalog.load_rubrics()
    session = drill_rounds.plan_next(store, rubrics, "staff-infra")
    rubric = rubrics.get(session.rubric_id, "rubric")
    drill_rounds.answer(store, session, 0, rubric, GOOD_ANSWERS["data-model"])
    drill_rounds.finish(store, session)
    app = Host(SessionDetailScreen(store, session.id, make_player=FakePlayer))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        levels = str(app.screen.query_one("#levels", Static).render())
        assert "Drill: 1 of 1 items shown" in levels and "(not answered)" in levels
        await pilot.press("s")
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.screen, SessionDetailScreen)
        assert any("scored item by item" in note for note in app.notes)
        assert any("no debrief" in note for note in app.notes)
