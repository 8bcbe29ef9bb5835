"""Loads personas and rubrics from TOML files, shipped and user-made.

A user file overrides a shipped one with the same id. A broken file never hides the
others: the catalog keeps every file that loads and reports the broken ones as
``ContentError`` values naming the file, the line where it can be found, and the field.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from interviewer import locations
from interviewer.core.content import Persona, ReferenceProblem, Rubric
from interviewer.errors import ContentError, NotFoundError

ModelT = TypeVar("ModelT", bound=BaseModel)


MAX_FILE_BYTES = 512 * 1024
"""Persona and rubric files are hand-written: the largest shipped rubric is under 100 KB.
A bigger file is refused before it is parsed, so a runaway file costs nothing."""

_NESTED_TOO_DEEPLY = "nested too deeply (arrays or tables inside each other) to be content"


def load_toml_model(path: Path, model: type[ModelT]) -> ModelT:
    """Parse and validate one file; raise ``ContentError`` naming file, line and field.

    Whatever is in the file (binary, too big, nested a thousand levels deep), the only
    error raised is a ``ContentError``, so one bad file never stops a command about others.
    """
    text = _read_text(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        found = re.search(r"at line (\d+)", str(error))
        line = int(found.group(1)) if found else None
        raise ContentError(path, f"not valid TOML: {error}", line=line) from None
    except RecursionError:
        raise ContentError(path, _NESTED_TOO_DEEPLY, fix="keep the file's structure flat") from None
    try:
        loaded = model.model_validate(data)
    except RecursionError:
        raise ContentError(path, _NESTED_TOO_DEEPLY, fix="keep the file's structure flat") from None
    except ValidationError as error:
        first = error.errors()[0]
        loc = _reference_loc(first) or first["loc"]
        field_path = _field_path(data, loc)
        problem = first["msg"].removeprefix("Value error, ")
        if first["type"] == "extra_forbidden":
            problem = "unknown key (check the spelling; see `interviewer personas show`)"
        elif first["type"] == "missing":
            problem = "required field is missing"
        elif "input" in first and first["type"] != "value_error":
            problem = f"{problem} (got {first['input']!r})"
        return_line = _find_line(text, loc)
        raise ContentError(path, problem, field=field_path or None, line=return_line) from None
    expected_id = path.stem
    loaded_id = getattr(loaded, "id", expected_id)
    if loaded_id != expected_id:
        raise ContentError(
            path,
            f"id '{loaded_id}' does not match the file name (expected '{expected_id}')",
            field="id",
            line=_find_line(text, ("id",)),
        )
    return loaded


def _read_text(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ContentError(
                path,
                f"file is {size:,} bytes; persona and rubric files are limited to "
                f"{MAX_FILE_BYTES:,} bytes",
                fix="split it into several files, or remove what is not needed",
            )
        raw = path.read_bytes()
    except OSError as error:
        raise ContentError(path, f"cannot read file ({error.strerror})") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ContentError(
            path,
            f"not UTF-8 text (byte 0x{raw[error.start]:02x} at offset {error.start})",
            line=raw.count(b"\n", 0, error.start) + 1,
            fix="save the file as UTF-8",
        ) from None


def _reference_loc(error: ErrorDetails) -> tuple[int | str, ...] | None:
    """Where a cross-reference check (``ReferenceProblem``) points, if it raised this."""
    cause = (error.get("ctx") or {}).get("error")
    return cause.loc if isinstance(cause, ReferenceProblem) else None


def _field_path(data: object, loc: tuple[int | str, ...]) -> str:
    """Render a pydantic location as ``criteria[failure-handling].weight``: ids beat indexes."""
    parts: list[str] = []
    node: object = data
    for part in loc:
        if isinstance(part, int) and isinstance(node, list) and part < len(node) and parts:
            node = node[part]
            label = node.get("id") if isinstance(node, dict) else None
            parts[-1] += f"[{label or part}]"
        else:
            parts.append(str(part))
            node = node.get(str(part)) if isinstance(node, dict) else None
    return ".".join(parts)


def _find_line(text: str, loc: tuple[int | str, ...]) -> int | None:
    """Best effort: follow ``loc`` through ``[[table]]`` headers to the offending key."""
    position = 0
    keys = list(loc)
    for index, part in enumerate(keys):
        if not isinstance(part, str):
            continue
        following = keys[index + 1] if index + 1 < len(keys) else None
        if isinstance(following, int):
            headers = list(re.finditer(rf"^\s*\[\[[\w.]*\b{re.escape(part)}\]\]", text, re.M))
            headers = [h for h in headers if h.start() >= position]
            if following < len(headers):
                position = headers[following].start()
            continue
        key = re.compile(rf"^\s*{re.escape(part)}\s*=|^\s*\[[\w.]*\b{re.escape(part)}\]", re.M)
        match = key.search(text, position)
        if match is None:
            return None
        position = match.start()
    return text.count("\n", 0, position) + 1 if position else None


@dataclass
class Loaded(Generic[ModelT]):
    """Everything found in the content dirs: good items by id, and the broken files."""

    items: dict[str, ModelT] = field(default_factory=dict)
    sources: dict[str, Path] = field(default_factory=dict)
    errors: list[ContentError] = field(default_factory=list)

    def get(self, item_id: str, kind: str) -> ModelT:
        if item_id in self.items:
            return self.items[item_id]
        broken = [e for e in self.errors if e.path.stem == item_id]
        if broken:
            raise broken[0]
        known = ", ".join(sorted(self.items)) or "none"
        raise NotFoundError(f"no {kind} '{item_id}' (known: {known})")

    def override_warnings(self, item_id: str) -> list[str]:
        """What to tell the user when ``item_id`` is used although another file with
        that id is broken: typically their own override of a shipped persona, which
        would otherwise be ignored without a word."""
        source = self.sources.get(item_id)
        if source is None:
            return []
        return [
            f"{error.message}; so {source} is used instead"
            for error in self.errors
            if error.path.stem == item_id and error.path != source
        ]


def load_dir_chain(dirs: Iterable[Path], model: type[ModelT]) -> Loaded[ModelT]:
    """Load ``*.toml`` from each dir in order; later dirs override earlier ones by id."""
    loaded: Loaded[ModelT] = Loaded()
    for directory in dirs:
        if not directory.is_dir():
            continue
        for path in sorted(directory.glob("*.toml")):
            try:
                item = load_toml_model(path, model)
            except ContentError as error:
                loaded.errors.append(error)
                continue
            item_id = str(getattr(item, "id", path.stem))
            loaded.items[item_id] = item
            loaded.sources[item_id] = path
    return loaded


def persona_dirs() -> list[Path]:
    return [locations.shipped_personas_dir(), locations.user_personas_dir()]


def rubric_dirs() -> list[Path]:
    return [locations.shipped_rubrics_dir(), locations.user_rubrics_dir()]


def load_personas() -> Loaded[Persona]:
    return load_dir_chain(persona_dirs(), Persona)


def load_rubrics() -> Loaded[Rubric]:
    return load_dir_chain(rubric_dirs(), Rubric)
