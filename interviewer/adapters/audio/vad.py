"""Voice activity: Silero VAD (as shipped inside faster-whisper) frame by frame, and
checks that tell the candidate why their audio may be useless.

faster-whisper's own ``SileroVADModel.__call__`` restarts the model's recurrent state on
every call, which suits whole files but not a live stream cut into blocks. ``SileroVad``
drives the same ONNX session directly and carries the state (and the 64-sample context
the model expects) from one block to the next.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from interviewer.adapters.audio.dsp import peak_dbfs, rms_dbfs
from interviewer.core.endpointing import Frame
from interviewer.core.ports import SAMPLE_RATE, Samples
from interviewer.errors import InterviewerError

FRAME_SAMPLES = 512
"""Silero's window at 16 kHz: 32 ms."""
FRAME_SECONDS = FRAME_SAMPLES / SAMPLE_RATE
CONTEXT_SAMPLES = 64

SPEECH_PROBABILITY = 0.5
SILENCE_PEAK_DBFS = -60.0
"""Below this peak a recording is (near-digital) silence: a muted or dead input."""
QUIET_PEAK_DBFS = -30.0
"""Speech peaking below this is too quiet to transcribe well."""
CLIPPED_LEVEL = 0.999
CLIPPED_SHARE = 0.001
"""More than this share of samples at full scale means the input gain is too high."""


class VadUnavailableError(InterviewerError):
    """The VAD model could not be loaded."""


class SileroVad:
    """Streaming speech probability for each 32 ms frame of 16 kHz mono audio."""

    def __init__(self) -> None:
        try:
            from faster_whisper.vad import get_vad_model

            model = get_vad_model()
        except (ImportError, RuntimeError, OSError) as error:
            raise VadUnavailableError(
                f"the voice activity detector could not load ({error})",
                fix=".venv/bin/pip install --force-reinstall faster-whisper==1.2.1 onnxruntime; "
                "meanwhile use push-to-talk (audio.hands_free = false)",
            ) from None
        self._session: Any = model.session
        self.reset()

    def reset(self) -> None:
        """Forget the stream so far (call between unrelated recordings)."""
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros(CONTEXT_SAMPLES, dtype=np.float32)
        self._pending = np.zeros(0, dtype=np.float32)

    def process(self, samples: Samples) -> NDArray[np.float32]:
        """Probabilities for every frame completed by ``samples`` (leftovers wait)."""
        data = np.concatenate([self._pending, np.asarray(samples, np.float32).reshape(-1)])
        count = data.size // FRAME_SAMPLES
        self._pending = data[count * FRAME_SAMPLES :]
        if count == 0:
            return np.zeros(0, dtype=np.float32)
        frames = data[: count * FRAME_SAMPLES].reshape(count, FRAME_SAMPLES)
        contexts = np.concatenate([self._context[None, :], frames[:-1, -CONTEXT_SAMPLES:]])
        batch = np.ascontiguousarray(np.concatenate([contexts, frames], axis=1))
        probabilities, self._h, self._c = self._session.run(
            None, {"input": batch, "h": self._h, "c": self._c}
        )
        self._context = frames[-1, -CONTEXT_SAMPLES:].copy()
        return np.asarray(probabilities, dtype=np.float32).reshape(-1)

    def probabilities(self, samples: Samples) -> NDArray[np.float32]:
        """Probabilities for a whole recording, independent of any stream in progress."""
        saved = (self._h, self._c, self._context, self._pending)
        self.reset()
        try:
            data = np.asarray(samples, np.float32).reshape(-1)
            padding = (-data.size) % FRAME_SAMPLES
            return self.process(np.concatenate([data, np.zeros(padding, np.float32)]))
        finally:
            self._h, self._c, self._context, self._pending = saved


class FrameAnalyzer:
    """Cuts captured blocks into 32 ms ``Frame``s for the endpointer.

    Each frame carries its speech probability (None without a VAD, so the endpointer
    falls back to the level) and its RMS level. Times count from the first sample fed.
    """

    def __init__(self, vad: SileroVad | None) -> None:
        self.vad = vad
        self._pending = np.zeros(0, dtype=np.float32)
        self._frames_done = 0

    def feed(self, samples: Samples) -> list[Frame]:
        data = np.concatenate([self._pending, np.asarray(samples, np.float32).reshape(-1)])
        count = data.size // FRAME_SAMPLES
        self._pending = data[count * FRAME_SAMPLES :]
        if count == 0:
            return []
        whole = data[: count * FRAME_SAMPLES]
        probabilities: list[float | None] = (
            [float(p) for p in self.vad.process(whole)] if self.vad else [None] * count
        )
        frames = []
        for i in range(count):
            self._frames_done += 1
            frame = whole[i * FRAME_SAMPLES : (i + 1) * FRAME_SAMPLES]
            frames.append(
                Frame(
                    time=self._frames_done * FRAME_SECONDS,
                    duration=FRAME_SECONDS,
                    speech=probabilities[i],
                    level_dbfs=rms_dbfs(frame),
                )
            )
        return frames


def quality_warnings(
    samples: Samples, speech_probabilities: NDArray[np.floating] | None = None
) -> list[str]:
    """Short warnings about a recording: silence only, no speech, clipped, very quiet.

    Pass the VAD's ``probabilities(samples)`` to tell noise from speech; without them only
    the levels are judged. An empty list means nothing looks wrong.
    """
    data = np.asarray(samples, dtype=np.float32).reshape(-1)
    peak = peak_dbfs(data)
    if data.size == 0 or peak < SILENCE_PEAK_DBFS:
        return [
            "silence only: nothing was heard; check the microphone is not muted "
            "or choose another device, or type the answer"
        ]
    warnings = []
    if speech_probabilities is not None and (
        np.asarray(speech_probabilities).size == 0
        or float(np.max(speech_probabilities)) < SPEECH_PROBABILITY
    ):
        warnings.append(
            "no speech detected, only noise; speak closer to the microphone, or type the answer"
        )
    clipped = float(np.mean(np.abs(data) >= CLIPPED_LEVEL))
    if clipped > CLIPPED_SHARE:
        warnings.append(
            f"clipped: {clipped:.1%} of samples at full scale; lower the input gain "
            "or move back from the microphone"
        )
    elif peak < QUIET_PEAK_DBFS:
        warnings.append(f"very quiet (peak {peak:.0f} dBFS); move closer or raise the input gain")
    return warnings
