"""``interviewer personas ...`` and ``interviewer rubrics ...``: list, show, check, new."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import BaseModel
from rich.markup import escape
from rich.table import Table

from interviewer import catalog, locations
from interviewer.catalog import Loaded
from interviewer.cli.output import console, err_console, id_table, print_json, warn_overrides
from interviewer.core.content import Persona, Rubric
from interviewer.errors import InterviewerError


def register(subparsers: Any) -> None:
    personas = subparsers.add_parser("personas", help="list, show, check or create personas")
    persona_cmds = personas.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = persona_cmds.add_parser("list", help="list personas")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_personas_list)
    p = persona_cmds.add_parser("show", help="show one persona with field help")
    p.add_argument("id")
    p.set_defaults(handler=_personas_show)
    p = persona_cmds.add_parser("check", help="validate every persona file")
    p.set_defaults(handler=lambda a: _check(catalog.load_personas(), "persona"))
    p = persona_cmds.add_parser("new", help="create a persona in the user dir")
    p.add_argument("id", help="lowercase id, e.g. my-tough-interviewer")
    p.add_argument("--from", dest="base", default="staff-infra", help="persona to copy")
    p.set_defaults(handler=_personas_new)

    rubrics = subparsers.add_parser("rubrics", help="list, show or check rubrics")
    rubric_cmds = rubrics.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = rubric_cmds.add_parser("list", help="list rubrics and their questions")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_rubrics_list)
    p = rubric_cmds.add_parser("show", help="show one rubric")
    p.add_argument("id")
    p.set_defaults(handler=_rubrics_show)
    p = rubric_cmds.add_parser("check", help="validate every rubric file")
    p.set_defaults(handler=lambda a: _check(catalog.load_rubrics(), "rubric"))


def _check(loaded: Loaded[Any], kind: str) -> int:
    for item_id, path in sorted(loaded.sources.items()):
        console.print(f"[green]ok[/]   {item_id:<28} {escape(str(path))}", soft_wrap=True)
    for error in loaded.errors:
        err_console.print(f"[bold red]FAIL[/] {escape(error.message)}", soft_wrap=True)
    total = len(loaded.items) + len(loaded.errors)
    console.print(f"{len(loaded.items)}/{total} {kind} files valid")
    return 1 if loaded.errors else 0


def _warn_broken(loaded: Loaded[Any]) -> None:
    for error in loaded.errors:
        err_console.print(
            f"[yellow]skipped broken file:[/] {escape(error.message)}", soft_wrap=True
        )


def _personas_list(args: argparse.Namespace) -> int:
    loaded = catalog.load_personas()
    if args.json:
        print_json([p.model_dump(mode="json") for p in loaded.items.values()])
        return 0
    table = id_table(list(loaded.items), "name", "title", "tone", "patience", "follow-ups", "focus")
    for persona in loaded.items.values():
        table.add_row(
            persona.id,
            persona.name,
            persona.title,
            persona.tone.value,
            f"{persona.patience_seconds:g} s",
            str(persona.followup_depth),
            ", ".join(persona.focus_areas),
        )
    console.print(table)
    console.print(f"user personas dir: {locations.user_personas_dir()}")
    _warn_broken(loaded)
    return 0


def _describe_model(model: BaseModel) -> Table:
    table = Table("field", "value", "meaning", show_lines=False)
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        shown = value.model_dump(mode="json") if isinstance(value, BaseModel) else value
        table.add_row(name, str(getattr(shown, "value", shown)), info.description or "")
    return table


def _personas_show(args: argparse.Namespace) -> int:
    loaded = catalog.load_personas()
    persona = loaded.get(args.id, "persona")
    warn_overrides(loaded, persona.id)
    console.print(
        f"[bold]{escape(persona.name)}[/] — {escape(persona.title)}  "
        f"({escape(str(loaded.sources[persona.id]))})"
    )
    console.print(_describe_model(persona))
    return 0


def _personas_new(args: argparse.Namespace) -> int:
    loaded = catalog.load_personas()
    base = loaded.get(args.base, "persona")
    target_dir = locations.user_personas_dir()
    target = target_dir / f"{args.id}.toml"
    if target.exists():
        raise InterviewerError(f"{target} already exists", fix="choose another id or edit it")
    try:
        persona = Persona.model_validate({**base.model_dump(mode="json"), "id": args.id})
    except ValueError as error:
        raise InterviewerError(f"'{args.id}' is not a valid persona id: {error}") from None
    write_toml_atomic(target, persona.model_dump(mode="json", exclude_none=True))
    console.print(
        f"created {target} (a copy of '{base.id}'); edit it, then run `interviewer personas check`"
    )
    return 0


def write_toml_atomic(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(path.name + ".tmp")
    temp.write_text(tomli_w.dumps(data), encoding="utf-8")
    temp.replace(path)


def _rubrics_list(args: argparse.Namespace) -> int:
    loaded = catalog.load_rubrics()
    if args.json:
        print_json(
            [
                {"id": r.id, "title": r.title, "questions": [q.id for q in r.questions]}
                for r in loaded.items.values()
            ]
        )
        return 0
    # Question ids are copied into --question too: one a line, never cut; the title
    # folds instead.
    table = id_table(list(loaded.items), "questions", "crit.", "title")
    questions = table.columns[1]
    questions.no_wrap = True
    questions.min_width = max(
        (len(q.id) for r in loaded.items.values() for q in r.questions), default=9
    )
    for rubric in loaded.items.values():
        table.add_row(
            rubric.id,
            "\n".join(q.id for q in rubric.questions),
            str(len(rubric.criteria)),
            rubric.title,
        )
    console.print(table)
    console.print(f"user rubrics dir: {locations.user_rubrics_dir()}")
    _warn_broken(loaded)
    return 0


def _rubrics_show(args: argparse.Namespace) -> int:
    loaded = catalog.load_rubrics()
    rubric: Rubric = loaded.get(args.id, "rubric")
    warn_overrides(loaded, rubric.id)
    console.print(f"[bold]{escape(rubric.title)}[/] ({rubric.id})")
    if rubric.description:
        console.print(rubric.description)
    table = Table("criterion", "signal", "weight", "checklist items", "probes")
    for criterion in rubric.criteria:
        probes = [p for p in rubric.probes if p.criterion == criterion.id]
        table.add_row(
            criterion.title,
            criterion.signal.value,
            f"{criterion.weight:g}",
            str(len(criterion.checklist)),
            str(len(probes)),
        )
    console.print(table)
    questions = Table("question", "title", "facts", "probes")
    for question in rubric.questions:
        questions.add_row(
            question.id, question.title, str(len(question.facts)), str(len(question.probes))
        )
    console.print(questions)
    return 0
