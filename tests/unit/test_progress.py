"""Pure review logic: list rows, sorting and filtering, trends, most-missed items, the
word being heard, and the braille plot."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from interviewer import catalog
from interviewer.core.progress import (
    SORT_KEYS,
    broken_row,
    current_word_index,
    filter_rows,
    most_missed,
    session_row,
    sort_rows,
    trends,
)
from interviewer.core.scoring import Evaluation, evaluate
from interviewer.core.session import Session, Speaker, Turn, TurnKind, Word
from interviewer.tui.widgets.trend_plot import braille_lines, sparkline

ANSWERS = Path(__file__).resolve().parents[1] / "data" / "answers"
START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def scored_round(answer: str, day: int, question: str = "job-queue") -> tuple[Session, Evaluation]:
    text = (ANSWERS / f"{answer}.txt").read_text()
    session = Session(
        id=f"2026-03-{day:02d}-0900-{question}",
        created_at=START + timedelta(days=day),
        persona_id="staff-infra",
        rubric_id="distributed-systems-design",
        question_id=question,
        turns=[
            Turn(index=0, speaker=Speaker.CANDIDATE, kind=TurnKind.ANSWER, text=text, duration=90)
        ],
    )
    rubric = catalog.load_rubrics().get("distributed-systems-design", "rubric")
    return session, evaluate(rubric, None, session)


def test_rows_sort_by_each_key_with_broken_and_unscored_last() -> None:
    weak, strong = scored_round("jq-just-retry", 2), scored_round("jq-staff", 5)
    unscored = session_row(weak[0].model_copy(update={"id": "2026-03-09-x"}), None)
    rows = [session_row(*weak), session_row(*strong), unscored, broken_row("zz", "bad json")]
    assert weak[1].overall < strong[1].overall
    by_score = [r.id for r in sort_rows(rows, "score", descending=True)]
    assert by_score == [strong[0].id, weak[0].id, "2026-03-09-x", "zz"]
    assert [r.id for r in sort_rows(rows, "score")][:2] == [weak[0].id, strong[0].id]
    newest = [r.id for r in sort_rows(rows, "date", descending=True)]
    assert newest[-1] == "zz", "a broken row has no date"
    for key in SORT_KEYS:
        assert {r.id for r in sort_rows(rows, key)} == {r.id for r in rows}
    with pytest.raises(ValueError, match="unknown sort key"):
        sort_rows(rows, "colour")


def test_filter_needs_every_term_somewhere_in_the_row() -> None:
    one, two = session_row(*scored_round("jq-senior", 1)), broken_row("zz-cut", "truncated")
    assert filter_rows([one, two], "") == [one, two]
    assert filter_rows([one, two], "STAFF-infra job") == [one]
    assert filter_rows([one, two], "truncated") == [two]
    assert filter_rows([one, two], "job truncated") == []
    assert one.cells()[5] == str(scored_round("jq-senior", 1)[1].overall)
    assert one.cells()[6] == "1:30" and two.cells()[7] == "broken"


def test_trends_follow_time_order_and_put_overall_first() -> None:
    rounds = [scored_round("jq-staff", 9), scored_round("jq-just-retry", 1)]
    series = trends(rounds)
    overall = series[0]
    assert overall.id == "overall"
    assert [p.session_id for p in overall.points] == [rounds[1][0].id, rounds[0][0].id]
    assert overall.values == [rounds[1][1].overall, rounds[0][1].overall]
    assert overall.change == rounds[0][1].overall - rounds[1][1].overall > 0
    criteria = {t.id: t for t in series[1:]}
    failure = criteria["failure-handling"]
    assert [p.level for p in failure.points] == [
        next(c.level for c in e.criteria if c.id == "failure-handling") for _, e in reversed(rounds)
    ]
    assert trends([])[0].points == [] and trends(rounds[:1])[0].change is None


def test_most_missed_counts_items_missed_across_rounds() -> None:
    rounds = [scored_round("jq-just-retry", 1), scored_round("jq-vague", 2)]
    expected: dict[str, int] = {}
    for _, evaluation in rounds:
        for criterion in evaluation.criteria:
            for item_id in criterion.missing:
                expected[item_id] = expected.get(item_id, 0) + 1
    missed = most_missed([e for _, e in rounds], limit=3)
    assert [m.count for m in missed] == sorted(expected.values(), reverse=True)[:3]
    assert all(expected[m.item_id] == m.count for m in missed)
    top = missed[0]
    assert top.count == 2 and top.sessions == 2 and top.description and top.criterion
    assert most_missed([]) == []


def test_current_word_is_the_last_word_started() -> None:
    words = [Word(word="a", start=0.5, end=0.7), Word(word="b", start=1.0, end=1.4)]
    assert current_word_index(words, 0.0) is None
    assert current_word_index(words, 0.6) == 0
    assert current_word_index(words, 0.9) == 0, "stays lit through the pause"
    assert current_word_index(words, 1.0) == 1
    assert current_word_index(words, 99) == 1
    assert current_word_index([], 1.0) is None


def test_braille_plot_draws_a_rising_line_and_sparkline_spans_the_blocks() -> None:
    rows = braille_lines([0, 100], width=4, height=2)
    assert len(rows) == 2 and all(len(r) == 4 for r in rows)
    blank = chr(0x2800)
    assert rows[1][0] != blank and rows[0][-1] != blank, "low on the left, high on the right"
    assert rows[0][0] == blank and rows[1][-1] == blank
    assert braille_lines([], 3, 1) == [blank * 3]
    assert sparkline([0, 50, 100]) == "▁▅█"


def test_compare_shows_level_changes_and_the_items_gained() -> None:
    from interviewer import catalog
    from interviewer.core.progress import compare
    from interviewer.core.scoring import evaluate

    rubric = catalog.load_rubrics().get("distributed-systems-design", "rubric")
    answers = Path(__file__).resolve().parents[1] / "data" / "answers"
    mid = evaluate(rubric, "job-queue", (answers / "jq-mid.txt").read_text())
    senior = evaluate(rubric, "job-queue", (answers / "jq-senior.txt").read_text())
    changes = {c.criterion_id: c for c in compare(mid, senior)}
    assert set(changes) == {c.id for c in rubric.criteria}
    improved = [c for c in changes.values() if c.delta and c.delta > 0]
    assert improved, "the senior answer is better somewhere"
    for change in improved:
        assert change.gained, f"{change.title} rose without a new item"
    reverse = {c.criterion_id: c for c in compare(senior, mid)}
    for criterion_id, change in changes.items():
        assert reverse[criterion_id].gained == change.lost
