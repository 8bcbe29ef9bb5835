"""SVG snapshots of the key screens at the smallest supported size and a roomy one.

These pictures are also the README's screenshots (copied to docs/screenshots/)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input

from interviewer.factory import build_app
from interviewer.settings import load_settings
from tests.fakes import ScriptedChat, fake_services
from tests.tui.test_practice_screen import shipped_choice

PROBE = "Say a worker takes a job, charges the card, and dies before it acks. What now?"


def practice_app() -> Any:
    chat = ScriptedChat([PROBE] * 4)
    return build_app(load_settings(), shipped_choice(), fake_services(chat))


async def answer_once(pilot: Pilot[Any]) -> None:
    app = pilot.app
    await app.workers.wait_for_complete()
    await pilot.pause()
    typed = app.screen.query_one("#typed-answer", Input)
    typed.value = (
        "Jobs go into a durable log partitioned by customer id, so one customer's jobs run "
        "in order. Workers lease a job, and a lease that expires is redelivered."
    )
    await pilot.press("enter")
    await app.workers.wait_for_complete()
    await pilot.pause()
    app.screen.started_at = time.monotonic()  # type: ignore[attr-defined]
    app.screen._tick()  # type: ignore[attr-defined]
    # The reply time shown is measured, so it differs run to run: show a fixed one.
    screen = app.screen
    screen.post_message(screen.Latency(0.4, 1.2))  # type: ignore[attr-defined]
    screen.set_focus(None)
    await pilot.pause()


def test_interview_screen_at_80x24(snap_compare: Any, isolated_dirs: Path) -> None:
    """The round at 80x24: question, conversation, turn state, notes, keys."""
    assert snap_compare(practice_app(), terminal_size=(80, 24), run_before=answer_once)


def test_interview_screen_at_110x36(snap_compare: Any, isolated_dirs: Path) -> None:
    assert snap_compare(practice_app(), terminal_size=(110, 36), run_before=answer_once)


def test_home_screen_at_80x24(snap_compare: Any, isolated_dirs: Path) -> None:
    app = build_app(load_settings(), shipped_choice(), fake_services(None), start="home")
    assert snap_compare(app, terminal_size=(80, 24))
