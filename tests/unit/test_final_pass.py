"""The final-quality transcript per answer (issue 17): each spoken answer is transcribed
again, whole, in a background worker once the reply has been generated, and that text,
word times kept, replaces the live transcript in the saved session."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest
import soundfile

from interviewer.adapters.stt.final_pass import (
    FINAL_PASS_NICE,
    BudgetedTranscriber,
    FinalPass,
    ModelChoice,
)
from interviewer.core.ports import SAMPLE_RATE, ChatMessage, Samples, Transcript
from interviewer.core.session import Word
from interviewer.live import LiveRound, SpokenTurn
from tests.fakes import job_queue_round

LIVE = "workers hold a lease that they renew with heartbeats if the lease"
FINAL = (
    "workers hold a lease that they renew with heartbeats if the lease expires the job "
    "is redelivered so delivery is at least once"
)


class FinalTranscriber:
    """Hears ``FINAL``; records when and in which thread it was asked."""

    def __init__(self, events: list[str], *, delay: float = 0.0) -> None:
        self.events = events
        self.delay = delay
        self.thread = ""
        self.niceness: int | None = None

    def transcribe(self, audio: Samples, *, prompt: str | None = None) -> Transcript:
        self.thread = threading.current_thread().name
        self.niceness = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        self.events.append("final pass")
        time.sleep(self.delay)
        words = [
            Word(word=w, start=i * 0.3, end=i * 0.3 + 0.25) for i, w in enumerate(FINAL.split())
        ]
        return Transcript(text=FINAL, duration=audio.size / SAMPLE_RATE, words=words)


class RecordingChat:
    def __init__(self, events: list[str]) -> None:
        self.events = events

    @property
    def model_name(self) -> str:
        return "recording"

    def stream(
        self, messages: Sequence[ChatMessage], *, max_tokens: int = 256, temperature: float = 0.6
    ) -> Iterator[str]:
        self.events.append("reply asked")
        time.sleep(0.05)
        self.events.append("reply generated")
        yield "What happens when a worker dies mid-job? "


def _round(tmp_path: Path, final_pass: FinalPass, events: list[str]) -> LiveRound:
    live = job_queue_round(tmp_path, RecordingChat(events), final_pass=final_pass)
    live.start()
    return live


def _spoken_answer(live: LiveRound) -> SpokenTurn:
    path = live.store.audio_path(live.session_id, live.next_turn_index)
    soundfile.write(path, np.zeros(3 * SAMPLE_RATE, np.float32), SAMPLE_RATE)
    words = [Word(word=w, start=i * 0.3, end=i * 0.3 + 0.25) for i, w in enumerate(LIVE.split())]
    return SpokenTurn(text=LIVE, words=words, duration=12.0, audio_file=path.name)


def _saved_answer(live: LiveRound, index: int) -> dict[str, object]:
    folder = live.store.session_dir(live.session_id)
    turn: dict[str, object] = json.loads((folder / "session.json").read_text())["turns"][index]
    return turn


def test_the_final_pass_replaces_the_live_transcript_after_the_reply(tmp_path: Path) -> None:
    events: list[str] = []
    transcriber = FinalTranscriber(events)
    loads: list[str] = []

    def load() -> FinalTranscriber:
        loads.append(threading.current_thread().name)
        return transcriber

    live = _round(tmp_path, FinalPass(load), events)
    events.clear()
    turn = _spoken_answer(live)
    index = live.next_turn_index
    live.answer(turn)
    assert live.settle_transcripts(timeout=10)
    # The reply was generated before the final pass began: it never waited for it.
    assert events.index("reply generated") < events.index("final pass")
    saved = _saved_answer(live, index)
    assert saved["text"] == FINAL
    assert [w["word"] for w in saved["words"]] == FINAL.split()  # type: ignore[attr-defined, index]
    assert live.engine.session.turns[index].text == FINAL
    # Loaded once, in the worker (whose threads run at a lower priority), not the caller's.
    assert loads == ["final-transcript"]
    assert transcriber.thread == "final-transcript"
    if hasattr(os, "setpriority"):
        assert transcriber.niceness is not None and transcriber.niceness >= FINAL_PASS_NICE


def test_a_final_pass_finishing_after_scoring_began_changes_nothing(tmp_path: Path) -> None:
    events: list[str] = []
    live = _round(tmp_path, FinalPass(lambda: FinalTranscriber(events, delay=0.5)), events)
    turn = _spoken_answer(live)
    index = live.next_turn_index
    live.answer(turn)
    assert not live.settle_transcripts(timeout=0.05)
    time.sleep(0.8)
    assert _saved_answer(live, index)["text"] == LIVE


def test_a_failed_final_pass_keeps_the_live_transcript(tmp_path: Path) -> None:
    class Broken:
        def transcribe(self, audio: Samples, *, prompt: str | None = None) -> Transcript:
            raise RuntimeError("decoder crashed")

    events: list[str] = []
    final_pass = FinalPass(lambda: Broken())
    live = _round(tmp_path, final_pass, events)
    turn = _spoken_answer(live)
    index = live.next_turn_index
    live.answer(turn)
    assert live.settle_transcripts(timeout=10)
    assert _saved_answer(live, index)["text"] == LIVE
    assert final_pass.errors == ["RuntimeError: decoder crashed"]


def test_typed_answers_get_no_final_pass(tmp_path: Path) -> None:
    events: list[str] = []
    final_pass = FinalPass(lambda: FinalTranscriber(events))
    live = _round(tmp_path, final_pass, events)
    live.answer(SpokenTurn(text=LIVE))
    assert live.settle_transcripts(timeout=10)
    assert "final pass" not in events


@pytest.mark.parametrize("answers", [3])
def test_passes_run_oldest_first_and_wait_covers_them_all(answers: int) -> None:
    done: list[int] = []
    final_pass = FinalPass(lambda: FinalTranscriber([], delay=0.02))
    for number in range(answers):
        final_pass.submit(
            np.zeros(SAMPLE_RATE, np.float32),
            lambda transcript, seconds, number=number: done.append(number),  # type: ignore[misc]
        )
    assert final_pass.wait(timeout=10)
    assert done == list(range(answers))
    assert final_pass.pending == 0
    assert len(final_pass.seconds) == answers


class Named:
    def __init__(self, name: str, loads: list[str]) -> None:
        self.name = name
        loads.append(name)

    def transcribe(self, audio: Samples, *, prompt: str | None = None) -> Transcript:
        return Transcript(text=self.name, duration=audio.size / SAMPLE_RATE)


def _seconds(n: float) -> Samples:
    return np.zeros(int(n * SAMPLE_RATE), np.float32)


def test_the_better_model_is_used_when_its_pass_fits_the_budget() -> None:
    loads: list[str] = []
    chooser = BudgetedTranscriber(
        [
            ModelChoice("base", lambda: Named("base", loads), rtf=0.37),
            ModelChoice("tiny.en", lambda: Named("tiny.en", loads), rtf=0.15),
        ],
        budget=15.0,
    )
    assert chooser.transcribe(_seconds(30)).text == "base"  # 11 s expected
    assert chooser.transcribe(_seconds(90)).text == "tiny.en"  # base: 33 s
    assert chooser.transcribe(_seconds(20)).text == "base"
    assert loads == ["base", "tiny.en"]  # each loaded once
    # The fake decodes in no time: its measured cost pulls the estimate down.
    assert chooser.choices[0].rtf < 0.37 / 2 + 0.01


def test_a_model_that_cannot_be_loaded_is_skipped() -> None:
    loads: list[str] = []

    def broken() -> Named:
        raise RuntimeError("base not assembled")

    chooser = BudgetedTranscriber(
        [
            ModelChoice("base", broken, rtf=0.37),
            ModelChoice("tiny.en", lambda: Named("tiny.en", loads), rtf=0.15),
        ]
    )
    assert chooser.transcribe(_seconds(10)).text == "tiny.en"
    assert [c.name for c in chooser.choices] == ["tiny.en"]
