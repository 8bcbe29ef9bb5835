"""Launch time for ``interviewer bench latency``: a fresh process, timed from exec to
the interviewer's first audio (imports, the LLM server, Whisper, Piper, the first line),
cold (model files dropped from the page cache) or warm. Run as a module, it is the probe
process itself."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from interviewer import catalog
from interviewer.bench.latency import NullOutput, TimedChat, TimedSpeaker, _new_round, vm_hwm_mib


def _drop_page_cache(paths: Sequence[Path]) -> None:
    """Ask the kernel to forget cached pages of ``paths`` (no root needed): a launch
    after a reboot reads the models from disk."""
    for path in paths:
        with contextlib.suppress(OSError):
            fd = os.open(path, os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def time_launch_to_first_audio(
    base_url: str | None, persona: str, rubric: str, drop_cache: bool, levers: bool
) -> dict[str, Any]:
    """Time a fresh process from exec to the first interviewer audio."""
    if drop_cache:
        from interviewer.adapters import model_assets

        with contextlib.suppress(Exception):
            models = [p for p in model_assets.models_dir().glob("*.gguf")]
            models += [model_assets.piper_voice_path()]
            models += list(model_assets.whisper_tiny_en_dir().glob("*"))
            _drop_page_cache(models)
    request = {
        "base_url": base_url,
        "persona": persona,
        "rubric": rubric,
        "levers": levers,
        "t0": time.monotonic(),
    }
    done = subprocess.run(
        [sys.executable, "-m", "interviewer.bench.launch", json.dumps(request)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"launch probe failed: {done.stderr.strip()[-2000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _launch_probe(request: dict[str, Any]) -> dict[str, Any]:
    """What the app does from start to its first line, in order, timed from ``t0``."""
    t0 = float(request["t0"])
    marks: dict[str, float] = {}
    from interviewer.adapters.audio.vad import SileroVad
    from interviewer.adapters.store.files import FileSessionStore
    from interviewer.adapters.stt.whisper import WhisperTranscriber
    from interviewer.adapters.tts.piper_voice import PiperSynthesizer
    from interviewer.adapters.tts.speaker import VoiceSpeaker
    from interviewer.live import LiveRound  # noqa: F401  (its import time is launch time)
    from interviewer.llm_runtime import open_llm
    from interviewer.settings import load_settings

    marks["imports_s"] = time.monotonic() - t0
    overrides: dict[str, Any] = {}
    if request["base_url"]:
        overrides["llm"] = {"base_url": request["base_url"]}
    settings = load_settings(**overrides)
    persona = catalog.load_personas().get(request["persona"], "persona")
    rubric = catalog.load_rubrics().get(request["rubric"], "rubric")
    runtime = open_llm(settings.llm)
    try:
        marks["llm_ready_s"] = time.monotonic() - t0
        WhisperTranscriber.from_settings(settings.stt, glossary=rubric.glossary)
        SileroVad()
        marks["whisper_ready_s"] = time.monotonic() - t0
        output = NullOutput()
        voice = VoiceSpeaker(PiperSynthesizer(), output, "piper")
        marks["piper_ready_s"] = time.monotonic() - t0
        with tempfile.TemporaryDirectory(prefix="bench-launch-") as tmp:
            live = _new_round(
                FileSessionStore(Path(tmp)),
                persona,
                rubric,
                rubric.questions[0],
                TimedChat(runtime.chat),
                TimedSpeaker(voice),
                bool(request["levers"]),
                settings.llm.reply_deadline_seconds,
            )
            live.start()
            voice.wait(60)
            first = output.first_after(0.0)
            marks["first_audio_s"] = (first or time.monotonic()) - t0
            live.abandon()
        voice.close()
        marks["app_mib"] = vm_hwm_mib(os.getpid()) or 0.0
        server = runtime.server
        if server is not None and server.pid is not None:
            marks["llm_server_mib"] = vm_hwm_mib(server.pid) or 0.0
    finally:
        runtime.close()
    return {k: round(v, 3) for k, v in marks.items()}


if __name__ == "__main__":
    print(json.dumps(_launch_probe(json.loads(sys.argv[1]))))
