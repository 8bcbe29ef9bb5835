"""``interviewer bench NAME [--json]``: run one benchmark (see ``interviewer.bench``)."""

from __future__ import annotations

import importlib
from typing import Any

BENCHMARKS: dict[str, str] = {
    "stt": "speech recognition: WER, glossary recall, RTF, streaming latency",
    "scoring": "rubric scoring: agreement with labelled answers, ranking, gaming, speed",
    "latency": "turn latency: last word to first interviewer audio, launch time, peak memory",
    "listening": "simulated candidates: anchored probes, follow-through, nothing asked twice",
    "turns": "hands-free end of turn on a pause set: premature cut-offs, wait after the last word",
}
"""name -> help. The module ``interviewer.bench.<name>`` has ``add_arguments(parser)`` and
``run(args) -> int``."""


def register(subparsers: Any) -> None:
    if not BENCHMARKS:
        return
    parser = subparsers.add_parser("bench", help="run a benchmark; results in bench/results/")
    names = parser.add_subparsers(dest="benchmark", metavar="NAME", required=True)
    for name, help_text in BENCHMARKS.items():
        sub = names.add_parser(name, help=help_text)
        sub.add_argument("--json", action="store_true", help="print the figures as JSON")
        module = importlib.import_module(f"interviewer.bench.{name}")
        module.add_arguments(sub)
        sub.set_defaults(handler=module.run)
