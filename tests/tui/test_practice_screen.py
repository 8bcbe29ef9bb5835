"""The practice screen, driven the way a person uses it: wait, read, type, quit."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input, Label, Static

from interviewer import catalog
from interviewer.catalog import load_toml_model
from interviewer.core.content import Level, Persona, Rubric
from interviewer.factory import RoundChoice, build_app
from interviewer.settings import load_settings
from interviewer.tui.app import InterviewerApp
from interviewer.tui.screens.review import SessionDetailScreen
from interviewer.tui.widgets.conversation import Conversation
from tests.fakes import ScriptedChat, fake_services

DATA = Path(__file__).resolve().parents[1] / "data"


def minimal_choice() -> RoundChoice:
    rubric = load_toml_model(DATA / "rubrics" / "minimal.toml", Rubric)
    persona = Persona(id="tester", name="Tess", title="Staff Engineer")
    return RoundChoice(persona, rubric, rubric.questions[0], Level.SENIOR)


def shipped_choice() -> RoundChoice:
    rubric = catalog.load_rubrics().get("distributed-systems-design", "rubric")
    persona = catalog.load_personas().get("staff-infra", "persona")
    return RoundChoice(persona, rubric, rubric.question("job-queue"), Level.SENIOR)


def conversation_text(app: InterviewerApp) -> str:
    conversation = app.screen.query_one("#conversation", Conversation)
    return "\n".join(str(w.render()) for w in conversation.query(Static))


async def settle(app: InterviewerApp, pilot: Pilot[int]) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()


async def wait_for_conversation(
    app: InterviewerApp, pilot: Pilot[int], text: str, timeout: float = 10.0
) -> str:
    """The conversation once it shows ``text`` (or after ``timeout``). The round's worker
    posts its lines from another thread; on a loaded machine they can land a few event
    loop cycles after the worker is done (seen once on a fresh clone)."""
    deadline = asyncio.get_running_loop().time() + timeout
    said = conversation_text(app)
    while text not in said and asyncio.get_running_loop().time() < deadline:
        await pilot.pause(0.05)
        said = conversation_text(app)
    return said


async def type_answer(app: InterviewerApp, pilot: Pilot[int], text: str) -> None:
    typed = app.screen.query_one("#typed-answer", Input)
    typed.focus()
    typed.value = text
    await pilot.press("enter")
    await settle(app, pilot)


def saved_sessions(recordings: Path) -> list[dict[str, object]]:
    return [json.loads(p.read_text()) for p in sorted(recordings.glob("*/session.json"))]


async def test_question_appears_when_backends_are_ready(isolated_dirs: Path) -> None:
    """It should be possible to launch the app and see the first question."""
    closed: list[str] = []
    app = build_app(
        load_settings(), minimal_choice(), fake_services(ScriptedChat([]), closed=closed)
    )
    async with app.run_test() as pilot:
        await settle(app, pilot)
        assert app.screen.query_one("#question", Static).display
        said = await wait_for_conversation(app, pilot, "Design a job queue.")
        assert "Design a job queue." in said and "Tess" in said
        assert "Your turn" in str(app.screen.query_one("#state", Label).render())
        await pilot.press("ctrl+q")
    assert closed == ["chat"], "the LLM backend must be closed on quit"
    sessions = saved_sessions(isolated_dirs / "recordings")
    assert [s["status"] for s in sessions] == ["interrupted"], "quitting keeps the round"


async def test_dead_llm_degrades_the_round_instead_of_ending_it() -> None:
    app = build_app(load_settings(), shipped_choice(), fake_services(chat=None))
    async with app.run_test() as pilot:
        await settle(app, pilot)
        notes = str(app.screen.query_one("#status-notes", Static).render())
        assert "LLM unavailable" in notes and "scripted probes" in notes
        await type_answer(app, pilot, "I'd put jobs in a queue and have workers pull them.")
        rubric = shipped_choice().rubric
        scripted = [p.text for p in rubric.probes_for("job-queue")]
        said = conversation_text(app)
        assert any(text in said for text in scripted), "a scripted probe follows the answer"


async def test_a_typed_round_runs_to_the_end_and_is_saved(isolated_dirs: Path) -> None:
    # Not "what happens when a worker dies": leasing jobs is an answer to that (issue 19).
    chat = ScriptedChat(["How do you size the worker pool?"] * 10)
    app = build_app(load_settings(), shipped_choice(), fake_services(chat))
    async with app.run_test() as pilot:
        await settle(app, pilot)
        await type_answer(app, pilot, "How many jobs per second at peak?")
        assert "five thousand jobs per second" in conversation_text(app)
        await type_answer(app, pilot, "Workers lease jobs from a Kafka topic partitioned by key.")
        assert "How do you size the worker pool?" in conversation_text(app)
        await pilot.press("f10")
        for _ in range(100):  # scoring runs in a worker, then the feedback screen opens
            await settle(app, pilot)
            if isinstance(app.screen, SessionDetailScreen):
                break
        assert isinstance(app.screen, SessionDetailScreen), "feedback follows the round"
    (session,) = saved_sessions(isolated_dirs / "recordings")
    assert session["status"] == "complete"
    turns = session["turns"]
    assert isinstance(turns, list)
    texts = [t["text"] for t in turns]
    assert "Workers lease jobs from a Kafka topic partitioned by key." in texts
    assert turns[-1]["kind"] == "closing", "the closing line comes after the last reply"
    (evaluation,) = (isolated_dirs / "recordings").glob("*/evaluation.json")
    assert 0 <= json.loads(evaluation.read_text())["overall"] <= 100


async def test_an_endpoint_that_dies_after_connecting_degrades_the_round() -> None:
    """The real OpenAI-compatible client on a dead port: notes, scripted probes, no crash."""
    from interviewer.adapters.llm.openai_chat import OpenAIChatModel
    from interviewer.services import Services

    dead = OpenAIChatModel("http://127.0.0.1:9/v1", timeout=2.0)
    base = fake_services(None)
    services = Services(
        open_chat=lambda progress: (dead, lambda: None, "http://127.0.0.1:9/v1"),
        load_transcriber=base.load_transcriber,
        open_microphone=base.open_microphone,
        load_vad=base.load_vad,
        open_speaker=base.open_speaker,
    )
    app = build_app(load_settings(), shipped_choice(), services)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        notes = str(app.screen.query_one("#status-notes", Static).render())
        assert "not answering" in notes and "scripted probes" in notes
        await type_answer(app, pilot, "I'd put jobs in a queue and have workers pull them.")
        scripted = [p.text for p in shipped_choice().rubric.probes_for("job-queue")]
        assert any(text in conversation_text(app) for text in scripted)
        await pilot.press("ctrl+q")
