"""The one place that builds the app: from settings plus the services it should use.

``interviewer practice`` and ``interviewer review`` call ``build_app`` with the real
services; tests call it with fakes that implement the same ports. Nothing else
constructs ``InterviewerApp``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from interviewer import catalog
from interviewer.core.content import Level, Persona, Question, Rubric
from interviewer.services import Services, real_services
from interviewer.settings import Settings
from interviewer.tui.app import InterviewerApp, StartScreen


@dataclass(frozen=True)
class RoundChoice:
    """What the next round is: who asks, against which yardstick, which question."""

    persona: Persona
    rubric: Rubric
    question: Question
    level: Level
    warnings: tuple[str, ...] = ()
    """Broken files skipped for these ids (e.g. the user's override of the persona)."""


def round_choice(
    settings: Settings,
    persona_id: str | None = None,
    rubric_id: str | None = None,
    question_id: str | None = None,
    level: str | None = None,
) -> RoundChoice:
    """Resolve ids (command line first, then settings); a missing question is random."""
    personas = catalog.load_personas()
    rubrics = catalog.load_rubrics()
    persona = personas.get(persona_id or settings.round.persona, "persona")
    rubric = rubrics.get(rubric_id or settings.round.rubric, "rubric")
    wanted = question_id or settings.round.question
    question = rubric.question(wanted) if wanted else random.choice(rubric.questions)
    warnings = (*personas.override_warnings(persona.id), *rubrics.override_warnings(rubric.id))
    chosen_level = Level(level) if level else settings.round.level
    return RoundChoice(persona, rubric, question, chosen_level, warnings)


def build_app(
    settings: Settings,
    choice: RoundChoice,
    services: Services | None = None,
    *,
    start: StartScreen = "practice",
    review_session: str | None = None,
) -> InterviewerApp:
    """``start``: the screen shown first (``practice`` starts the round in ``choice``;
    ``home`` the menu; ``review`` the recordings, opened at ``review_session`` if given)."""
    return InterviewerApp(
        settings=settings,
        persona=choice.persona,
        rubric=choice.rubric,
        question=choice.question,
        level=choice.level,
        services=services or real_services(settings),
        start=start,
        review_session=review_session,
    )
