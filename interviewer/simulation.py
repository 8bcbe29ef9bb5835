"""A whole round without a UI: ``interviewer simulate`` and the tests use it.

Each prepared answer is one candidate turn. The round's clock is simulated (it advances
by each answer's spoken duration plus the interviewer's lines), so the engine's time
budget behaves as in a live round and a run is reproducible.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from interviewer.adapters.store.files import FileSessionStore
from interviewer.core.content import Level, Persona, Question, Rubric
from interviewer.core.engine import EngineConfig, InterviewEngine, InterviewerEvent, Say
from interviewer.core.ports import ChatModel
from interviewer.core.session import SessionStatus, Word
from interviewer.llm_runtime import model_name_or_none

SPOKEN_WORDS_PER_SECOND = 2.5
"""About 150 words a minute: how long a typed answer would take to say."""


@dataclass(frozen=True)
class PreparedAnswer:
    """One candidate turn, already transcribed when it came from audio."""

    source: Path
    text: str
    duration: float
    words: list[Word] = field(default_factory=list)
    audio: Path | None = None
    """The audio file the text came from; copied into the session folder."""

    @classmethod
    def from_text(cls, source: Path, text: str) -> PreparedAnswer:
        return cls(source, text.strip(), len(text.split()) / SPOKEN_WORDS_PER_SECOND)


@dataclass(frozen=True)
class SimulatedRound:
    session_dir: Path
    session_id: str
    events: list[InterviewerEvent]


EventSink = Callable[[InterviewerEvent], None]


def simulate_round(
    *,
    store: FileSessionStore,
    persona: Persona,
    rubric: Rubric,
    question: Question,
    level: Level,
    chat: ChatModel | None,
    answers: Sequence[PreparedAnswer],
    round_minutes: float,
    on_event: EventSink | None = None,
) -> SimulatedRound:
    """Run the round, saving the session after every turn (as a live round does)."""
    now = [0.0]
    session_id = store.new_id(question.id)
    engine = InterviewEngine(
        persona=persona,
        rubric=rubric,
        question=question,
        level=level,
        chat=chat,
        session_id=session_id,
        config=EngineConfig(round_seconds=round_minutes * 60),
        clock=lambda: now[0],
        on_answer_recorded=store.save,
    )
    engine.session.llm_model = model_name_or_none(chat)
    store.claim(session_id)
    all_events: list[InterviewerEvent] = []

    def handle(events: list[InterviewerEvent]) -> None:
        for event in events:
            all_events.append(event)
            if isinstance(event, Say):
                now[0] += len(event.text.split()) / SPOKEN_WORDS_PER_SECOND
            if on_event is not None:
                on_event(event)
        store.save(engine.session)

    try:
        handle(engine.start())
        for answer in answers:
            if engine.finished:
                break
            audio_name = None
            if answer.audio is not None:
                index = len(engine.session.turns)
                target = store.audio_path(session_id, index, answer.audio.suffix.lower())
                shutil.copyfile(answer.audio, target)
                target.chmod(0o600)
                audio_name = target.name
            now[0] += answer.duration
            handle(
                engine.on_candidate_turn(
                    answer.text,
                    answer.words,
                    duration=answer.duration,
                    audio_file=audio_name,
                )
            )
        if not engine.finished:
            handle(engine.end_round("the prepared answers ran out"))
        engine.session.status = SessionStatus.COMPLETE
        store.save(engine.session)
    finally:
        store.release(session_id)
    return SimulatedRound(store.session_dir(session_id), session_id, all_events)
