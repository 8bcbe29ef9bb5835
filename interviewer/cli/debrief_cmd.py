"""``interviewer debrief SESSION_ID``: ask the persona about a scored round, typed.

Each question gets one answer grounded in the round (see ``core.debrief``), printed with
the candidate's words it rests on and their time in the recording; ``interviewer review
SESSION_ID`` then plays them (b on the round opens the same debrief in the app). Every
exchange is saved with the session.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "debrief",
        help="ask the interviewer about a scored round (typed); answers quote your own words",
        description="Ask the persona why a criterion got its level or what a stronger "
        "answer would have said. Answers rest on the round's evidence, missing items, "
        "rubric text and model-answer outline; they never re-score. Without --ask, "
        "questions are read one per line from the terminal (an empty line ends).",
    )
    parser.add_argument("session_id", metavar="SESSION_ID", help="session id or unique prefix")
    parser.add_argument("--ask", action="append", metavar="QUESTION", help="ask this (repeatable)")
    parser.add_argument(
        "--no-llm",
        action="store_true",
        help="answer from the evaluation alone, without starting the LLM (fast)",
    )
    parser.add_argument("--json", action="store_true", help="print the exchanges as JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from rich.markup import escape

    from interviewer.adapters.store.files import FileSessionStore
    from interviewer.cli.llm import open_llm_or_note
    from interviewer.cli.output import console, err_console, print_json
    from interviewer.core.ports import ChatModel
    from interviewer.core.report import clock
    from interviewer.debriefs import open_debrief
    from interviewer.settings import load_settings

    settings = load_settings()
    store = FileSessionStore(settings.recordings_dir)
    debrief = open_debrief(store, store.resolve_id(args.session_id))
    runtime = (
        None
        if args.no_llm
        else open_llm_or_note(settings.llm, "answers come from the evaluation alone")
    )
    chat: ChatModel | None = runtime.chat if runtime is not None else None
    interactive = not args.ask
    questions = iter(args.ask or ())
    asked = []
    try:
        while True:
            if interactive:
                try:
                    question = input("you> ") if sys.stdin.isatty() else sys.stdin.readline()
                except EOFError:
                    break
                if not question.strip():
                    break
            else:
                question = next(questions, "")
                if not question:
                    break
            exchange = debrief.ask(question, chat)
            asked.append(exchange)
            if args.json:
                continue
            source = "" if exchange.source == "model" else " (from the evaluation)"
            console.print(
                f"[bold cyan]{escape(debrief.persona.name)}{source}:[/] {escape(exchange.answer)}"
            )
            for quote in exchange.quotes:
                when = clock(quote.start) or "--:--"
                console.print(f"   [cyan]{when}[/] “{escape(quote.quote)}”")
            for dropped in exchange.dropped:
                err_console.print(f"[dim]not shown: {escape(dropped)}[/]")
    finally:
        if runtime is not None:
            runtime.close()
    if args.json:
        print_json([e.model_dump(mode="json") for e in asked])
    return 0
