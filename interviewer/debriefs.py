"""The debrief of one saved round, as the app and ``interviewer debrief`` both run it.

Loads what the debrief stands on (the session, its saved evaluation, its rubric and
persona), asks one question through ``core.debrief``, and saves the exchange in the
session's ``session.json`` so it is there the next time the round is opened.
"""

from __future__ import annotations

from dataclasses import dataclass

from interviewer import catalog
from interviewer.adapters.llm.openai_chat import OpenAIChatModel
from interviewer.adapters.store.files import FileSessionStore
from interviewer.core.content import Persona
from interviewer.core.debrief import DebriefContext, answer_question, build_context
from interviewer.core.ports import ChatModel
from interviewer.core.session import DebriefExchange, SessionKind
from interviewer.errors import InterviewerError
from interviewer.evaluation import load_evaluation

DEBRIEF_TIMEOUT_SECONDS = 180.0
"""After the round nobody is mid-answer waiting, and the debrief prompt is long (the
round's facts, about 1,100 tokens): the embedded model on a loaded 2-core machine took
over the round's 30 s just to read it, so a debrief reply may take this long."""


def patient(chat: ChatModel | None) -> ChatModel | None:
    """``chat`` with the debrief's reply budget, when it is an endpoint with a shorter one."""
    if isinstance(chat, OpenAIChatModel) and chat.timeout < DEBRIEF_TIMEOUT_SECONDS:
        return chat.with_timeout(DEBRIEF_TIMEOUT_SECONDS)
    return chat


@dataclass
class Debrief:
    """One round opened for a debrief; ``ask`` adds an exchange and saves it."""

    store: FileSessionStore
    context: DebriefContext
    persona: Persona

    @property
    def exchanges(self) -> list[DebriefExchange]:
        return self.context.session.debrief

    def ask(self, question: str, chat: ChatModel | None) -> DebriefExchange:
        if not question.strip():
            raise InterviewerError("the question is empty", fix="type a question about the round")
        session = self.context.session
        exchange = answer_question(
            self.context, self.persona, question, chat=patient(chat), history=session.debrief
        )
        session.debrief.append(exchange)
        self.store.save(session)
        return exchange


def open_debrief(store: FileSessionStore, session_id: str) -> Debrief:
    """The round ``session_id`` ready to be asked about. It must be a scored round: the
    debrief explains the evaluation and never makes one up."""
    session = store.load(session_id)
    if session.kind is SessionKind.DRILL:
        raise InterviewerError(
            f"{session_id} is a drill, not a round: a drill's result is per item",
            fix="debrief a full round (`interviewer sessions` lists them)",
        )
    evaluation = load_evaluation(store, session_id)
    if evaluation is None:
        raise InterviewerError(
            f"{session_id} has not been scored, so there is nothing to debrief yet",
            fix=f"score it first: `interviewer report {session_id}` (or s in review)",
        )
    rubrics = catalog.load_rubrics()
    try:
        rubric = rubrics.get(evaluation.rubric, "rubric")
    except InterviewerError:
        rubric = None  # removed since: the debrief says what the evaluation says
    personas = catalog.load_personas()
    try:
        persona = personas.get(session.persona_id, "persona")
    except InterviewerError:
        persona = sorted(personas.items.values(), key=lambda p: p.id)[0]
    return Debrief(store, build_context(session, evaluation, rubric), persona)
