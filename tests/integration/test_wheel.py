"""An installed wheel carries the shipped personas and rubrics (not only a checkout)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_a_wheel_installed_elsewhere_lists_the_shipped_rubrics_and_personas(
    tmp_path: Path,
) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(REPO)],
        check=True,
        timeout=300,
    )
    (wheel,) = wheels.glob("interviewer-*.whl")
    target = tmp_path / "venv"
    venv.create(target, with_pip=False)
    site = Path(sysconfig.get_path("purelib", vars={"base": str(target), "platbase": str(target)}))
    # The dependencies come from this environment (a path line adds them without running
    # its .pth files, so the checkout's editable install stays out); the package itself
    # only from the wheel.
    (site / "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    python = target / "bin" / "python"
    install = [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target"]
    subprocess.run(
        [*install, str(site), str(wheel)],
        check=True,
        timeout=300,
    )
    env = {
        key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")
    }
    env["HOME"] = str(tmp_path / "home")  # no user personas or rubrics
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    def listed(kind: str) -> list[dict[str, object]]:
        result = subprocess.run(
            [str(python), "-m", "interviewer", kind, "list", "--json"],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=elsewhere,
            env=env,
        )
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)  # type: ignore[no-any-return]

    located = subprocess.run(
        [str(python), "-c", "import interviewer, sys; print(interviewer.__file__)"],
        capture_output=True,
        text=True,
        cwd=elsewhere,
        env=env,
        check=True,
    ).stdout
    assert located.startswith(str(site)), "the wheel's copy is the one imported"
    rubrics = {r["id"] for r in listed("rubrics")}
    assert {p.stem for p in (REPO / "rubrics").glob("*.toml")} == rubrics
    personas = {p["id"] for p in listed("personas")}
    assert {p.stem for p in (REPO / "personas").glob("*.toml")} == personas
