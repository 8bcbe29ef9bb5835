"""Small shared helpers for command output."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from interviewer.catalog import Loaded

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def id_table(ids: list[str], *columns: str, title: str | None = None) -> Table:
    """A table whose first column is ``id``, never cut: an id is what a user copies into
    the next command (``interviewer report ID``), so the other columns fold instead."""
    table = Table(title=title, title_justify="left")
    table.add_column("id", no_wrap=True, min_width=max((len(i) for i in ids), default=2))
    for column in columns:
        table.add_column(column, overflow="fold")
    return table


def print_json(data: Any) -> None:
    """Machine-readable output: exactly one JSON document on stdout."""
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def warn_overrides(loaded: Loaded[Any], *item_ids: str) -> None:
    """Say so when a broken file (a user's override) was skipped for one of these ids."""
    for item_id in item_ids:
        for warning in loaded.override_warnings(item_id):
            err_console.print(f"[yellow]warning:[/] {escape(warning)}", soft_wrap=True)
