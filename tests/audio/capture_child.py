"""Runs the real capture path in its own process, so PortAudio starts up seeing the
private PulseAudio daemon the audio tests launch (it scans devices once, at import).

    python capture_child.py list
    python capture_child.py bad-device NAME
    python capture_child.py stall
    python capture_child.py record OUT_DIR PATIENCE_SECONDS MAX_SECONDS [DEVICE]

Prints one JSON object on the last line of stdout; ``record`` prints READY first, once
the stream is open, so the test knows when to start feeding the virtual microphone.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

from interviewer.adapters.audio.capture import TurnCapture
from interviewer.adapters.audio.microphone import (
    MicrophoneError,
    MicrophoneSource,
    list_input_devices,
)
from interviewer.adapters.audio.vad import SileroVad
from interviewer.core.endpointing import EndpointConfig, Endpointer, TurnMode, TurnStatus
from interviewer.core.ports import SAMPLE_RATE, AudioBlock


def record(out_dir: Path, patience: float, max_seconds: float, device: str | None) -> dict:
    """One hands-free turn through ``TurnCapture``, exactly as the app runs it."""
    levels: list[float] = []
    speech_times: list[float] = []
    source = MicrophoneSource(device, on_level=levels.append)
    config = EndpointConfig(
        mode=TurnMode.HANDS_FREE, patience_seconds=patience, max_answer_seconds=max_seconds
    )

    def on_block(block: AudioBlock, status: TurnStatus) -> None:
        if status.speaking:
            speech_times.append(block.started_at + block.samples.size / SAMPLE_RATE)

    capture = TurnCapture(
        source, Endpointer(config), out_dir / "turn.wav", vad=SileroVad(), on_block=on_block
    )
    source.start()
    print("READY", flush=True)
    turn = capture.run()
    return {
        "device": source.device.name if source.device else None,
        "samplerate": source.samplerate,
        "captured_samples": int(turn.audio.size),
        "reason": turn.status.reason.value if turn.status.reason else None,
        "ended_at": turn.status.ended_at,
        "first_speech": speech_times[0] if speech_times else None,
        "last_speech": speech_times[-1] if speech_times else None,
        "min_level": min(levels),
        "max_level": max(levels),
        "dropped_blocks": source.dropped_blocks,
        "warnings": turn.warnings,
    }


def main(argv: list[str]) -> int:
    mode = argv[0]
    if mode == "list":
        result: object = [asdict(device) for device in list_input_devices()]
    elif mode == "bad-device":
        try:
            MicrophoneSource(argv[1]).start()
            result = {"error": None}
        except MicrophoneError as error:
            result = {"error": error.message, "fix": error.fix}
    elif mode == "stall":
        # Nothing is written to the FIFO, so the virtual mic delivers no audio at all.
        source = MicrophoneSource(stall_timeout_seconds=1.0)
        try:
            blocks = sum(1 for _ in source.blocks())
            result = {"error": None, "blocks": blocks}
        except MicrophoneError as error:
            result = {"error": error.message, "fix": error.fix}
    elif mode == "record":
        device = argv[4] if len(argv) > 4 else None
        result = record(Path(argv[1]), float(argv[2]), float(argv[3]), device)
    else:
        raise SystemExit(f"unknown mode {mode}")
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
