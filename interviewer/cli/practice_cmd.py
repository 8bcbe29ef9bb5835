"""``interviewer practice``: the Textual app (also what plain ``interviewer`` runs)."""

from __future__ import annotations

import argparse
from typing import Any

from interviewer.core.content import Level


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("practice", help="start a spoken practice round (the app)")
    parser.add_argument("--persona", help="persona id (see `interviewer personas list`)")
    parser.add_argument("--rubric", help="rubric id (see `interviewer rubrics list`)")
    parser.add_argument("--question", help="question id; default: random")
    parser.add_argument("--level", choices=[level.value for level in Level])
    parser.add_argument("--no-voice", action="store_true", help="text only, no spoken lines")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from rich.markup import escape

    from interviewer.cli.output import err_console
    from interviewer.factory import build_app, round_choice
    from interviewer.settings import load_settings

    settings = load_settings()
    if args.no_voice:
        settings.tts.engine = "none"
    choice = round_choice(settings, args.persona, args.rubric, args.question, args.level)
    for warning in choice.warnings:
        err_console.print(f"[yellow]warning:[/] {escape(warning)}", soft_wrap=True)
    app = build_app(settings, choice)
    app.run()
    return app.return_code or 0
