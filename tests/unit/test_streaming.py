"""Streaming transcription's commit logic, driven by a fake recognizer (no model).

The fake "hears" bursts of tone: each burst is one word whose name is coded in its
amplitude, so every test knows exactly which words the audio holds and when.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from interviewer.adapters.stt.streaming import StreamingTranscriber
from interviewer.adapters.stt.whisper import RecognizedSegment
from interviewer.core.ports import SAMPLE_RATE, Samples
from interviewer.core.session import Word

WORD_S = 0.3
GAP_S = 0.2
PAUSE_S = 1.0
SEGMENT_GAP_S = 0.6
"""The fake ends a segment at silences at least this long, as Whisper does at pauses."""


def amplitude(label: int) -> float:
    return 0.1 + 0.001 * label


def speech(count: int, pause_every: int = 0) -> tuple[Samples, list[Word]]:
    """``count`` words; a pause after every ``pause_every`` words (0: never)."""
    pieces: list[Samples] = []
    words: list[Word] = []
    at = 0.0
    for label in range(count):
        pieces.append(np.full(int(WORD_S * SAMPLE_RATE), amplitude(label), np.float32))
        words.append(Word(word=f"w{label}", start=round(at, 3), end=round(at + WORD_S, 3)))
        at += WORD_S
        pause = PAUSE_S if pause_every and (label + 1) % pause_every == 0 else GAP_S
        pieces.append(np.zeros(int(pause * SAMPLE_RATE), np.float32))
        at += pause
    return np.concatenate(pieces), words


class ToneRecognizer:
    """Finds the bursts in a window and names them; a burst cut by either edge of the
    window is misheard as "x", the way Whisper garbles a clipped word."""

    default_prompt = "Terms: w."

    def __init__(self) -> None:
        self.windows: list[float] = []
        self.prompts: list[str | None] = []
        self.fallbacks: list[bool] = []

    def recognize(
        self, audio: Samples, *, prompt: str | None = None, fallback: bool = True
    ) -> list[RecognizedSegment]:
        self.windows.append(audio.size / SAMPLE_RATE)
        self.prompts.append(prompt)
        self.fallbacks.append(fallback)
        loud = np.concatenate([[False], np.abs(audio) > 0.01, [False]])
        edges = np.flatnonzero(np.diff(loud.astype(np.int8)))
        runs = list(zip(edges[::2], edges[1::2], strict=True))
        segments: list[list[Word]] = []
        for start, end in runs:
            full = end - start >= int(WORD_S * SAMPLE_RATE) - 1
            label = round((float(audio[start]) - 0.1) / 0.001)
            word = Word(
                word=f"w{label}" if full else "x",
                start=round(start / SAMPLE_RATE, 3),
                end=round(end / SAMPLE_RATE, 3),
            )
            if segments and word.start - segments[-1][-1].end < SEGMENT_GAP_S:
                segments[-1].append(word)
            else:
                segments.append([word])
        return [
            RecognizedSegment(
                start=words[0].start,
                end=words[-1].end,
                text=" ".join(w.word for w in words),
                words=words,
            )
            for words in segments
        ]


class FlakyRecognizer(ToneRecognizer):
    """A ``ToneRecognizer`` that garbles one decode, the way greedy Whisper now and then
    skips the start of its window or returns nothing for speech."""

    def __init__(self, bad_decodes: set[int], fault: str) -> None:
        super().__init__()
        self.bad_decodes = bad_decodes
        self.fault = fault

    def recognize(
        self, audio: Samples, *, prompt: str | None = None, fallback: bool = True
    ) -> list[RecognizedSegment]:
        segments = super().recognize(audio, prompt=prompt, fallback=fallback)
        if len(self.windows) not in self.bad_decodes:
            return segments
        if self.fault == "nothing":
            return []
        # Each bad decode garbles in its own way (two windows rarely fail alike).
        bad = f"garbled{len(self.windows)}"
        garbled = [w.model_copy(update={"word": bad}) for s in segments for w in s.words]
        if not garbled:
            return segments
        return [RecognizedSegment(garbled[0].start, garbled[-1].end, bad, garbled)]


def feed_all(stream: StreamingTranscriber, audio: Samples, block_s: float = 0.1) -> list[str]:
    block = int(block_s * SAMPLE_RATE)
    partials = []
    for start in range(0, audio.size, block):
        partial = stream.feed(audio[start : start + block])
        if partial is not None:
            partials.append(partial.text)
    return partials


@pytest.mark.parametrize("pause_every", [6, 0])
def test_a_long_answer_comes_back_whole_with_bounded_windows(pause_every: int) -> None:
    """Every word exactly once, in order, at its time, and no window grows with the turn."""
    audio, expected = speech(120, pause_every)  # about 60 to 75 s
    recognizer = ToneRecognizer()
    stream = StreamingTranscriber(recognizer, commit_after=2.0, max_window=8.0)
    partials = feed_all(stream, audio)
    final = stream.finish()
    assert [w.word for w in final.words] == [w.word for w in expected]
    for got, want in zip(final.words, expected, strict=True):
        assert got.start == pytest.approx(want.start, abs=0.01)
        assert got.end == pytest.approx(want.end, abs=0.01)
    assert final.text == " ".join(w.word for w in expected)
    assert final.duration == pytest.approx(audio.size / SAMPLE_RATE)
    assert len(partials) >= int(audio.size / SAMPLE_RATE) - 1
    assert max(recognizer.windows) <= 8.0 + 1.0 + 0.5
    assert "x" not in partials[-1].split()


@pytest.mark.parametrize("fault", ["garbled", "nothing"])
@pytest.mark.parametrize("pause_every", [4, 0])
@pytest.mark.parametrize("bad_in_a_row", [1, 2])
def test_bad_decodes_lose_no_words(fault: str, pause_every: int, bad_in_a_row: int) -> None:
    """Text is committed only when two decodes agree, so a bad decode is outvoted; and
    empty decodes of audio that is not quiet are not taken for silence."""
    audio, expected = speech(40, pause_every)
    for bad_decode in range(2, 16):
        bad = set(range(bad_decode, bad_decode + bad_in_a_row))
        stream = StreamingTranscriber(FlakyRecognizer(bad, fault), commit_after=2.0, max_window=6.0)
        feed_all(stream, audio)
        final = stream.finish()
        assert [w.word for w in final.words] == [w.word for w in expected], bad_decode


@pytest.mark.parametrize("redecode_at_pauses", [True, False])
def test_speech_up_to_a_pause_is_decoded_whole_and_committed(redecode_at_pauses: bool) -> None:
    # Greedy decodes of short windows lost words a whole decode keeps (issue 17), so at a
    # pause the speech since the last commit is decoded the way whole files are.
    audio, _ = speech(10, 5)
    first_pause_ends = 5 * WORD_S + 4 * GAP_S + PAUSE_S
    recognizer = ToneRecognizer()
    stream = StreamingTranscriber(recognizer, redecode_at_pauses=redecode_at_pauses)
    feed_all(stream, audio[: int(first_pause_ends * SAMPLE_RATE)])
    if not redecode_at_pauses:
        assert stream.pause_decodes == 0
        assert not any(recognizer.fallbacks)
        return
    assert stream.pause_decodes == 1
    whole = recognizer.fallbacks.index(True)
    assert recognizer.windows[whole] >= 5 * WORD_S + 4 * GAP_S
    assert recognizer.fallbacks.count(True) == 1
    assert stream.partial.committed == "w0 w1 w2 w3 w4"
    feed_all(stream, audio[int(first_pause_ends * SAMPLE_RATE) :])
    assert stream.finish().text == " ".join(f"w{i}" for i in range(10))


def test_pauses_are_found_above_a_noisy_rooms_floor() -> None:
    # The pauses hold steady noise at 0.009 RMS, above the fixed SILENCE_RMS (0.005) the
    # pause detector once used alone: it never saw them.
    audio, _ = speech(10, 5)
    audio[audio == 0] = 0.009
    first_pause_ends = 5 * WORD_S + 4 * GAP_S + PAUSE_S
    stream = StreamingTranscriber(ToneRecognizer(), redecode_at_pauses=True)
    feed_all(stream, audio[: int(first_pause_ends * SAMPLE_RATE)])
    assert stream.pause_decodes == 1
    assert stream.partial.committed == "w0 w1 w2 w3 w4"
    assert stream.settled_text() == "w0 w1 w2 w3 w4"


def test_partials_grow_and_committed_text_is_never_revised() -> None:
    audio, _ = speech(60, 5)
    stream = StreamingTranscriber(ToneRecognizer())
    block = SAMPLE_RATE // 10
    committed: list[str] = []
    for start in range(0, audio.size, block):
        if stream.feed(audio[start : start + block]) is not None:
            committed.append(stream.partial.committed)
    assert committed[-1]
    for earlier, later in itertools.pairwise(committed):
        assert later.startswith(earlier)


def test_committed_text_is_passed_on_as_prompt_context() -> None:
    audio, _ = speech(40, 5)
    recognizer = ToneRecognizer()
    stream = StreamingTranscriber(recognizer)
    feed_all(stream, audio)
    last_prompt = recognizer.prompts[-1] or ""
    assert last_prompt.startswith("Terms: w.")
    # The last decode continued the text committed before it (all of it fits here).
    context = last_prompt.removeprefix("Terms: w.").split()
    assert len(context) >= 30
    assert stream.partial.committed.split()[: len(context)] == context


def test_finish_after_a_pause_decodes_nothing_more() -> None:
    audio, expected = speech(20, 5)
    recognizer = ToneRecognizer()
    stream = StreamingTranscriber(recognizer)
    feed_all(stream, np.concatenate([audio, np.zeros(SAMPLE_RATE, np.float32)]))
    decodes = stream.decodes
    final = stream.finish()
    assert stream.decodes == decodes
    assert [w.word for w in final.words] == [w.word for w in expected]


def test_finish_mid_speech_decodes_only_the_tail() -> None:
    audio, expected = speech(40)
    cut = int((expected[-1].start + 0.1) * SAMPLE_RATE)  # inside the last word
    recognizer = ToneRecognizer()
    # Updates every 1.0 s leave speech after the last one at this cut (every 0.7 s the
    # cut falls right on an update, and finish has nothing left to decode).
    stream = StreamingTranscriber(recognizer, max_window=8.0, partial_every=1.0)
    feed_all(stream, audio[:cut])
    decodes = stream.decodes
    final = stream.finish()
    assert stream.decodes == decodes + 1
    assert recognizer.windows[-1] <= 2.5
    assert [w.word for w in final.words] == [w.word for w in expected[:-1]] + ["x"]


def test_silence_costs_no_decoding_and_gives_no_text() -> None:
    recognizer = ToneRecognizer()
    stream = StreamingTranscriber(recognizer)
    feed_all(stream, np.zeros(10 * SAMPLE_RATE, np.float32))
    final = stream.finish()
    assert final.text == ""
    assert final.words == []
    assert recognizer.windows == []


def test_reset_starts_a_new_turn_at_time_zero() -> None:
    audio, expected = speech(4)
    stream = StreamingTranscriber(ToneRecognizer())
    feed_all(stream, audio)
    stream.finish()
    stream.reset()
    feed_all(stream, audio)
    final = stream.finish()
    assert final.words[0].start == pytest.approx(expected[0].start, abs=0.01)
    assert [w.word for w in final.words] == [w.word for w in expected]
