"""Microphone failures a user can hit all become clear errors with a way forward.

Real recording through PortAudio is covered in tests/audio (PulseAudio virtual mic)."""

from __future__ import annotations

import importlib.abc
import sys
from collections.abc import Sequence
from types import ModuleType

import pytest

from interviewer.adapters.audio.microphone import (
    InputDevice,
    MicrophoneError,
    MicrophoneSource,
    import_sounddevice,
    input_devices,
    list_input_devices,
    open_error,
    select_input_device,
)
from interviewer.core.ports import AudioSource
from interviewer.errors import BackendUnavailable, InterviewerError
from interviewer.settings import AudioSettings

PORTAUDIO_DEVICES = [
    {"name": "HDA Intel PCH: ALC3246 Analog (hw:0,0)", "index": 0, "max_input_channels": 2,
     "max_output_channels": 2, "default_samplerate": 44100.0},
    {"name": "HDMI 0 (hw:0,3)", "index": 1, "max_input_channels": 0,
     "max_output_channels": 8, "default_samplerate": 48000.0},
    {"name": "USB Podcast Mic: Audio (hw:2,0)", "index": 2, "max_input_channels": 1,
     "max_output_channels": 0, "default_samplerate": 48000.0},
    {"name": "pulse", "index": 3, "max_input_channels": 32, "max_output_channels": 32,
     "default_samplerate": 44100.0},
    {"name": "default", "index": 4, "max_input_channels": 32, "max_output_channels": 32,
     "default_samplerate": 44100.0},
]  # fmt: skip


def devices(default_index: int | None = 4) -> Sequence[InputDevice]:
    return input_devices(PORTAUDIO_DEVICES, default_index)


def test_only_recording_devices_are_listed_and_the_default_marked() -> None:
    found = devices()
    assert [d.index for d in found] == [0, 2, 3, 4]
    assert [d.name for d in found if d.is_default] == ["default"]
    assert found[1].channels == 1
    assert found[1].default_samplerate == 48000.0


def test_unset_device_means_the_system_default() -> None:
    assert select_input_device(devices(), None).name == "default"
    assert select_input_device(devices(), "  ").name == "default"


def test_unset_device_without_a_default_takes_the_first_input() -> None:
    assert select_input_device(devices(default_index=None), None).index == 0


@pytest.mark.parametrize(("requested", "index"), [(2, 2), ("2", 2), (" 3 ", 3)])
def test_device_by_index(requested: str | int, index: int) -> None:
    """Env vars give strings; a string of digits is an index."""
    assert select_input_device(devices(), requested).index == index


@pytest.mark.parametrize(
    ("requested", "index"),
    [("pulse", 3), ("PULSE", 3), ("podcast", 2), ("usb podcast mic: audio (hw:2,0)", 2)],
)
def test_device_by_name_or_unique_part_of_it(requested: str, index: int) -> None:
    assert select_input_device(devices(), requested).index == index


def test_exact_name_wins_over_substrings() -> None:
    """'pulse' picks the device named exactly that, not one whose name merely contains it."""
    extra = [*PORTAUDIO_DEVICES, {**PORTAUDIO_DEVICES[3], "name": "pulse monitor", "index": 9}]
    assert select_input_device(input_devices(extra, None), "pulse").index == 3


def test_output_only_device_cannot_be_chosen() -> None:
    with pytest.raises(MicrophoneError, match="no input device has index 1"):
        select_input_device(devices(), 1)


def test_unknown_device_name_lists_the_inputs_and_ways_forward() -> None:
    with pytest.raises(MicrophoneError) as caught:
        select_input_device(devices(), "Blue Yeti")
    error = caught.value
    assert "'Blue Yeti' matches no input device" in error.message
    assert "2: USB Podcast Mic" in error.message
    assert error.fix is not None
    assert "INTERVIEWER_AUDIO__INPUT_DEVICE" in error.fix
    assert "type the answer" in error.fix
    assert "--answers" in error.fix


def test_ambiguous_device_name_is_an_error() -> None:
    with pytest.raises(MicrophoneError, match="matches several input devices"):
        select_input_device(devices(), "hw:")


def test_no_input_device_at_all() -> None:
    with pytest.raises(MicrophoneError) as caught:
        select_input_device([], None)
    assert "no microphone found" in caught.value.message
    assert caught.value.fix is not None and "type the answer" in caught.value.fix


def test_busy_device_error_names_the_device_and_the_cause() -> None:
    sounddevice = import_sounddevice()
    cause = sounddevice.PortAudioError("Error opening InputStream: Device unavailable", -9985)
    error = open_error(devices()[1], cause)
    assert "cannot open microphone 'USB Podcast Mic: Audio (hw:2,0)'" in error.message
    assert "Device unavailable" in error.message
    assert error.fix is not None and "close other programs" in error.fix
    assert isinstance(error, BackendUnavailable)


class _NoPortAudio(importlib.abc.MetaPathFinder):
    """Makes ``import sounddevice`` fail the way it does without libportaudio."""

    def find_spec(self, name: str, path: object, target: ModuleType | None = None) -> None:
        if name == "sounddevice":
            raise OSError("PortAudio library not found")
        return None


@pytest.fixture
def no_portaudio(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "sounddevice", raising=False)
    monkeypatch.setattr(sys, "meta_path", [_NoPortAudio(), *sys.meta_path])


@pytest.mark.usefixtures("no_portaudio")
def test_missing_portaudio_is_a_clear_error() -> None:
    with pytest.raises(MicrophoneError) as caught:
        MicrophoneSource().start()
    assert "PortAudio library is not installed" in caught.value.message
    assert caught.value.fix is not None and "libportaudio2" in caught.value.fix
    with pytest.raises(MicrophoneError):
        list_input_devices()


def test_unknown_device_on_this_machine_fails_at_start() -> None:
    """Whatever devices this machine has, a nonsense name is refused with a fix."""
    source = MicrophoneSource("no-such-microphone-3f9c")
    with pytest.raises(MicrophoneError) as caught:
        source.start()
    assert caught.value.fix
    assert isinstance(caught.value, InterviewerError)


def test_microphone_is_an_audio_source_built_from_settings() -> None:
    source = MicrophoneSource.from_settings(AudioSettings(input_device="USB"))
    assert isinstance(source, AudioSource)
    assert source.requested_device == "USB"
    source.stop()  # stopping a source that never started is harmless
