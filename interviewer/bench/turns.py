"""``interviewer bench turns``: semantic end of turn on a set of pauses, hands-free.

The pause set: answer fragments spoken by several synthetic voices (espeak-ng variants
and Piper), each followed by either a thinking pause and the rest of the sentence
("so the workers... um..." [2 s] "take a lease on the job") or silence after a finished
ending. Every clip goes through the app's own hands-free path, ``voice.VoiceTurn``: the
Silero VAD, the endpointer, the live Whisper transcript (whose wording can overrule the
model, rule H3) and the smart-turn model, asked at each pause (rule H5).

The run asks the model but never lets it end a turn, and records each verdict: when,
with what probability, and whether the live words sounded unfinished. Since nothing
differs before the first end, "the turn ends at the first verdict at or above the
threshold" replays exactly what the app would do at any threshold. The items are split
into dev and held-out by a fixed rule before anything is tuned; the threshold is chosen
on dev (the fastest one with at most ``--max-cut`` premature cut-offs) and reported on
held-out, next to the naive baseline from the same run (patience only, no model).

Figures: premature cut-offs (the turn ended before the candidate's last word: in a
thinking pause, or at a pause between sentences), and for finished answers the wait from
the last word to the end of the turn. The reply's own time comes on top of the wait;
``interviewer bench latency`` measures the whole chain.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import soundfile

from interviewer import catalog
from interviewer.adapters.audio.dsp import resample
from interviewer.core.endpointing import EndpointConfig, Endpointer, TurnMode
from interviewer.core.ports import SAMPLE_RATE, Samples, TurnEndDetector

LEAD_SILENCE = 0.4
TRAILING_SILENCE = 6.0
SPEECH_LEVEL = 0.01
CHECK_SECONDS = (0.3, 0.5, 0.7, 1.0, 1.5)
"""Pause lengths at which the run asks the model; a rule uses some of them
(``audio.turn_end_check_seconds``): one alone, or one and every later one."""
THRESHOLDS = tuple(round(float(t), 2) for t in np.arange(0.3, 1.0, 0.05))

MID_PAUSES: tuple[tuple[str, str], ...] = (
    ("I'd keep the jobs in Postgres, so the workers... um...", "take a lease on each row."),
    ("And then, let me think,", "the lease expires after thirty seconds."),
    ("We shard by user ID, and", "each shard has its own replica set."),
    ("The retry uses exponential backoff with", "jitter, capped at five attempts."),
    ("So at peak we see about, hmm,", "ten thousand requests per second."),
    ("A worker sends a heartbeat, because", "otherwise the job would come back twice."),
    ("For the cache I would use... uh...", "Redis, with a short TTL."),
    ("The idempotency key is stored in the", "same transaction as the charge."),
    ("If the leader fails, well,", "the followers elect a new one with Raft."),
    ("We could put Kafka in front, or", "maybe a simple queue table is enough."),
    ("Give me a second.", "Right, the outbox table solves that."),
    ("The main bottleneck would be the", "database write path, not the API."),
    ("To handle the ten x traffic, first", "we add read replicas."),
    ("So the flow is: the API writes the job,", "then a worker picks it up."),
    ("Hold on, I think", "the fencing token fixes the split brain."),
    ("We measure p99 latency and", "alert when it passes two hundred milliseconds."),
    ("The consumer commits the offset only after the", "side effect is done."),
    ("Um, so, the first thing I would check is", "whether the queue depth is growing."),
    ("Each deploy goes to a canary, then", "to ten percent, then everywhere."),
    ("For consistency we need a quorum of... let me see...", "three out of five replicas."),
)
"""(before the pause, after it): a thinking pause in the middle of an answer."""

FINISHED: tuple[str, ...] = (
    "So each job is charged exactly once, even if a worker dies mid-way.",
    "That's how I would handle retries.",
    "We would need about twenty machines at peak.",
    "And that covers the failure cases I can think of.",
    "The outbox table makes the event publication reliable.",
    "So I'd start with a single Postgres primary and two replicas.",
    "That keeps the p99 under two hundred milliseconds.",
    "The lease timeout is thirty seconds, and the heartbeat every ten.",
    "I think that's it.",
    "A dead-letter queue catches whatever still fails after five attempts.",
    "Then the followers elect a new leader, and we carry on.",
    "So the bottleneck is the database, and sharding fixes it.",
    "We alert on queue depth, not on CPU.",
    "Consistent hashing keeps the rebalancing cheap.",
    "That's my design.",
    "And the canary rolls back on its own if the error rate jumps.",
    "Yes, the fencing token prevents two leaders from writing.",
    "That would be my answer.",
    "Read-your-writes comes from routing that user to the leader.",
    "So that's roughly ten thousand requests per second at peak.",
)
"""Finished last sentences of an answer."""

CONTEXT = "Okay. I would put the jobs in a table and have workers poll it."
"""Said first in every clip: the model hears a few seconds of an answer, as in a round."""

ESPEAK_VOICES = (
    ("espeak-us", "en-us", 165),
    ("espeak-gb", "en-gb", 150),
    ("espeak-f", "en-us+f3", 175),
)
"""(name, espeak-ng voice, words per minute)."""


@dataclass
class Clip:
    item: str
    kind: str
    """"pause" (a thinking pause, then more words) or "finished"."""
    voice: str
    split: str
    audio: Samples = field(repr=False)
    last_word_at: float
    """Seconds: the end of the last speech in the clip (the candidate's last word)."""
    resume_at: float | None = None
    """"pause" clips: when the candidate speaks again after the pause."""


@dataclass
class Verdict:
    at: float
    check: float
    """The check point (pause length) this verdict was asked at."""
    probability: float
    hesitating: bool


@dataclass(frozen=True)
class Rule:
    checks: tuple[float, ...]
    """Empty: patience only (the naive baseline)."""
    threshold: float = 1.0

    @property
    def name(self) -> str:
        if not self.checks:
            return "patience only"
        return f"ask at {'/'.join(f'{c:g}' for c in self.checks)} s, end at p >= {self.threshold}"


def candidate_rules() -> list[Rule]:
    rules: list[Rule] = []
    for i, check in enumerate(CHECK_SECONDS):
        for checks in sorted({(check,), CHECK_SECONDS[i:]}):
            rules.extend(Rule(checks, t) for t in THRESHOLDS)
    return rules


@dataclass
class ClipResult:
    item: str
    kind: str
    voice: str
    split: str
    last_word_at: float
    resume_at: float | None
    patience_end_at: float | None
    verdicts: list[Verdict]


def split_of(index: int) -> str:
    """The fixed dev / held-out rule, by item (never by clip): every third item is held
    out, so a voice is in both halves but a sentence is in one only."""
    return "heldout" if index % 3 == 2 else "dev"


class Voices:
    def __init__(self, names: Sequence[str]) -> None:
        self.espeak = shutil.which("espeak-ng")
        self.piper: Any = None
        self.names = [n for n in names if n == "piper-joe" or self.espeak]
        if "piper-joe" in self.names:
            from interviewer.adapters.tts.piper_voice import PiperSynthesizer

            self.piper = PiperSynthesizer()

    def speak(self, voice: str, text: str) -> Samples:
        if voice == "piper-joe":
            audio = resample(self.piper.synthesize(text), self.piper.sample_rate)
        else:
            _, name, speed = next(v for v in ESPEAK_VOICES if v[0] == voice)
            assert self.espeak is not None
            wav = subprocess.run(
                [self.espeak, "--stdout", "-v", name, "-s", str(speed), text],
                check=True,
                capture_output=True,
            ).stdout
            data, rate = soundfile.read(_bytes_io(wav), dtype="float32", always_2d=True)
            audio = resample(data.mean(axis=1), int(rate))
        loud = np.flatnonzero(np.abs(audio) > SPEECH_LEVEL)
        return (audio[loud[0] : loud[-1] + 1] if loud.size else audio).astype(np.float32)


def _bytes_io(data: bytes) -> Any:
    import io

    return io.BytesIO(data)


def _silence(seconds: float) -> Samples:
    return np.zeros(round(seconds * SAMPLE_RATE), np.float32)


def build_clips(voices: Voices, pause_seconds: Sequence[float]) -> list[Clip]:
    clips: list[Clip] = []
    for voice in voices.names:
        context = voices.speak(voice, CONTEXT)
        for index, (before, after) in enumerate(MID_PAUSES):
            pause = pause_seconds[index % len(pause_seconds)]
            head = np.concatenate(
                [_silence(LEAD_SILENCE), context, _silence(0.4), voices.speak(voice, before)]
            )
            tail = voices.speak(voice, after)
            audio = np.concatenate([head, _silence(pause), tail])
            clips.append(
                Clip(
                    item=f"pause-{index:02d}",
                    kind="pause",
                    voice=voice,
                    split=split_of(index),
                    audio=audio,
                    last_word_at=audio.size / SAMPLE_RATE,
                    resume_at=(head.size + round(pause * SAMPLE_RATE)) / SAMPLE_RATE,
                )
            )
        for index, text in enumerate(FINISHED):
            audio = np.concatenate(
                [_silence(LEAD_SILENCE), context, _silence(0.4), voices.speak(voice, text)]
            )
            clips.append(
                Clip(
                    item=f"finished-{index:02d}",
                    kind="finished",
                    voice=voice,
                    split=split_of(index),
                    audio=audio,
                    last_word_at=audio.size / SAMPLE_RATE,
                )
            )
    return clips


class RecordingDetector:
    """Asks the real model, records the verdict with the endpointer's view, and answers
    "unfinished" so that the turn always runs on to the patience."""

    def __init__(self, inner: TurnEndDetector) -> None:
        self.inner = inner
        self.endpointer: Endpointer | None = None
        self.verdicts: list[Verdict] = []
        self.seconds: list[float] = []

    def probability_finished(self, audio: Samples) -> float:
        started = time.perf_counter()
        probability = self.inner.probability_finished(audio)
        self.seconds.append(time.perf_counter() - started)
        assert self.endpointer is not None
        status = self.endpointer.status()
        check = max(c for c in CHECK_SECONDS if c <= status.pause_seconds + 1e-9)
        self.verdicts.append(Verdict(self.endpointer.now, check, probability, status.hesitating))
        return 0.0


def run_clip(
    clip: Clip, recognizer: Any, vad: Any, detector: RecordingDetector, patience: float, tmp: Path
) -> ClipResult:
    from interviewer.adapters.audio.files import FileAudioSource
    from interviewer.voice import VoiceTurn

    config = EndpointConfig(
        mode=TurnMode.HANDS_FREE,
        patience_seconds=patience,
        turn_end_check_seconds=CHECK_SECONDS,
        turn_end_threshold=1.0,  # never reached: RecordingDetector answers 0
    )
    source = FileAudioSource(clip.audio, trailing_silence_seconds=TRAILING_SILENCE)
    detector.verdicts = []
    turn = VoiceTurn(source, recognizer, tmp / "turn.wav", config, vad=vad, turn_end=detector)
    detector.endpointer = turn.capture.endpointer
    result = turn.run()
    del result
    status = turn.capture.endpointer.status()
    return ClipResult(
        item=clip.item,
        kind=clip.kind,
        voice=clip.voice,
        split=clip.split,
        last_word_at=clip.last_word_at,
        resume_at=clip.resume_at,
        patience_end_at=status.ended_at,
        verdicts=list(detector.verdicts),
    )


def end_at(result: ClipResult, rule: Rule) -> float | None:
    """When the turn ends under ``rule``: the first verdict it asks for that says
    finished, else the patience."""
    for verdict in result.verdicts:
        if (
            verdict.check in rule.checks
            and verdict.probability >= rule.threshold
            and not verdict.hesitating
        ):
            return verdict.at
    return result.patience_end_at


def evaluate(results: Sequence[ClipResult], rule: Rule) -> dict[str, Any]:
    """Premature cut-offs over all clips, and the wait after the last word of finished
    answers (a cut finished answer has no wait: it counts as a cut-off)."""
    cuts = 0
    waits: list[float] = []
    early = 0
    for result in results:
        end = end_at(result, rule)
        if end is None or end < result.last_word_at - 0.05:
            cuts += 1
            continue
        if result.kind == "finished":
            waits.append(end - result.last_word_at)
            early += result.patience_end_at is None or end < result.patience_end_at - 0.05
    pauses = sum(1 for r in results if r.kind == "pause")
    pause_cuts = sum(
        1
        for r in results
        if r.kind == "pause" and (e := end_at(r, rule)) is not None and e < r.last_word_at
    )
    return {
        "rule": rule.name,
        "checks_s": list(rule.checks),
        "threshold": rule.threshold if rule.checks else None,
        "clips": len(results),
        "premature_cutoffs": cuts,
        "premature_share": round(cuts / len(results), 4) if results else None,
        "thinking_pauses_cut": f"{pause_cuts} of {pauses}",
        "finished_answers_ended_before_patience": f"{early} of {len(waits)}",
        "wait_after_last_word_s": _percentiles(waits),
    }


def _percentiles(values: Sequence[float]) -> dict[str, float | int | None]:
    if not values:
        return {"p50": None, "p90": None, "n": 0}
    return {
        "p50": round(float(np.percentile(values, 50)), 3),
        "p90": round(float(np.percentile(values, 90)), 3),
        "n": len(values),
    }


def choose_rule(dev: Sequence[ClipResult], max_cut: float) -> Rule:
    """The rule with the shortest dev wait (p50) among those cutting at most ``max_cut``
    of dev clips; ties go to the higher threshold, then the fewer checks."""
    best: tuple[tuple[float, float, int], Rule] | None = None
    for rule in candidate_rules():
        figures = evaluate(dev, rule)
        if figures["premature_share"] is None or figures["premature_share"] > max_cut:
            continue
        wait = figures["wait_after_last_word_s"]["p50"]
        key = (wait if wait is not None else float("inf"), -rule.threshold, len(rule.checks))
        if best is None or key < best[0]:
            best = (key, rule)
    return best[1] if best is not None else Rule(())


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--persona", default="staff-infra", help="whose patience bounds the wait")
    parser.add_argument(
        "--voices",
        default="piper-joe," + ",".join(v[0] for v in ESPEAK_VOICES),
        help="comma-separated: piper-joe and espeak-us, espeak-gb, espeak-f",
    )
    parser.add_argument(
        "--max-cut", type=float, default=0.03, help="premature cut-offs allowed on dev (0.03)"
    )
    parser.add_argument("--limit", type=int, default=0, help="only the first N clips (smoke)")
    parser.add_argument(
        "--fast-max-cut",
        type=float,
        default=0.10,
        help="a second rule, chosen on dev with this cut-off budget, shows the trade-off",
    )
    parser.add_argument(
        "--replay",
        metavar="JSON",
        help="re-evaluate the verdicts recorded in an earlier results file (no audio run)",
    )
    parser.add_argument("--out", default="turns", help="results name (bench/results/NAME)")


def run(args: argparse.Namespace) -> int:
    from interviewer.adapters.audio.turn_model import SmartTurnDetector
    from interviewer.adapters.audio.vad import SileroVad
    from interviewer.adapters.stt.whisper import WhisperTranscriber
    from interviewer.bench.latency import load_average
    from interviewer.cli.output import err_console
    from interviewer.settings import load_settings

    settings = load_settings()
    if args.replay:
        recorded = json.loads(Path(args.replay).read_text())
        replayed = [_clip_result(c) for c in recorded.pop("clips")]
        return _report(args, summarize(recorded, replayed, settings, args), replayed)
    persona = catalog.load_personas().get(args.persona, "persona")
    patience = persona.patience_seconds
    # Thinking pauses up to just under the patience: longer ones the old rule cut too.
    pause_seconds = [round(patience * share, 2) for share in (0.4, 0.6, 0.8, 0.95)]
    with err_console.status("speaking the pause set"):
        voices = Voices(args.voices.split(","))
        clips = build_clips(voices, pause_seconds)
    if args.limit:
        clips = clips[: args.limit]
    err_console.print(f"{len(clips)} clips, {len(voices.names)} voices, patience {patience} s")
    recognizer = WhisperTranscriber.from_settings(settings.stt)
    vad = SileroVad()
    detector = RecordingDetector(SmartTurnDetector.load(settings.audio.turn_model_path))
    results: list[ClipResult] = []
    loads: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-turns-") as tmp:
        for number, clip in enumerate(clips, 1):
            results.append(run_clip(clip, recognizer, vad, detector, patience, Path(tmp)))
            if (load := load_average()) is not None:
                loads.append(load)
            if number % 20 == 0:
                err_console.print(f"  {number}/{len(clips)} clips")
    figures = summarize(
        {
            "persona": persona.id,
            "patience_s": patience,
            "thinking_pauses_s": pause_seconds,
            "checks_asked_s": list(CHECK_SECONDS),
            "voices": voices.names,
            "model": str(getattr(detector.inner, "path", "")),
            "model_seconds_per_verdict": _percentiles(detector.seconds),
            "median_load_avg": round(float(np.median(loads)), 2) if loads else None,
        },
        results,
        settings,
        args,
    )
    return _report(args, figures, results)


def summarize(
    run: dict[str, Any], results: Sequence[ClipResult], settings: Any, args: argparse.Namespace
) -> dict[str, Any]:
    dev = [r for r in results if r.split == "dev"]
    heldout = [r for r in results if r.split == "heldout"]
    chosen = choose_rule(dev, args.max_cut)
    fast = choose_rule(dev, args.fast_max_cut)
    default = Rule(tuple(settings.audio.turn_end_check_seconds), settings.audio.turn_end_threshold)
    baseline = Rule(())
    keep = {k: v for k, v in run.items() if k not in ("dev", "heldout", "dev_sweep")}
    return {
        **keep,
        "split": "items: every third held out (dev and held-out share voices, not sentences)",
        "rule_chosen_on_dev": chosen.name,
        "dev_max_cut": args.max_cut,
        "fast_rule_chosen_on_dev": fast.name,
        "fast_dev_max_cut": args.fast_max_cut,
        "dev": {
            "model": evaluate(dev, chosen),
            "fast": evaluate(dev, fast),
            "baseline_patience": evaluate(dev, baseline),
        },
        "heldout": {
            "model": evaluate(heldout, chosen),
            "fast": evaluate(heldout, fast),
            "baseline_patience": evaluate(heldout, baseline),
            "model_settings_default": evaluate(heldout, default),
        },
        "dev_sweep": [evaluate(dev, rule) for rule in candidate_rules()],
    }


def _report(
    args: argparse.Namespace, figures: dict[str, Any], results: Sequence[ClipResult]
) -> int:
    from interviewer.bench import write_results
    from interviewer.cli.output import console, print_json

    path = write_results(args.out, {**figures, "clips": [asdict(r) for r in results]})
    if args.json:
        print_json(figures)
        return 0
    console.print(render(figures))
    console.print(f"results: {path}")
    return 0


def _clip_result(data: dict[str, Any]) -> ClipResult:
    verdicts = [Verdict(**v) for v in data.pop("verdicts")]
    return ClipResult(**data, verdicts=verdicts)


def render(figures: dict[str, Any]) -> str:
    def row(name: str, f: dict[str, Any]) -> str:
        wait = f["wait_after_last_word_s"]
        return (
            f"| {name} | {f['premature_cutoffs']} of {f['clips']} "
            f"({f['premature_share']:.1%}); thinking pauses cut {f['thinking_pauses_cut']} "
            f"| {wait['p50']} / {wait['p90']} (n={wait['n']}; "
            f"{f['finished_answers_ended_before_patience']} before the patience) |"
        )

    held = figures["heldout"]
    lines = [
        f"Hands-free end of turn on the pause set (persona {figures['persona']}, patience "
        f"{figures['patience_s']} s; voices {', '.join(figures['voices'])}; rules chosen on "
        f"dev (at most {figures['dev_max_cut']:.0%} of dev clips cut); median load "
        f"{figures['median_load_avg']} on 2 cores). Held-out:",
        "",
        "| rule | premature cut-offs | last word -> end of turn, s, p50 / p90 |",
        "|---|---|---|",
        row("patience only (naive baseline)", held["baseline_patience"]),
        row(f"smart-turn, chosen on dev: {held['model']['rule']}", held["model"]),
        row(
            f"smart-turn, faster (dev budget {figures['fast_dev_max_cut']:.0%}): "
            f"{held['fast']['rule']}",
            held["fast"],
        ),
        row(
            f"smart-turn, settings default: {held['model_settings_default']['rule']}",
            held["model_settings_default"],
        ),
        "",
        f"Model time per verdict: p50 {figures['model_seconds_per_verdict']['p50']} s.",
    ]
    return "\n".join(lines)
