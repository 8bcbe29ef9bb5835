"""``interviewer doctor [--json]``: is every component ready, and if not, the fix."""

from __future__ import annotations

import argparse
from typing import Any

from rich.markup import escape

from interviewer.cli.output import console, print_json
from interviewer.doctor import CheckResult, Status, run_checks
from interviewer.settings import load_settings

STYLE = {Status.OK: "[green]ok  [/]", Status.WARN: "[yellow]warn[/]", Status.FAIL: "[red]FAIL[/]"}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("doctor", help="check microphone, Whisper, LLM, voice, disk")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=run)


def _print(result: CheckResult) -> None:
    console.print(f"{STYLE[result.status]} {result.name:<15} {escape(result.detail)}")
    if result.fix:
        console.print(f"     {'':<15} [bold]fix:[/] {escape(result.fix)}")


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    if args.json:
        results = run_checks(settings)
        ok = all(r.status is not Status.FAIL for r in results)
        print_json({"ok": ok, "checks": [r.as_json() for r in results]})
        return 0 if ok else 1
    with console.status("checking components (the LLM check starts the model: ~10 s)"):
        results = run_checks(settings, on_result=_print)
    failed = [r for r in results if r.status is Status.FAIL]
    console.print("all components ready" if not failed else f"{len(failed)} component(s) failing")
    return 1 if failed else 0
