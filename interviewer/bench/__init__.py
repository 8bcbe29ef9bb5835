"""Benchmarks behind ``interviewer bench NAME``. Each prints its figures and writes them
to ``bench/results/NAME.json``; speed is measured here, never asserted in timed tests."""

from __future__ import annotations

import json
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from interviewer import locations

RESULTS_DIR = locations.REPO_DIR / "bench" / "results"


def write_results(name: str, figures: dict[str, Any]) -> Path:
    """Save one benchmark's figures with when and where they were measured."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    record = {
        "benchmark": name,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpu_count": _cpu_count(), "platform": platform.platform()},
        **figures,
    }
    path.write_text(json.dumps(record, indent=2) + "\n")
    return path


def _cpu_count() -> int:
    import os

    return os.cpu_count() or 0
