"""``interviewer simulate``: a whole round headless, one answer file per candidate turn."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from interviewer.core.content import Level

TEXT_SUFFIXES = {".txt", ".md"}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "simulate",
        help="run a round headless from answer files (text or audio); prints the session dir",
        description="Run a whole round without the app. Each answer file is one candidate "
        "turn: a .txt file is used as said, an audio file is transcribed with the bundled "
        "Whisper model. The session is saved (and scored) like a live round.",
    )
    parser.add_argument("--rubric", required=True, help="rubric id")
    parser.add_argument("--question", required=True, help="question id")
    parser.add_argument("--persona", help="persona id (default from settings)")
    parser.add_argument("--level", choices=[level.value for level in Level])
    parser.add_argument(
        "--answers", nargs="+", required=True, type=Path, metavar="PATH", help="answer files"
    )
    parser.add_argument("--out", type=Path, help="recordings dir (default from settings)")
    parser.add_argument(
        "--no-llm",
        action="store_true",
        help="speak the rubric's scripted probes instead of starting an LLM (fast)",
    )
    parser.add_argument(
        "--json", action="store_true", help='print {"session_dir": ..., "turns": [...]}'
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from rich.markup import escape

    from interviewer import catalog
    from interviewer.adapters.store.files import FileSessionStore
    from interviewer.answers import prepare_answers
    from interviewer.cli.llm import open_llm_or_note
    from interviewer.cli.output import console, err_console, warn_overrides
    from interviewer.core.engine import Say, StatusNote
    from interviewer.core.ports import ChatModel
    from interviewer.evaluation import evaluate_and_save
    from interviewer.settings import load_settings
    from interviewer.simulation import simulate_round

    settings = load_settings()
    rubrics = catalog.load_rubrics()
    rubric = rubrics.get(args.rubric, "rubric")
    warn_overrides(rubrics, rubric.id)
    question = rubric.question(args.question)
    personas = catalog.load_personas()
    persona = personas.get(args.persona or settings.round.persona, "persona")
    warn_overrides(personas, persona.id)
    level = Level(args.level) if args.level else settings.round.level
    store = FileSessionStore(args.out or settings.recordings_dir)

    answers = prepare_answers(args.answers, settings, rubric, status=err_console.print)

    def show(event: object) -> None:
        if args.json:
            return
        if isinstance(event, Say):
            err_console.print(f"[bold cyan]{escape(persona.name)}:[/] {escape(event.text)}")
        elif isinstance(event, StatusNote):
            err_console.print(f"[yellow]note:[/] {escape(event.text)}")

    # As in the app: a dead endpoint degrades the round, it does not end it.
    runtime = None if args.no_llm else open_llm_or_note(settings.llm, "scripted probes")
    chat: ChatModel | None = runtime.chat if runtime is not None else None
    try:
        result = simulate_round(
            store=store,
            persona=persona,
            rubric=rubric,
            question=question,
            level=level,
            chat=chat,
            answers=answers,
            round_minutes=settings.round.minutes,
            on_event=show,
        )
    finally:
        if runtime is not None:
            runtime.close()
    from interviewer.services import build_similarity

    evaluate_and_save(store, result.session_id, rubric, similarity=build_similarity())
    if args.json:
        session = store.load(result.session_id)
        turns = [{"speaker": t.speaker.value, "text": t.text} for t in session.turns]
        print(json.dumps({"session_dir": str(result.session_dir), "turns": turns}))
    else:
        console.print(str(result.session_dir))
    return 0
