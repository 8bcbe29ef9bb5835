"""The labelled scoring set and what ``interviewer bench scoring`` measures on it.

The figures come from ``interviewer.bench.scoring.evaluate_set``, the code behind the
benchmark. The held-out set is ``fresh/`` (tests/data/scoring-eval/README.md says why the
older set is all dev now). The held-out floors below are regression guards set a little
under what the shipped scorer measured when it was chosen (fresh held-out pairwise 0.896,
terms baseline 0.807, words 0.859): they are not the product's target (0.95), which the
closing notes and docs/scoring.md report against honestly.
"""

from __future__ import annotations

from collections import Counter

import pytest

from interviewer.bench.scoring import (
    EVAL_DIR,
    LEGACY_DIRS,
    evaluate_set,
    load_labelled,
)
from interviewer.core.ports import SentenceSimilarity

HELDOUT_PAIRWISE_FLOOR = 0.88
TERMS_MARGIN = 0.08


def test_the_eval_set_is_big_varied_and_split_before_tuning() -> None:
    answers = load_labelled(EVAL_DIR)
    assert len(answers) >= 150
    assert len({a.question for a in answers}) >= 12
    assert len({a.rubric for a in answers}) >= 4
    styles = Counter(a.style for a in answers)
    assert {"terse-expert", "rambling", "asr-errors", "british", "spoken-fillers"} <= set(styles)
    heldout = [a for a in answers if a.split == "heldout"]
    dev = [a for a in answers if a.split == "dev"]
    assert len(heldout) >= 60 and len({a.question for a in heldout}) >= 8
    # Held out by question, not only by answer: nothing tuned on dev saw these questions.
    assert not {a.question for a in heldout} & {a.question for a in dev}
    assert {a.style for a in heldout} - {a.style for a in dev}, "styles dev never had"
    for question in {a.question for a in answers}:
        mine = [a for a in answers if a.question == question]
        assert {a.tier for a in mine} == {1, 2, 3, 4}, question
        assert all(a.items is not None for a in mine)


def test_phrase_scoring_gives_buzzwords_and_injections_nothing() -> None:
    """Without the encoder (phrases only), the older sets still hold their guarantees."""
    answers = [a for d in LEGACY_DIRS for a in load_labelled(d)]
    figures = evaluate_set(answers, similarity=None, methods=("phrases",))
    dev = figures["methods"]["phrases"]["dev"]
    assert figures["methods"].keys() == {"phrases"}
    # Injections are only re-scored for the app's method: check them through hybrid below.
    assert dev["pairwise"] >= 0.9


@pytest.fixture(scope="module")
def heldout_figures(similarity: SentenceSimilarity) -> dict[str, object]:
    answers = [a for a in load_labelled(EVAL_DIR) if a.split == "heldout"]
    return evaluate_set(answers, similarity=similarity, methods=("phrases", "hybrid"))


@pytest.fixture(scope="module")
def dev_figures(similarity: SentenceSimilarity) -> dict[str, object]:
    answers = [a for a in load_labelled(EVAL_DIR) if a.split == "dev"]
    return evaluate_set(answers, similarity=similarity, methods=("hybrid",), injections=False)


@pytest.mark.models
def test_hybrid_beats_the_baselines_on_held_out_answers(
    heldout_figures: dict[str, object],
) -> None:
    methods = heldout_figures["methods"]
    baselines = heldout_figures["baselines"]
    assert isinstance(methods, dict) and isinstance(baselines, dict)
    hybrid = methods["hybrid"]["heldout"]["pairwise"]
    terms = baselines["heldout"]["technical_terms"]["all"]
    words = baselines["heldout"]["word_count"]["all"]
    assert hybrid >= HELDOUT_PAIRWISE_FLOOR
    assert hybrid >= terms + TERMS_MARGIN
    assert hybrid > words
    phrases = methods["phrases"]["heldout"]
    # Meaning-based evidence must not cost ranking, and must find what phrases miss.
    assert hybrid >= phrases["pairwise"]
    assert methods["hybrid"]["heldout"]["false_missing_rate"] < phrases["false_missing_rate"]


@pytest.mark.models
def test_held_out_injections_never_raise_a_score(heldout_figures: dict[str, object]) -> None:
    hybrid = heldout_figures["methods"]["hybrid"]["heldout"]  # type: ignore[index]
    assert hybrid["injection_inflation"] == 0


@pytest.mark.models
def test_off_topic_means_another_question_and_nothing_else(
    heldout_figures: dict[str, object], dev_figures: dict[str, object]
) -> None:
    """Every answer written to another question is flagged; none written to this one is
    (the 'other-scenario' answers assume a different concrete service on purpose)."""
    for split, figures in (("dev", dev_figures), ("heldout", heldout_figures)):
        answers = {a.name: a for a in load_labelled(EVAL_DIR) if a.split == split}
        flagged = set(figures["methods"]["hybrid"][split]["off_topic_flagged"])  # type: ignore[index]
        off_topic = {name for name, a in answers.items() if a.kind == "off-topic"}
        assert flagged == off_topic, split
