"""``interviewer sessions``: the saved rounds, newest first."""

from __future__ import annotations

import argparse
import json
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("sessions", help="list saved rounds and their scores")
    parser.add_argument("--json", action="store_true", help="print a JSON list")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from rich.markup import escape

    from interviewer.adapters.store.files import FileSessionStore
    from interviewer.cli.output import console, id_table
    from interviewer.core.session import SessionKind
    from interviewer.errors import InterviewerError
    from interviewer.evaluation import load_evaluation
    from interviewer.settings import load_settings

    store = FileSessionStore(load_settings().recordings_dir)
    store.recover_interrupted()
    rows: list[dict[str, Any]] = []
    for session_id in reversed(store.list_ids()):
        try:
            session = store.load(session_id)
        except InterviewerError as error:
            rows.append({"id": session_id, "error": error.message})
            continue
        evaluation = load_evaluation(store, session_id)
        overall = evaluation.overall if evaluation is not None else None
        drill = session.kind is SessionKind.DRILL
        if drill:
            overall = session.drill_score  # the share of its items shown
        rows.append(
            {
                "id": session_id,
                "created_at": session.created_at.isoformat(),
                "persona": session.persona_id,
                "rubric": session.rubric_id,
                "question": session.question_id,
                "kind": session.kind.value,
                "level": session.level.value,
                "status": session.status.value,
                "turns": len(session.turns),
                "minutes": round(session.duration / 60, 1),
                "overall": overall,
                "path": str(store.session_dir(session_id)),
            }
        )
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        console.print(
            f"No sessions yet in {store.root}. Start one with `interviewer practice`, "
            "or run `interviewer simulate`."
        )
        return 0
    table = id_table(
        [row["id"] for row in rows],
        "question",
        "persona",
        "level",
        "status",
        "min",
        "score",
        title=f"Sessions in {store.root}",
    )
    for row in rows:
        if "error" in row:
            table.add_row(row["id"], f"[red]{escape(row['error'])}[/]", "", "", "broken", "", "")
            continue
        score = "" if row["overall"] is None else f"{row['overall']:.0f}"
        table.add_row(
            row["id"],
            "drill" if row["kind"] == SessionKind.DRILL else row["question"],
            row["persona"],
            row["level"],
            row["status"],
            f"{row['minutes']:.1f}",
            score,
        )
    console.print(table)
    return 0
