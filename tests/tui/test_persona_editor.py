"""The persona editor and list, driven through a tiny host app (not InterviewerApp)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Button, DataTable, Input, Select, Static, TextArea

from interviewer import catalog, locations
from interviewer.catalog import load_toml_model
from interviewer.core.content import Persona, Tone
from interviewer.core.engine import opening_line
from interviewer.persona_files import save_persona
from interviewer.tui.screens.persona_editor import (
    ConfirmScreen,
    PersonaEditorScreen,
    PersonaListScreen,
)


class Host(App[None]):
    """Pushes one screen on mount and records what it was dismissed with."""

    def __init__(self, screen: Screen[object]) -> None:
        super().__init__()
        self.first = screen
        self.results: list[object] = []
        self.notes: list[str] = []

    def on_mount(self) -> None:
        self.push_screen(self.first, self.results.append)

    def notify(self, message: str, *args: Any, **kwargs: Any) -> None:
        self.notes.append(message)
        super().notify(message, *args, **kwargs)


def shipped(persona_id: str) -> Persona:
    return catalog.load_personas().get(persona_id, "persona")


def editor(app: Host) -> PersonaEditorScreen:
    assert isinstance(app.screen, PersonaEditorScreen)
    return app.screen


async def set_input(pilot: Pilot[None], key: str, text: str) -> None:
    field = pilot.app.screen.query_one(f"#field-{key.replace('.', '--')}", Input)
    field.value = text
    await pilot.pause()


def error_text(app: Host, key: str) -> str:
    shown = app.screen.query_one(f"#error-{key.replace('.', '--')}", Static)
    return str(shown.render()) if shown.display else ""


def save_disabled(app: Host) -> bool:
    return app.screen.query_one("#save", Button).disabled


async def test_editing_the_name_and_saving_writes_a_file_that_loads_back(tmp_path: Path) -> None:
    """It should be possible to rename a persona and save it to the user dir."""
    user_dir = tmp_path / "user-personas"
    app = Host(PersonaEditorScreen(shipped("friendly-backend"), user_dir, None))
    async with app.run_test(size=(80, 24)) as pilot:
        await set_input(pilot, "name", "Samantha")
        assert editor(app).dirty
        await pilot.press("ctrl+s")
        await pilot.pause()
        saved = user_dir / "friendly-backend.toml"
        expected = shipped("friendly-backend").model_copy(update={"name": "Samantha"})
        assert load_toml_model(saved, Persona) == expected
        assert editor(app).saved == expected
        assert not editor(app).dirty
        await pilot.press("escape")
        await pilot.pause()
        assert app.results == [expected], "a clean editor leaves at once, with the saved persona"


async def test_saving_a_shipped_id_says_it_creates_a_user_override(isolated_dirs: Path) -> None:
    user_dir = locations.user_personas_dir()
    app = Host(PersonaEditorScreen(shipped("staff-infra"), user_dir, None))
    async with app.run_test(size=(80, 24)) as pilot:
        await set_input(pilot, "patience_seconds", "5")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert any("overrides the shipped persona 'staff-infra'" in m for m in app.notes)
    assert catalog.load_personas().items["staff-infra"].patience_seconds == 5.0
    assert shipped_file_patience() == 3.0, "the shipped file must not change"


def shipped_file_patience() -> float:
    path = locations.shipped_personas_dir() / "staff-infra.toml"
    return load_toml_model(path, Persona).patience_seconds


async def test_out_of_range_patience_shows_the_error_and_disables_save(tmp_path: Path) -> None:
    """Typing 99 seconds of patience should flag patience_seconds at once, not on save."""
    app = Host(PersonaEditorScreen(shipped("staff-infra"), tmp_path, None))
    async with app.run_test(size=(80, 24)) as pilot:
        assert error_text(app, "patience_seconds") == "" and not save_disabled(app)
        await set_input(pilot, "patience_seconds", "99")
        message = error_text(app, "patience_seconds")
        assert "patience_seconds" in message and "30" in message
        assert save_disabled(app)
        assert error_text(app, "name") == "", "only the broken field shows an error"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert list(tmp_path.iterdir()) == [], "an invalid persona is never written"
        await set_input(pilot, "patience_seconds", "12")
        assert error_text(app, "patience_seconds") == "" and not save_disabled(app)


async def test_bad_id_and_nested_voice_fields_are_reported_on_their_own_field(
    tmp_path: Path,
) -> None:
    app = Host(PersonaEditorScreen(shipped("ml-research"), tmp_path, None))
    async with app.run_test(size=(80, 24)) as pilot:
        await set_input(pilot, "id", "Has Spaces")
        await set_input(pilot, "voice.speaking_rate", "3")
        assert "id:" in error_text(app, "id")
        assert "voice.speaking_rate" in error_text(app, "voice.speaking_rate")
        assert save_disabled(app)


async def test_tone_select_changes_the_sample_line(tmp_path: Path) -> None:
    persona = shipped("friendly-backend")
    assert persona.tone is Tone.WARM
    app = Host(PersonaEditorScreen(persona, tmp_path, None))
    async with app.run_test(size=(80, 24)) as pilot:
        sample = app.screen.query_one("#sample-line", Static)
        warm_line = str(sample.render())
        assert opening_line(persona, minutes=25) in warm_line
        app.screen.query_one("#field-tone", Select).value = "tough"
        await pilot.pause()
        await pilot.press("ctrl+o")
        await pilot.pause()
        tough_line = str(sample.render())
        tough = persona.model_copy(update={"tone": Tone.TOUGH})
        assert opening_line(tough, minutes=25) in tough_line
        assert tough_line != warm_line
        assert editor(app).persona == tough


async def test_sample_calls_speak_with_the_persona_and_line(tmp_path: Path) -> None:
    """The sample is spoken in the edited persona's voice, off the UI thread."""
    heard: list[tuple[Persona, str, bool]] = []

    def speak(persona: Persona, line: str) -> None:
        heard.append((persona, line, threading.current_thread() is threading.main_thread()))

    app = Host(PersonaEditorScreen(shipped("inference-lead"), tmp_path, speak))
    async with app.run_test(size=(80, 24)) as pilot:
        await set_input(pilot, "voice.speaking_rate", "1.5")
        await pilot.click("#sample")
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert len(heard) == 1
    persona, line, on_main_thread = heard[0]
    assert persona.voice.speaking_rate == 1.5
    assert line == opening_line(persona, minutes=25)
    assert not on_main_thread


async def test_a_failing_speaker_is_reported_not_fatal(tmp_path: Path) -> None:
    def speak(persona: Persona, line: str) -> None:
        raise RuntimeError("no audio device")

    app = Host(PersonaEditorScreen(shipped("inference-lead"), tmp_path, speak))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+o")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, PersonaEditorScreen)
        assert any("no audio device" in note for note in app.notes)


async def test_escape_with_unsaved_changes_asks_before_discarding(tmp_path: Path) -> None:
    app = Host(PersonaEditorScreen(shipped("staff-infra"), tmp_path, None))
    async with app.run_test(size=(80, 24)) as pilot:
        instructions = app.screen.query_one("#field-instructions", TextArea)
        instructions.text = "Be brief."
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, PersonaEditorScreen), "'keep editing' stays"
        assert app.results == []
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert app.results == [None], "discarding leaves without a saved persona"
    assert list(tmp_path.iterdir()) == []


async def test_saving_under_another_existing_id_asks_before_replacing(tmp_path: Path) -> None:
    first = shipped("staff-infra").model_copy(update={"id": "mine"})
    other = first.model_copy(update={"id": "theirs", "name": "Kept"})
    save_persona(other, tmp_path)
    app = Host(PersonaEditorScreen(first, tmp_path, None))
    async with app.run_test(size=(80, 24)) as pilot:
        await set_input(pilot, "id", "theirs")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert load_toml_model(tmp_path / "theirs.toml", Persona).name == "Kept"


async def test_list_shows_sources_and_edits_the_selected_persona(isolated_dirs: Path) -> None:
    user_dir = locations.user_personas_dir()
    save_persona(shipped("ml-research").model_copy(update={"name": "Mine"}), user_dir)
    (user_dir / "broken.toml").write_text('id = "broken"\nname = 3\n', encoding="utf-8")
    app = Host(PersonaListScreen(user_dir))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, PersonaListScreen)
        table = screen.query_one(DataTable)
        sources = {str(table.get_row_at(i)[0]): str(table.get_row_at(i)[4]) for i in range(4)}
        assert sources["ml-research"] == "user override"
        assert sources["staff-infra"] == "shipped"
        assert "broken.toml" in str(screen.query_one("#persona-notes", Static).render())
        table.move_cursor(row=table.get_row_index("staff-infra"))
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PersonaEditorScreen)
        assert app.screen.original == shipped("staff-infra")


async def test_new_starts_from_a_copy_of_the_selected_persona(isolated_dirs: Path) -> None:
    user_dir = locations.user_personas_dir()
    app = Host(PersonaListScreen(user_dir))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.screen.query_one(DataTable)
        table.move_cursor(row=table.get_row_index("inference-lead"))
        await pilot.press("n")
        await pilot.pause()
        screen = editor(app)
        assert screen.dirty, "a new persona is unsaved until ctrl+s"
        assert screen.query_one("#field-id", Input).value == "inference-lead-copy"
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, PersonaListScreen)
        copy = load_toml_model(user_dir / "inference-lead-copy.toml", Persona)
        assert copy.model_copy(update={"id": "inference-lead"}) == shipped("inference-lead")
        assert app.screen.loaded.items["inference-lead-copy"] == copy, "the list reloads"


def test_editor_layout_at_80x24_with_an_error_snapshot(snap_compare: Any) -> None:
    """The form fits a small terminal: field, its error, its help, buttons and keys."""

    async def break_patience(pilot: Pilot[None]) -> None:
        await set_input(pilot, "patience_seconds", "99")
        pilot.app.screen.query_one("#field-patience_seconds", Input).focus()
        await pilot.pause()

    app = Host(PersonaEditorScreen(shipped("staff-infra"), Path("/home/me/personas"), None))
    assert snap_compare(app, run_before=break_patience, terminal_size=(80, 24))


async def test_every_malformed_persona_is_listed_verbatim_in_the_notes(isolated_dirs: Path) -> None:
    """Issue 20.4 and 20.6 in the app: the malformed corpus in the user dir takes nothing
    down, and the notes quote each error as the loader wrote it (no markup eaten)."""
    corpus = Path(__file__).resolve().parents[1] / "data" / "malformed" / "personas"
    user_dir = locations.user_personas_dir()
    user_dir.mkdir(parents=True)
    for path in corpus.glob("*.toml"):
        (user_dir / path.name).write_bytes(path.read_bytes())
    app = Host(PersonaListScreen(user_dir))
    async with app.run_test(size=(200, 60)):
        notes = str(app.screen.query_one("#persona-notes", Static).render())
    assert "'^[a-z0-9][a-z0-9-]*$'" in notes
    assert all(path.name in notes for path in corpus.glob("*.toml"))
