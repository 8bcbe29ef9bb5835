"""Drill selection (how often, how recently, resting after three hits), drill scoring on
one item only, and drills folded into progress."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from interviewer import catalog, drill_rounds, locations
from interviewer.adapters.store.files import FileSessionStore
from interviewer.core.content import Rubric
from interviewer.core.drills import (
    HALF_LIFE_DAYS,
    REST_DAYS,
    drill_prompt,
    drill_weight,
    item_histories,
    score_drill_answer,
    select_items,
)
from interviewer.core.progress import most_missed, trends
from interviewer.core.session import DrillItem, Session, SessionKind, Speaker, Turn, TurnKind
from interviewer.errors import InterviewerError
from interviewer.evaluation import load_evaluation

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
RUBRIC = "distributed-systems-design"
SAMPLE = locations.REPO_DIR / "recordings" / "sample-job-queue"


def drill(days_ago: float, **outcomes: bool) -> Session:
    """A drill session ``days_ago`` before NOW whose items (ids of the failure-handling
    and operations criteria) were hit (True) or missed (False)."""
    criterion = {"detection": "failure-handling", "idempotency": "failure-handling"}
    items = [
        DrillItem(
            rubric_id=RUBRIC,
            criterion_id=criterion.get(item_id.replace("_", "-"), "operations"),
            item_id=item_id.replace("_", "-"),
            description=item_id,
            question_id="job-queue",
            prompt="?",
            hit=hit,
        )
        for item_id, hit in outcomes.items()
    ]
    return Session(
        id=f"drill-{days_ago}-{len(outcomes)}-{hash(tuple(outcomes.items()))}",
        created_at=NOW - timedelta(days=days_ago),
        persona_id="staff-infra",
        rubric_id=RUBRIC,
        question_id="job-queue",
        kind=SessionKind.DRILL,
        drill_items=items,
    )


def order(drills: list[Session], now: datetime = NOW) -> list[str]:
    return [h.key[2] for h in select_items(item_histories([], drills), now)]


def test_a_recent_miss_comes_before_an_old_one() -> None:
    assert order([drill(30, metrics=False), drill(1, alerting=False)]) == ["alerting", "metrics"]


def test_an_often_missed_item_comes_before_a_once_missed_one_of_the_same_age() -> None:
    drills = [drill(5, metrics=False, alerting=False), drill(5.0001, alerting=False)]
    drills.append(drill(5.0002, alerting=False))
    assert order(drills) == ["alerting", "metrics"]


def test_a_miss_weighs_half_after_the_half_life() -> None:
    histories = item_histories([], [drill(HALF_LIFE_DAYS, metrics=False), drill(0, alerting=False)])
    old = drill_weight(histories[(RUBRIC, "operations", "metrics")], NOW)
    new = drill_weight(histories[(RUBRIC, "operations", "alerting")], NOW)
    assert old == pytest.approx(new / 2)


def test_a_hit_since_the_last_miss_lowers_the_weight() -> None:
    before = item_histories([], [drill(2, metrics=False)])
    after = item_histories([], [drill(2, metrics=False), drill(1, metrics=True)])
    key = (RUBRIC, "operations", "metrics")
    assert 0 < drill_weight(after[key], NOW) < drill_weight(before[key], NOW)


def test_three_hits_in_a_row_rest_the_item_for_a_while() -> None:
    drills = [drill(10, metrics=False, alerting=False)]
    drills += [drill(d, metrics=True) for d in (3, 2, 1)]
    histories = item_histories([], drills)
    metrics = histories[(RUBRIC, "operations", "metrics")]
    assert metrics.hit_streak == 3
    assert drill_weight(metrics, NOW) == 0.0
    assert order(drills) == ["alerting"], "a resting item is not drilled"
    back = NOW + timedelta(days=REST_DAYS)
    assert drill_weight(metrics, back) > 0, "after its rest it comes back"
    assert "metrics" in order(drills, back)


def test_two_hits_in_a_row_do_not_rest_it_and_a_miss_ends_the_streak() -> None:
    drills = [drill(10, metrics=False), drill(3, metrics=True), drill(2, metrics=True)]
    assert order(drills) == ["metrics"]
    drills += [drill(1, metrics=False), drill(0.5, metrics=True)]
    assert item_histories([], drills)[(RUBRIC, "operations", "metrics")].hit_streak == 1


def test_a_drill_spreads_over_criteria() -> None:
    misses = {name: False for name in ("metrics", "alerting", "backpressure")}
    picks = order([drill(1, **misses), drill(1.5, detection=False)])
    assert picks[2] == "detection", "an older miss of another criterion before a third"
    assert set(picks[:2]) | {picks[3]} == set(misses), "then the rest fill the drill"


@pytest.fixture
def store(tmp_path: Path) -> FileSessionStore:
    store = FileSessionStore(tmp_path / "recordings")
    store.root.mkdir(parents=True)
    shutil.copytree(SAMPLE, store.root / "sample-job-queue")
    return store


def test_a_scored_round_gives_hits_and_misses_of_assessed_criteria(
    store: FileSessionStore,
) -> None:
    session = store.load("sample-job-queue")
    evaluation = load_evaluation(store, session.id)
    assert evaluation is not None
    histories = item_histories([(session, evaluation)])
    assert histories[(RUBRIC, "failure-handling", "idempotency")].outcomes[0].hit
    assert histories[(RUBRIC, "failure-handling", "detection")].misses == 1
    assert not any(key[1] == "adaptation" for key in histories), "not assessed: no outcome"


def rubric() -> Rubric:
    return catalog.load_rubrics().get(RUBRIC, "rubric")


def answer_turn(text: str) -> Turn:
    return Turn(index=1, speaker=Speaker.CANDIDATE, kind=TurnKind.ANSWER, text=text)


def test_a_drill_answer_is_scored_on_its_item_only() -> None:
    item = DrillItem(
        rubric_id=RUBRIC,
        criterion_id="failure-handling",
        item_id="detection",
        description="detection",
        question_id="job-queue",
        prompt="?",
    )
    shown = score_drill_answer(
        rubric(),
        item,
        answer_turn(
            "Workers send a heartbeat every five seconds; after three missed heartbeats a "
            "health check alerts us, so we detect a dead worker within fifteen seconds."
        ),
    )
    assert shown.hit and shown.quote is not None and "heartbeat" in shown.quote.quote
    other = score_drill_answer(
        rubric(),
        item,
        answer_turn("Every charge carries an idempotency key, so a retried job never pays twice."),
    )
    assert other.hit is False, "evidence for another item earns this one nothing"


def test_prompts_are_the_items_own_or_the_closest_probe_of_its_criterion() -> None:
    r = catalog.load_rubrics().get(RUBRIC, "rubric")
    question = r.question("job-queue")
    detection = next(i for i in r.criterion("failure-handling").checklist if i.id == "detection")
    assert drill_prompt(r, "failure-handling", detection, question).endswith(detection.drill_prompt)
    idempotency = next(
        i for i in r.criterion("failure-handling").checklist if i.id == "idempotency"
    )
    assert not idempotency.drill_prompt
    assert "charging the card" in drill_prompt(r, "failure-handling", idempotency, question)


def test_two_drills_change_what_progress_says_is_missed(store: FileSessionStore) -> None:
    """The issue's check: run two drills on the sample and see the missed items change."""
    rubrics = catalog.load_rubrics()
    r = rubrics.get(RUBRIC, "rubric")
    sample_evaluation = load_evaluation(store, "sample-job-queue")
    assert sample_evaluation is not None
    before = most_missed([sample_evaluation], limit=50)
    first = drill_rounds.plan_next(store, rubrics, "staff-infra", now=NOW)
    assert 3 <= len(first.drill_items) <= 5
    assert first.drill_items[0].item_id == "data-model", "ties: by key"
    shows_the_data_model = (
        "Each job row has the job id as primary key, a customer id as the partition key, a "
        "status and a lease expiry, with an index on status so workers find ready jobs."
    )
    for index in range(len(first.drill_items)):
        text = shows_the_data_model if index == 0 else "I would have to look that up."
        drill_rounds.answer(store, first, index, r, text)
    drill_rounds.finish(store, first)
    history = drill_rounds.read_history(store)
    assert [d.id for d in history.drills] == [first.id]
    after = most_missed([sample_evaluation], limit=50, drills=history.drills)
    shown_id = first.drill_items[0].item_id
    was = next(m for m in before if m.item_id == shown_id)
    now = next(m for m in after if m.item_id == shown_id)
    assert (now.count, now.sessions) == (was.count, was.sessions + 1)
    missed_id = first.drill_items[1].item_id
    assert next(m for m in after if m.item_id == missed_id).count == 2
    assert first.drill_items[0].hit and first.drill_score is not None
    second = drill_rounds.plan_next(store, rubrics, "staff-infra", now=NOW)
    assert second.drill_items[0].item_id == missed_id, "missed again just now: drilled first"
    assert "data-model" not in [i.item_id for i in second.drill_items], "shown since its miss"
    series = trends(history.rounds, history.drills)[0]
    assert [p.drill for p in series.points] == [False, True]


def test_nothing_to_drill_is_a_clear_error(tmp_path: Path) -> None:
    empty = FileSessionStore(tmp_path / "none")
    with pytest.raises(InterviewerError, match="nothing to drill"):
        drill_rounds.plan_next(empty, catalog.load_rubrics(), "staff-infra")
