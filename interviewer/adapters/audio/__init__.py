"""Audio capture: microphone and file sources, crash-safe turn files, voice activity.

Importing this package loads neither PortAudio nor the VAD model; each is loaded when
first used, so a machine without them can still run headless rounds from files.
"""

from interviewer.adapters.audio.capture import CapturedTurn, TurnCapture
from interviewer.adapters.audio.files import FileAudioSource, UnreadableAudioError, read_audio
from interviewer.adapters.audio.microphone import (
    InputDevice,
    MicrophoneError,
    MicrophoneSource,
    list_input_devices,
)
from interviewer.adapters.audio.turn_writer import Recovery, TurnAudioWriter, recover
from interviewer.adapters.audio.vad import FrameAnalyzer, SileroVad, quality_warnings

__all__ = [
    "CapturedTurn",
    "FileAudioSource",
    "FrameAnalyzer",
    "InputDevice",
    "MicrophoneError",
    "MicrophoneSource",
    "Recovery",
    "SileroVad",
    "TurnAudioWriter",
    "TurnCapture",
    "UnreadableAudioError",
    "list_input_devices",
    "quality_warnings",
    "read_audio",
    "recover",
]
