"""Issue 20.15: recordings are personal voice data. The recordings root is created
owner-only (session names are personal too) and `report -o FILE` writes an owner-only
file, whatever the umask."""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from interviewer.adapters.store.files import FileSessionStore
from interviewer.cli.main import main
from interviewer.core.session import Session
from interviewer.doctor import check_recordings_dir
from interviewer.settings import load_settings

SAMPLE = Path(__file__).resolve().parents[2] / "recordings" / "sample-job-queue"


@pytest.fixture
def open_umask() -> Iterator[None]:
    previous = os.umask(0)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_recordings_root_is_created_owner_only(tmp_path: Path, open_umask: None) -> None:
    root = tmp_path / "recordings"
    FileSessionStore(root).save(
        Session(id="s1", persona_id="staff-infra", rubric_id="r", question_id="q")
    )
    assert mode(root) == 0o700 and mode(root / "s1") == 0o700
    assert mode(root / "s1" / "session.json") == 0o600


def test_doctor_creates_the_recordings_root_owner_only(
    isolated_dirs: Path, open_umask: None
) -> None:
    settings = load_settings()
    check_recordings_dir(settings)
    assert mode(settings.recordings_dir) == 0o700


def test_report_to_a_file_is_owner_only(isolated_dirs: Path, open_umask: None) -> None:
    recordings = isolated_dirs / "recordings"
    shutil.copytree(SAMPLE, recordings / SAMPLE.name)
    out = isolated_dirs / "feedback.md"
    assert main(["report", SAMPLE.name, "-o", str(out)]) == 0
    assert out.read_text().startswith("# Interview feedback") and mode(out) == 0o600
