"""Persona editing in the app: a list of personas and a form that validates as you type.

The form never holds a half-valid ``Persona``: on every change it rebuilds one from the
raw field text through pydantic, so the errors shown are exactly the ones
``interviewer personas check`` would report for the saved file, and Save stays disabled
until there are none. Saving goes to the user dir (atomically, via
``interviewer.persona_files``); a shipped persona is never modified, only overridden.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError
from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import (
    Button,
    DataTable,
    Footer,
    Header,
    Input,
    Label,
    Select,
    Static,
    TextArea,
)

from interviewer import catalog, locations
from interviewer.core.content import InterruptionPolicy, Persona, Tone, Voice
from interviewer.core.engine import opening_line
from interviewer.errors import InterviewerError
from interviewer.persona_files import persona_path, save_persona

__all__ = [
    "ConfirmScreen",
    "PersonaEditorScreen",
    "PersonaListScreen",
    "SpeakSample",
    "form_values",
    "persona_from_form",
]

SpeakSample = Callable[[Persona, str], None]
"""Plays ``line`` in ``persona``'s voice; blocking, so the editor calls it in a thread."""

SAMPLE_MINUTES = 25
"""The round length the sample opening line mentions (a typical practice round)."""

FieldKind = Literal["text", "float", "int", "choice", "list", "long_text"]


@dataclass(frozen=True)
class FormField:
    """One editable persona field. ``key`` is the pydantic path (``voice.speaking_rate``)."""

    key: str
    kind: FieldKind

    @property
    def dom_id(self) -> str:
        return "field-" + self.key.replace(".", "--")

    @property
    def error_id(self) -> str:
        return "error-" + self.key.replace(".", "--")

    @property
    def description(self) -> str:
        model: Any = Voice if self.key.startswith("voice.") else Persona
        name = self.key.removeprefix("voice.")
        description = model.model_fields[name].description or ""
        if self.kind == "list":
            description += " Comma-separated."
        return str(description)


FIELDS: tuple[FormField, ...] = (
    FormField("id", "text"),
    FormField("name", "text"),
    FormField("title", "text"),
    FormField("company_style", "text"),
    FormField("tone", "choice"),
    FormField("patience_seconds", "float"),
    FormField("followup_depth", "int"),
    FormField("max_reply_sentences", "int"),
    FormField("answer_budget_seconds", "float"),
    FormField("interruption", "choice"),
    FormField("focus_areas", "list"),
    FormField("voice.tts_voice", "text"),
    FormField("voice.speaking_rate", "float"),
    FormField("opening_style", "text"),
    FormField("instructions", "long_text"),
)
_FIELDS_BY_KEY = {field.key: field for field in FIELDS}

_CHOICES: dict[str, list[str]] = {
    "tone": [tone.value for tone in Tone],
    "interruption": [policy.value for policy in InterruptionPolicy],
}


def form_values(persona: Persona) -> dict[str, str]:
    """The text each form field starts with for ``persona`` (the inverse of the form)."""
    values: dict[str, str] = {}
    dumped = persona.model_dump(mode="json")
    for field in FIELDS:
        if field.key.startswith("voice."):
            value = dumped["voice"][field.key.removeprefix("voice.")]
        else:
            value = dumped[field.key]
        values[field.key] = ", ".join(value) if field.kind == "list" else str(value)
    return values


def persona_from_form(values: dict[str, str]) -> Persona:
    """Build a ``Persona`` from raw field text; raises pydantic's ``ValidationError``.

    Numbers stay strings so that pydantic parses them and reports "not a number" the same
    way it reports "out of range"; an empty list field means no focus areas.
    """
    data: dict[str, Any] = {}
    voice: dict[str, Any] = {}
    for field in FIELDS:
        raw = values[field.key]
        value: Any = raw.strip() if field.kind in ("float", "int") else raw
        if field.kind == "list":
            value = [item.strip() for item in raw.split(",") if item.strip()]
        if field.key.startswith("voice."):
            voice[field.key.removeprefix("voice.")] = value
        else:
            data[field.key] = value
    data["voice"] = voice
    return Persona.model_validate(data)


def field_errors(error: ValidationError) -> dict[str, str]:
    """Map pydantic errors to form field keys; each message names its field."""
    by_field: dict[str, list[str]] = {}
    for item in error.errors():
        loc = item["loc"]
        key = str(loc[0]) if loc else ""
        if key == "voice" and len(loc) > 1:
            key = f"voice.{loc[1]}"
        if key not in _FIELDS_BY_KEY:
            key = ""
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "string_pattern_mismatch":
            message = "use lowercase letters, digits and dashes, starting with a letter or digit"
        by_field.setdefault(key, []).append(message)
    return {key: f"{key or 'persona'}: " + "; ".join(msgs) for key, msgs in by_field.items()}


def _label(key: str) -> str:
    return key.removeprefix("voice.").replace("_", " ").capitalize() + (
        " (voice)" if key.startswith("voice.") else ""
    )


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question; dismisses with True when the user confirms."""

    DEFAULT_CSS = """
    ConfirmScreen {
        align: center middle;
        background: $background 60%;
    }
    ConfirmScreen > Vertical {
        width: 60;
        max-width: 90%;
        height: auto;
        padding: 1 2;
        border: thick $warning;
        background: $surface;
    }
    ConfirmScreen #confirm-question {
        width: 100%;
        margin-bottom: 1;
    }
    ConfirmScreen Horizontal {
        height: auto;
        align-horizontal: right;
    }
    ConfirmScreen Button {
        margin-left: 2;
    }
    """

    BINDINGS = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str, *, yes: str = "Yes", no: str = "No") -> None:
        super().__init__()
        self.question = question
        self.yes = yes
        self.no = no

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.question, id="confirm-question")
            with Horizontal():
                yield Button(f"{self.yes} (y)", variant="warning", id="confirm-yes")
                yield Button(f"{self.no} (n)", variant="primary", id="confirm-no")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm-yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class PersonaEditorScreen(Screen[Persona | None]):
    """Edits one persona; dismisses with the last saved ``Persona`` (or None if unsaved)."""

    DEFAULT_CSS = """
    PersonaEditorScreen #editor-status {
        height: auto;
        padding: 0 1;
        color: $text-muted;
    }
    PersonaEditorScreen #sample-line {
        height: auto;
        padding: 0 1;
        color: $accent;
    }
    PersonaEditorScreen #form {
        height: 1fr;
        padding: 0 1;
    }
    PersonaEditorScreen .form-row {
        height: auto;
        margin-bottom: 1;
    }
    PersonaEditorScreen .form-label {
        width: 22;
        padding: 1 1 0 0;
        text-style: bold;
    }
    PersonaEditorScreen .form-cell {
        width: 1fr;
        height: auto;
    }
    PersonaEditorScreen .form-help {
        color: $text-muted;
        padding: 0 1;
    }
    PersonaEditorScreen .form-error {
        color: $error;
        text-style: bold;
        padding: 0 1;
        display: none;
    }
    PersonaEditorScreen .form-error.-shown {
        display: block;
    }
    PersonaEditorScreen #field-instructions {
        height: 8;
    }
    PersonaEditorScreen #editor-buttons {
        height: 1;
        padding: 0 1;
    }
    PersonaEditorScreen #editor-buttons Button {
        margin-right: 2;
    }
    """

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("ctrl+o", "sample", "Sample line", priority=True),
        Binding("escape", "back", "Back"),
    ]

    def __init__(
        self,
        persona: Persona,
        user_dir: Path,
        speak: SpeakSample | None = None,
        *,
        shipped_dir: Path | None = None,
        unsaved: bool = False,
    ) -> None:
        """``unsaved``: the persona is new (a template copy), so leaving asks first."""
        super().__init__()
        self.original = persona
        self.user_dir = user_dir
        self.speak = speak
        self.shipped_dir = shipped_dir or locations.shipped_personas_dir()
        self.saved: Persona | None = None
        """The persona as last written to disk by this screen."""
        self.persona: Persona | None = persona
        """The persona the form describes now; None while the form is invalid."""
        self.errors: dict[str, str] = {}
        self._file_id: str | None = None if unsaved else persona.id
        """The id whose user file this form edits; another id is a "save as"."""
        self._clean_values: dict[str, str] | None = None if unsaved else form_values(persona)

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        values = form_values(self.original)
        yield Header()
        yield Static(id="editor-status")
        yield Static(id="sample-line")
        with VerticalScroll(id="form"):
            for field in FIELDS:
                with Horizontal(classes="form-row"):
                    yield Label(_label(field.key), classes="form-label")
                    with Vertical(classes="form-cell"):
                        yield self._input_for(field, values[field.key])
                        yield Static("", id=field.error_id, classes="form-error")
                        yield Static(field.description, classes="form-help")
        with Horizontal(id="editor-buttons"):
            yield Button("Sample ^o", id="sample", compact=True)
            yield Button("Save ^s", id="save", variant="primary", compact=True)
            yield Button("Back esc", id="back", compact=True)
        yield Footer()

    def _input_for(self, field: FormField, value: str) -> Input | Select[str] | TextArea:
        if field.kind == "choice":
            options = [(choice, choice) for choice in _CHOICES[field.key]]
            return Select(options, value=value, allow_blank=False, id=field.dom_id)
        if field.kind == "long_text":
            return TextArea(value, id=field.dom_id, soft_wrap=True, show_line_numbers=False)
        kinds: dict[FieldKind, Literal["text", "number", "integer"]] = {
            "float": "number",
            "int": "integer",
        }
        return Input(value, id=field.dom_id, type=kinds.get(field.kind, "text"))

    def on_mount(self) -> None:
        self.sub_title = f"persona editor · {self.original.id}"
        self._revalidate()
        self.query_one(f"#{FIELDS[0].dom_id}", Input).focus()

    # ------------------------------------------------------------------ state

    def current_values(self) -> dict[str, str]:
        """The raw text of every field, keyed by the persona field path."""
        values: dict[str, str] = {}
        for field in FIELDS:
            widget = self.query_one(f"#{field.dom_id}")
            if isinstance(widget, Input):
                values[field.key] = widget.value
            elif isinstance(widget, TextArea):
                values[field.key] = widget.text
            elif isinstance(widget, Select):
                values[field.key] = str(widget.value)
        return values

    @property
    def dirty(self) -> bool:
        """True when the form differs from what was loaded or last saved."""
        return self._clean_values is None or self.current_values() != self._clean_values

    @on(Input.Changed)
    @on(Select.Changed)
    @on(TextArea.Changed)
    def _field_changed(self) -> None:
        self._revalidate()

    def _revalidate(self) -> None:
        try:
            self.persona = persona_from_form(self.current_values())
            self.errors = {}
        except ValidationError as error:
            self.persona = None
            self.errors = field_errors(error)
        for field in FIELDS:
            shown = self.query_one(f"#{field.error_id}", Static)
            message = self.errors.get(field.key, "")
            shown.update(message)
            shown.set_class(bool(message), "-shown")
        self.query_one("#save", Button).disabled = self.persona is None
        self._show_status()
        if self.persona is not None:
            self.query_one("#sample-line", Static).update(
                f"Opens with: “{opening_line(self.persona, minutes=SAMPLE_MINUTES)}”"
            )

    def _show_status(self) -> None:
        parts: list[str] = []
        if self.persona is None:
            invalid = ", ".join(key for key in self.errors if key)
            parts.append(f"[b $error]invalid: {invalid}[/]; fix to save")
            parts.extend(message for key, message in self.errors.items() if not key)
        else:
            target = persona_path(self.persona.id, self.user_dir)
            override = " (overrides the shipped one)" if self._is_shipped(self.persona.id) else ""
            parts.append(f"saves to {target}{override}")
        if self.dirty:
            parts.append("[b]unsaved changes[/]")
        self.query_one("#editor-status", Static).update(" · ".join(parts))

    def _is_shipped(self, persona_id: str) -> bool:
        return persona_path(persona_id, self.shipped_dir).is_file()

    # ------------------------------------------------------------------ actions

    @on(Button.Pressed, "#sample")
    def _sample_pressed(self) -> None:
        self.action_sample()

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#back")
    def _back_pressed(self) -> None:
        self.action_back()

    def action_sample(self) -> None:
        """Show the opening line and, when a speaker is wired, play it in this voice."""
        persona = self.persona
        if persona is None:
            self.notify("Fix the invalid fields first.", severity="warning")
            return
        line = opening_line(persona, minutes=SAMPLE_MINUTES)
        self.query_one("#sample-line", Static).update(f"Opens with: “{line}”")
        if self.speak is not None:
            self._play_sample(persona, line)

    @work(thread=True, exclusive=True, group="persona-sample", exit_on_error=False)
    def _play_sample(self, persona: Persona, line: str) -> None:
        assert self.speak is not None
        try:
            self.speak(persona, line)
        except InterviewerError as error:
            fix = f" Fix: {error.fix}" if error.fix else ""
            self.app.call_from_thread(
                self.notify, f"Cannot play the sample: {error.message}.{fix}", severity="error"
            )
        except Exception as error:  # a broken voice must not take the editor down
            self.app.call_from_thread(
                self.notify, f"Cannot play the sample: {error}", severity="error"
            )

    def action_save(self) -> None:
        persona = self.persona
        if persona is None:
            self.notify("Fix the invalid fields first; nothing was saved.", severity="warning")
            return
        target = persona_path(persona.id, self.user_dir)
        if persona.id != self._file_id and target.exists():
            question = f"A persona file {target} already exists.\nReplace it?"

            def replace(confirmed: bool | None) -> None:
                if confirmed:
                    self._write(persona)

            self.app.push_screen(ConfirmScreen(question, yes="Replace", no="Cancel"), replace)
            return
        self._write(persona)

    def _write(self, persona: Persona) -> None:
        values = self.current_values()
        try:
            path = save_persona(persona, self.user_dir)
        except OSError as error:
            self.notify(
                f"Could not save to {self.user_dir}: {error.strerror or error}. "
                "Check the directory is writable.",
                severity="error",
                timeout=10,
            )
            return
        self.saved = persona
        self._file_id = persona.id
        self._clean_values = values
        if self._is_shipped(persona.id):
            message = (
                f"Saved {path}. It overrides the shipped persona '{persona.id}'; "
                "the shipped file is unchanged (delete this file to go back to it)."
            )
        else:
            message = f"Saved {path}."
        self.notify(message, title="Persona saved")
        self._show_status()

    def action_back(self) -> None:
        if not self.dirty:
            self.dismiss(self.saved)
            return

        def leave(confirmed: bool | None) -> None:
            if confirmed:
                self.dismiss(self.saved)

        self.app.push_screen(
            ConfirmScreen("Discard unsaved changes?", yes="Discard", no="Keep editing"), leave
        )


class PersonaListScreen(Screen[None]):
    """Every persona with where it comes from; Enter edits, n starts a new one."""

    DEFAULT_CSS = """
    PersonaListScreen #persona-table {
        height: 1fr;
    }
    PersonaListScreen #persona-notes {
        height: auto;
        max-height: 6;
        padding: 0 1;
        color: $warning;
    }
    PersonaListScreen #persona-hint {
        height: auto;
        padding: 0 1;
        color: $text-muted;
    }
    """

    BINDINGS = [
        Binding("enter", "edit", "Edit"),
        Binding("n", "new", "New from selected"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(
        self,
        user_dir: Path | None = None,
        speak: SpeakSample | None = None,
        *,
        shipped_dir: Path | None = None,
    ) -> None:
        super().__init__()
        self.user_dir = user_dir or locations.user_personas_dir()
        self.shipped_dir = shipped_dir or locations.shipped_personas_dir()
        self.speak = speak
        self.loaded: catalog.Loaded[Persona] = catalog.Loaded()

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(
            f"Enter edits, n copies the selected persona. Shipped files are never changed: "
            f"saving writes to {self.user_dir}.",
            id="persona-hint",
        )
        table: DataTable[str] = DataTable(id="persona-table", cursor_type="row")
        table.add_columns("id", "name", "title", "tone", "source")
        yield table
        yield Static(id="persona-notes")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "personas"
        self.reload()
        self.query_one(DataTable).focus()

    def source_of(self, persona_id: str) -> str:
        """'shipped', 'user' or 'user override' (a user file shadowing a shipped one)."""
        path = self.loaded.sources.get(persona_id)
        if path is not None and path.parent.resolve() == self.shipped_dir.resolve():
            return "shipped"
        return "user override" if persona_path(persona_id, self.shipped_dir).is_file() else "user"

    def reload(self, select: str | None = None) -> None:
        """Re-read the persona dirs (a broken file is listed as a note, never fatal)."""
        table = self.query_one(DataTable)
        current = select or self._selected_id()
        self.loaded = catalog.load_dir_chain([self.shipped_dir, self.user_dir], Persona)
        table.clear()
        for persona in sorted(self.loaded.items.values(), key=lambda p: p.id):
            table.add_row(
                persona.id,
                persona.name,
                persona.title,
                persona.tone.value,
                self.source_of(persona.id),
                key=persona.id,
            )
        if current is not None and current in self.loaded.items:
            table.move_cursor(row=table.get_row_index(current))
        # Escaped: messages quote fields like criteria[requirements] and id patterns.
        notes = [f"skipped broken file: {escape(error.message)}" for error in self.loaded.errors]
        self.query_one("#persona-notes", Static).update("\n".join(notes))

    def _selected_id(self) -> str | None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return row_key.value

    def selected(self) -> Persona | None:
        selected_id = self._selected_id()
        return self.loaded.items.get(selected_id) if selected_id else None

    @on(DataTable.RowSelected)
    def _row_selected(self) -> None:
        self.action_edit()

    def action_edit(self) -> None:
        persona = self.selected()
        if persona is not None:
            self._open(persona, unsaved=False)

    def action_new(self) -> None:
        """A copy of the selected persona under a fresh id, unsaved until ctrl+s."""
        template = self.selected()
        if template is None:
            template = Persona(id="my-persona", name="Alex", title="Senior Software Engineer")
        copy = template.model_copy(update={"id": self._fresh_id(template.id)})
        self._open(copy, unsaved=True)

    def _fresh_id(self, base: str) -> str:
        stem = f"{base[:50]}-copy"
        candidate, number = stem, 2
        while candidate in self.loaded.items or persona_path(candidate, self.user_dir).exists():
            candidate, number = f"{stem}-{number}", number + 1
        return candidate

    def _open(self, persona: Persona, *, unsaved: bool) -> None:
        def refresh(saved: Persona | None) -> None:
            self.reload(select=saved.id if saved else None)

        editor = PersonaEditorScreen(
            persona, self.user_dir, self.speak, shipped_dir=self.shipped_dir, unsaved=unsaved
        )
        self.app.push_screen(editor, refresh)

    def action_back(self) -> None:
        self.dismiss(None)
