"""Labelled answers for the two ML-loop rubrics (tests/data/answers-ml/) score within band.

Kept out of tests/data/answers/ because the scoring benchmark there requires every
question to carry injection and buzzword variants. Labels were written from the rubric
anchors before the scorer was run.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise
from pathlib import Path

import pytest

from interviewer import catalog
from interviewer.bench.scoring import load_labelled
from interviewer.core.scoring import evaluate

ANSWERS = Path(__file__).resolve().parents[1] / "data" / "answers-ml"
RUBRICS = ("interpretability-safety", "frontier-llm-design")
MIN_WITHIN_BAND = 0.85
"""Share of criterion judgements that must land inside the labelled band. The ML rubrics
are younger than distributed-systems-design (whose benchmark holds 92% exact): this is
the bar they meet today, so a change that loses detection fails here."""
METHOD_CRITERIA = {
    "interpretability-safety": ("method-depth", "evaluation-rigor", "safety-practice"),
    "frontier-llm-design": ("model-fundamentals", "quantitative", "failure-handling"),
}


@pytest.fixture(scope="module")
def scored() -> list[tuple[object, object]]:
    rubrics = catalog.load_rubrics()
    return [
        (a, evaluate(rubrics.get(a.rubric, "rubric"), a.question, a.text))
        for a in load_labelled(ANSWERS)
    ]


def test_the_set_covers_both_rubrics() -> None:
    answers = load_labelled(ANSWERS)
    for rubric in RUBRICS:
        mine = [a for a in answers if a.rubric == rubric]
        assert len(mine) >= 8
        assert len({a.question for a in mine}) >= 3
        full = [
            q
            for q in {a.question for a in mine}
            if {a.tier for a in mine if a.question == q} >= {1, 2, 3, 4}
        ]
        assert len(full) >= 2
        assert any(a.kind == "buzzword" for a in mine)


@pytest.mark.parametrize("rubric", RUBRICS)
def test_levels_within_band(scored: list, rubric: str) -> None:
    misses = []
    judged = 0
    for answer, evaluation in scored:
        if answer.rubric != rubric:
            continue
        for criterion in evaluation.criteria:
            judged += 1
            low, high = answer.expected[criterion.id]
            if not low <= criterion.level <= high:
                misses.append(
                    f"{answer.name}: {criterion.id}={criterion.level} not in [{low},{high}]"
                )
    assert judged and 1 - len(misses) / judged >= MIN_WITHIN_BAND, "\n".join(misses)


def test_tiers_rank_in_order_within_each_question(scored: list) -> None:
    by_question: dict[tuple[str, str], list[tuple[int, int, str]]] = defaultdict(list)
    for answer, evaluation in scored:
        if answer.kind == "normal":
            by_question[(answer.rubric, answer.question)].append(
                (answer.tier, evaluation.overall, answer.name)
            )
    for key, rows in by_question.items():
        rows.sort()
        for (t1, s1, n1), (t2, s2, n2) in pairwise(rows):
            if t1 < t2:
                assert s1 < s2, f"{key}: {n1} ({s1}) should score below {n2} ({s2})"


def test_buzzword_lists_earn_no_method_credit(scored: list) -> None:
    buzz = [(a, e) for a, e in scored if a.kind == "buzzword"]
    assert buzz
    for answer, evaluation in buzz:
        levels = {c.id: c.level for c in evaluation.criteria}
        for criterion in METHOD_CRITERIA[answer.rubric]:
            assert levels[criterion] == 1, f"{answer.name}: {criterion}"
        assert evaluation.overall == 0, answer.name
