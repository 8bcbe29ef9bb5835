"""``interviewer transcribe AUDIO... [--rubric ID] [--json]``: audio files to text.

Each file is transcribed on its own; an unreadable file is reported (error and fix on
stderr) and the others are still transcribed. The exit status is 2 if any file failed.
With ``--json`` stdout holds exactly one JSON document: the object for a single file, or
the list of objects for the files that could be read when several were given.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeRemainingColumn

from interviewer import catalog
from interviewer.cli.output import console, err_console, print_json
from interviewer.core.ports import SAMPLE_RATE, Samples
from interviewer.errors import InterviewerError
from interviewer.settings import load_settings

PROGRESS_AFTER_SECONDS = 30.0
"""Files longer than this show a progress bar on stderr."""
QUIET_PEAK = 0.03
"""A peak below about -30 dBFS: speech this quiet is often lost as silence."""
CLIPPED_LEVEL = 0.999
CLIPPED_SHARE = 0.001


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "transcribe", help="transcribe audio files with the local Whisper model"
    )
    parser.add_argument("audio", nargs="+", type=Path, metavar="AUDIO", help="WAV/FLAC/OGG/MP3")
    parser.add_argument(
        "--rubric",
        help="bias recognition with this rubric's glossary (default: the configured round "
        "rubric, settings round.rubric)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON with word timestamps")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from interviewer.adapters.stt.audio_in import load_audio
    from interviewer.adapters.stt.whisper import WhisperTranscriber

    settings = load_settings()
    glossary = _glossary(args.rubric, settings.round.rubric)
    transcriber = WhisperTranscriber.from_settings(settings.stt, glossary=glossary)
    results: list[dict[str, Any]] = []
    failed = 0
    for path in args.audio:
        try:
            audio = load_audio(path)
        except InterviewerError as error:
            failed += 1
            err_console.print(f"[bold red]error:[/] {escape(error.message)}", soft_wrap=True)
            if error.fix:
                err_console.print(f"  [bold]fix:[/] {escape(error.fix)}", soft_wrap=True)
            continue
        seconds = audio.size / SAMPLE_RATE
        warning = _level_warning(audio)
        if warning:
            err_console.print(f"[yellow]warning:[/] {escape(f'{path}: {warning}')}", soft_wrap=True)
        if seconds > PROGRESS_AFTER_SECONDS:
            with Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.completed:.0f}/{task.total:.0f} s"),
                TimeRemainingColumn(),
                console=err_console,
                transient=True,
            ) as progress:
                task = progress.add_task(f"transcribing {path.name}", total=seconds)

                def advance(done: float, total: float, task: TaskID = task) -> None:
                    progress.update(task, completed=done)

                transcript = transcriber.transcribe(audio, on_progress=advance)
        else:
            transcript = transcriber.transcribe(audio)
        record = {
            "file": str(path),
            "text": transcript.text,
            "duration": round(transcript.duration, 3),
            "words": [w.model_dump() for w in transcript.words],
        }
        results.append(record)
        if not args.json:
            header = f"[bold]{path}[/] ({seconds:.1f} s)" if len(args.audio) > 1 else None
            if header:
                console.print(header, soft_wrap=True)
            console.print(transcript.text or "[dim](no speech)[/]", soft_wrap=True)
    if args.json and results:
        print_json(results[0] if len(args.audio) == 1 else results)
    elif args.json and len(args.audio) > 1:
        print_json([])
    return 2 if failed else 0


def _glossary(rubric_id: str | None, configured: str) -> list[str]:
    """The named rubric's glossary; without a name, the configured rubric's if it loads
    (biasing measurably helps: see ``interviewer bench stt``), else none."""
    rubrics = catalog.load_rubrics()
    if rubric_id:
        return list(rubrics.get(rubric_id, "rubric").glossary)
    configured_rubric = rubrics.items.get(configured)
    return list(configured_rubric.glossary) if configured_rubric else []


def _level_warning(audio: Samples) -> str | None:
    """Why the transcript may be poor: audio that is clipped or barely audible."""
    if audio.size == 0:
        return "the file holds no audio"
    peak = float(np.max(np.abs(audio)))
    if peak < QUIET_PEAK:
        return (
            f"very quiet (peak {20 * np.log10(max(peak, 1e-9)):.0f} dBFS); record closer to the mic"
        )
    clipped = float(np.mean(np.abs(audio) >= CLIPPED_LEVEL))
    if clipped > CLIPPED_SHARE:
        return f"clipped ({clipped:.1%} of samples at full scale); lower the input gain"
    return None
