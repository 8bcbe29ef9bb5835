"""One error root, so every front end can turn a failure into a message, not a traceback.

Each error carries a one-line ``message`` meant for the user and, where there is one, a
``fix``: the exact thing to do about it.
"""

from __future__ import annotations

from pathlib import Path


class InterviewerError(Exception):
    """Root of every error this package raises on purpose."""

    def __init__(self, message: str, *, fix: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix

    def __str__(self) -> str:
        return self.message if not self.fix else f"{self.message}\n  fix: {self.fix}"


class ConfigError(InterviewerError):
    """A setting is unknown, of the wrong type, or names something that is not there."""


class ContentError(InterviewerError):
    """A persona or rubric file is broken. Names the file, the field and, if found, the line."""

    def __init__(
        self,
        path: Path,
        problem: str,
        *,
        field: str | None = None,
        line: int | None = None,
        fix: str | None = None,
    ) -> None:
        where = str(path) + (f":{line}" if line else "")
        what = f"field '{field}': {problem}" if field else problem
        super().__init__(f"{where}: {what}", fix=fix)
        self.path = path
        self.field = field
        self.line = line
        self.problem = problem


class NotFoundError(InterviewerError):
    """A persona, rubric, question or session id that does not exist."""


class ModelAssetError(InterviewerError):
    """A bundled model is missing or corrupt and could not be rebuilt."""


class BackendUnavailable(InterviewerError):
    """A backend (LLM endpoint, microphone, TTS) cannot be used right now.

    ``timed_out``: it did not answer in time (a hanging or trickling endpoint); asking
    again at once would stall the round as long again. ``retry_after``: seconds the
    backend asked us to wait before the next request (HTTP ``Retry-After``)."""

    def __init__(
        self,
        message: str,
        *,
        fix: str | None = None,
        timed_out: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, fix=fix)
        self.timed_out = timed_out
        self.retry_after = retry_after


class ReplyTooSlow(InterviewerError):
    """The model had no sentence ready by the reply deadline. Not a fault: the engine
    says the planned line as written instead, and asks the model again next turn."""
