"""Personas written by the editor load back unchanged, and saving never leaves debris."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest

from interviewer import catalog, locations
from interviewer.catalog import load_toml_model
from interviewer.core.content import InterruptionPolicy, Persona, Tone, Voice
from interviewer.persona_files import persona_to_toml, save_persona

SHIPPED = sorted(locations.shipped_personas_dir().glob("*.toml"))


def test_there_are_shipped_personas_to_round_trip() -> None:
    assert len(SHIPPED) >= 4


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_shipped_persona_round_trips(path: Path, tmp_path: Path) -> None:
    """Saving a shipped persona and loading the file back gives an equal persona."""
    persona = load_toml_model(path, Persona)
    saved = save_persona(persona, tmp_path / "user")
    assert saved == tmp_path / "user" / f"{persona.id}.toml"
    assert load_toml_model(saved, Persona) == persona


def test_every_field_is_explicit_and_voice_is_a_table() -> None:
    """A saved file shows all fields, defaults included, so users see what they can change."""
    data = tomllib.loads(persona_to_toml(Persona(id="bare", name="B", title="T")))
    assert set(data) == set(Persona.model_fields)
    assert set(data["voice"]) == set(Voice.model_fields)
    assert data["tone"] == "neutral" and data["focus_areas"] == []


def test_awkward_text_survives_the_round_trip(tmp_path: Path) -> None:
    persona = Persona(
        id="awkward",
        name='Zoë "Z" O\'Neil',
        title="Staff \\ Principal",
        company_style="tabs\tand unicode — ✓",
        tone=Tone.TOUGH,
        interruption=InterruptionPolicy.ON_HANDWAVING,
        focus_areas=["quantitative", "failure_handling"],
        voice=Voice(tts_voice="/voices/my voice.onnx", speaking_rate=1.25),
        opening_style="",
        instructions='\nStarts with a newline.\nHas """triple quotes""" and \\n literal.\n\n',
    )
    assert load_toml_model(save_persona(persona, tmp_path), Persona) == persona


def test_save_replaces_the_old_file_and_leaves_no_temp_files(tmp_path: Path) -> None:
    first = Persona(id="mine", name="One", title="T")
    second = first.model_copy(update={"name": "Two"})
    save_persona(first, tmp_path)
    path = save_persona(second, tmp_path)
    assert load_toml_model(path, Persona).name == "Two"
    assert sorted(os.listdir(tmp_path)) == ["mine.toml"]


def test_saved_user_file_overrides_the_shipped_persona(isolated_dirs: Path) -> None:
    """Saving under a shipped id creates a user override that the catalog prefers."""
    shipped = catalog.load_personas().get("staff-infra", "persona")
    edited = shipped.model_copy(update={"name": "Override"})
    path = save_persona(edited, locations.user_personas_dir())
    loaded = catalog.load_personas()
    assert loaded.items["staff-infra"] == edited
    assert loaded.sources["staff-infra"] == path
    assert load_toml_model(locations.shipped_personas_dir() / "staff-infra.toml", Persona) == (
        shipped
    ), "the shipped file must be untouched"
