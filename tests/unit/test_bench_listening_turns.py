"""The measuring code of ``bench listening`` and ``bench turns`` (no models needed)."""

from __future__ import annotations

from interviewer import catalog
from interviewer.bench.listening import play_round
from interviewer.bench.turns import ClipResult, Rule, Verdict, choose_rule, end_at, evaluate
from interviewer.core.content import Level


def test_the_listening_tally_counts_dodges_and_presses_on_a_scripted_round() -> None:
    rubric = catalog.load_rubrics().get("distributed-systems-design", "rubric")
    record, tally = play_round(None, rubric, "staff-infra", "dodger", Level.SENIOR)
    assert tally.probes == len([t for t in record.turns if t[1].kind == "probe"]) > 0
    assert tally.dodged > 0, "retries for numbers is a dodge"
    assert tally.followed_through == tally.dodged
    assert tally.llm_phrased == 0 and tally.flattery == tally.role_confused == 0
    pressed = [line for _, line in record.turns if "follow-through" in (line.note or "")]
    assert len(pressed) == tally.followed_through


def clip(kind: str, verdicts: list[Verdict], last_word_at: float = 10.0) -> ClipResult:
    return ClipResult(
        item="x",
        kind=kind,
        voice="v",
        split="dev",
        last_word_at=last_word_at,
        resume_at=8.0 if kind == "pause" else None,
        patience_end_at=last_word_at + 3.0,
        verdicts=verdicts,
    )


def test_a_rule_ends_the_turn_at_its_first_confident_verdict_unless_words_hesitate() -> None:
    thinking = clip(
        "pause", [Verdict(7.3, 0.3, 0.9, True), Verdict(7.5, 0.5, 0.8, False)]
    )  # the pause starts at 7.0, more words at 8.0
    finished = clip("finished", [Verdict(10.5, 0.5, 0.7, False), Verdict(11.0, 1.0, 0.95, False)])
    assert end_at(thinking, Rule((0.3,), 0.5)) == 13.0, "hesitating words overrule 0.9"
    assert end_at(thinking, Rule((0.5,), 0.5)) == 7.5, "cut in the thinking pause"
    assert end_at(finished, Rule((0.5, 1.0), 0.9)) == 11.0
    assert end_at(finished, Rule(())) == 13.0, "patience only"
    figures = evaluate([thinking, finished], Rule((0.5,), 0.75))
    assert figures["premature_cutoffs"] == 1 and figures["thinking_pauses_cut"] == "1 of 1"
    assert figures["wait_after_last_word_s"]["p50"] == 3.0
    # Asking at 1.0 s only: the thinking pause is safe, the finished answer ends at 1.0 s.
    chosen = choose_rule([thinking, finished], max_cut=0.0)
    assert end_at(thinking, chosen) == 13.0
    assert end_at(finished, chosen) is not None and end_at(finished, chosen) < 13.0
