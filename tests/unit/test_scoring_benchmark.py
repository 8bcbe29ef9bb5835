"""The labelled scoring set (tests/data/answers/) meets the benchmark's targets.

The figures come from ``interviewer.bench.scoring.evaluate_set``, the code behind
``interviewer bench scoring``: if a rubric or matcher change makes the scorer rank a
weaker answer above a stronger one, credit a buzzword list, or rise on an instruction to
the grader, these fail.
"""

from __future__ import annotations

import pytest

from interviewer.bench.scoring import ANSWERS_DIR, RANKING_TARGET, evaluate_set, load_labelled


@pytest.fixture(scope="module")
def figures() -> dict[str, object]:
    return evaluate_set(load_labelled(ANSWERS_DIR))


def test_the_set_is_big_enough() -> None:
    answers = load_labelled(ANSWERS_DIR)
    questions = {a.question for a in answers}
    assert len(answers) >= 40
    assert len(questions) >= 5
    for question in questions:
        tiers = {a.tier for a in answers if a.question == question}
        kinds = {a.kind for a in answers if a.question == question}
        assert tiers == {1, 2, 3, 4}, question
        assert "injection" in kinds and "buzzword" in kinds, question


def test_ranking_within_each_question_meets_the_target(figures: dict[str, object]) -> None:
    by_question = figures["pairwise_ranking_by_question"]
    assert isinstance(by_question, dict)
    low = {q: v for q, v in by_question.items() if v is None or v < RANKING_TARGET}
    assert not low, f"pairwise ranking below {RANKING_TARGET:.0%}: {low}"


def test_injection_never_raises_a_score(figures: dict[str, object]) -> None:
    assert figures["injection_inflation"] == 0
    assert figures["injection_answers_levels_above_band"] == 0


def test_buzzword_lists_earn_nothing(figures: dict[str, object]) -> None:
    assert figures["buzzword_credit"] == 0


def test_levels_stay_close_to_the_labels(figures: dict[str, object]) -> None:
    error = figures["mean_absolute_level_error"]
    assert isinstance(error, float)
    assert error <= 0.2
    within_one = figures["agreement_within_one"]
    assert isinstance(within_one, float)
    assert within_one >= 0.98
