"""Sessions as folders under the recordings dir: ``<root>/<session-id>/``.

Each folder holds ``session.json`` (the ``Session`` model), one audio file per candidate
turn, and, once scored, ``evaluation.json`` and ``report.md``. Recordings are personal
voice data: folders are created owner-only (0700) and files 0600. Every write goes to a
temporary file first and is renamed into place, so a crash never leaves a half-written
``session.json``; a full disk or a read-only dir fails that one write with a clear
``StoreWriteError`` and leaves what was already saved untouched.

A running round holds ``owner.pid`` in its folder. At the next start, an in-progress
session whose owner is gone is marked interrupted; its turns and audio are kept, turn
WAV files a crash left with stale length fields are repaired, and a turn whose audio
was captured but never transcribed is added back as an audio-only turn.

Session ids are plain names (letters, digits, ``.``, ``_``, ``-``, not starting with a
dot): ``../x``, ``a/b`` and absolute paths are refused, so an id can never reach outside
the recordings dir.

Older ``session.json`` files are migrated on read (``MIGRATIONS``), in memory; the file
is rewritten in the current schema the next time the session is saved.

Audio. A turn is captured as 16 kHz 16-bit mono WAV because WAV can be appended to
crash-safely (see ``turn_writer``). A finished turn is worth compacting with
``compact_turn_audio``: FLAC is lossless (the transcript's word timings and any re-run
of Whisper see exactly the same samples), needs no extra dependency (libsndfile, via
``soundfile``, reads and writes it) and is seekable for review. Opus (libsndfile's
default settings) measured 205,000 bytes per minute, 5x smaller again, but it is lossy,
so a re-transcription would hear different audio. Measured here, 16 kHz 16-bit mono:
WAV 1,920,000 bytes per minute; FLAC 1,086,000 bytes per minute of continuous
synthesized speech (Piper; espeak-ng 1,093,000), i.e. 57 % of WAV, and 2,800 bytes per
minute of digital silence, so real answers with pauses land in between. Review plays
either format.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from interviewer.core.session import (
    SCHEMA_VERSION,
    Session,
    SessionStatus,
    Speaker,
    Turn,
    TurnKind,
)
from interviewer.errors import InterviewerError, NotFoundError

__all__ = [
    "MIGRATIONS",
    "SESSION_FILE",
    "FileSessionStore",
    "StoreWriteError",
    "UnsafeSessionIdError",
    "compact_turn_audio",
    "load_session_file",
    "write_private",
]

SESSION_FILE = "session.json"
OWNER_FILE = "owner.pid"
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_TURN_AUDIO = re.compile(r"^turn-(\d+)\.(wav|flac)$")
RECOVERED_NOTE = "recovered after a crash: audio only, not transcribed"


class UnsafeSessionIdError(NotFoundError):
    """A session id that is a path (``../x``, ``/etc``, ``a/b``): refused, never opened."""


class StoreWriteError(InterviewerError):
    """The recordings dir cannot be written (read-only, full, not a directory)."""


# ---------------------------------------------------------------------- migrations


def _v0_to_v1(raw: dict[str, Any]) -> dict[str, Any]:
    """Schema 0 (the first prototype) named things differently and timed turns in ms.

    v0: ``persona``/``rubric``/``question``/``started``; turns with ``role`` ("user" or
    "interviewer"), ``start_ms``/``duration_ms`` and ``audio``. v1 is today's ``Session``.
    """
    renames = {
        "persona": "persona_id",
        "rubric": "rubric_id",
        "question": "question_id",
        "started": "created_at",
    }
    out = {renames.get(key, key): value for key, value in raw.items()}
    turns = []
    for position, turn in enumerate(raw.get("turns") or []):
        if not isinstance(turn, dict):
            turns.append(turn)
            continue
        new = {k: v for k, v in turn.items() if k not in ("role", "start_ms", "duration_ms")}
        role = turn.get("role", turn.get("speaker"))
        new["speaker"] = "candidate" if role in ("user", "candidate") else "interviewer"
        new.setdefault("index", position)
        new.setdefault("kind", "answer" if new["speaker"] == "candidate" else "question")
        if "start_ms" in turn:
            new["started_at"] = float(turn["start_ms"]) / 1000.0
        if "duration_ms" in turn:
            new["duration"] = float(turn["duration_ms"]) / 1000.0
        if "audio" in new:
            new["audio_file"] = new.pop("audio")
        turns.append(new)
    out["turns"] = turns
    out["schema_version"] = 1
    return out


MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {0: _v0_to_v1}
"""``MIGRATIONS[n]`` turns a schema-n dict into a schema-(n+1) dict."""


def migrate(raw: dict[str, Any], path: Path) -> dict[str, Any]:
    """Bring a raw ``session.json`` dict up to ``SCHEMA_VERSION``, one step at a time."""
    version = raw.get("schema_version", SCHEMA_VERSION)
    if not isinstance(version, int) or version < 0:
        raise InterviewerError(
            f"{path}: field 'schema_version': {version!r} is not a schema version",
            fix="set it to 1 by hand, or delete the session folder",
        )
    if version > SCHEMA_VERSION:
        raise InterviewerError(
            f"{path} was written by a newer interviewer (schema {version})",
            fix="upgrade interviewer: `git pull && ./scripts/setup --no-start`",
        )
    while version < SCHEMA_VERSION:
        raw = MIGRATIONS[version](raw)
        version += 1
        raw["schema_version"] = version
    return raw


# ---------------------------------------------------------------------- the store


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
        """The folder of ``session_id``; a path-like id is refused, never joined."""
        if not _SAFE_ID.match(session_id) or session_id in (".", ".."):
            raise UnsafeSessionIdError(
                f"'{session_id}' is not a session id: ids are plain names, "
                "not paths, so they cannot reach outside the recordings dir",
                fix="list the ids with `interviewer sessions`",
            )
        return self.root / session_id

    def create_dir(self, session_id: str) -> Path:
        path = self.session_dir(session_id)
        try:
            # Owner-only from the root down: even session names are personal.
            self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
            path.mkdir(mode=0o700, exist_ok=True)
        except OSError as error:
            raise _write_error(path, error) from error
        return path

    def audio_path(self, session_id: str, turn_index: int, suffix: str = ".wav") -> Path:
        return self.session_dir(session_id) / f"turn-{turn_index:02d}{suffix}"

    # ------------------------------------------------------------------ the port

    def save(self, session: Session) -> None:
        folder = self.create_dir(session.id)
        write_private(folder / SESSION_FILE, session.model_dump_json(indent=2))

    def load(self, session_id: str) -> Session:
        """The session in folder ``session_id``. The folder is the identity: a file whose
        ``id`` names another session (a copied folder) is reported, never saved over
        that other session's folder."""
        path = self.session_dir(session_id) / SESSION_FILE
        session = load_session_file(path)
        if session.id != session_id:
            raise InterviewerError(
                f"{path}: field 'id': '{session.id}' does not match its folder '{session_id}'",
                fix=f'set "id" to "{session_id}" by hand, or delete the folder',
            )
        return session

    def list_ids(self) -> list[str]:
        """Session ids, oldest first (ids start with their creation time)."""
        if not self.root.is_dir():
            return []
        return sorted(
            p.parent.name
            for p in self.root.glob(f"*/{SESSION_FILE}")
            if _SAFE_ID.match(p.parent.name)
        )

    def resolve_id(self, session_id: str) -> str:
        """An id inside this store from an exact id or a unique prefix (never a path)."""
        self.session_dir(session_id)  # refuses path-like ids before any lookup
        ids = self.list_ids()
        if session_id in ids:
            return session_id
        matches = [i for i in ids if i.startswith(session_id)]
        if len(matches) == 1:
            return matches[0]
        hint = (
            f"several sessions start with '{session_id}': {', '.join(matches[:5])}"
            if matches
            else f"no session '{session_id}' in {self.root}"
        )
        raise NotFoundError(hint, fix="list them with `interviewer sessions`")

    def resolve(self, session_id_or_path: str) -> Path:
        """A session folder from an id, an id prefix, or a path to a folder."""
        as_path = Path(session_id_or_path).expanduser()
        if (as_path / SESSION_FILE).is_file():
            return as_path
        if as_path.name == SESSION_FILE and as_path.is_file():
            return as_path.parent
        return self.session_dir(self.resolve_id(session_id_or_path))

    def delete(self, session_id: str) -> None:
        """Remove a session folder and everything in it (audio included), for good.

        A round that is still running (its owner process is alive) is refused.
        """
        folder = self.session_dir(session_id)
        if not (folder / SESSION_FILE).is_file() and not folder.is_dir():
            raise NotFoundError(f"no session '{session_id}' in {self.root}")
        owner = _read_text(folder / OWNER_FILE)
        if owner and owner != str(os.getpid()) and _process_alive(owner):
            raise InterviewerError(
                f"session '{session_id}' is being recorded right now; not deleted",
                fix="finish or quit that round first",
            )
        try:
            shutil.rmtree(folder)
        except OSError as error:
            raise StoreWriteError(
                f"could not delete {folder}: {error.strerror or error}",
                fix="check that the recordings dir is writable",
            ) from error

    # ------------------------------------------------------------------ artifacts

    def write_artifact(self, session_id: str, name: str, text: str) -> Path:
        path = self.create_dir(session_id) / name
        write_private(path, text)
        return path

    def read_artifact(self, session_id: str, name: str) -> str | None:
        path = self.session_dir(session_id) / name
        try:
            return path.read_text(encoding="utf-8") if path.is_file() else None
        except (OSError, UnicodeDecodeError):
            return None  # derived data: an unreadable artifact is rebuilt by re-scoring

    def compact_audio(self, session_id: str) -> int:
        """Convert every finished turn WAV of a session to FLAC; returns bytes saved.

        ``session.json`` is updated to the new names before any WAV is removed, so a
        crash in between leaves a playable file under the recorded name.
        """
        session = self.load(session_id)
        folder = self.session_dir(session_id)
        saved = 0
        converted: list[tuple[Path, Path]] = []
        for turn in session.turns:
            if not turn.audio_file or not turn.audio_file.endswith(".wav"):
                continue
            wav = folder / turn.audio_file
            if not wav.is_file():
                continue
            flac = _encode_flac(wav)
            if flac is None:
                continue
            saved += wav.stat().st_size - flac.stat().st_size
            turn.audio_file = flac.name
            converted.append((wav, flac))
        if converted:
            self.save(session)
            for wav, _ in converted:
                with contextlib.suppress(OSError):
                    wav.unlink()
        return saved

    # ------------------------------------------------------------------ crash recovery

    def claim(self, session_id: str) -> None:
        """Mark the session as owned by this process while the round runs."""
        write_private(self.create_dir(session_id) / OWNER_FILE, str(os.getpid()))

    def release(self, session_id: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            (self.session_dir(session_id) / OWNER_FILE).unlink()

    def recover_interrupted(self) -> list[str]:
        """Mark in-progress sessions whose process died as interrupted; returns their ids.

        Their turn WAVs are repaired (``turn_writer.recover``) and audio captured for a
        turn that never reached ``session.json`` is kept as an audio-only turn.
        """
        recovered: list[str] = []
        for session_id in self.list_ids():
            folder = self.session_dir(session_id)
            owner = folder / OWNER_FILE
            if owner.exists() and _process_alive(_read_text(owner)):
                continue
            try:
                session = self.load(session_id)
            except InterviewerError:
                continue  # reported by `interviewer sessions`; never deleted
            if session.status is not SessionStatus.IN_PROGRESS:
                continue
            try:
                _repair_turn_audio(folder, session)
                session.status = SessionStatus.INTERRUPTED
                self.save(session)
                self.release(session_id)
            except (InterviewerError, OSError):
                continue  # a read-only dir: leave it as found, it is still readable
            recovered.append(session_id)
        return recovered


# ---------------------------------------------------------------------- helpers


def load_session_file(path: Path) -> Session:
    if not path.is_file():
        raise NotFoundError(
            f"no session at {path.parent}", fix="list sessions with `interviewer sessions`"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InterviewerError(
            f"{path} is not readable JSON ({error})",
            fix="check its permissions, or delete the session folder",
        ) from error
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        # Cut off mid-write (by a crash before atomic writes, a full disk, a bad copy):
        # the parser ran out of text, or a string never ended.
        truncated = (
            not text.strip()
            or error.pos >= len(text.rstrip())
            or error.msg.startswith("Unterminated string")
        )
        what = (
            f"is truncated: it ends mid-document after {len(text.encode())} bytes "
            "(not readable JSON)"
            if truncated
            else f"is not readable JSON ({error.msg} at line {error.lineno})"
        )
        raise InterviewerError(
            f"{path} {what}",
            fix="restore it from a backup, or delete the session folder "
            "(its audio files are still there)",
        ) from error
    if not isinstance(raw, dict):
        raise InterviewerError(
            f"{path} is not readable JSON as a session (a {type(raw).__name__}, not an object)",
            fix="restore it from a backup, or delete the session folder",
        )
    raw = migrate(raw, path)
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
    """Atomically write ``text`` with owner-only permissions.

    On failure (full disk, read-only dir) the temp file is removed, the old file is
    left as it was, and a ``StoreWriteError`` says what happened.
    """
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as error:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise _write_error(path, error) from error


def _write_error(path: Path, error: OSError) -> StoreWriteError:
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        why, fix = "the disk is full", "free some space; what was captured so far is kept"
    elif error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        why = "the recordings dir is read-only"
        fix = "make it writable, or set recordings_dir in the config to a writable dir"
    else:
        why = error.strerror or str(error)
        fix = "check that recordings_dir points at a writable directory"
    return StoreWriteError(f"cannot write {path}: {why}", fix=fix)


def compact_turn_audio(wav_path: Path) -> Path:
    """Convert a finished turn WAV to FLAC next to it and remove the WAV.

    Returns the FLAC path, or ``wav_path`` itself when conversion failed (unreadable
    audio, full disk): the WAV is only removed once the FLAC is complete, on disk and
    holds the same number of samples. Callers must update ``Turn.audio_file``; prefer
    ``FileSessionStore.compact_audio``, which does.
    """
    flac = _encode_flac(wav_path)
    if flac is None:
        return wav_path
    with contextlib.suppress(OSError):
        wav_path.unlink()
    return flac


def _encode_flac(wav_path: Path) -> Path | None:
    import soundfile

    target = wav_path.with_suffix(".flac")
    temporary = target.with_name(f".{target.name}.tmp")
    try:
        data, rate = soundfile.read(str(wav_path), dtype="int16", always_2d=True)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            soundfile.write(handle, data, rate, format="FLAC", subtype="PCM_16")
            handle.flush()
            os.fsync(handle.fileno())
        if soundfile.info(str(temporary)).frames != data.shape[0]:
            raise ValueError("the FLAC does not hold every sample")
        os.replace(temporary, target)
    except (OSError, RuntimeError, ValueError, soundfile.LibsndfileError):
        with contextlib.suppress(OSError):
            temporary.unlink()
        return None
    return target


def _repair_turn_audio(folder: Path, session: Session) -> None:
    """Fix crash-damaged turn WAVs; add turns for audio that never reached the session."""
    from interviewer.adapters.audio.turn_writer import needs_recovery, recover

    known = {t.audio_file for t in session.turns if t.audio_file}
    for path in sorted(folder.iterdir()):
        match = _TURN_AUDIO.match(path.name)
        if match is None:
            continue
        frames, rate = 0, 1
        if path.suffix == ".wav" and needs_recovery(path):
            try:
                result = recover(path)
            except InterviewerError:
                continue
            frames, rate = result.frames, result.sample_rate or 1
        elif path.name not in known:
            frames, rate = _frames(path)
        if path.name in known or frames == 0:
            continue
        last = session.turns[-1] if session.turns else None
        started = last.started_at + last.duration if last else 0.0
        session.turns.append(
            Turn(
                index=len(session.turns),
                speaker=Speaker.CANDIDATE,
                kind=TurnKind.ANSWER,
                text="",
                started_at=started,
                duration=frames / rate,
                audio_file=path.name,
                note=RECOVERED_NOTE,
            )
        )


def _frames(path: Path) -> tuple[int, int]:
    import soundfile

    try:
        info = soundfile.info(str(path))
    except (OSError, RuntimeError, soundfile.LibsndfileError):
        return 0, 1
    return int(info.frames), int(info.samplerate) or 1


def _read_text(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return ""


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
