"""What review shows about many rounds: the session list, trends, and what keeps missing.

Pure functions over ``Session`` and ``Evaluation`` values, so the list's sorting and
filtering, the trend series and the "most often missed" ranking are tested without a
terminal, and ``interviewer sessions`` and the app can never disagree about them.
Every trend is on the 0-100 scale (criterion levels map to it the way scoring does), so
the overall score and each criterion can share one axis.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from interviewer.core.scoring import Evaluation
from interviewer.core.session import Session, SessionKind, Word

__all__ = [
    "SORT_KEYS",
    "CriterionChange",
    "MissedItem",
    "SessionRow",
    "Trend",
    "TrendPoint",
    "broken_row",
    "compare",
    "current_word_index",
    "filter_rows",
    "most_missed",
    "session_row",
    "sort_rows",
    "trends",
]

BROKEN = "broken"

SORT_KEYS: tuple[str, ...] = ("date", "score", "question", "persona", "rubric", "duration")
"""The columns the list can be sorted by, in the order the sort key cycles through them."""


@dataclass(frozen=True)
class SessionRow:
    """One line of the session list. A broken ``session.json`` still gets a row."""

    id: str
    created_at: datetime | None
    persona: str = ""
    rubric: str = ""
    question: str = ""
    level: str = ""
    overall: int | None = None
    duration: float = 0.0
    status: str = BROKEN
    error: str | None = None
    """Why the session could not be read; set only for broken rows."""

    @property
    def broken(self) -> bool:
        return self.error is not None

    def cells(self) -> tuple[str, ...]:
        """date, persona, rubric, question, level, score, duration, status, as shown."""
        date = self.created_at.astimezone().strftime("%Y-%m-%d %H:%M") if self.created_at else ""
        if self.broken:
            return (date or self.id, "", "", self.error or "", "", "", "", BROKEN)
        score = "—" if self.overall is None else str(self.overall)
        minutes, seconds = divmod(int(self.duration), 60)
        return (
            date,
            self.persona,
            self.rubric,
            self.question,
            self.level,
            score,
            f"{minutes}:{seconds:02d}",
            self.status,
        )

    def matches(self, text: str) -> bool:
        """True when every whitespace-separated term of ``text`` is in some column."""
        haystack = " ".join((self.id, *self.cells())).lower()
        return all(term in haystack for term in text.lower().split())


def session_row(session: Session, evaluation: Evaluation | None) -> SessionRow:
    """A drill's score is the share of its items shown (it has no evaluation)."""
    drill = session.kind is SessionKind.DRILL
    return SessionRow(
        id=session.id,
        created_at=session.created_at,
        persona=session.persona_id,
        rubric=session.rubric_id,
        question=f"drill: {len(session.drill_items)} items" if drill else session.question_id,
        level=session.level.value,
        overall=session.drill_score if drill else evaluation.overall if evaluation else None,
        duration=session.duration,
        status=session.status.value,
    )


def broken_row(session_id: str, error: str) -> SessionRow:
    return SessionRow(id=session_id, created_at=None, error=error)


def filter_rows(rows: Iterable[SessionRow], text: str) -> list[SessionRow]:
    return [row for row in rows if row.matches(text)]


def sort_rows(
    rows: Iterable[SessionRow], key: str, *, descending: bool = False
) -> list[SessionRow]:
    """Rows ordered by ``key`` (one of ``SORT_KEYS``); ties and unscored rows keep id order.

    Broken rows and rows without a value always go last, whichever the direction: they
    are what a user looks for least when sorting.
    """
    if key not in SORT_KEYS:
        raise ValueError(f"unknown sort key {key!r}; use one of {', '.join(SORT_KEYS)}")

    def value(row: SessionRow) -> str | float | None:
        if row.broken:
            return None
        if key == "date":
            return row.created_at.timestamp() if row.created_at else None
        if key == "score":
            return None if row.overall is None else float(row.overall)
        if key == "duration":
            return row.duration
        text: str = getattr(row, key)
        return text.lower()

    by_id = sorted(rows, key=lambda r: r.id)
    present = [r for r in by_id if value(r) is not None]
    absent = [r for r in by_id if value(r) is None]
    present.sort(key=lambda r: value(r), reverse=descending)  # type: ignore[arg-type, return-value]
    return present + absent


# ---------------------------------------------------------------------- trends


@dataclass(frozen=True)
class TrendPoint:
    session_id: str
    created_at: datetime
    value: int
    """0-100."""
    level: int | None = None
    """The criterion level (1-4); None for the overall series."""
    drill: bool = False
    """A drill round: its value is the share of its items shown, not a round's overall."""


@dataclass(frozen=True)
class Trend:
    """One series over time: ``overall`` or a criterion id."""

    id: str
    title: str
    points: list[TrendPoint] = field(default_factory=list)

    @property
    def values(self) -> list[int]:
        return [p.value for p in self.points]

    @property
    def change(self) -> int | None:
        """Last minus first value; None with fewer than two points."""
        return self.points[-1].value - self.points[0].value if len(self.points) > 1 else None


OVERALL = "overall"


def trends(
    scored: Sequence[tuple[Session, Evaluation]], drills: Sequence[Session] = ()
) -> list[Trend]:
    """The overall series first, then one per criterion in order of first appearance.

    Sessions are ordered by when they were recorded; a criterion's series holds only the
    sessions whose rubric has it (rounds on different rubrics share criteria such as
    ``tradeoffs``). Scored ``drills`` join the overall series as points marked ``drill``;
    they judge items, not criterion levels, so no criterion series has them.
    """
    rounds: list[tuple[Session, Evaluation | None]] = list(scored)
    rounds += [(d, None) for d in drills if d.drill_score is not None]
    ordered = sorted(rounds, key=lambda pair: (pair[0].created_at, pair[0].id))
    overall = Trend(OVERALL, "Overall")
    by_id: dict[str, Trend] = {}
    for session, evaluation in ordered:
        if evaluation is None:
            value = session.drill_score or 0
            overall.points.append(TrendPoint(session.id, session.created_at, value, drill=True))
            continue
        overall.points.append(TrendPoint(session.id, session.created_at, evaluation.overall))
        for criterion in evaluation.criteria:
            trend = by_id.setdefault(criterion.id, Trend(criterion.id, criterion.title))
            trend.points.append(
                TrendPoint(session.id, session.created_at, criterion.score, criterion.level)
            )
    return [overall, *by_id.values()]


@dataclass(frozen=True)
class MissedItem:
    """A checklist item expected at the candidate's level and not shown, and how often."""

    item_id: str
    description: str
    criterion: str
    count: int
    sessions: int
    """How many scored sessions could have shown it (their rubric has the item)."""


def most_missed(
    evaluations: Iterable[Evaluation], limit: int = 5, drills: Iterable[Session] = ()
) -> list[MissedItem]:
    """Items missed most often, most first; ties by the share of chances missed, then id.

    Each scored drill item is one more chance at the item, and a miss when not shown."""
    counts: dict[str, int] = {}
    chances: dict[str, int] = {}
    about: dict[str, tuple[str, str]] = {}
    for drill in drills:
        for item in drill.drill_items:
            if item.hit is None:
                continue
            chances[item.item_id] = chances.get(item.item_id, 0) + 1
            if not item.hit:
                counts[item.item_id] = counts.get(item.item_id, 0) + 1
                about.setdefault(item.item_id, (item.description, item.criterion_id))
    for evaluation in evaluations:
        for criterion in evaluation.criteria:
            seen = {q.item_id for q in criterion.evidence}
            for item_id, description in zip(
                criterion.missing, criterion.missing_descriptions, strict=False
            ):
                counts[item_id] = counts.get(item_id, 0) + 1
                about[item_id] = (description, criterion.title)
            for item_id in seen | set(criterion.missing):
                chances[item_id] = chances.get(item_id, 0) + 1
    ranked = sorted(
        counts,
        key=lambda i: (-counts[i], -counts[i] / max(1, chances.get(i, 1)), i),
    )
    return [
        MissedItem(i, about[i][0], about[i][1], counts[i], chances.get(i, counts[i]))
        for i in ranked[:limit]
    ]


# ---------------------------------------------------------------------- comparing two rounds


@dataclass(frozen=True)
class CriterionChange:
    """One criterion in two rounds: the levels, and which checklist items came and went."""

    criterion_id: str
    title: str
    before: int | None
    """Level in the earlier round; None when its rubric has no such criterion."""
    after: int | None
    gained: list[str]
    """Descriptions of items evidenced now and not before."""
    lost: list[str]

    @property
    def delta(self) -> int | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


def compare(before: Evaluation, after: Evaluation) -> list[CriterionChange]:
    """Criterion by criterion, in the later round's order (then any only the earlier had)."""
    earlier = {c.id: c for c in before.criteria}
    later = {c.id: c for c in after.criteria}
    order = [c.id for c in after.criteria] + [i for i in earlier if i not in later]
    changes: list[CriterionChange] = []
    for criterion_id in order:
        old, new = earlier.get(criterion_id), later.get(criterion_id)
        old_items = {q.item_id: q.item for q in old.evidence} if old else {}
        new_items = {q.item_id: q.item for q in new.evidence} if new else {}
        title = new.title if new else old.title if old else criterion_id
        changes.append(
            CriterionChange(
                criterion_id=criterion_id,
                title=title,
                before=old.level if old else None,
                after=new.level if new else None,
                gained=[d for i, d in new_items.items() if i not in old_items],
                lost=[d for i, d in old_items.items() if i not in new_items],
            )
        )
    return changes


# ---------------------------------------------------------------------- playback


def current_word_index(words: Sequence[Word], position: float) -> int | None:
    """The word being heard at ``position`` seconds into the turn audio.

    That is the last word that has started; during a pause after a word it stays lit,
    so the highlight does not flicker between words. None before the first word.
    """
    current: int | None = None
    for index, word in enumerate(words):
        if word.start <= position:
            current = index
        else:
            break
    return current
