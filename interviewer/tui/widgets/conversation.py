"""The running conversation: finished turns plus the candidate's live partial text."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from interviewer.core.session import Speaker


class TurnView(Static):
    """One finished turn."""

    DEFAULT_CSS = """
    TurnView { margin: 0 0 1 0; height: auto; }
    TurnView.interviewer { color: $text; }
    TurnView.candidate { color: $text-accent; }
    TurnView.note { color: $warning; text-style: italic; }
    """

    def __init__(self, speaker: Speaker, text: str, label: str) -> None:
        body = Text.assemble((f"{label}: ", "bold"), text)
        super().__init__(body, classes=speaker.value)


class Conversation(VerticalScroll):
    """Turns as they happen, newest at the bottom, auto-scrolled."""

    DEFAULT_CSS = """
    Conversation { height: 1fr; border: round $primary-darken-1; padding: 0 1; }
    Conversation #partial { color: $text-muted; height: auto; }
    """

    def __init__(self, interviewer_name: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.interviewer_name = interviewer_name

    def compose(self) -> ComposeResult:
        yield Static("", id="partial")

    def add_turn(self, speaker: Speaker, text: str) -> None:
        if not self.is_attached:  # a worker's message after the screen closed
            return
        label = self.interviewer_name if speaker is Speaker.INTERVIEWER else "You"
        self.mount(TurnView(speaker, text, label), before=self.query_one("#partial"))
        self.set_partial("")
        self.scroll_end(animate=False)

    def add_note(self, text: str) -> None:
        if not self.is_attached:
            return
        note = Static(Text(text), classes="note")
        self.mount(note, before=self.query_one("#partial"))
        self.scroll_end(animate=False)

    def set_partial(self, text: str) -> None:
        partial = self.query_one("#partial", Static)
        partial.update(Text(f"You (live): {text}…") if text else "")
        if text:
            self.scroll_end(animate=False)
