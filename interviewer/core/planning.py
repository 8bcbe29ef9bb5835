"""Probe planning: which follow-up the interviewer asks next, and why.

After each answer the planner asks the evidence detector (the same one the scorer uses)
which checklist items the candidate has already evidenced, and aims the next probe at the
weakest criterion that is still open. Real interviewers press on failure handling and
on constraints (numbers, requirements) first, and on what their own loop cares about
(the persona's ``focus_areas``); the planner encodes that as a priority bonus, so a
candidate who covered failure handling well is not asked about it again.

Probes escalate the way a human interviewer's do: a clarifying probe first (unless the
level is staff: they are expected to be concrete unprompted), then failure injection,
and finally a constraint change, which moves the goalposts once the design is on the
table. No probe is ever asked twice.

Everything here is pure: text in, decisions out. The engine owns state and time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from interviewer.core.content import (
    ChecklistItem,
    Criterion,
    Level,
    Persona,
    Probe,
    ProbeKind,
    Question,
    Rubric,
    ScenarioFact,
    Signal,
)
from interviewer.core.evidence import ItemKey, contains, detect_items, sentences, tokens
from interviewer.core.session import Word

__all__ = [
    "CriterionCoverage",
    "EvidenceDetector",
    "ItemKey",
    "PlannedProbe",
    "ProbePlanner",
    "Utterance",
    "asks_for_given",
    "classify_utterance",
    "coverage",
    "default_detector",
    "is_off_topic",
    "match_facts",
    "mentioned_items",
    "probe_targets",
    "tokens",
]


class EvidenceDetector(Protocol):
    """Finds the checklist items a transcript evidences. The scorer uses the same one,
    so the interviewer never probes for something the report will credit anyway."""

    def __call__(self, rubric: Rubric, text: str, words: Sequence[Word]) -> set[ItemKey]: ...


# --------------------------------------------------------------------------- evidence
# The matching itself lives in ``evidence.py``, shared with the scorer; these names stay
# importable from here for the engine and older callers.


def default_detector() -> EvidenceDetector:
    """The detector the scorer uses, so planning and scoring agree on what is evidenced."""
    return detect_items


_contains = contains
_sentences = sentences


# --------------------------------------------------------------------------- probe targets


def _occurs(stems: Sequence[str], phrase: Sequence[str]) -> bool:
    """``contains(stems, phrase)``, tried only where the phrase's first word can start:
    a whole round's words are looked up for every probe the planner weighs, and trying
    every position cost ~0.1 s a turn on 2 cores."""
    if not phrase:
        return False
    first = phrase[0]
    width = 2 * len(phrase) + 1  # room for words the recogniser split in two
    return any(
        (stem_.startswith(first) or (stem_ and first.startswith(stem_)))
        and _contains(stems[index : index + width], phrase)
        for index, stem_ in enumerate(stems)
    )


def _names(text_stems: Sequence[str], item: ChecklistItem) -> bool:
    return any(_occurs(text_stems, tokens(phrase)) for phrase in item.evidence)


def probe_targets(rubric: Rubric, probe: Probe) -> frozenset[ItemKey]:
    """The checklist items a probe asks for: those of its criterion whose evidence
    phrases its text names ("how many requests per second at peak, and how many
    machines" names estimates-load and capacity-math), or, when it names none, every
    item of its criterion."""
    criterion = rubric.criterion(probe.criterion)
    said = tokens(probe.text)
    named = frozenset((criterion.id, i.id) for i in criterion.checklist if _names(said, i))
    return named or frozenset((criterion.id, i.id) for i in criterion.checklist)


def mentioned_items(rubric: Rubric, text: str, among: Collection[ItemKey]) -> set[ItemKey]:
    """Items of ``among`` whose evidence phrases occur in ``text``, companions or not.

    Weaker than the detector's credit on purpose: "I would start with around twenty
    machines" earns no capacity-math credit (no arithmetic), but the candidate has given
    a machine count, and asking for it again is the interviewer not listening."""
    said = tokens(text)
    found: set[ItemKey] = set()
    for key in among:
        criterion = rubric.criterion(key[0])
        item = next((i for i in criterion.checklist if i.id == key[1]), None)
        if item is not None and _names(said, item):
            found.add(key)
    return found


def named_items(rubric: Rubric, text: str) -> set[ItemKey]:
    """Every item whose evidence phrases ``text`` names (an interviewer's question)."""
    said = tokens(text)
    return {(c.id, i.id) for c in rubric.criteria for i in c.checklist if _names(said, i)}


def asks_for_given(
    rubric: Rubric,
    question: str,
    given: Callable[[Collection[ItemKey]], set[ItemKey]],
    planned: Collection[ItemKey] = (),
) -> bool:
    """Whether ``question`` asks only for items the candidate has already given.

    ``given(keys)`` says which of ``keys`` the candidate has given (credited or
    mentioned). Seen in simulated rounds: "What is the peak number of requests per
    second, and how many machines are needed to handle that load?" right after "at peak
    we might see maybe ten thousand requests per second, so I would start with around
    twenty machines". A question that names an item still open, or one of the planned
    probe's own targets, asks for something new."""
    named = named_items(rubric, question)
    if not named or named & set(planned):
        return False
    return given(named) == named


# --------------------------------------------------------------------------- coverage

LEVEL_TARGET = {Level.MID: 2, Level.SENIOR: 3, Level.STAFF: 4}
"""Checklist items up to this ``supports_level`` are expected at each level: a mid-level
candidate is not probed for staff-level depth, a staff candidate is."""


@dataclass(frozen=True)
class CriterionCoverage:
    criterion_id: str
    covered: int
    expected: int

    @property
    def weakness(self) -> float:
        """0 when every expected item is evidenced, 1 when none is."""
        return 1.0 - self.covered / self.expected if self.expected else 0.0


def coverage(
    rubric: Rubric, level: Level, found: Collection[ItemKey]
) -> dict[str, CriterionCoverage]:
    target = LEVEL_TARGET[level]
    result: dict[str, CriterionCoverage] = {}
    for criterion in rubric.criteria:
        expected = [i for i in criterion.checklist if i.supports_level <= target]
        if not expected:  # a criterion made only of stretch items: expect all of them
            expected = list(criterion.checklist)
        covered = sum((criterion.id, i.id) in found for i in expected)
        result[criterion.id] = CriterionCoverage(criterion.id, covered, len(expected))
    return result


# --------------------------------------------------------------------------- planning

SIGNAL_PRIORITY: dict[Signal, float] = {
    Signal.FAILURE_HANDLING: 0.30,
    Signal.QUANTITATIVE: 0.20,
    Signal.REQUIREMENTS: 0.20,
    Signal.TRADEOFFS: 0.10,
}
"""Bonus on top of weakness: with equal gaps, failures and constraints are asked first."""

FOCUS_BONUS = 0.35
"""A persona's focus areas outrank the generic signal order but not a much weaker gap."""


@dataclass(frozen=True)
class PlannedProbe:
    probe: Probe
    criterion: Criterion
    reason: str
    """One line for logs and the session's turn note: why this probe, now."""


class ProbePlanner:
    """Chooses probes for one round. Stateless apart from its inputs: the engine passes
    the probes already asked so a restarted engine plans the same way."""

    def __init__(self, rubric: Rubric, question: Question, persona: Persona, level: Level) -> None:
        self.rubric = rubric
        self.question = question
        self.persona = persona
        self.level = level
        self.probes = rubric.probes_for(question.id)

    def _priority(self, criterion: Criterion, gap: CriterionCoverage) -> float:
        focus = {f.strip().lower() for f in self.persona.focus_areas}
        bonus = SIGNAL_PRIORITY.get(criterion.signal, 0.0)
        if criterion.id in focus or criterion.signal.value in focus:
            bonus += FOCUS_BONUS
        return gap.weakness + bonus

    def preferred_kinds(self, followups_asked: int) -> list[ProbeKind]:
        """Escalation: clarify, then break things. Staff candidates skip the warm-up."""
        clarify_stages = {Level.MID: 2, Level.SENIOR: 1, Level.STAFF: 0}[self.level]
        if followups_asked < clarify_stages:
            return [ProbeKind.CLARIFYING, ProbeKind.FAILURE_INJECTION]
        return [ProbeKind.FAILURE_INJECTION, ProbeKind.CLARIFYING]

    def next_followup(
        self,
        found: Collection[ItemKey],
        asked: Collection[str],
        followups_asked: int,
        given: Callable[[Collection[ItemKey]], set[ItemKey]] | None = None,
    ) -> PlannedProbe | None:
        """The next clarifying or failure-injection probe, on the weakest open criterion.

        ``given(keys)``: which of ``keys`` the candidate has already given (credited, or
        named in their words: ``mentioned_items``); a probe all of whose targets
        (``probe_targets``) were given is not asked: it would ask for what was just
        said. None: only ``found`` counts."""
        kinds = self.preferred_kinds(followups_asked)
        return self._choose(found, asked, kinds, given=given)

    def constraint_change(
        self, found: Collection[ItemKey], asked: Collection[str]
    ) -> PlannedProbe | None:
        """The goalpost move, aimed at the weakest criterion that has one; any otherwise."""
        planned = self._choose(found, asked, [ProbeKind.CONSTRAINT_CHANGE], open_only=False)
        return planned

    def _choose(
        self,
        found: Collection[ItemKey],
        asked: Collection[str],
        kinds: list[ProbeKind],
        *,
        open_only: bool = True,
        given: Callable[[Collection[ItemKey]], set[ItemKey]] | None = None,
    ) -> PlannedProbe | None:
        gaps = coverage(self.rubric, self.level, found)
        best: tuple[float, int, int] | None = None
        chosen: PlannedProbe | None = None
        for order, probe in enumerate(self.probes):
            if probe.id in asked or probe.kind not in kinds:
                continue
            criterion = self.rubric.criterion(probe.criterion)
            gap = gaps[criterion.id]
            if open_only and gap.weakness <= 0.0:
                continue  # already evidenced: asking would waste the candidate's time
            if open_only:
                targets = probe_targets(self.rubric, probe)
                if targets <= set(found) or (given is not None and given(targets) == targets):
                    continue  # it asks for what the candidate has given
            # Highest priority first; then the preferred kind; then the rubric's order.
            key = (self._priority(criterion, gap), -kinds.index(probe.kind), -order)
            if best is None or key > best:
                best = key
                chosen = PlannedProbe(
                    probe,
                    criterion,
                    f"{criterion.id}: {gap.covered}/{gap.expected} expected items evidenced",
                )
        return chosen


# --------------------------------------------------------------------------- utterances


class Utterance(StrEnum):
    """What a candidate turn is, as far as turn-taking is concerned."""

    ANSWER = "answer"
    CLARIFYING_QUESTION = "clarifying_question"
    """Asks about the scenario before (or instead of) answering: 'what's the QPS?'."""
    PASS = "pass"
    """Silence, 'I don't know', 'pass': nothing to build on."""


_PASS = re.compile(
    r"^\W*(?:um+|uh+|hmm+|pass|skip|next|no idea|not sure|i'?m not sure|i don'?t know"
    r"(?: yet)?|i have no idea)?\W*$",
    re.IGNORECASE,
)
_QUESTION_START = re.compile(
    r"^(?:what|what's|whats|how|is|are|can|could|do|does|should|would|will|which|who|"
    r"when|where|any|may i|so is|so are|and what)\b",
    re.IGNORECASE,
)
CLARIFYING_MAX_STATEMENT_WORDS = 30
"""A turn with questions but more than this much statement is an answer that happens to
contain a question ("...does that make sense?"), not a request for facts."""


def classify_utterance(text: str) -> Utterance:
    stripped = text.strip()
    if not stripped or _PASS.match(stripped):
        return Utterance.PASS
    sentences = _sentences(stripped)
    questions = [s for s in sentences if s.rstrip().endswith("?") or _QUESTION_START.match(s)]
    statement_words = sum(len(s.split()) for s in sentences if s not in questions)
    if questions and statement_words <= CLARIFYING_MAX_STATEMENT_WORDS:
        return Utterance.CLARIFYING_QUESTION
    return Utterance.ANSWER


def match_facts(question: Question, text: str) -> list[ScenarioFact]:
    """Scenario facts the candidate asked about, by keyword, in the question's order."""
    said = tokens(text)
    return [
        fact
        for fact in question.facts
        if any(_contains(said, tokens(keyword)) for keyword in fact.keywords)
    ]


OFF_TOPIC_MIN_WORDS = 12
"""Shorter turns are too thin to judge; they are handled as weak answers instead."""


def is_off_topic(question: Question, text: str, evidenced_here: Collection[ItemKey]) -> bool:
    """An answer that mentions none of the question's keywords and evidences nothing."""
    if not question.keywords or evidenced_here:
        return False
    said = tokens(text)
    if len(said) < OFF_TOPIC_MIN_WORDS:
        return False
    return not any(_contains(said, tokens(k)) for k in question.keywords)
