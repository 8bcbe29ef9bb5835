"""The interviewer's voice without a sound card: a fake output stands in for PortAudio."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from interviewer.adapters.tts.speaker import (
    EspeakSynthesizer,
    SilentSpeaker,
    VoiceSpeaker,
    open_speaker,
    piper_voice_for,
    speak_streamed,
    speaker_from_settings,
)
from interviewer.core.ports import Samples, Speaker

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="no espeak-ng")


class LabelSynthesizer:
    """Encodes each sentence as a one-sample clip carrying its index."""

    sample_rate = 16_000

    def __init__(self) -> None:
        self.texts: list[str] = []

    def synthesize(self, text: str) -> Samples:
        self.texts.append(text)
        return np.full(1, len(self.texts) - 1, dtype=np.float32)


class GatedOutput:
    """Plays a clip until ``release`` is set or the speaker says stop."""

    def __init__(self, synthesizer: LabelSynthesizer) -> None:
        self.synthesizer = synthesizer
        self.started: list[str] = []
        self.finished: list[str] = []
        self.interrupted: list[str] = []
        self.release = threading.Event()

    def play(self, samples: Samples, sample_rate: int, should_stop: Callable[[], bool]) -> None:
        text = self.synthesizer.texts[int(samples[0])]
        self.started.append(text)
        while not should_stop():
            if self.release.wait(0.005):
                self.finished.append(text)
                return
        self.interrupted.append(text)


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition never became true"
        time.sleep(0.005)


@pytest.fixture
def gated() -> Iterator[tuple[VoiceSpeaker, GatedOutput]]:
    synthesizer = LabelSynthesizer()
    output = GatedOutput(synthesizer)
    speaker = VoiceSpeaker(synthesizer, output, "fake")
    yield speaker, output
    output.release.set()
    speaker.close()


def test_speaks_every_sentence_in_order(gated: tuple[VoiceSpeaker, GatedOutput]) -> None:
    speaker, output = gated
    output.release.set()
    speaker.say("Let's start. Design a job queue. Take your time.")
    assert speaker.wait(10)
    assert output.finished == ["Let's start.", "Design a job queue.", "Take your time."]


def test_say_returns_before_speech_ends(gated: tuple[VoiceSpeaker, GatedOutput]) -> None:
    speaker, output = gated
    speaker.say("A long line.")
    wait_until(lambda: output.started == ["A long line."])
    assert speaker.speaking
    assert not speaker.wait(0.05)


def test_a_prefetched_sentence_is_said_without_synthesizing_it_again(
    gated: tuple[VoiceSpeaker, GatedOutput],
) -> None:
    """The planned line is synthesized while the candidate speaks; when it is said, its
    first sentence's audio is there already, and the rest is synthesized as usual."""
    speaker, output = gated
    synthesizer = speaker.synthesizer
    assert isinstance(synthesizer, LabelSynthesizer)
    speaker.prefetch("A worker dies mid-job. What happens to the job?")
    wait_until(lambda: synthesizer.texts == ["A worker dies mid-job."])
    output.release.set()
    speaker.say("A worker dies mid-job. What happens to the job?")
    assert speaker.wait(10)
    assert output.finished == ["A worker dies mid-job.", "What happens to the job?"]
    assert synthesizer.texts == ["A worker dies mid-job.", "What happens to the job?"]
    speaker.say("A worker dies mid-job.")  # used once: said again, synthesized again
    assert speaker.wait(10)
    assert synthesizer.texts.count("A worker dies mid-job.") == 2


def test_stop_cuts_playback_and_drops_queued_sentences(
    gated: tuple[VoiceSpeaker, GatedOutput],
) -> None:
    speaker, output = gated
    speaker.say("One. Two. Three.")
    wait_until(lambda: output.started == ["One."])
    speaker.stop()
    assert speaker.wait(10)
    assert output.interrupted == ["One."]
    assert output.started == ["One."]
    assert not speaker.speaking
    # The voice still works for the next line; the dropped sentences never come back.
    output.release.set()
    speaker.say("Four.")
    assert speaker.wait(10)
    assert output.started == ["One.", "Four."]
    assert output.finished == ["Four."]


class RecordingSpeaker:
    def __init__(self, log: list[str]) -> None:
        self.log = log

    def say(self, text: str) -> None:
        self.log.append(f"say:{text}")

    def stop(self) -> None:
        self.log.append("stop")


def test_speak_streamed_speaks_each_sentence_before_the_stream_ends() -> None:
    log: list[str] = []
    speaker: Speaker = RecordingSpeaker(log)

    def deltas() -> Iterator[str]:
        for piece in ["What hap", "pens on a ", "crash? Walk ", "me through", " it"]:
            log.append(f"delta:{piece}")
            yield piece

    text = speak_streamed(speaker, deltas())
    assert text == "What happens on a crash? Walk me through it"
    said = [entry for entry in log if entry.startswith("say:")]
    assert said == ["say:What happens on a crash?", "say:Walk me through it"]
    # The question was spoken while the rest of the reply was still streaming.
    assert log.index("say:What happens on a crash?") < log.index("delta:me through")


def test_no_voice_and_engine_none_give_the_silent_speaker() -> None:
    assert isinstance(open_speaker(no_voice=True), SilentSpeaker)
    silent = open_speaker("none")
    assert silent.backend == "text only"
    silent.say("Hello. Bye.")
    assert isinstance(silent, SilentSpeaker)
    assert silent.spoken == ["Hello.", "Bye."]


@needs_espeak
def test_missing_piper_voice_falls_back_to_espeak(tmp_path: Path) -> None:
    synthesizer = LabelSynthesizer()
    speaker = open_speaker(
        "piper", voice_path=tmp_path / "missing.onnx", output=GatedOutput(synthesizer)
    )
    try:
        assert speaker.backend == "espeak-ng"
        assert "Piper unavailable" in speaker.note
    finally:
        speaker.close()


def test_without_piper_or_espeak_the_speaker_is_text_only(tmp_path: Path) -> None:
    speaker = open_speaker(
        "piper",
        voice_path=tmp_path / "missing.onnx",
        output=GatedOutput(LabelSynthesizer()),
        espeak_binary="no-such-espeak-binary",
    )
    assert isinstance(speaker, SilentSpeaker)
    assert "Piper unavailable" in speaker.note
    assert "espeak-ng unavailable" in speaker.note


class CollectingOutput:
    def __init__(self) -> None:
        self.clips: list[tuple[int, int]] = []

    def play(self, samples: Samples, sample_rate: int, should_stop: Callable[[], bool]) -> None:
        self.clips.append((samples.size, sample_rate))


@needs_espeak
def test_espeak_engine_speaks_real_audio() -> None:
    output = CollectingOutput()
    speaker = open_speaker("espeak", output=output)
    try:
        speaker.say("Tell me about retries. Keep it short.")
        assert speaker.wait(30)
        assert speaker.backend == "espeak-ng"
        assert len(output.clips) == 2
        assert all(size > rate // 4 for size, rate in output.clips)
    finally:
        speaker.close()


@pytest.mark.models
def test_piper_is_the_first_choice_and_rate_changes_length() -> None:
    normal_output, fast_output = CollectingOutput(), CollectingOutput()
    normal = open_speaker("piper", output=normal_output)
    fast = open_speaker("piper", output=fast_output, speaking_rate=1.6)
    try:
        assert normal.backend.startswith("piper")
        for speaker in (normal, fast):
            speaker.say("Walk me through what happens when the worker crashes.")
            assert speaker.wait(60)
        assert fast_output.clips[0][0] < normal_output.clips[0][0] * 0.8
    finally:
        normal.close()
        fast.close()


def test_voice_resolution_prefers_settings_then_persona_path(tmp_path: Path) -> None:
    configured = tmp_path / "mine.onnx"
    assert piper_voice_for("en_US-joe-medium", configured) == configured
    assert piper_voice_for(str(tmp_path / "p.onnx")) == tmp_path / "p.onnx"
    assert piper_voice_for("en_US-joe-medium") is None


def test_settings_engine_none_and_persona_rate_are_honoured() -> None:
    from interviewer.core.content import Persona, Voice
    from interviewer.settings import TTSSettings

    persona = Persona(id="p", name="P", title="T", voice=Voice(speaking_rate=1.5))
    assert speaker_from_settings(TTSSettings(engine="none"), persona).backend == "text only"
    assert speaker_from_settings(TTSSettings(), persona, no_voice=True).backend == "text only"


@needs_espeak
def test_persona_rate_reaches_espeak() -> None:
    from interviewer.core.content import Persona, Voice
    from interviewer.settings import TTSSettings

    persona = Persona(id="p", name="P", title="T", voice=Voice(speaking_rate=1.5))
    output = CollectingOutput()
    speaker = speaker_from_settings(TTSSettings(engine="espeak"), persona, output=output)
    try:
        assert isinstance(speaker, VoiceSpeaker)
        assert isinstance(speaker.synthesizer, EspeakSynthesizer)
        assert speaker.synthesizer.words_per_minute == round(165 * 1.5)
    finally:
        speaker.close()
