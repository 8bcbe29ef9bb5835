"""``interviewer bench latency`` runs end to end on real components and reports every
figure. Values are not asserted: speed is measured by the benchmark, not by tests."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

import interviewer.bench
from interviewer.bench import latency

pytestmark = [pytest.mark.llm, pytest.mark.models]


def test_two_turns_report_every_figure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(interviewer.bench, "RESULTS_DIR", tmp_path)
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", action="store_true")
    latency.add_arguments(parser)
    args = parser.parse_args(
        ["--turns", "1", "--hands-free-turns", "1", "--max-words", "40", "--json"]
    )
    assert latency.run(args) == 0

    figures = json.loads((tmp_path / "latency.json").read_text())
    assert len(figures["turns"]) == 2
    for mode in ("push_to_talk", "hands_free"):
        stages = figures[mode]["stages"]
        for key, _label in latency.STAGES:
            assert set(stages[key]) == {"p50", "p95", "n"}
    assert "total_excluding_wait_s" in figures["hands_free"]["stages"]
    assert "wait_s" in figures["hands_free"]["stages"]
    for kind in ("cold", "cold_cached", "warm"):
        assert figures["launch"][kind]["first_audio_s"] > 0
    assert figures["peak_memory"]["total_mib"] > 0
    assert "| last word -> first audio (total) |" in (tmp_path / "latency.md").read_text()
