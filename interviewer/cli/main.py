"""``interviewer``: entry point and dispatch. The command contract: docs/cli-contract.md."""

from __future__ import annotations

import argparse
import signal
from collections.abc import Callable, Sequence
from types import FrameType

from rich.markup import escape

from interviewer import __version__
from interviewer.cli import (
    bench_cmd,
    content_cmds,
    debrief_cmd,
    doctor_cmd,
    drill_cmd,
    models_cmd,
    practice_cmd,
    review_cmds,
    score_cmd,
    sessions_cmd,
    simulate_cmd,
    transcribe_cmd,
)
from interviewer.cli.output import err_console
from interviewer.errors import InterviewerError

Handler = Callable[[argparse.Namespace], int]

COMMAND_GROUPS = [
    practice_cmd,
    simulate_cmd,
    transcribe_cmd,
    score_cmd,
    sessions_cmd,
    review_cmds,
    debrief_cmd,
    drill_cmd,
    content_cmds,
    doctor_cmd,
    models_cmd,
    bench_cmd,
]
"""Each module has ``register(subparsers)`` and sets ``handler`` on its parsers."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="interviewer",
        description="A local-first, spoken mock interviewer for senior systems and ML "
        "interviews. Practice only. Run with no command to start a practice round.",
    )
    parser.add_argument("--version", action="version", version=f"interviewer {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for group in COMMAND_GROUPS:
        group.register(subparsers)
    return parser


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    # Turn SIGTERM into SystemExit so `finally` blocks stop the embedded LLM server.
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args(["practice"])
    handler: Handler = args.handler
    try:
        return handler(args)
    except InterviewerError as error:
        err_console.print(f"[bold red]error:[/] {escape(error.message)}", soft_wrap=True)
        if error.fix:
            err_console.print(f"  [bold]fix:[/] {escape(error.fix)}", soft_wrap=True)
        return 2
    except KeyboardInterrupt:
        err_console.print("interrupted")
        return 130
