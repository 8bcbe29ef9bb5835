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

from interviewer import locations
from interviewer.core.content import Persona, Rubric
from interviewer.errors import ContentError, NotFoundError

ModelT = TypeVar("ModelT", bound=BaseModel)


def load_toml_model(path: Path, model: type[ModelT]) -> ModelT:
    """Parse and validate one file; raise ``ContentError`` naming file, line and field."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ContentError(path, f"cannot read file ({error.strerror})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        found = re.search(r"at line (\d+)", str(error))
        line = int(found.group(1)) if found else None
        raise ContentError(path, f"not valid TOML: {error}", line=line) from None
    try:
        loaded = model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        field_path = _field_path(data, first["loc"])
        problem = first["msg"].removeprefix("Value error, ")
        if first["type"] == "extra_forbidden":
            problem = "unknown key (check the spelling; see `interviewer personas show`)"
        elif first["type"] == "missing":
            problem = "required field is missing"
        elif "input" in first and first["type"] != "value_error":
            problem = f"{problem} (got {first['input']!r})"
        return_line = _find_line(text, first["loc"])
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
