"""Issue 20, broken input: whatever is in a persona or rubric file, the loader reports
one ``ContentError`` naming the file (and, where it can, the line and field), and the
commands keep working for every other file. The corpus is tests/data/malformed/."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from interviewer import catalog, locations
from interviewer.catalog import MAX_FILE_BYTES, load_toml_model
from interviewer.cli.main import main
from interviewer.core.content import Persona, Rubric
from interviewer.errors import ContentError

CORPUS = Path(__file__).resolve().parents[1] / "data" / "malformed"
PERSONAS = sorted((CORPUS / "personas").glob("*.toml"))
RUBRICS = sorted((CORPUS / "rubrics").glob("*.toml"))
CASES = [(p, Persona) for p in PERSONAS] + [(p, Rubric) for p in RUBRICS]


def problem(path: Path, model: type[Persona] | type[Rubric]) -> ContentError:
    with pytest.raises(ContentError) as caught:
        load_toml_model(path, model)
    return caught.value


def test_the_corpus_has_at_least_30_files() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize(
    ("path", "model"), CASES, ids=[f"{p.parent.name}/{p.name}" for p, _ in CASES]
)
def test_every_malformed_file_is_one_content_error_naming_the_file(
    path: Path, model: type[Persona] | type[Rubric]
) -> None:
    error = problem(path, model)
    assert error.path == path and error.message.startswith(str(path))


@pytest.mark.parametrize("kind", ["personas", "rubrics"])
def test_deep_nesting_is_reported_not_a_recursion_error(kind: str) -> None:
    """Issue 20.4: 500 nested arrays in a 1 KB file raised RecursionError."""
    model = Persona if kind == "personas" else Rubric
    error = problem(CORPUS / kind / "deep-nesting.toml", model)
    assert "nested too deeply" in error.message and error.fix


@pytest.mark.parametrize(
    ("path", "line"),
    [
        (CORPUS / "personas" / "non-utf8.toml", 4),
        (CORPUS / "personas" / "utf16.toml", 1),
        (CORPUS / "rubrics" / "latin1-title.toml", 2),
    ],
)
def test_non_utf8_bytes_are_reported_with_their_line(path: Path, line: int) -> None:
    """Issue 20.4: non-UTF-8 bytes raised UnicodeDecodeError."""
    model = Persona if path.parent.name == "personas" else Rubric
    error = problem(path, model)
    assert "not UTF-8 text" in error.message and error.line == line
    assert error.fix == "save the file as UTF-8"


@pytest.mark.parametrize("name", ["weight-inf", "weight-nan", "weight-minus-inf"])
def test_a_weight_that_is_not_a_finite_number_is_refused(name: str) -> None:
    """Issue 20.5: ``weight = inf`` passed `rubrics check`, then scoring died on NaN."""
    error = problem(CORPUS / "rubrics" / f"{name}.toml", Rubric)
    assert error.field == "criteria[failure-handling].weight" and error.line == 13
    assert "finite number" in error.message


@pytest.mark.parametrize(
    ("name", "field", "line"),
    [
        ("duplicate-question", "questions[job-queue].id", 38),
        ("question-probe-unknown-criterion", "questions[job-queue].probes[other].criterion", 39),
        ("probe-unknown-question", "probes[worker-dies].questions", 30),
        ("duplicate-checklist-item", "criteria[failure-handling].checklist[retries].id", 27),
    ],
)
def test_reference_problems_name_the_field_and_line(name: str, field: str, line: int) -> None:
    """Issue 20.6: duplicate question ids and a probe naming an unknown criterion gave
    no field or line."""
    error = problem(CORPUS / "rubrics" / f"{name}.toml", Rubric)
    assert (error.field, error.line) == (field, line)


def test_an_oversized_file_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    """Issue 20.8 (file size): a 20 MB persona took 2.5 s per check."""
    path = tmp_path / "huge.toml"
    path.write_text(
        'id = "huge"\nname = "Sam"\ntitle = "T"\ninstructions = """'
        + "x" * MAX_FILE_BYTES
        + '"""\n'
    )
    error = problem(path, Persona)
    assert "limited to" in error.message and error.fix


def fill_user_dirs() -> None:
    for source, target in (
        (CORPUS / "personas", locations.user_personas_dir()),
        (CORPUS / "rubrics", locations.user_rubrics_dir()),
    ):
        shutil.copytree(source, target)


@pytest.mark.parametrize(
    "argv",
    [
        ["personas", "list"],
        ["personas", "list", "--json"],
        ["personas", "show", "staff-infra"],
        ["rubrics", "list"],
        ["rubrics", "list", "--json"],
        ["rubrics", "show", "distributed-systems-design"],
    ],
)
def test_a_malformed_file_never_stops_a_command_about_other_files(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 20.4: a bad persona killed `personas list`; a bad rubric killed `rubrics
    list` and `rubrics show <another id>`."""
    fill_user_dirs()
    assert main(argv) == 0
    assert "Traceback" not in capsys.readouterr().err


def test_rubrics_check_reports_every_file_verbatim_and_no_traceback() -> None:
    """Issues 20.4 and 20.6: the real CLI lists every broken file, and console markup
    does not eat ``[failure-handling]`` or the id pattern's brackets."""
    fill_user_dirs()
    user_dirs = {"personas": locations.user_personas_dir(), "rubrics": locations.user_rubrics_dir()}
    printed: dict[str, str] = {}
    for kind, files in (("personas", PERSONAS), ("rubrics", RUBRICS)):
        result = subprocess.run(
            [sys.executable, "-m", "interviewer", kind, "check"],
            capture_output=True,
            text=True,
            env={**os.environ, "COLUMNS": "300"},
            timeout=60,
        )
        assert result.returncode == 1
        assert "Traceback" not in result.stderr + result.stdout
        for path in files:
            assert str(user_dirs[kind] / path.name) in result.stderr
        printed[kind] = result.stderr
    assert "field 'criteria[failure-handling].weight'" in printed["rubrics"]
    assert "'^[a-z0-9][a-z0-9-]*$'" in printed["personas"]


def test_a_broken_user_override_of_a_shipped_persona_is_not_ignored_silently(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Issue 20.7: ``staff-infra.toml`` with ``tone = 7`` in the user dir was skipped and
    the shipped persona used with no warning."""
    user_dir = locations.user_personas_dir()
    user_dir.mkdir(parents=True)
    shipped = (locations.shipped_personas_dir() / "staff-infra.toml").read_text()
    (user_dir / "staff-infra.toml").write_text(shipped.replace('tone = "tough"', "tone = 7"))

    loaded = catalog.load_personas()
    [warning] = loaded.override_warnings("staff-infra")
    assert str(user_dir / "staff-infra.toml") in warning and "field 'tone'" in warning
    assert loaded.override_warnings("friendly-backend") == []

    assert main(["personas", "show", "staff-infra"]) == 0
    assert f"{user_dir / 'staff-infra.toml'}" in capsys.readouterr().err.replace("\n", "")
