"""``interviewer review [SESSION_ID]`` and ``interviewer report SESSION_ID``.

``review`` is the app opened on the recordings (at one session when an id is given);
``report`` is the same feedback as a file, for reading elsewhere or keeping. A session
that was never scored is scored first with its own rubric, so ``report`` always has
something to say. SESSION_ID is an id or a unique prefix of one, never a path: ids
cannot reach outside the recordings dir.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

FORMATS = ("md", "html")


def register(subparsers: Any) -> None:
    review = subparsers.add_parser(
        "review",
        help="browse saved rounds in the app: replay answers, see evidence, re-score",
    )
    review.add_argument(
        "session_id", nargs="?", metavar="SESSION_ID", help="open this session (id or prefix)"
    )
    review.set_defaults(handler=run_review)

    report = subparsers.add_parser(
        "report",
        help="print (or write) a session's feedback report, scoring it first if needed",
    )
    report.add_argument("session_id", metavar="SESSION_ID", help="session id or unique prefix")
    report.add_argument("--format", choices=FORMATS, default="md", help="md (default) or html")
    report.add_argument("-o", "--output", type=Path, metavar="FILE", help="write to FILE")
    report.set_defaults(handler=run_report)


def run_review(args: argparse.Namespace) -> int:
    from interviewer.adapters.store.files import FileSessionStore
    from interviewer.factory import build_app, round_choice
    from interviewer.settings import load_settings

    settings = load_settings()
    session_id = None
    if args.session_id:
        # Fail here, with the fix on the terminal, rather than inside a full-screen app.
        session_id = FileSessionStore(settings.recordings_dir).resolve_id(args.session_id)
    app = build_app(settings, round_choice(settings), start="review", review_session=session_id)
    app.run()
    return app.return_code or 0


def run_report(args: argparse.Namespace) -> int:
    from interviewer import catalog
    from interviewer.adapters.store.files import FileSessionStore, StoreWriteError, write_private
    from interviewer.cli.output import err_console
    from interviewer.core.report import render_html, render_markdown
    from interviewer.errors import InterviewerError, NotFoundError
    from interviewer.evaluation import evaluate_and_save, load_evaluation
    from interviewer.settings import load_settings

    store = FileSessionStore(load_settings().recordings_dir)
    session_id = store.resolve_id(args.session_id)
    session = store.load(session_id)
    rubrics = catalog.load_rubrics()
    evaluation = load_evaluation(store, session_id)
    if evaluation is None:
        err_console.print(f"{session_id} was not scored yet; scoring with {session.rubric_id}…")
        from interviewer.services import build_similarity

        evaluation = evaluate_and_save(
            store,
            session_id,
            rubrics.get(session.rubric_id, "rubric"),
            similarity=build_similarity(),
        )
    try:
        rubric = rubrics.get(evaluation.rubric, "rubric")
    except NotFoundError:
        rubric = None  # a rubric removed since: the report just lacks the model answer
    render = render_html if args.format == "html" else render_markdown
    text = render(evaluation, session, rubric)
    if args.output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return 0
    try:
        write_private(args.output, text)  # owner-only, whatever the umask: a transcript
    except StoreWriteError as error:
        raise InterviewerError(error.message, fix="choose a writable path for -o") from error
    err_console.print(f"wrote {args.output}")
    return 0
