"""Drill rounds as the app and ``interviewer drill`` both run them.

``plan_next`` reads every saved session, ranks the checklist items by how often and how
recently they were missed (``core.drills``) and lays out a drill session; ``answer``
records one answer as two turns (the prompt, the answer), scores it on its item alone
and saves the session, so a drill interrupted half way keeps what was answered.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from interviewer.adapters.store.files import FileSessionStore
from interviewer.catalog import Loaded
from interviewer.core.content import Rubric
from interviewer.core.drills import (
    DRILL_ITEMS,
    ItemHistory,
    drill_weight,
    item_histories,
    plan_drill,
    score_drill_answer,
    select_items,
)
from interviewer.core.ports import SentenceSimilarity
from interviewer.core.scoring import Evaluation
from interviewer.core.session import (
    DrillItem,
    Session,
    SessionKind,
    SessionStatus,
    Speaker,
    Turn,
    TurnKind,
    Word,
)
from interviewer.errors import InterviewerError
from interviewer.evaluation import load_evaluation
from interviewer.simulation import SPOKEN_WORDS_PER_SECOND

DRILL_ID = "drill"
"""Drill sessions are named ``<date>-drill``."""


@dataclass(frozen=True)
class History:
    """Every readable saved session, split into scored full rounds and drills."""

    rounds: list[tuple[Session, Evaluation]]
    drills: list[Session]

    def items(self) -> dict[tuple[str, str, str], ItemHistory]:
        return item_histories(self.rounds, self.drills)


def read_history(store: FileSessionStore) -> History:
    rounds: list[tuple[Session, Evaluation]] = []
    drills: list[Session] = []
    for session_id in store.list_ids():
        try:
            session = store.load(session_id)
        except InterviewerError:
            continue  # `interviewer sessions` lists it as broken
        if session.kind is SessionKind.DRILL:
            drills.append(session)
            continue
        evaluation = load_evaluation(store, session_id)
        if evaluation is not None:
            rounds.append((session, evaluation))
    return History(rounds, drills)


@dataclass(frozen=True)
class Pick:
    history: ItemHistory
    weight: float


def next_picks(
    history: History, *, now: datetime | None = None, count: int = DRILL_ITEMS
) -> list[Pick]:
    """The items the next drill practises, with their weights (for ``--plan``)."""
    moment = now or datetime.now(UTC)
    return [Pick(h, drill_weight(h, moment)) for h in select_items(history.items(), moment, count)]


def plan_next(
    store: FileSessionStore,
    rubrics: Loaded[Rubric],
    persona_id: str,
    *,
    now: datetime | None = None,
    count: int = DRILL_ITEMS,
) -> Session:
    """A new drill session (not saved yet) on the items that most need practice."""
    history = read_history(store)
    picks = next_picks(history, now=now, count=count)
    if not picks:
        raise InterviewerError(
            "nothing to drill yet: no scored round has missed a checklist item "
            "(or every missed item is resting after three hits in a row)",
            fix="practise and score a full round first: `interviewer practice`",
        )
    rubric = rubrics.get(picks[0].history.key[0], "rubric")
    session = plan_drill(rubric, [p.history for p in picks], store.new_id(DRILL_ID), persona_id)
    if history.rounds:
        latest = max(history.rounds, key=lambda pair: pair[0].created_at)[0]
        session.level = latest.level
    return session


def answer(
    store: FileSessionStore,
    session: Session,
    index: int,
    rubric: Rubric,
    text: str,
    *,
    words: Sequence[Word] = (),
    duration: float | None = None,
    audio_file: str | None = None,
    similarity: SentenceSimilarity | None = None,
) -> DrillItem:
    """Record the answer to item ``index`` and score it on that item; saves the session."""
    item = session.drill_items[index]
    now = session.duration
    prompt_seconds = len(item.prompt.split()) / SPOKEN_WORDS_PER_SECOND
    session.turns.append(
        Turn(
            index=len(session.turns),
            speaker=Speaker.INTERVIEWER,
            kind=TurnKind.PROBE,
            text=item.prompt,
            started_at=now,
            duration=prompt_seconds,
            probe_id=item.item_id,
            criterion_id=item.criterion_id,
        )
    )
    spoken = duration if duration is not None else len(text.split()) / SPOKEN_WORDS_PER_SECOND
    turn = Turn(
        index=len(session.turns),
        speaker=Speaker.CANDIDATE,
        kind=TurnKind.ANSWER,
        text=text.strip(),
        started_at=now + prompt_seconds,
        duration=spoken,
        audio_file=audio_file,
        words=list(words),
        criterion_id=item.criterion_id,
    )
    session.turns.append(turn)
    scored = score_drill_answer(rubric, item, turn, similarity=similarity)
    session.drill_items[index] = scored
    store.save(session)
    return scored


def finish(store: FileSessionStore, session: Session) -> None:
    """Mark the drill done. Items never answered stay unscored: they count for nothing."""
    session.status = SessionStatus.COMPLETE
    store.save(session)
