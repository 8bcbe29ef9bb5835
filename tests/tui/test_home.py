"""The home menu and round setup, driven by keys as a person would."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Select, Static

from interviewer.factory import build_app
from interviewer.settings import load_settings
from interviewer.tui.screens.home import HomeScreen, SetupScreen
from interviewer.tui.screens.practice import PracticeScreen
from tests.fakes import ScriptedChat, fake_services
from tests.tui.test_practice_screen import settle, shipped_choice


async def test_home_leads_to_setup_and_a_round_with_the_chosen_question(
    isolated_dirs: Path,
) -> None:
    """It should be possible to pick a rubric and question in setup and start with Enter."""
    app = build_app(
        load_settings(), shipped_choice(), fake_services(ScriptedChat([])), start="home"
    )
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("p")
        await settle(app, pilot)
        assert isinstance(app.screen, SetupScreen)
        health = str(app.screen.query_one("#health", Static).render())
        assert "recordings" in health, "setup shows the state of each backend"
        app.screen.query_one("#setup-question", Select).value = "inference-serving"
        app.screen.query_one("#setup-level", Select).value = "staff"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, PracticeScreen)
        assert app.question.id == "inference-serving" and app.level.value == "staff"
        question = str(app.screen.query_one("#question", Static).render())
        assert app.question.prompt.split()[0] in question
        await pilot.press("ctrl+q")


async def test_escape_from_setup_returns_home(isolated_dirs: Path) -> None:
    app = build_app(load_settings(), shipped_choice(), fake_services(None), start="home")
    async with app.run_test() as pilot:
        await pilot.press("p")
        await settle(app, pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)


async def test_hint_and_repeat_keys_are_recorded(isolated_dirs: Path) -> None:
    """It should be possible to ask for a hint or a repeat without typing."""
    app = build_app(load_settings(), shipped_choice(), fake_services(ScriptedChat([])))
    async with app.run_test() as pilot:
        await settle(app, pilot)
        app.screen.set_focus(None)
        await pilot.press("ctrl+h")
        await settle(app, pilot)
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        live = app.screen.round  # type: ignore[attr-defined]
        kinds = [t.kind.value for t in live.engine.session.turns]
        assert kinds[-3:] == ["hint", "hint", "repeat"], kinds
        await pilot.press("ctrl+q")


async def test_a_round_killed_mid_answer_is_recovered_at_start(isolated_dirs: Path) -> None:
    """It should be possible to find a round the app lost in a crash, marked and kept."""
    from interviewer.adapters.store.files import FileSessionStore
    from interviewer.core.session import Session, SessionStatus

    store = FileSessionStore(isolated_dirs / "recordings")
    store.save(
        Session(
            id="2026-01-01-1200-job-queue",
            persona_id="staff-infra",
            rubric_id="distributed-systems-design",
            question_id="job-queue",
        )
    )
    (store.session_dir("2026-01-01-1200-job-queue") / "owner.pid").write_text("999999")
    app = build_app(load_settings(), shipped_choice(), fake_services(None), start="home")
    notes: list[str] = []
    app.notify = lambda message, **kwargs: notes.append(message)  # type: ignore[method-assign]
    async with app.run_test() as pilot:
        await settle(app, pilot)
    assert any("Recovered 1 interrupted round" in n for n in notes), notes
    assert store.load("2026-01-01-1200-job-queue").status is SessionStatus.INTERRUPTED


async def test_the_command_palette_reaches_every_screen(isolated_dirs: Path) -> None:
    """It should be possible to start a round or open review from the palette."""
    from interviewer.tui.screens.review import SessionsScreen

    app = build_app(load_settings(), shipped_choice(), fake_services(None), start="home")
    async with app.run_test() as pilot:
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        assert {"New practice round", "Review recordings", "Interviewer personas"} <= set(commands)
        commands["Review recordings"].callback()
        await settle(app, pilot)
        assert isinstance(app.screen, SessionsScreen)
        commands["New practice round"].callback()
        await settle(app, pilot)
        assert isinstance(app.screen, SetupScreen)


class RecordingSpeaker:
    """A voice that remembers what it was asked to say, and that it was closed."""

    note = ""

    def __init__(self, persona_id: str, log: list[tuple[str, str]]) -> None:
        self.persona_id = persona_id
        self.log = log

    def say(self, text: str) -> None:
        self.log.append((self.persona_id, text))

    def stop(self) -> None:
        pass

    def wait(self, timeout: float | None = None) -> bool:
        return True

    def close(self) -> None:
        self.log.append((self.persona_id, "<closed>"))


async def test_the_persona_editor_sample_is_spoken_in_the_app(isolated_dirs: Path) -> None:
    """From home: e, Enter on a persona, ctrl+o plays its opening line in its voice."""
    from interviewer.tui.screens.persona_editor import PersonaEditorScreen

    said: list[tuple[str, str]] = []
    services = fake_services(None, speaker=lambda persona: RecordingSpeaker(persona.id, said))
    app = build_app(load_settings(), shipped_choice(), services, start="home")
    async with app.run_test() as pilot:
        await pilot.press("e")
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, PersonaEditorScreen)
        editing = app.screen.persona.id
        await pilot.press("ctrl+o")
        await app.workers.wait_for_complete()
        await settle(app, pilot)
    assert said and said[0][0] == editing and said[0][1].strip()
    assert said[-1] == (editing, "<closed>"), "the sample's voice is shut down after it"
