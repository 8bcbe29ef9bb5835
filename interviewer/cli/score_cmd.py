"""``interviewer score PATH --rubric ID [--question ID] [--level L] [--json]``.

PATH is a session dir (its ``session.json``), a transcript from ``interviewer transcribe
--json``, or a plain ``.txt`` answer. With ``--json`` stdout holds exactly the object of
docs/cli-contract.md; otherwise a table with the evidence behind each level.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from rich.markup import escape
from rich.table import Table

from interviewer.core.content import Level
from interviewer.core.session import Session, Word
from interviewer.errors import InterviewerError

SESSION_FILE = "session.json"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "score",
        help="score a session, a transcript or a typed answer against a rubric",
        description="Evidence-gated scoring: each level is earned by quoted words.",
    )
    parser.add_argument(
        "path", type=Path, help="session dir, transcript .json (transcribe --json) or .txt"
    )
    parser.add_argument(
        "--rubric", required=True, help="rubric id, e.g. distributed-systems-design"
    )
    parser.add_argument("--question", help="question id (a session's own by default)")
    parser.add_argument(
        "--level", choices=[level.value for level in Level], help="target level (default senior)"
    )
    parser.add_argument("--json", action="store_true", help="print the score as JSON")
    parser.set_defaults(handler=run)


Loaded = tuple[str | Session, list[Word]]


def load_answer(path: Path) -> Loaded:
    """The thing to score at ``path``; ``InterviewerError`` with a fix when it is not one."""
    if path.is_dir():
        session_file = path / SESSION_FILE
        if not session_file.is_file():
            raise InterviewerError(
                f"{path} is a directory without {SESSION_FILE}",
                fix="pass a session dir from `interviewer sessions`, a transcript .json "
                "or a .txt answer",
            )
        from interviewer.adapters.store.files import load_session_file

        # The store's reader: migrates old schemas, refuses newer ones, as `report` does.
        return load_session_file(session_file), []
    if not path.is_file():
        raise InterviewerError(
            f"{path} does not exist",
            fix="check the path; `interviewer sessions` lists recorded sessions",
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InterviewerError(
            f"cannot read {path} as UTF-8 text ({error})",
            fix="pass a .txt answer, a transcript .json or a session dir",
        ) from None
    if path.suffix.lower() == ".json":
        return _transcript(path, text)
    if path.suffix.lower() in {".txt", ".md", ""}:
        if not text.strip():
            raise InterviewerError(f"{path} is empty", fix="write the answer into the file")
        return text, []
    raise InterviewerError(
        f"{path}: unsupported file type '{path.suffix}'",
        fix="audio must be transcribed first: `interviewer transcribe FILE --json > t.json`, "
        "then score t.json",
    )


def _first_error(error: Exception) -> str:
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return f"{where}: {first['msg']}" if where else first["msg"]
    return str(error).splitlines()[0]


def _transcript(path: Path, text: str) -> Loaded:
    fix = 'expected `interviewer transcribe FILE --json` output: {"file", "text", "words": [...]}'
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InterviewerError(f"{path} is not valid JSON ({error})", fix=fix) from None
    if isinstance(data, dict) and "turns" in data:
        try:
            return Session.model_validate(data), []
        except ValidationError as error:
            raise InterviewerError(
                f"{path} is not a valid session: {_first_error(error)}", fix=fix
            ) from None
    if isinstance(data, list):
        raise InterviewerError(
            f"{path} holds {len(data)} transcripts; score one answer at a time",
            fix="run `interviewer transcribe` on one file, or split the list",
        )
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        raise InterviewerError(f'{path} has no "text" string', fix=fix)
    try:
        words = [Word.model_validate(w) for w in data.get("words") or []]
    except ValidationError as error:
        raise InterviewerError(
            f"{path}: a word timing is malformed: {_first_error(error)}", fix=fix
        ) from None
    if not data["text"].strip():
        raise InterviewerError(f"{path} has an empty transcript", fix="record the answer again")
    return data["text"], words


def run(args: argparse.Namespace) -> int:
    from interviewer import catalog
    from interviewer.cli.output import console, print_json, warn_overrides
    from interviewer.core.scoring import evaluate

    try:
        rubrics = catalog.load_rubrics()
        rubric = rubrics.get(args.rubric, "rubric")
    except InterviewerError as error:
        raise InterviewerError(
            error.message, fix=error.fix or "`interviewer rubrics list` shows the rubric ids"
        ) from None
    warn_overrides(rubrics, rubric.id)
    answer, words = load_answer(args.path)
    if args.question:
        rubric.question(args.question)  # a clear error before any work
    level = Level(args.level) if args.level else None
    from interviewer.services import build_similarity

    evaluation = evaluate(
        rubric, args.question, answer, level, words=words, similarity=build_similarity()
    )
    if args.json:
        print_json(evaluation.contract())
        return 0
    console.print(
        f"[bold]{evaluation.overall}/100[/]  rubric {rubric.id}, question "
        f"{evaluation.question or '(none)'}, level {evaluation.level.value}",
        soft_wrap=True,
    )
    for note in evaluation.notes:
        console.print(f"[yellow]note:[/] {escape(note)}", soft_wrap=True)
    table = Table("criterion", "level", "evidence", "missing", show_lines=True)
    for c in evaluation.criteria:
        evidence = "\n".join(
            (f"[{_clock(q.start)}] " if q.start is not None else "")
            + f"“{escape(q.quote)}” [dim]→ {escape(q.item_id)}[/]"
            for q in c.evidence
        )
        table.add_row(
            c.title,
            f"{c.level}/4" if c.assessed else "[dim]not assessed[/]",
            evidence or "[dim]none[/]",
            "\n".join(c.missing) or "—",
        )
    console.print(table)
    if evaluation.outline_coverage is not None:
        from interviewer.core.report import overall_explained, quantities_line

        covered = sum(o.credit >= 1 for o in evaluation.outline)
        console.print(
            f"{overall_explained(evaluation)} {covered} of {len(evaluation.outline)} outline "
            "points fully covered.",
            soft_wrap=True,
        )
        if numbers := quantities_line(evaluation):
            console.print(numbers, soft_wrap=True, markup=False)
    delivery = evaluation.delivery
    if delivery is not None:
        console.print(
            f"delivery: {delivery.words_per_minute:g} wpm, {delivery.fillers_per_minute:g} "
            f"fillers/min, {delivery.long_pauses} long pauses (longest "
            f"{delivery.longest_pause:g} s)",
            soft_wrap=True,
        )
    for number, drill in enumerate(evaluation.drills, 1):
        console.print(f"drill {number}: {drill}", soft_wrap=True)
    return 0


def _clock(seconds: float) -> str:
    from interviewer.core.report import clock

    return clock(seconds)
