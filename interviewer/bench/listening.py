"""``interviewer bench listening``: does the interviewer listen, with the embedded model?

Simulated candidates, each with one habit, answer the job-queue question of the
distributed-systems rubric for the tough (staff-infra) and the friendly (friendly-backend)
persona at three levels, round after round (the model samples, so rounds differ):

- a dodger answers a probe about one thing with another (retries when asked for numbers);
- a repeater says the same first answer every turn;
- a numbers-unasked candidate gives peak load and machine counts with every answer;
- a clarifier opens with clarifying questions before answering.

Every line the interviewer says is checked, as in ``tests/unit/test_listening.py`` but
with the LLM phrasing the lines (no reply deadline: the model is always in time here):

- anchored: a probe contains a verbatim span (three words) or a named component of the
  answer just before it (``anchoring.is_anchored``, which ignores the probe's own words);
- asked for what was just given: a new probe whose checklist items the candidate had
  already evidenced or named;
- followed through: a probe whose answer evidences nothing of the probed criterion is
  pressed on the same point in the next line;
- flattery and role confusion: the guard's own patterns, over every line said.

Results, rounds included (every line, for quoting), go to ``bench/results/listening.json``.
"""

from __future__ import annotations

import argparse
import itertools
import os
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from interviewer import catalog
from interviewer.core.anchoring import component_terms, is_anchored
from interviewer.core.content import Level, Rubric
from interviewer.core.engine import EngineConfig, InterviewEngine, Say
from interviewer.core.evidence import detect_items
from interviewer.core.guards import FLATTERY, ROLE_CONFUSION
from interviewer.core.planning import mentioned_items, probe_targets
from interviewer.core.ports import ChatModel
from interviewer.core.session import TurnKind

RUBRIC = "distributed-systems-design"
QUESTION = "job-queue"
PERSONAS = ("staff-infra", "friendly-backend")
LEVELS = (Level.MID, Level.SENIOR, Level.STAFF)

MID = (
    "I would put the jobs in a queue and have a pool of workers pull from it. The workers "
    "process each job and write the result to a database, and the API returns a job id."
)
RETRIES = (
    "If a job fails we retry it with exponential backoff and jitter, up to five times, "
    "then it goes to a dead letter queue."
)
NUMBERS = (
    "At peak we might see maybe ten thousand requests per second, so I would start with "
    "around twenty machines."
)
FAILURE = (
    "If the worker dies its lease expires and another worker picks the job up, and the "
    "charge carries an idempotency key so it never runs twice."
)
CANDIDATES: dict[str, list[str]] = {
    "dodger": [MID, RETRIES, "We retry with backoff and cap the retries.", RETRIES],
    "repeater": [MID, MID, MID, MID],
    "numbers unasked": [f"{MID} {NUMBERS}", f"{FAILURE} {NUMBERS}", NUMBERS, NUMBERS],
    "clarifier": ["What is the peak load?", "Do jobs need to run in order?", MID, FAILURE],
}
"""Each simulated candidate's answers, one per turn."""


@dataclass
class Line:
    text: str
    kind: str
    probe_id: str | None
    scripted: bool
    note: str | None
    checks: dict[str, bool] = field(default_factory=dict)


@dataclass
class RoundRecord:
    persona: str
    candidate: str
    level: str
    opening: list[str]
    turns: list[tuple[str, Line]]
    """(the candidate's answer, the interviewer's line after it)."""
    seconds: float


@dataclass
class Tally:
    probes: int = 0
    anchored: int = 0
    asked_for_given: int = 0
    dodged: int = 0
    followed_through: int = 0
    lines: int = 0
    flattery: int = 0
    role_confused: int = 0
    llm_phrased: int = 0

    def add(self, other: Tally) -> None:
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def figures(self) -> dict[str, Any]:
        def share(part: int, whole: int) -> float | None:
            return round(part / whole, 3) if whole else None

        return {
            **asdict(self),
            "anchored_share": share(self.anchored, self.probes),
            "followed_through_share": share(self.followed_through, self.dodged),
            "llm_phrased_share": share(self.llm_phrased, self.lines),
        }


def play_round(
    chat: ChatModel | None, rubric: Rubric, persona_id: str, candidate: str, level: Level
) -> tuple[RoundRecord, Tally]:
    persona = catalog.load_personas().get(persona_id, "persona")
    engine = InterviewEngine(
        persona=persona,
        rubric=rubric,
        question=rubric.question(QUESTION),
        level=level,
        chat=chat,
        session_id="bench-listening",
        config=EngineConfig(round_seconds=1500),
        clock=lambda: 0.0,
    )
    started = time.perf_counter()
    opening = [e.text for e in engine.start() if isinstance(e, Say)]
    terms = component_terms(rubric)
    tally = Tally()
    turns: list[tuple[str, Line]] = []
    said: list[str] = []
    for answer in CANDIDATES[candidate]:
        if engine.finished:
            break
        before = set(engine.found)
        heard = " ".join([*said, answer])
        said.append(answer)
        current = engine.current
        says = [e for e in engine.on_candidate_turn(answer, duration=20) if isinstance(e, Say)]
        if not says:
            continue
        for say in says:
            tally.lines += 1
            tally.llm_phrased += not say.scripted
            tally.flattery += bool(FLATTERY.search(say.text))
            tally.role_confused += bool(ROLE_CONFUSION.search(say.text))
        reply = says[-1]
        line = Line(reply.text, reply.kind.value, reply.probe_id, reply.scripted, reply.note)
        turns.append((answer, line))
        pressed = "follow-through" in (reply.note or "")
        if current is not None and not pressed_already(engine, current.probe.id):
            probed = {(current.criterion.id, i.id) for i in current.criterion.checklist}
            dodged = not detect_items(rubric, answer) & probed and not mentioned_items(
                rubric, answer, probed
            )
            if dodged and current.probe.kind.value != "constraint_change":
                tally.dodged += 1
                followed = pressed and reply.probe_id == current.probe.id
                tally.followed_through += followed
                line.checks["dodge_followed_through"] = followed
        if reply.kind is not TurnKind.PROBE:
            continue
        tally.probes += 1
        planned = next(p for p in rubric.probes_for(QUESTION) if p.id == reply.probe_id)
        anchored = is_anchored(reply.text, answer, planned.text, terms)
        tally.anchored += anchored
        line.checks["anchored"] = anchored
        if not pressed and planned.kind.value != "constraint_change":
            targets = probe_targets(rubric, planned)
            given = before | mentioned_items(rubric, heard, targets)
            asked_for_given = bool(targets) and targets <= given
            tally.asked_for_given += asked_for_given
            line.checks["asked_for_given"] = asked_for_given
    record = RoundRecord(
        persona_id, candidate, level.value, opening, turns, time.perf_counter() - started
    )
    return record, tally


def pressed_already(engine: InterviewEngine, probe_id: str) -> bool:
    """Whether the probe was already said twice before the latest line (asked, then
    pressed): a second dodge of it is not pressed again, by design."""
    said = [t for t in engine.session.turns[:-1] if t.probe_id == probe_id]
    return len(said) >= 2


def plan(rounds: int) -> list[tuple[str, str, Level]]:
    combos = list(itertools.product(PERSONAS, sorted(CANDIDATES), LEVELS))
    return [combos[i % len(combos)] for i in range(rounds)]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rounds", type=int, default=56, help="simulated rounds (default 56)")
    parser.add_argument(
        "--no-llm", action="store_true", help="the scripted interviewer (the LLM-down path)"
    )
    parser.add_argument("--out", default="listening", help="results name (bench/results/NAME)")


def run(args: argparse.Namespace) -> int:
    from interviewer.bench import write_results
    from interviewer.bench.latency import load_average, vm_hwm_mib
    from interviewer.cli.output import console, err_console, print_json
    from interviewer.llm_runtime import open_llm
    from interviewer.settings import load_settings

    settings = load_settings()
    rubric = catalog.load_rubrics().get(RUBRIC, "rubric")
    runtime = None if args.no_llm else open_llm(settings.llm)
    chat = runtime.chat if runtime is not None else None
    total = Tally()
    by_persona = {p: Tally() for p in PERSONAS}
    records: list[RoundRecord] = []
    loads: list[float] = []
    figures: dict[str, Any] = {}
    try:
        for number, (persona, candidate, level) in enumerate(plan(args.rounds), 1):
            record, tally = play_round(chat, rubric, persona, candidate, level)
            records.append(record)
            total.add(tally)
            by_persona[persona].add(tally)
            if (load := load_average()) is not None:
                loads.append(load)
            err_console.print(
                f"round {number}/{args.rounds} {persona} {candidate} {level.value}: "
                f"{tally.anchored}/{tally.probes} anchored, "
                f"{tally.followed_through}/{tally.dodged} dodges pressed, "
                f"{tally.asked_for_given} asked for given, "
                f"{tally.flattery + tally.role_confused} flattery/role, {record.seconds:.0f} s"
            )
            server_pid = runtime.server.pid if runtime and runtime.server else None
            figures = {
                "model": "none (scripted)" if chat is None else chat.model_name,
                "rubric": RUBRIC,
                "question": QUESTION,
                "rounds": len(records),
                "complete": len(records) == args.rounds,
                "median_load_avg": sorted(loads)[len(loads) // 2] if loads else None,
                "all": total.figures(),
                "by_persona": {p: t.figures() for p, t in by_persona.items()},
                "peak_memory_mib": {
                    "bench_process": vm_hwm_mib(os.getpid()),
                    "llm_server": vm_hwm_mib(server_pid) if server_pid else None,
                },
                "round_records": [asdict(r) for r in records],
            }
            write_results(args.out, figures)  # as it goes: a stopped run keeps its rounds
    finally:
        if runtime is not None:
            runtime.close()
    if args.json:
        print_json(figures)
        return 0
    console.print(render(figures))
    return 0


def render(figures: dict[str, Any]) -> str:
    def row(name: str, f: dict[str, Any]) -> str:
        return (
            f"| {name} | {f['anchored']}/{f['probes']} ({f['anchored_share']}) | "
            f"{f['asked_for_given']} | {f['followed_through']}/{f['dodged']} "
            f"({f['followed_through_share']}) | {f['flattery']} / {f['role_confused']} "
            f"of {f['lines']} lines | {f['llm_phrased_share']} |"
        )

    lines = [
        f"{figures['rounds']} simulated rounds, model {figures['model']}, median load "
        f"{figures['median_load_avg']}:",
        "",
        "| persona | probes anchored | asked for what was given | dodges followed through "
        "| flattery / role-confused | lines phrased by the LLM |",
        "|---|---|---|---|---|---|",
        row("all", figures["all"]),
        *(row(p, f) for p, f in figures["by_persona"].items()),
    ]
    return "\n".join(lines)


def quote_rounds(records: Sequence[dict[str, Any]], count: int = 3) -> list[str]:
    """A few rounds as text, for a report."""
    out = []
    for record in records[:count]:
        text = [f"[{record['persona']}, {record['candidate']}, {record['level']}]"]
        for answer, line in record["turns"]:
            text.append(f"  candidate: {answer}")
            text.append(f"  interviewer: {line['text']}")
        out.append("\n".join(text))
    return out
