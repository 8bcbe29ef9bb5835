"""``interviewer models``: where the bundled models are; assembles the LLM once."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from interviewer.adapters import model_assets
from interviewer.cli.output import console, print_json
from interviewer.errors import InterviewerError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "models", help="show the bundled models; assemble and verify the LLM (once)"
    )
    parser.add_argument("--verify", action="store_true", help="re-check the LLM's sha256")
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(handler=run)


def assemble_with_progress(force: bool = False) -> Path:
    """Assemble the LLM, showing a progress bar when there is work to do."""
    model = model_assets.QWEN_1_5B
    target = model_assets.models_dir() / model.file_name
    if not force and model_assets.is_verified(target, model):
        return target
    columns = (
        TextColumn("assembling the bundled LLM"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("assemble", total=model.size)
        return model_assets.assemble(
            model,
            force=force,
            progress=lambda done, total: progress.update(task, completed=done),
        )


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    llm = assemble_with_progress(force=args.verify)
    seconds = time.perf_counter() - started
    rows = {
        "llm": str(llm),
        "whisper": str(model_assets.whisper_tiny_en_dir()),
        "piper_voice": str(model_assets.piper_voice_path()),
    }
    try:  # the second Whisper model (stt.model = "base"): assembled here once too
        rows["whisper_base"] = str(model_assets.whisper_base_dir())
    except InterviewerError as error:
        rows["whisper_base"] = f"unavailable: {error.message}"
    if args.json:
        print_json({**rows, "seconds": round(seconds, 2)})
        return 0
    for name, path in rows.items():
        console.print(f"{name:<12} {path}", soft_wrap=True)
    console.print(f"LLM verified (sha256 {model_assets.QWEN_1_5B.sha256[:12]}…) in {seconds:.1f} s")
    return 0
