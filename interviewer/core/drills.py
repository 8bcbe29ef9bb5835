"""Drill rounds: short practice on the checklist items a candidate keeps missing.

Every scored round says, per checklist item expected at the candidate's level, whether
it was shown (evidence) or missed; every drill says it for the items it asked about.
``item_histories`` gathers those outcomes over time, ``drill_weight`` ranks the items,
and ``select_items`` picks the next drill's few.

The weight is the sum of the item's misses, each counted by how recent it is (a miss
``HALF_LIFE_DAYS`` ago counts half), halved for every hit since the last miss: often
and recently missed comes first, and practice that works lowers it. An item shown
``REST_AFTER_HITS`` times in a row rests for ``REST_DAYS`` after the last of them
(spaced repetition: practised enough for now, checked again later).

A drill asks one targeted prompt per item, set in the scenario where it was missed, and
scores the answer on that item only, with the same evidence finder full rounds use
(``scoring.find_items``), so a drill hit means what a round hit means.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from interviewer.core.content import ChecklistItem, Probe, Question, Rubric
from interviewer.core.evidence import FUNCTION_WORDS, ScoredText, stem
from interviewer.core.ports import SentenceSimilarity
from interviewer.core.scoring import Evaluation, find_items
from interviewer.core.session import DrillItem, QuoteRef, Session, SessionKind, Turn

__all__ = [
    "DRILL_ITEMS",
    "HALF_LIFE_DAYS",
    "REST_AFTER_HITS",
    "REST_DAYS",
    "ItemHistory",
    "ItemKey",
    "Outcome",
    "drill_prompt",
    "drill_weight",
    "item_histories",
    "score_drill_answer",
    "select_items",
]

DRILL_ITEMS = 4
"""Items per drill: about a minute each makes the 3-5 minute round the issue asks for."""
MAX_PER_CRITERION = 2
"""A drill spreads over criteria: practising four items of one criterion in a row is a
lecture on it, not a drill."""
HALF_LIFE_DAYS = 7.0
"""A miss this many days old weighs half a miss today."""
HIT_DISCOUNT = 0.5
"""Each hit since the last miss multiplies the weight by this."""
REST_AFTER_HITS = 3
REST_DAYS = 7.0

ItemKey = tuple[str, str, str]
"""(rubric id, criterion id, item id)."""


@dataclass(frozen=True)
class Outcome:
    when: datetime
    hit: bool
    session_id: str
    drill: bool


@dataclass
class ItemHistory:
    """Everything known about one checklist item across the candidate's sessions."""

    key: ItemKey
    description: str
    criterion: str
    """The criterion's title."""
    question_id: str
    """The scenario of the latest miss (where a drill sets its prompt)."""
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def misses(self) -> int:
        return sum(not o.hit for o in self.outcomes)

    @property
    def hit_streak(self) -> int:
        """Hits in a row at the end of the history."""
        streak = 0
        for outcome in reversed(self.outcomes):
            if not outcome.hit:
                break
            streak += 1
        return streak

    def resting_until(self) -> datetime | None:
        """When a rested item may be drilled again; None when it is not resting."""
        if self.hit_streak < REST_AFTER_HITS:
            return None
        return self.outcomes[-1].when + timedelta(days=REST_DAYS)


@dataclass(frozen=True)
class _Seen:
    """One item's outcome in one session, before histories are assembled."""

    key: ItemKey
    description: str
    criterion_title: str
    question_id: str
    outcome: Outcome


def item_histories(
    rounds: Iterable[tuple[Session, Evaluation]], drills: Iterable[Session] = ()
) -> dict[ItemKey, ItemHistory]:
    """Outcomes per item, oldest first: a scored round's evidenced items are hits and its
    missing items misses (only assessed criteria count); a drill's scored items are hits
    or misses as scored."""
    seen: list[_Seen] = []
    for session, evaluation in rounds:
        for criterion in evaluation.criteria:
            if not criterion.assessed:
                continue
            shown = [(q.item_id, q.item, True) for q in criterion.evidence]
            missed = [
                (item_id, description, False)
                for item_id, description in zip(
                    criterion.missing, criterion.missing_descriptions, strict=False
                )
            ]
            for item_id, description, hit in shown + missed:
                seen.append(
                    _Seen(
                        (evaluation.rubric, criterion.id, item_id),
                        description,
                        criterion.title,
                        session.question_id,
                        Outcome(session.created_at, hit, session.id, drill=False),
                    )
                )
    for session in drills:
        for item in session.drill_items:
            if item.hit is not None:
                seen.append(
                    _Seen(
                        (item.rubric_id, item.criterion_id, item.item_id),
                        item.description,
                        item.criterion_id,
                        item.question_id,
                        Outcome(session.created_at, item.hit, session.id, drill=True),
                    )
                )
    seen.sort(key=lambda s: (s.outcome.when, s.outcome.session_id))
    histories: dict[ItemKey, ItemHistory] = {}
    for entry in seen:
        history = histories.setdefault(
            entry.key,
            ItemHistory(entry.key, entry.description, entry.criterion_title, entry.question_id),
        )
        if not entry.outcome.drill:
            history.criterion = entry.criterion_title  # a drill knows only the id
        if not entry.outcome.hit:
            history.question_id = entry.question_id
        history.outcomes.append(entry.outcome)
    return histories


def drill_weight(history: ItemHistory, now: datetime) -> float:
    """How much the item needs practice now (the module docstring's rule); 0 when it was
    never missed or is resting."""
    resting = history.resting_until()
    if resting is not None and now < resting:
        return 0.0
    misses: float = sum(
        0.5 ** (max(0.0, (now - o.when).total_seconds()) / 86_400 / HALF_LIFE_DAYS)
        for o in history.outcomes
        if not o.hit
    )
    return misses * HIT_DISCOUNT ** min(history.hit_streak, REST_AFTER_HITS - 1)


def select_items(
    histories: dict[ItemKey, ItemHistory], now: datetime, count: int = DRILL_ITEMS
) -> list[ItemHistory]:
    """The next drill's items: the heaviest first, all from the rubric of the heaviest
    (one drill, one yardstick), at most ``MAX_PER_CRITERION`` per criterion while others
    are left, ties by key. Empty when nothing needs practice."""
    weighted = sorted(
        ((drill_weight(h, now), h) for h in histories.values()),
        key=lambda pair: (-pair[0], pair[1].key),
    )
    weighted = [(w, h) for w, h in weighted if w > 0]
    if not weighted:
        return []
    rubric_id = weighted[0][1].key[0]
    same_rubric = [h for _, h in weighted if h.key[0] == rubric_id]
    chosen: list[ItemHistory] = []
    per_criterion: dict[str, int] = {}
    for history in same_rubric:
        criterion_id = history.key[1]
        if per_criterion.get(criterion_id, 0) < MAX_PER_CRITERION and len(chosen) < count:
            chosen.append(history)
            per_criterion[criterion_id] = per_criterion.get(criterion_id, 0) + 1
    # Fewer criteria than the drill has room for: fill up in weight order.
    chosen += [h for h in same_rubric if h not in chosen][: count - len(chosen)]
    return chosen


# ---------------------------------------------------------------------- prompts


def _stems(text: str) -> set[str]:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return {stem(w) for w in words if w not in FUNCTION_WORDS and len(w) > 2}


def _probe_for(
    rubric: Rubric, criterion_id: str, item: ChecklistItem, question: Question
) -> Probe | None:
    """The probe of the item's criterion that shares most words with the item."""
    about = _stems(" ".join([item.description, *item.evidence, *item.exemplars]))
    probes = [p for p in rubric.probes_for(question.id) if p.criterion == criterion_id]
    if not probes:
        return None
    ranked = sorted(
        enumerate(probes), key=lambda pair: (-len(about & _stems(pair[1].text)), pair[0])
    )
    return ranked[0][1]


def drill_prompt(rubric: Rubric, criterion_id: str, item: ChecklistItem, question: Question) -> str:
    """One targeted prompt for the item, set in ``question``'s scenario: the item's own
    ``drill_prompt`` when the rubric has one, else the interviewer's probe for the item's
    criterion closest to it, else the item itself asked as a task."""
    if item.drill_prompt:
        text = item.drill_prompt
    else:
        probe = _probe_for(rubric, criterion_id, item, question)
        text = probe.text if probe else f"Show me this: {item.description.rstrip('.')}."
    return f"{question.title}. {text}"


def plan_drill(
    rubric: Rubric, picks: Sequence[ItemHistory], session_id: str, persona_id: str
) -> Session:
    """A new drill session: one ``DrillItem`` per pick, each with its prompt."""
    items: list[DrillItem] = []
    for history in picks:
        _, criterion_id, item_id = history.key
        criterion = rubric.criterion(criterion_id)
        item = next(i for i in criterion.checklist if i.id == item_id)
        question = next(
            (q for q in rubric.questions if q.id == history.question_id), rubric.questions[0]
        )
        items.append(
            DrillItem(
                rubric_id=rubric.id,
                criterion_id=criterion_id,
                item_id=item_id,
                description=item.description,
                question_id=question.id,
                prompt=drill_prompt(rubric, criterion_id, item, question),
            )
        )
    return Session(
        id=session_id,
        persona_id=persona_id,
        rubric_id=rubric.id,
        question_id=items[0].question_id if items else rubric.questions[0].id,
        kind=SessionKind.DRILL,
        drill_items=items,
    )


def score_drill_answer(
    rubric: Rubric,
    item: DrillItem,
    answer: Turn,
    *,
    similarity: SentenceSimilarity | None = None,
) -> DrillItem:
    """The item with ``hit`` set: whether ``answer`` evidences it (this item only; other
    items the answer shows earn nothing here), and the quote that did."""
    scored = ScoredText.from_turns([answer])
    matches, _ = find_items(rubric, scored, similarity=similarity)
    mine = [m for m in matches if m.criterion_id == item.criterion_id and m.item_id == item.item_id]
    if not mine:
        return item.model_copy(update={"hit": False, "quote": None})
    match = mine[0]
    quote = QuoteRef(quote=match.quote, start=match.start, end=match.end, turn_index=answer.index)
    return item.model_copy(update={"hit": True, "quote": quote})
