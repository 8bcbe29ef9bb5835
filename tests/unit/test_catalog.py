"""Personas and rubrics load from TOML; broken files are reported precisely and never
hide the good ones."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from interviewer import catalog, locations
from interviewer.catalog import load_toml_model
from interviewer.core.content import Persona, Rubric
from interviewer.errors import ContentError, NotFoundError

DATA = Path(__file__).resolve().parents[1] / "data"
BROKEN = [
    *[(path, Persona) for path in sorted((DATA / "personas").glob("*.toml"))],
    *[(p, Rubric) for p in sorted((DATA / "rubrics").glob("*.toml")) if p.stem != "minimal"],
]


def expected_error(path: Path) -> str:
    first_line = path.read_text().splitlines()[0]
    assert first_line.startswith("# expect: "), f"{path} needs an '# expect:' header"
    return first_line.removeprefix("# expect: ")


@pytest.mark.parametrize("path,model", BROKEN, ids=[p.name for p, _ in BROKEN])
def test_broken_file_names_file_line_and_field(path: Path, model: type[Persona]) -> None:
    """Each broken fixture fails with the message written in its first line."""
    with pytest.raises(ContentError) as caught:
        load_toml_model(path, model)
    assert caught.value.message.startswith(str(path.parent) + "/")
    assert expected_error(path) in caught.value.message


def test_minimal_rubric_is_valid() -> None:
    """The broken rubric fixtures differ from this valid one in a single place."""
    rubric = load_toml_model(DATA / "rubrics" / "minimal.toml", Rubric)
    assert rubric.probes_for("job-queue")[0].id == "worker-dies"


def test_every_shipped_file_validates() -> None:
    """Shipped content has no broken file, and has what the command contract needs."""
    personas = catalog.load_personas()
    rubrics = catalog.load_rubrics()
    assert personas.errors == [] and rubrics.errors == []
    assert len(personas.items) >= 4
    design = rubrics.get("distributed-systems-design", "rubric")
    required = {
        "job-queue",
        "sharding-consistency",
        "inference-serving",
        "gpu-bottleneck",
        "degrade-recover",
        "latency-sensitive-reads",
        "compare-architectures",
    }
    assert required <= {q.id for q in design.questions}


def test_user_file_overrides_shipped_and_broken_user_file_hides_nothing(
    isolated_dirs: Path,
) -> None:
    """A user persona with a shipped id wins; a broken user file is reported, not fatal."""
    shipped = catalog.load_personas()
    some_id = next(iter(shipped.items))
    user_dir = locations.user_personas_dir()
    user_dir.mkdir(parents=True)
    original = shipped.sources[some_id].read_text()
    (user_dir / f"{some_id}.toml").write_text(
        original.replace(shipped.items[some_id].name, "Overridden Name", 1)
    )
    shutil.copy(DATA / "personas" / "bad-tone.toml", user_dir / "bad-tone.toml")

    loaded = catalog.load_personas()

    assert loaded.items[some_id].name == "Overridden Name"
    assert loaded.sources[some_id] == user_dir / f"{some_id}.toml"
    assert set(shipped.items) <= set(loaded.items)
    assert [e.path.name for e in loaded.errors] == ["bad-tone.toml"]
    with pytest.raises(ContentError):
        loaded.get("bad-tone", "persona")
    with pytest.raises(NotFoundError, match="no persona 'nobody'"):
        loaded.get("nobody", "persona")
