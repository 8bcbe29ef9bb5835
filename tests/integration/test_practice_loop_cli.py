"""``interviewer debrief`` and ``interviewer drill`` run as a user runs them, on a copy of
the shipped sample in a private recordings dir."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integration.test_report_cmd import SAMPLE_ID, copy_sample, run_cli


def test_debrief_without_a_model_answers_from_the_evaluation_and_saves(tmp_path: Path) -> None:
    recordings = copy_sample(tmp_path)
    result = run_cli(
        recordings, "debrief", "sample", "--no-llm", "--json", "--ask", "How were my numbers?"
    )
    assert result.returncode == 0, result.stderr
    [exchange] = json.loads(result.stdout)
    assert exchange["source"] == "evaluation"
    assert exchange["answer"].startswith("Quantitative reasoning: level 2 of 4")
    assert exchange["quotes"] and all(q["start"] is not None for q in exchange["quotes"])
    saved = json.loads((recordings / SAMPLE_ID / "session.json").read_text())
    assert [e["asked"] for e in saved["debrief"]] == ["How were my numbers?"]


def test_debrief_of_an_unscored_round_says_how_to_score_it(tmp_path: Path) -> None:
    recordings = copy_sample(tmp_path)
    (recordings / SAMPLE_ID / "evaluation.json").unlink()
    result = run_cli(recordings, "debrief", "sample", "--no-llm", "--ask", "Why?")
    assert result.returncode == 2
    assert "has not been scored" in result.stderr and "interviewer report" in result.stderr
    assert "Traceback" not in result.stderr


def test_drill_plan_lists_the_items_missed_in_the_sample(tmp_path: Path) -> None:
    recordings = copy_sample(tmp_path)
    result = run_cli(recordings, "drill", "--plan", "--json")
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert len(plan) == 4 and all(p["misses"] == 1 and p["hit_streak"] == 0 for p in plan)
    evaluation = json.loads((recordings / SAMPLE_ID / "evaluation.json").read_text())
    missing = {i for c in evaluation["criteria"] for i in c["missing"]}
    assert {p["item"] for p in plan} <= missing


def test_a_wrong_number_of_drill_answers_is_a_clear_error(tmp_path: Path) -> None:
    recordings = copy_sample(tmp_path)
    answer = tmp_path / "a.txt"
    answer.write_text("I would use a queue.")
    result = run_cli(recordings, "drill", "--answers", str(answer))
    assert result.returncode == 2 and "one answer file per item" in result.stderr


@pytest.mark.models
def test_a_headless_drill_is_saved_and_scored_per_item(tmp_path: Path) -> None:
    recordings = copy_sample(tmp_path)
    answers = []
    for index in range(2):
        path = tmp_path / f"{index}.txt"
        path.write_text("I would have to look that up.")
        answers.append(str(path))
    result = run_cli(recordings, "drill", "--items", "2", "--json", "--answers", *answers)
    assert result.returncode == 0, result.stderr
    drill = json.loads(result.stdout)
    assert drill["kind"] == "drill" and [i["hit"] for i in drill["drill_items"]] == [False] * 2
    assert (recordings / drill["id"] / "session.json").is_file()
