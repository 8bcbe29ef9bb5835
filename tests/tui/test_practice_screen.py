"""The practice screen prepares the backends with visible progress, then asks."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Label, Static

from interviewer.catalog import load_toml_model
from interviewer.core.content import Level, Persona, Rubric
from interviewer.factory import RoundChoice, build_app
from interviewer.settings import load_settings
from tests.fakes import ScriptedChat, fake_services

DATA = Path(__file__).resolve().parents[1] / "data"


def choice() -> RoundChoice:
    rubric = load_toml_model(DATA / "rubrics" / "minimal.toml", Rubric)
    persona = Persona(id="tester", name="Tess", title="Staff Engineer")
    return RoundChoice(persona, rubric, rubric.questions[0], Level.SENIOR)


async def test_question_appears_when_backends_are_ready() -> None:
    """It should be possible to launch the app and see the first question."""
    closed: list[str] = []
    app = build_app(load_settings(), choice(), fake_services(ScriptedChat([]), closed=closed))
    async with app.run_test() as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        question = app.screen.query_one("#question", Static)
        assert question.display
        assert "Design a job queue." in str(question.render())
        assert "Ready for the first question" in str(app.screen.query_one("#state", Label).render())
        await pilot.press("ctrl+q")
    assert closed == ["chat"], "the LLM backend must be closed on quit"


async def test_dead_llm_degrades_the_round_instead_of_ending_it() -> None:
    app = build_app(load_settings(), choice(), fake_services(chat=None))
    async with app.run_test() as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        notes = str(app.screen.query_one("#status-notes", Static).render())
        assert "LLM unavailable" in notes and "scripted probes" in notes
        assert app.screen.query_one("#question", Static).display
