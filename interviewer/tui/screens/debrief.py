"""The debrief: ask the interviewer about a scored round, after it.

Opened with b from the round's feedback (or ``interviewer debrief``). A question is
typed, or spoken (f5 starts and stops the microphone; the app's Whisper transcribes it
into the box). Each is answered in a worker thread (the LLM is slow on a laptop CPU) by
``Debrief.ask``: the persona's reply after the grounding guard, or the evaluation's own
answer, shown and said in the persona's voice. The words of the candidate an answer
rests on are listed under the conversation; Enter on one plays the recording from that
moment.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, OptionList, Static
from textual.widgets.option_list import Option

from interviewer.adapters.audio.playback import AudioPlayer
from interviewer.adapters.store.files import FileSessionStore
from interviewer.core.ports import ChatModel
from interviewer.core.report import clock
from interviewer.core.session import DebriefExchange, QuoteRef
from interviewer.debriefs import Debrief, open_debrief
from interviewer.errors import InterviewerError
from interviewer.services import ClosableSpeaker, Services
from interviewer.tui.push_to_talk import PushToTalk

if TYPE_CHECKING:
    from interviewer.tui.app import InterviewerApp

__all__ = ["DebriefScreen", "OpenChat", "app_chat"]

OpenChat = Callable[[], ChatModel | None]
"""Gives the chat model to answer with (slow the first time: call it in a worker), or
None when there is none: answers then come from the evaluation alone."""

EXAMPLE_QUESTIONS = (
    "Why did I get that level on tradeoffs?",
    "What would a staff answer have said?",
    "What should I practise first?",
)


def _default_player() -> AudioPlayer:
    from interviewer.adapters.audio.playback import SoundDevicePlayer

    return SoundDevicePlayer()


def app_chat(app: InterviewerApp) -> ChatModel | None:
    """The app's LLM, started once per app and shared with practice rounds; None when it
    cannot be started (the reason is in the debrief's dropped notes). Call in a worker."""
    chat = cast("ChatModel | None", app.shared_backend("chat"))
    if chat is not None:
        return chat
    try:
        chat, close, _ = app.services.open_chat(lambda done, total: None)
    except InterviewerError:
        return None
    app.call_from_thread(app.add_closer, close)
    app.call_from_thread(app.keep_backend, "chat", chat)
    return chat


class DebriefScreen(Screen[None]):
    """A typed conversation about one round, with its quotes playable."""

    DEFAULT_CSS = """
    DebriefScreen #debrief-intro {
        height: auto;
        padding: 0 1;
        background: $boost;
    }
    DebriefScreen #debrief-log {
        height: 1fr;
        padding: 0 1;
    }
    DebriefScreen .exchange {
        height: auto;
        margin-bottom: 1;
    }
    DebriefScreen #debrief-quotes {
        height: auto;
        max-height: 8;
    }
    DebriefScreen #debrief-status {
        height: auto;
        padding: 0 1;
        color: $text-muted;
    }
    """

    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("f5", "talk", "Speak / done", priority=True),
        Binding("ctrl+o", "focus_quotes", "Quotes"),
    ]

    class Answered(Message):
        """Posted by the worker with the exchange it saved."""

        def __init__(self, exchange: DebriefExchange) -> None:
            super().__init__()
            self.exchange = exchange

    class Heard(Message):
        """Posted by the listening worker with what Whisper heard ('' for nothing)."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class Failed(Message):
        def __init__(self, reason: str) -> None:
            super().__init__()
            self.reason = reason

    def __init__(
        self,
        store: FileSessionStore,
        session_id: str,
        *,
        open_chat: OpenChat | None = None,
        make_player: Callable[[], AudioPlayer] | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.session_id = session_id
        self.open_chat = open_chat
        self.make_player = make_player or _default_player
        self.debrief: Debrief | None = None
        self.player: AudioPlayer | None = None
        self.quotes: dict[str, QuoteRef] = {}
        """The quote list's option ids and what each plays."""
        self._chat: ChatModel | None = None
        self._chat_opened = False
        self.talk = PushToTalk()
        self._speaker: ClosableSpeaker | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="debrief-intro")
        with VerticalScroll(id="debrief-log"):
            yield Static(id="debrief-empty", classes="exchange")
        yield Static("Your words behind the answers · Enter plays", id="debrief-quotes-title")
        yield OptionList(id="debrief-quotes")
        yield Static("", id="debrief-status")
        yield Input(placeholder="Ask about this round, then Enter", id="debrief-input")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"debrief · {self.session_id}"
        intro = self.query_one("#debrief-intro", Static)
        try:
            self.debrief = open_debrief(self.store, self.session_id)
        except InterviewerError as error:
            fix = f" Fix: {error.fix}" if error.fix else ""
            intro.update(Text(f"Cannot debrief: {error.message}.{fix}", style="bold red"))
            self.query_one(Input).disabled = True
            return
        evaluation = self.debrief.context.evaluation
        question = self.debrief.context.question
        title = question.title if question else self.debrief.context.session.question_id
        intro.update(
            Text.assemble(
                (f"Debrief with {self.debrief.persona.name}", "bold"),
                f" · {title} · {evaluation.overall}/100\n",
                (
                    "Ask why a criterion got its level or what a stronger answer would say, "
                    "e.g. “" + "”, “".join(EXAMPLE_QUESTIONS) + "”. Answers quote your "
                    "own words; the levels stay as scored.",
                    "dim",
                ),
            )
        )
        for exchange in self.debrief.exchanges:
            self._show(exchange)
        self.query_one(Input).focus()

    def on_unmount(self) -> None:
        self.talk.stop()
        if self.player is not None:
            self.player.stop()
        if self._speaker is not None:
            self._speaker.close()

    # ------------------------------------------------------------------ asking

    @on(Input.Submitted, "#debrief-input")
    def _submitted(self, event: Input.Submitted) -> None:
        self._ask_typed(event.input)

    def _ask_typed(self, box: Input) -> None:
        question = box.value.strip()
        if not question or self.debrief is None:
            return
        box.value = ""
        box.disabled = True
        self.query_one("#debrief-status", Static).update(
            f"{self.debrief.persona.name} is thinking…"
        )
        self.ask(question)

    @work(thread=True, exclusive=True, exit_on_error=False, group="debrief")
    def ask(self, question: str) -> None:
        assert self.debrief is not None
        try:
            if not self._chat_opened:
                self._chat = self._open_chat()
                self._chat_opened = True
            exchange = self.debrief.ask(question, self._chat)
        except InterviewerError as error:
            self.post_message(self.Failed(error.message))
            return
        self.post_message(self.Answered(exchange))

    def _open_chat(self) -> ChatModel | None:
        if self.open_chat is not None:
            return self.open_chat()
        from interviewer.tui.app import InterviewerApp

        return app_chat(self.app) if isinstance(self.app, InterviewerApp) else None

    def on_debrief_screen_answered(self, message: Answered) -> None:
        self._show(message.exchange)
        note = (
            ""
            if message.exchange.source == "model"
            else "Answered from the evaluation alone (no model, or its reply was not grounded)."
        )
        self.query_one("#debrief-status", Static).update(note)
        box = self.query_one(Input)
        box.disabled = False
        box.focus()
        self.say(message.exchange.answer)

    # ------------------------------------------------------------------ voice

    def _services(self) -> Services | None:
        from interviewer.tui.app import InterviewerApp

        return self.app.services if isinstance(self.app, InterviewerApp) else None

    @work(thread=True, exclusive=True, exit_on_error=False, group="debrief-voice")
    def say(self, text: str) -> None:
        """The answer in the persona's voice (silent when the app has no voice)."""
        services = self._services()
        if services is None or self.debrief is None:
            return
        try:
            if self._speaker is None:
                self._speaker = services.open_speaker(self.debrief.persona)
            self._speaker.say(text)
        except InterviewerError:
            return  # the answer is on screen; the voice is a bonus

    def action_talk(self) -> None:
        status = self.query_one("#debrief-status", Static)
        if self.talk.listening:
            self.talk.stop()
            status.update("Transcribing…")
            return
        if self.debrief is None or self.query_one(Input).disabled:
            return
        if self._services() is None:
            status.update("Speaking needs the app's microphone: type the question.")
            return
        if self._speaker is not None:
            self._speaker.stop()  # barge-in, as in the round
        self.talk.listening = True
        status.update("Listening… press f5 again when you are done.")
        self.listen()

    @work(thread=True, exclusive=True, exit_on_error=False, group="debrief-listen")
    def listen(self) -> None:
        """Record until f5 again, then transcribe with the rubric's glossary."""
        services = self._services()
        assert services is not None and self.debrief is not None
        rubric = self.debrief.context.rubric
        try:
            heard = self.talk.record(services, rubric.glossary if rubric else ())
        except InterviewerError as error:
            fix = f" ({error.fix})" if error.fix else ""
            self.post_message(self.Failed(f"Cannot listen: {error.message}{fix}"))
            return
        self.post_message(self.Heard(heard.text))

    def on_debrief_screen_heard(self, message: Heard) -> None:
        if not message.text.strip():
            self.query_one("#debrief-status", Static).update("Heard nothing: speak up, or type.")
            return
        box = self.query_one(Input)
        box.value = message.text.strip()
        self._ask_typed(box)

    def on_debrief_screen_failed(self, message: Failed) -> None:
        self.query_one("#debrief-status", Static).update(Text(message.reason, style="red"))
        self.query_one(Input).disabled = False

    def _show(self, exchange: DebriefExchange) -> None:
        self.query_one("#debrief-empty", Static).display = False
        name = self.debrief.persona.name if self.debrief else "Interviewer"
        text = Text.assemble(("You: ", "bold"), exchange.asked, "\n", (f"{name}: ", "bold cyan"))
        text.append(exchange.answer)
        log = self.query_one("#debrief-log", VerticalScroll)
        log.mount(Static(text, classes="exchange"))
        log.scroll_end(animate=False)
        quotes = self.query_one("#debrief-quotes", OptionList)
        for quote in exchange.quotes:
            option_id = f"quote-{len(self.quotes)}"
            self.quotes[option_id] = quote
            when = clock(quote.start) or "--:--"
            quotes.add_option(
                Option(
                    Text.assemble((f"{when} ", "bold cyan"), (f"“{quote.quote}”", "italic")),
                    id=option_id,
                )
            )

    # ------------------------------------------------------------------ playing

    @on(OptionList.OptionSelected, "#debrief-quotes")
    def _quote_chosen(self, event: OptionList.OptionSelected) -> None:
        quote = self.quotes.get(event.option.id or "")
        if quote is not None:
            self.play(quote)

    def play(self, quote: QuoteRef) -> None:
        """Play the quote's turn from the quoted moment."""
        status = self.query_one("#debrief-status", Static)
        session = self.debrief.context.session if self.debrief else None
        turn = (
            next((t for t in session.turns if t.index == quote.turn_index), None)
            if session
            else None
        )
        path = self._audio(turn.audio_file if turn else None)
        if turn is None or path is None:
            status.update("No audio for this quote (a typed answer, or its audio is missing).")
            return
        try:
            if self.player is None:
                self.player = self.make_player()
            offset = max(0.0, (quote.start or turn.started_at) - turn.started_at)
            self.player.play(path, offset)
        except Exception as error:  # PortAudio missing, a damaged file: say so, keep going
            status.update(Text(f"Cannot play audio: {error}", style="red"))
            return
        status.update(f"Playing from {clock(quote.start) or '--:--'}: “{quote.quote}”")

    def _audio(self, name: str | None) -> Path | None:
        if not name:
            return None
        path = self.store.session_dir(self.session_id) / name
        return path if path.is_file() else None

    def action_focus_quotes(self) -> None:
        self.query_one("#debrief-quotes", OptionList).focus()

    def action_back(self) -> None:
        self.dismiss(None)
