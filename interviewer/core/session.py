"""A recorded round: who asked what, what the candidate said, and when.

``session.json`` is this model serialised. ``SCHEMA_VERSION`` goes up whenever a field
changes meaning; the session store migrates older files on read.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from interviewer.core.content import Level

SCHEMA_VERSION = 1


class Word(BaseModel):
    """One recognised word with its timing inside its turn's audio, in seconds."""

    model_config = ConfigDict(frozen=True, allow_inf_nan=False)

    word: str
    start: float = Field(ge=0.0)
    end: float = Field(ge=0.0)
    probability: float = 1.0


class Speaker(StrEnum):
    INTERVIEWER = "interviewer"
    CANDIDATE = "candidate"


class TurnKind(StrEnum):
    OPENING = "opening"
    QUESTION = "question"
    PROBE = "probe"
    CLARIFICATION = "clarification"
    """The interviewer answering a candidate's clarifying question from scenario facts."""
    ANSWER = "answer"
    HINT = "hint"
    REPEAT = "repeat"
    WRAP_UP = "wrap_up"
    CANDIDATE_QUESTIONS = "candidate_questions"
    CLOSING = "closing"


class Turn(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)

    index: int = Field(ge=0)
    speaker: Speaker
    kind: TurnKind
    text: str
    started_at: float = Field(
        default=0.0, ge=0.0, description="Seconds from the start of the round."
    )
    duration: float = Field(default=0.0, ge=0.0, description="Seconds of speech or audio.")
    audio_file: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
        description="Audio file name inside the session dir, if any: a plain name, never "
        "a path, so a review or an HTML report cannot point outside the session.",
    )
    words: list[Word] = Field(default_factory=list)
    probe_id: str | None = None
    criterion_id: str | None = None
    note: str | None = Field(
        default=None, description="Status note, e.g. 'LLM unavailable: scripted probe'."
    )


class SessionStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    COMPLETE = "complete"
    INTERRUPTED = "interrupted"
    """Found unfinished at start-up (the app was killed); its turns are kept."""


class QuoteRef(BaseModel):
    """Verbatim candidate words and where they are in the recording (seconds of the round)."""

    model_config = ConfigDict(frozen=True, allow_inf_nan=False)

    quote: str
    start: float | None = None
    end: float | None = None
    turn_index: int | None = None


class DebriefExchange(BaseModel):
    """One question the candidate asked about the round after it, and what was shown."""

    model_config = ConfigDict(allow_inf_nan=False)

    asked: str
    answer: str
    quotes: list[QuoteRef] = Field(
        default_factory=list, description="The candidate's words the answer rests on."
    )
    source: Literal["model", "evaluation"] = Field(
        description="'model': the persona's reply after the grounding guard; 'evaluation': "
        "built from the evaluation alone (no model, or nothing of its reply survived)."
    )
    dropped: list[str] = Field(
        default_factory=list,
        description="Sentences of the model's reply that were not shown, each with why.",
    )
    asked_at: datetime = Field(default_factory=lambda: datetime.now(UTC))


class DrillItem(BaseModel):
    """One checklist item practised in a drill round, and whether the answer showed it."""

    model_config = ConfigDict(allow_inf_nan=False)

    rubric_id: str
    criterion_id: str
    item_id: str
    description: str
    question_id: str = Field(description="The scenario the prompt is set in.")
    prompt: str
    hit: bool | None = Field(default=None, description="None until the answer is scored.")
    quote: QuoteRef | None = None


class SessionKind(StrEnum):
    ROUND = "round"
    DRILL = "drill"
    """A short round of targeted prompts, one per checklist item, each scored on it alone."""


class Session(BaseModel):
    schema_version: int = SCHEMA_VERSION
    id: str
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    persona_id: str
    rubric_id: str
    question_id: str
    level: Level = Level.SENIOR
    status: SessionStatus = SessionStatus.IN_PROGRESS
    llm_model: str | None = None
    turns: list[Turn] = Field(default_factory=list)
    # Added after schema 1 with defaults, so older files load unchanged.
    kind: SessionKind = SessionKind.ROUND
    drill_items: list[DrillItem] = Field(default_factory=list)
    debrief: list[DebriefExchange] = Field(default_factory=list)

    @property
    def drill_score(self) -> int | None:
        """0-100: the share of a drill's items the answers showed; None if none scored."""
        scored = [item.hit for item in self.drill_items if item.hit is not None]
        return round(100 * sum(scored) / len(scored)) if scored else None

    def candidate_turns(self) -> list[Turn]:
        return [t for t in self.turns if t.speaker is Speaker.CANDIDATE]

    @property
    def duration(self) -> float:
        if not self.turns:
            return 0.0
        last = self.turns[-1]
        return last.started_at + last.duration
