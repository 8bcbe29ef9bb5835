"""Evidence that survives paraphrase: checklist items found by meaning, not by phrase.

Phrase lists (``evidence.py``) are precise but brittle: a senior answer that says "a
worker that goes quiet loses its claim and the job is handed to someone else" names no
listed phrase for a lease, and on answers written outside this repository the phrase
scorer ordered only 83.5% of answer pairs right. Here each checklist item is described
by its one-line description and a few ``exemplars`` (sentences that clearly DO the item,
in varied wordings) and ``near_misses`` (sentences that only touch it: a name-drop, a
vague promise). A unit of the candidate's speech (a sentence, or a window of a run-on
one) evidences the item when a sentence encoder (``ports.SentenceSimilarity``) puts it
close to an exemplar (``threshold``) and closer to the exemplars than to the near misses
(``margin``). The quote is that unit: a verbatim span of the scored text, with its time.

The same sentences that earn nothing from phrases earn nothing here: buzzword lists and
text addressed to a grader (``evidence.skipped_sentences``). Units of fewer than
``min_words`` words are too thin to show a mechanism.

The thresholds were chosen on the dev half of the labelled set only (see
``interviewer bench scoring``); the held-out half was never looked at while tuning.

Pure: the encoder is a port; no model is imported here.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from interviewer.core.content import Question, Rubric
from interviewer.core.evidence import EvidenceMatch, ItemKey, ScoredText, TextUnit, unit_match
from interviewer.core.ports import SentenceSimilarity

__all__ = [
    "Closeness",
    "OutlinePoint",
    "SemanticPolicy",
    "closeness",
    "matches_from",
    "outline_coverage",
    "question_affinity",
]


@dataclass(frozen=True)
class SemanticPolicy:
    """When a unit of speech counts as doing a checklist item (tuned on dev only)."""

    threshold: float = 0.60
    """Least cosine similarity to one of the item's exemplars (or its description)."""
    margin: float = 0.0
    """How much closer to the exemplars than to the near misses the unit must be."""
    max_words: int = 24
    """Longer sentences are cut into windows of this many words..."""
    stride: int = 12
    """...this many words apart."""
    min_words: int = 6
    """Shorter units are too thin to show a mechanism."""
    outline_words: int = 12
    """Window size for comparing the answer with the model-answer outline: outline lines
    are short, dense claims, and so are the spans of speech that match them."""
    outline_floor: float = 0.40
    outline_span: float = 0.25
    """An outline point counts 0 at or below ``outline_floor`` similarity and fully at
    ``outline_floor + outline_span``, linearly between."""


DEFAULT_POLICY = SemanticPolicy()


@dataclass(frozen=True)
class _Reference:
    key: ItemKey
    positive: bool


def _references(rubric: Rubric) -> tuple[list[str], list[_Reference]]:
    texts: list[str] = []
    owners: list[_Reference] = []
    for criterion in rubric.criteria:
        for item in criterion.checklist:
            key = (criterion.id, item.id)
            for text in [item.description, *item.exemplars]:
                texts.append(text)
                owners.append(_Reference(key, True))
            for text in item.near_misses:
                texts.append(text)
                owners.append(_Reference(key, False))
    return texts, owners


@dataclass(frozen=True)
class Closeness:
    """Every unit of an answer against every item's references: computed once, so that
    thresholds can be applied (and tuned) without encoding again."""

    units: list[TextUnit]
    rows: list[list[float]]
    """Similarity of each unit (rows) to each reference (columns)."""
    columns: dict[ItemKey, tuple[list[int], list[int]]]
    """Per item: the columns of its exemplars (and description), and of its near misses."""

    def best(self, key: ItemKey, policy: SemanticPolicy) -> tuple[float, TextUnit] | None:
        """The unit closest to the item's exemplars that passes ``policy``, if any."""
        positive, negative = self.columns[key]
        best: tuple[float, TextUnit] | None = None
        for unit, row in zip(self.units, self.rows, strict=True):
            closest = max(row[c] for c in positive)
            if closest < policy.threshold:
                continue
            if negative and closest - max(row[c] for c in negative) < policy.margin:
                continue
            if best is None or closest > best[0]:
                best = (closest, unit)
        return best


def closeness(
    rubric: Rubric,
    scored: ScoredText,
    similarity: SentenceSimilarity,
    *,
    skip: Collection[int] = (),
    policy: SemanticPolicy = DEFAULT_POLICY,
) -> Closeness:
    """Encode the answer's eligible units and compare them with every item's references.

    ``skip``: sentence indexes that may earn nothing (``evidence.skipped_sentences``).
    """
    units = [
        u
        for u in scored.units(policy.max_words, policy.stride)
        if u.sentence not in skip and u.size >= policy.min_words
    ]
    texts, owners = _references(rubric)
    rows = (
        similarity.similarities([scored.text[u.start : u.end] for u in units], texts)
        if units
        else []
    )
    columns: dict[ItemKey, tuple[list[int], list[int]]] = {}
    for column, owner in enumerate(owners):
        positive, negative = columns.setdefault(owner.key, ([], []))
        (positive if owner.positive else negative).append(column)
    return Closeness(units, rows, columns)


def matches_from(
    scored: ScoredText, found: Closeness, policy: SemanticPolicy = DEFAULT_POLICY
) -> list[EvidenceMatch]:
    """For each item, the unit that evidences it best under ``policy``, in text order."""
    matches = []
    for key in found.columns:
        best = found.best(key, policy)
        if best is not None:
            matches.append(unit_match(scored, key, best[1], f"(meaning, similarity {best[0]:.2f})"))
    matches.sort(key=lambda m: m.quote_start)
    return matches


def question_affinity(
    questions: Sequence[Question],
    scored: ScoredText,
    similarity: SentenceSimilarity,
    *,
    policy: SemanticPolicy = DEFAULT_POLICY,
) -> dict[str, float]:
    """How much the answer is about each question: the mean, over the answer's units, of
    the best similarity to the question's prompt or an outline line of its model answer.

    A good answer to the job-queue question that assumes a different concrete service is
    still about job queues; an answer about sharding given to the job-queue question is
    not. Comparing against every question of the rubric tells the two apart.
    """
    units = [u for u in scored.units(policy.max_words, policy.stride) if u.size >= 4]
    if not units:
        return {q.id: 0.0 for q in questions}
    texts: list[str] = []
    owners: list[str] = []
    for question in questions:
        for text in [question.prompt, *question.model_answer]:
            texts.append(text)
            owners.append(question.id)
    rows = similarity.similarities([scored.text[u.start : u.end] for u in units], texts)
    result: dict[str, float] = {}
    for question in questions:
        columns = [c for c, owner in enumerate(owners) if owner == question.id]
        result[question.id] = sum(max(row[c] for c in columns) for row in rows) / len(rows)
    return result


@dataclass(frozen=True)
class OutlinePoint:
    """One line of the question's model-answer outline and the candidate's words closest
    to it in meaning."""

    point: str
    closeness: float
    """Best cosine similarity of any unit of the answer to this line."""
    quote_start: int | None
    quote_end: int | None
    """The closest unit, as a span of the scored text (None when nothing was said)."""

    def credit(self, policy: SemanticPolicy) -> float:
        """0..1: how much of this point the answer covers (a soft ramp, so near-ties
        between answers are not decided by one threshold)."""
        ramp = (self.closeness - policy.outline_floor) / policy.outline_span
        return min(1.0, max(0.0, ramp))


def outline_coverage(
    question: Question,
    scored: ScoredText,
    similarity: SentenceSimilarity,
    *,
    skip: Collection[int] = (),
    policy: SemanticPolicy = DEFAULT_POLICY,
) -> list[OutlinePoint]:
    """How close the answer comes, point by point, to the question's model-answer outline.

    Item evidence says *which kinds* of thing the candidate did; the outline says what a
    strong answer to *this* question covers. Measured on the dev half, ranking by levels
    alone ordered 0.86 of answer pairs, by levels and outline coverage together 0.92:
    a staff answer that is short and dense covers more of the outline than a long mid-level
    one that circles the obvious. Buzzword lists and text addressed to a grader (``skip``)
    cover nothing.
    """
    units = [
        u
        for u in scored.units(policy.outline_words, policy.outline_words // 2)
        if u.sentence not in skip and u.size >= policy.min_words - 1
    ]
    lines = list(question.model_answer)
    if not lines:
        return []
    if not units:
        return [OutlinePoint(line, 0.0, None, None) for line in lines]
    rows = similarity.similarities([scored.text[u.start : u.end] for u in units], lines)
    points = []
    for column, line in enumerate(lines):
        best_row = max(range(len(units)), key=lambda r: rows[r][column])
        unit = units[best_row]
        points.append(OutlinePoint(line, rows[best_row][column], unit.start, unit.end))
    return points
