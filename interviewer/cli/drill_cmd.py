"""``interviewer drill``: a short round on the checklist items you keep missing.

With no flags it opens the app on the drill (typed answers). ``--plan`` prints which
items the next drill would practise and why; ``--answers`` runs the drill headless, one
answer file per item (.txt used as said, audio transcribed with the bundled Whisper).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "drill",
        help="a 3-5 minute drill on the checklist items you miss most (recent misses first)",
        description="Builds a drill from your scored rounds and earlier drills: one targeted "
        "prompt per checklist item, weighted by how often and how recently you missed it; "
        "an item shown three times in a row rests for a week. Each answer is scored on its "
        "item only and the result is folded into progress.",
    )
    parser.add_argument("--plan", action="store_true", help="print the next drill's items and stop")
    parser.add_argument(
        "--answers", nargs="+", type=Path, metavar="PATH", help="run headless: one file per item"
    )
    parser.add_argument("--items", type=int, default=None, metavar="N", help="items (1-5)")
    parser.add_argument("--json", action="store_true", help="print the drill as JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from interviewer import catalog
    from interviewer.adapters.store.files import FileSessionStore
    from interviewer.cli.output import print_json
    from interviewer.core.drills import DRILL_ITEMS
    from interviewer.errors import InterviewerError
    from interviewer.settings import load_settings

    settings = load_settings()
    store = FileSessionStore(settings.recordings_dir)
    count = DRILL_ITEMS if args.items is None else args.items
    if not 1 <= count <= 5:
        raise InterviewerError(f"--items {count}: a drill has 1 to 5 items", fix="use --items 3")
    if args.plan:
        return _print_plan(store, count, as_json=args.json)
    if not args.answers:
        from interviewer.factory import build_app, round_choice

        app = build_app(settings, round_choice(settings), start="drill")
        app.run()
        return app.return_code or 0
    from interviewer import drill_rounds
    from interviewer.answers import prepare_answers
    from interviewer.cli.output import console, err_console
    from interviewer.services import build_similarity

    rubrics = catalog.load_rubrics()
    session = drill_rounds.plan_next(store, rubrics, settings.round.persona, count=count)
    rubric = rubrics.get(session.rubric_id, "rubric")
    if len(args.answers) != len(session.drill_items):
        raise InterviewerError(
            f"the drill has {len(session.drill_items)} items and {len(args.answers)} answer "
            "files were given",
            fix=f"pass one answer file per item (`interviewer drill --plan` lists them), or "
            f"--items {len(args.answers)}",
        )
    answers = prepare_answers(args.answers, settings, rubric, status=err_console.print)
    similarity = build_similarity()
    store.claim(session.id)
    try:
        store.save(session)
        for index, answer in enumerate(answers):
            audio_name = None
            if answer.audio is not None:
                target = store.audio_path(session.id, len(session.turns) + 1, answer.audio.suffix)
                target.write_bytes(answer.audio.read_bytes())
                target.chmod(0o600)
                audio_name = target.name
            item = drill_rounds.answer(
                store,
                session,
                index,
                rubric,
                answer.text,
                words=answer.words,
                duration=answer.duration,
                audio_file=audio_name,
                similarity=similarity,
            )
            if not args.json:
                mark = "[green]✔[/]" if item.hit else "[red]✘[/]"
                console.print(f"{mark} {item.description}  [dim]{item.prompt}[/]")
        drill_rounds.finish(store, session)
    finally:
        store.release(session.id)
    if args.json:
        print_json(session.model_dump(mode="json"))
    else:
        console.print(f"{session.drill_score}% of the drill's items shown · {session.id}")
    return 0


def _print_plan(store: Any, count: int, *, as_json: bool) -> int:
    from rich.markup import escape

    from interviewer.cli.output import console, print_json
    from interviewer.drill_rounds import next_picks, read_history

    picks = next_picks(read_history(store), count=count)
    if as_json:
        print_json(
            [
                {
                    "rubric": p.history.key[0],
                    "criterion": p.history.key[1],
                    "item": p.history.key[2],
                    "description": p.history.description,
                    "weight": round(p.weight, 4),
                    "misses": p.history.misses,
                    "hit_streak": p.history.hit_streak,
                }
                for p in picks
            ]
        )
        return 0
    if not picks:
        console.print("Nothing to drill: no missed item needs practice right now.")
        return 0
    for pick in picks:
        history = pick.history
        console.print(
            f"{pick.weight:9.3g}  {escape(history.description)} "
            f"[dim]({escape(history.criterion)}; missed {history.misses}×, "
            f"{history.hit_streak} hit(s) in a row)[/]"
        )
    return 0
