"""Personas and rubrics: the two kinds of content a user customizes.

Both are TOML files (``personas/*.toml``, ``rubrics/*.toml``, plus the user's own dirs).
Unknown keys are rejected so that a typo in a user's file is reported instead of silently
ignored. Every field is documented because ``interviewer personas show`` and the persona
editor display these descriptions as help.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from interviewer.errors import NotFoundError

Identifier = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", min_length=1, max_length=64)
]
"""Ids are lowercase slugs: they name files and appear in command lines."""

LevelNumber = Annotated[int, Field(ge=1, le=4)]


class Strict(BaseModel):
    # TOML can spell inf and nan; no weight, rate or duration may be either.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class ReferenceProblem(ValueError):
    """A cross-reference check failed (a duplicate id, a probe naming an unknown
    criterion); ``loc`` is where, in pydantic's terms, so the loader can name the
    field and the line."""

    def __init__(self, message: str, loc: tuple[int | str, ...]) -> None:
        super().__init__(message)
        self.loc = loc


# ---------------------------------------------------------------- persona


class Tone(StrEnum):
    WARM = "warm"
    NEUTRAL = "neutral"
    TOUGH = "tough"


class InterruptionPolicy(StrEnum):
    NEVER = "never"
    """Waits for the candidate to finish, however long the answer runs."""
    ON_RAMBLING = "on_rambling"
    """Steps in when one answer runs past the persona's answer budget."""
    ON_HANDWAVING = "on_handwaving"
    """Steps in quickly when the answer stays vague (no numbers, no mechanism)."""


class Voice(Strict):
    """How the persona sounds."""

    tts_voice: str = Field(
        default="en_US-joe-medium",
        description="Piper voice name (the bundled one is en_US-joe-medium) or a path to "
        "an .onnx voice file.",
    )
    speaking_rate: float = Field(
        default=1.0, gt=0.4, le=2.0, description="1.0 is normal speed; 1.2 is 20% faster."
    )


class Persona(Strict):
    """An interviewer: who they are and how they behave in the round."""

    id: Identifier = Field(description="Unique id; the file name without .toml.")
    name: str = Field(min_length=1, description="What the interviewer calls themself.")
    title: str = Field(min_length=1, description="Role, e.g. 'Staff Infrastructure Engineer'.")
    company_style: str = Field(
        default="",
        description="The kind of company and loop they interview for, e.g. 'frontier AI "
        "lab, fast-moving infra team'.",
    )
    tone: Tone = Field(default=Tone.NEUTRAL, description="warm, neutral or tough.")
    patience_seconds: float = Field(
        default=4.0,
        ge=1.0,
        le=30.0,
        description="How long a silence counts as thinking time before the interviewer "
        "takes the turn (hands-free mode).",
    )
    followup_depth: int = Field(
        default=3,
        ge=0,
        le=8,
        description="How many follow-up probes the interviewer asks after the first answer.",
    )
    max_reply_sentences: int = Field(
        default=2,
        ge=1,
        le=6,
        description="Upper bound on the length of each interviewer turn, in sentences.",
    )
    answer_budget_seconds: float = Field(
        default=180.0,
        ge=20.0,
        le=900.0,
        description="How long one answer may run before an interrupting persona steps in.",
    )
    interruption: InterruptionPolicy = Field(
        default=InterruptionPolicy.NEVER, description="never, on_rambling or on_handwaving."
    )
    focus_areas: list[str] = Field(
        default_factory=list,
        description="Criterion ids or signals (failure_handling, quantitative, tradeoffs, "
        "requirements, adaptation, fundamentals) this interviewer probes first.",
    )
    voice: Voice = Field(default_factory=Voice, description="TTS voice and speaking rate.")
    opening_style: str = Field(
        default="",
        description="How they open the round, e.g. 'one line of small talk, then the question'.",
    )
    instructions: str = Field(
        default="", description="Extra instructions appended to the LLM's system prompt."
    )


# ---------------------------------------------------------------- rubric


class Level(StrEnum):
    """The candidate's target level; shapes what counts as a strong answer."""

    MID = "mid"
    SENIOR = "senior"
    STAFF = "staff"


class ProbeKind(StrEnum):
    CLARIFYING = "clarifying"
    """Asks the candidate to make a vague point concrete."""
    FAILURE_INJECTION = "failure_injection"
    """Breaks something: 'a worker dies right after charging the card'."""
    CONSTRAINT_CHANGE = "constraint_change"
    """Moves the goalposts: 'traffic is now 10x, the budget is halved'."""


class Signal(StrEnum):
    """What a criterion measures, in the terms these interview loops use."""

    REQUIREMENTS = "requirements"
    ARCHITECTURE = "architecture"
    TRADEOFFS = "tradeoffs"
    FAILURE_HANDLING = "failure_handling"
    QUANTITATIVE = "quantitative"
    ADAPTATION = "adaptation"
    OPERATIONS = "operations"
    FUNDAMENTALS = "fundamentals"
    COMMUNICATION = "communication"


DiscourseAct = Literal["alternative", "choice", "flip", "deciding", "scale", "assumption"]
"""Ways of reasoning that read the same in every domain (``core/discourse.py``)."""


class ChecklistItem(Strict):
    """One observable thing a strong answer does, and the words that evidence it."""

    id: Identifier
    description: str = Field(min_length=1, description="What the candidate did, in one line.")
    evidence: list[str] = Field(
        min_length=1,
        description="Phrases and synonyms that evidence the item in a transcript. Matching "
        "ignores case, hyphens and word endings ('at-least-once' ~ 'at least once').",
    )
    requires_any: list[str] = Field(
        default_factory=list,
        description="If set, the same passage must also contain one of these (a mechanism, "
        "a number, a reason): keeps bare buzzwords from earning credit.",
    )
    supports_level: LevelNumber = Field(
        default=2, description="The criterion level this item supports (2, 3 or 4)."
    )
    exemplars: list[str] = Field(
        default_factory=list,
        description="Sentences a candidate might say that clearly DO the item, in varied "
        "wordings: the semantic matcher credits a candidate sentence that means the same.",
    )
    near_misses: list[str] = Field(
        default_factory=list,
        description="Sentences that touch the item's topic without doing it (a name-drop, a "
        "vague promise): a candidate sentence closer to these than to the exemplars earns "
        "nothing.",
    )
    act: DiscourseAct | None = Field(
        default=None,
        description="For an item that is a way of reasoning rather than a topic (alternative, "
        "choice, flip, deciding, scale, assumption): also credit a span that performs that act "
        "in any domain's words, e.g. 'I'd take A because B' for a choice.",
    )
    drill_prompt: str = Field(
        default="",
        description="A prompt that practises this item alone in a drill round ('A worker "
        "dies right after charging the card: what now?'); empty: the drill asks the probe "
        "of its criterion closest to the item.",
    )


class LevelAnchors(Strict):
    """What each level looks like for one criterion."""

    level_1: str = Field(min_length=1, description="Missing or wrong.")
    level_2: str = Field(min_length=1, description="Partial: right direction, gaps.")
    level_3: str = Field(min_length=1, description="Solid: what a hire looks like.")
    level_4: str = Field(min_length=1, description="Exceptional for the level.")

    def for_level(self, level: int) -> str:
        return {1: self.level_1, 2: self.level_2, 3: self.level_3, 4: self.level_4}[level]


class Criterion(Strict):
    id: Identifier
    title: str = Field(min_length=1)
    description: str = Field(default="", description="What this criterion is about.")
    signal: Signal = Field(description="Which interview signal this criterion measures.")
    weight: float = Field(gt=0, description="Relative weight in the overall score.")
    anchors: LevelAnchors
    checklist: list[ChecklistItem] = Field(min_length=1)
    drill: str = Field(
        default="", description="A concrete practice drill suggested when this is weak."
    )
    assessed: Literal["always", "when-probed"] = Field(
        default="always",
        description="'when-probed': the criterion is judged only when the round gave the "
        "candidate a chance to show it (a probe for it was asked) or the candidate showed it "
        "unprompted; otherwise it is 'not assessed' and left out of the overall. Revising a "
        "design under a changed constraint cannot be shown when no constraint changed.",
    )


class Probe(Strict):
    """A follow-up the interviewer can ask. ``text`` is also the scripted fallback
    spoken as-is when the LLM is unavailable, so it must stand on its own."""

    id: Identifier
    criterion: Identifier = Field(description="The criterion this probe gathers evidence for.")
    kind: ProbeKind
    text: str = Field(min_length=1)
    questions: list[Identifier] = Field(
        default_factory=list,
        description="Question ids this probe fits; empty means every question.",
    )


class ScenarioFact(Strict):
    """A fact the interviewer reveals only when the candidate asks about it."""

    topic: str = Field(min_length=1, description="e.g. 'scale', 'latency budget'.")
    keywords: list[str] = Field(
        min_length=1, description="Words in a candidate's question that ask about this fact."
    )
    answer: str = Field(min_length=1, description="What the interviewer says when asked.")


class Question(Strict):
    id: Identifier
    title: str = Field(min_length=1)
    prompt: str = Field(min_length=1, description="What the interviewer asks, spoken aloud.")
    facts: list[ScenarioFact] = Field(default_factory=list)
    probes: list[Probe] = Field(
        default_factory=list, description="Probes specific to this question."
    )
    model_answer: list[str] = Field(
        default_factory=list,
        description="Outline of a strong answer; shown only in feedback, never in the round.",
    )
    keywords: list[str] = Field(
        default_factory=list,
        description="Words that show an answer is about this question (off-topic check).",
    )


class LevelExpectations(Strict):
    mid: str = Field(min_length=1)
    senior: str = Field(min_length=1)
    staff: str = Field(min_length=1)

    def for_level(self, level: Level) -> str:
        return {Level.MID: self.mid, Level.SENIOR: self.senior, Level.STAFF: self.staff}[level]


class Rubric(Strict):
    """A round's yardstick: criteria with evidence checklists, probes, and questions."""

    id: Identifier
    title: str = Field(min_length=1)
    description: str = Field(default="")
    levels: LevelExpectations
    criteria: list[Criterion] = Field(min_length=1)
    probes: list[Probe] = Field(default_factory=list)
    glossary: list[str] = Field(
        default_factory=list,
        description="Domain terms used to bias speech recognition (idempotent, backoff...).",
    )
    questions: list[Question] = Field(min_length=1)

    @model_validator(mode="after")
    def _check_references(self) -> Self:
        _unique("criteria", [c.id for c in self.criteria], ("criteria",))
        _unique("questions", [q.id for q in self.questions], ("questions",))
        criterion_ids = {c.id for c in self.criteria}
        question_ids = {q.id for q in self.questions}
        all_probes: list[tuple[Probe, tuple[int | str, ...]]] = [
            (probe, ("probes", index)) for index, probe in enumerate(self.probes)
        ]
        for q_index, question in enumerate(self.questions):
            all_probes += [
                (probe, ("questions", q_index, "probes", index))
                for index, probe in enumerate(question.probes)
            ]
        seen: set[str] = set()
        for probe, loc in all_probes:
            if probe.id in seen:
                raise ReferenceProblem(f"duplicate id '{probe.id}' in probes", (*loc, "id"))
            seen.add(probe.id)
        for c_index, criterion in enumerate(self.criteria):
            _unique(
                f"criteria.{criterion.id}.checklist",
                [i.id for i in criterion.checklist],
                ("criteria", c_index, "checklist"),
            )
        for probe, loc in all_probes:
            if probe.criterion not in criterion_ids:
                raise ReferenceProblem(
                    f"probe '{probe.id}' names criterion '{probe.criterion}', which is not "
                    f"one of {sorted(criterion_ids)}",
                    (*loc, "criterion"),
                )
            for question_id in probe.questions:
                if question_id not in question_ids:
                    raise ReferenceProblem(
                        f"probe '{probe.id}' names question '{question_id}', which is not "
                        f"one of {sorted(question_ids)}",
                        (*loc, "questions"),
                    )
        return self

    def criterion(self, criterion_id: str) -> Criterion:
        for criterion in self.criteria:
            if criterion.id == criterion_id:
                return criterion
        raise NotFoundError(
            f"rubric '{self.id}' has no criterion '{criterion_id}'",
            fix="known criteria: " + ", ".join(c.id for c in self.criteria),
        )

    def question(self, question_id: str) -> Question:
        for question in self.questions:
            if question.id == question_id:
                return question
        raise NotFoundError(
            f"rubric '{self.id}' has no question '{question_id}'",
            fix="known questions: " + ", ".join(q.id for q in self.questions),
        )

    def probes_for(self, question_id: str) -> list[Probe]:
        """Probes usable for a question: its own first, then the rubric's general ones."""
        own = list(self.question(question_id).probes)
        general = [p for p in self.probes if not p.questions or question_id in p.questions]
        return own + general


def _unique(what: str, ids: list[str], loc: tuple[int | str, ...]) -> None:
    seen: set[str] = set()
    for index, item_id in enumerate(ids):
        if item_id in seen:
            raise ReferenceProblem(f"duplicate id '{item_id}' in {what}", (*loc, index, "id"))
        seen.add(item_id)
