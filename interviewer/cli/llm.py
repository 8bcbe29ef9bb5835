"""Starting the LLM for a command: a dead endpoint degrades the command, it does not end it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from interviewer.llm_runtime import LLMRuntime
    from interviewer.settings import LLMSettings


def open_llm_or_note(settings: LLMSettings, without: str) -> LLMRuntime | None:
    """The running LLM, or None after saying why and what the command does ``without`` it."""
    from rich.markup import escape

    from interviewer.cli.output import err_console
    from interviewer.errors import InterviewerError
    from interviewer.llm_runtime import open_llm

    err_console.print("starting the LLM…")
    try:
        return open_llm(settings)
    except InterviewerError as error:
        err_console.print(
            f"[yellow]note:[/] LLM unavailable ({escape(error.message)}): {escape(without)}"
        )
        return None
