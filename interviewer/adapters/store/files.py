"""Sessions as folders under the recordings dir: ``<root>/<session-id>/``.

Each folder holds ``session.json`` (the ``Session`` model), one audio file per candidate
turn, and, once scored, ``evaluation.json`` and ``report.md``. Recordings are personal
voice data: folders are created owner-only (0700) and files 0600. Every write goes to a
temporary file first and is renamed into place, so a crash never leaves a half-written
``session.json``.

A running round holds ``owner.pid`` in its folder. At the next start, an in-progress
session whose owner is gone is marked interrupted; its turns and audio are kept.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from interviewer.core.session import SCHEMA_VERSION, Session, SessionStatus
from interviewer.errors import InterviewerError, NotFoundError

SESSION_FILE = "session.json"
OWNER_FILE = "owner.pid"
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class FileSessionStore:
    """Implements the ``SessionStore`` port on plain files."""

    def __init__(self, root: Path) -> None:
        self.root = root

    # ------------------------------------------------------------------ ids and paths

    def new_id(self, question_id: str, now: datetime | None = None) -> str:
        """A readable, sortable, unique id: ``2026-11-22-2301-job-queue``."""
        stamp = (now or datetime.now(UTC)).astimezone().strftime("%Y-%m-%d-%H%M")
        base = f"{stamp}-{question_id}"
        candidate, suffix = base, 2
        while (self.root / candidate).exists():
            candidate, suffix = f"{base}-{suffix}", suffix + 1
        return candidate

    def session_dir(self, session_id: str) -> Path:
        if not _SAFE_ID.match(session_id):
            raise NotFoundError(f"'{session_id}' is not a session id")
        return self.root / session_id

    def create_dir(self, session_id: str) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.session_dir(session_id)
        path.mkdir(mode=0o700, exist_ok=True)
        return path

    def audio_path(self, session_id: str, turn_index: int, suffix: str = ".wav") -> Path:
        return self.session_dir(session_id) / f"turn-{turn_index:02d}{suffix}"

    # ------------------------------------------------------------------ the port

    def save(self, session: Session) -> None:
        folder = self.create_dir(session.id)
        write_private(folder / SESSION_FILE, session.model_dump_json(indent=2))

    def load(self, session_id: str) -> Session:
        return load_session_file(self.session_dir(session_id) / SESSION_FILE)

    def list_ids(self) -> list[str]:
        """Session ids, oldest first (ids start with their creation time)."""
        if not self.root.is_dir():
            return []
        return sorted(p.parent.name for p in self.root.glob(f"*/{SESSION_FILE}"))

    def resolve(self, session_id_or_path: str) -> Path:
        """A session folder from an id, an id prefix, or a path to a folder."""
        as_path = Path(session_id_or_path).expanduser()
        if (as_path / SESSION_FILE).is_file():
            return as_path
        if as_path.name == SESSION_FILE and as_path.is_file():
            return as_path.parent
        ids = self.list_ids()
        if session_id_or_path in ids:
            return self.session_dir(session_id_or_path)
        matches = [i for i in ids if i.startswith(session_id_or_path)]
        if len(matches) == 1:
            return self.session_dir(matches[0])
        hint = (
            f"several sessions start with '{session_id_or_path}': {', '.join(matches[:5])}"
            if matches
            else f"no session '{session_id_or_path}' in {self.root}"
        )
        raise NotFoundError(hint, fix="list them with `interviewer sessions`")

    # ------------------------------------------------------------------ artifacts

    def write_artifact(self, session_id: str, name: str, text: str) -> Path:
        path = self.create_dir(session_id) / name
        write_private(path, text)
        return path

    def read_artifact(self, session_id: str, name: str) -> str | None:
        path = self.session_dir(session_id) / name
        return path.read_text(encoding="utf-8") if path.is_file() else None

    # ------------------------------------------------------------------ crash recovery

    def claim(self, session_id: str) -> None:
        """Mark the session as owned by this process while the round runs."""
        write_private(self.create_dir(session_id) / OWNER_FILE, str(os.getpid()))

    def release(self, session_id: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            (self.session_dir(session_id) / OWNER_FILE).unlink()

    def recover_interrupted(self) -> list[str]:
        """Mark in-progress sessions whose process died as interrupted; returns their ids."""
        recovered: list[str] = []
        for session_id in self.list_ids():
            folder = self.session_dir(session_id)
            owner = folder / OWNER_FILE
            if owner.exists() and _process_alive(owner.read_text().strip()):
                continue
            try:
                session = self.load(session_id)
            except InterviewerError:
                continue  # reported by `interviewer sessions`; never deleted
            if session.status is not SessionStatus.IN_PROGRESS:
                continue
            session.status = SessionStatus.INTERRUPTED
            self.save(session)
            self.release(session_id)
            recovered.append(session_id)
        return recovered


def load_session_file(path: Path) -> Session:
    if not path.is_file():
        raise NotFoundError(
            f"no session at {path.parent}", fix="list sessions with `interviewer sessions`"
        )
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise InterviewerError(
            f"{path} is not readable JSON ({error})",
            fix="restore it from a backup, or delete the session folder",
        ) from error
    version = raw.get("schema_version", 1) if isinstance(raw, dict) else None
    if version is not None and version > SCHEMA_VERSION:
        raise InterviewerError(
            f"{path} was written by a newer interviewer (schema {version})",
            fix="upgrade interviewer: `git pull && ./scripts/setup --no-start`",
        )
    try:
        return Session.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InterviewerError(
            f"{path}: field '{where}': {first['msg']}",
            fix="fix that field by hand, or delete the session folder",
        ) from error


def write_private(path: Path, text: str) -> None:
    """Atomically write ``text`` with owner-only permissions."""
    temporary = path.with_name(f".{path.name}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def _process_alive(pid_text: str) -> bool:
    try:
        pid = int(pid_text)
    except ValueError:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
