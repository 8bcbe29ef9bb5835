"""A spoken round in the app: synthesized answers go through the real capture path
(``FileAudioSource`` → ``TurnCapture`` → turn WAV), real streaming Whisper and real
Silero VAD endpointing; only the LLM is scripted. The answer must appear as words in
the conversation, be saved with its audio, and the probe must follow it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Label

from interviewer import catalog
from interviewer.adapters.audio.files import FileAudioSource
from interviewer.adapters.audio.vad import SileroVad
from interviewer.adapters.stt.audio_in import resample
from interviewer.adapters.stt.whisper import WhisperTranscriber
from interviewer.adapters.tts.piper_voice import PiperSynthesizer
from interviewer.core.content import Level
from interviewer.core.ports import AudioBlock, Samples
from interviewer.factory import RoundChoice, build_app
from interviewer.services import Services
from interviewer.settings import load_settings
from tests.fakes import ScriptedChat, fake_services
from tests.tui.test_practice_screen import conversation_text

pytestmark = pytest.mark.models

ANSWER = (
    "I would put every job in a durable queue. Workers lease a job, and the lease "
    "expires if the worker dies, so another worker retries it with an idempotency key."
)
PROBE = "How many jobs a second do you expect at the evening peak?"
"""Not "what happens when a worker dies": the answer says that (issue 19)."""


class AnswersSource:
    """A microphone stand-in that speaks one prepared answer per turn, then silence
    long enough for hands-free endpointing to end the turn."""

    def __init__(self, answers: list[Samples]) -> None:
        self.answers = list(answers)
        self.current: FileAudioSource | None = None

    def blocks(self) -> Iterator[AudioBlock]:
        if not self.answers:
            return iter(())
        self.current = FileAudioSource(self.answers.pop(0), trailing_silence_seconds=8.0)
        return self.current.blocks()

    def stop(self) -> None:
        if self.current is not None:
            self.current.stop()


@pytest.fixture(scope="module")
def spoken_answer() -> Samples:
    piper = PiperSynthesizer()
    return resample(piper.synthesize(ANSWER), piper.sample_rate)


async def test_a_spoken_answer_is_transcribed_saved_and_probed(
    isolated_dirs: Path, spoken_answer: Samples, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It should be possible to answer out loud and see the words, then the probe."""
    monkeypatch.setenv("INTERVIEWER_AUDIO__HANDS_FREE", "true")
    settings = load_settings()
    rubric = catalog.load_rubrics().get("distributed-systems-design", "rubric")
    persona = catalog.load_personas().get("staff-infra", "persona")
    choice = RoundChoice(persona, rubric, rubric.question("job-queue"), Level.SENIOR)
    source = AnswersSource([spoken_answer])
    base = fake_services(ScriptedChat([PROBE] * 5), microphone=lambda: source)
    services = Services(
        open_chat=base.open_chat,
        load_transcriber=lambda glossary: WhisperTranscriber.from_settings(
            settings.stt, glossary=glossary
        ),
        open_microphone=base.open_microphone,
        load_vad=SileroVad,
        open_speaker=base.open_speaker,
    )
    app = build_app(settings, choice, services)
    async with app.run_test() as pilot:
        for _ in range(600):  # the answer is captured and transcribed in a worker
            await pilot.pause(0.05)
            if PROBE in conversation_text(app):
                break
        said = conversation_text(app)
        assert "durable queue" in said.lower() and "idempotency" in said.lower(), said
        assert PROBE in said
        # Hands-free waits for the interviewer's voice to finish, then listens again.
        state = ""
        for _ in range(100):
            state = str(app.screen.query_one("#state", Label).render())
            if "LISTENING" in state or "Your turn" in state:
                break
            await pilot.pause(0.05)
        assert "LISTENING" in state or "Your turn" in state, state
        await pilot.press("ctrl+q")
    (session_file,) = (isolated_dirs / "recordings").glob("*/session.json")
    session = json.loads(session_file.read_text())
    answer = next(t for t in session["turns"] if t["speaker"] == "candidate")
    assert answer["audio_file"] and (session_file.parent / answer["audio_file"]).stat().st_size
    assert answer["words"], "the spoken answer keeps its word timestamps"
    assert 0 <= answer["words"][0]["start"] < answer["words"][-1]["end"] <= answer["duration"]


async def test_the_setup_mic_test_shows_what_whisper_heard(isolated_dirs: Path) -> None:
    """It should be possible to check the microphone before a round: level and words."""
    from textual.widgets import Static

    from interviewer.adapters.audio.files import read_audio
    from interviewer.doctor import MIC_CHECK_AUDIO
    from interviewer.tui.screens.home import SetupScreen

    settings = load_settings()
    rubric = catalog.load_rubrics().get("distributed-systems-design", "rubric")
    persona = catalog.load_personas().get("staff-infra", "persona")
    choice = RoundChoice(persona, rubric, rubric.question("job-queue"), Level.SENIOR)
    clip = read_audio(MIC_CHECK_AUDIO)
    base = fake_services(None, microphone=lambda: AnswersSource([clip]))
    services = Services(
        open_chat=base.open_chat,
        load_transcriber=lambda glossary: WhisperTranscriber.from_settings(settings.stt),
        open_microphone=base.open_microphone,
        load_vad=SileroVad,
        open_speaker=base.open_speaker,
    )
    app = build_app(settings, choice, services, start="home")
    async with app.run_test(size=(100, 36)) as pilot:
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, SetupScreen)
        await pilot.press("f2")
        await app.workers.wait_for_complete()
        await pilot.pause()
        result = str(app.screen.query_one("#mic-result", Static).render()).lower()
        assert "heard" in result and "microphone check" in result, result
