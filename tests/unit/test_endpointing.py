"""Turn-taking rules (interviewer.core.endpointing), driven with plain numbers."""

from __future__ import annotations

import pytest

from interviewer.core.endpointing import (
    EndpointConfig,
    Endpointer,
    EndReason,
    Frame,
    TurnMode,
    TurnStatus,
    sounds_unfinished,
)

STEP = 0.032  # a 512-sample frame at 16 kHz
LOUD = -20.0
QUIET = -70.0


class Clock:
    """Feeds frames back to back, like the capture loop does."""

    def __init__(self, endpointer: Endpointer) -> None:
        self.endpointer = endpointer
        self.now = 0.0

    def feed(self, seconds: float, speech: float | bool | None, level: float = LOUD) -> TurnStatus:
        status = self.endpointer.status()
        for _ in range(round(seconds / STEP)):
            self.now += STEP
            status = self.endpointer.observe(Frame(self.now, STEP, speech, level))
        return status

    def speak(self, seconds: float) -> TurnStatus:
        return self.feed(seconds, 0.9)

    def pause(self, seconds: float) -> TurnStatus:
        return self.feed(seconds, 0.05, level=-50.0)


def hands_free(**overrides: float) -> tuple[Endpointer, Clock]:
    values: dict[str, float] = {"patience_seconds": 2.0, **overrides}
    endpointer = Endpointer(EndpointConfig(mode=TurnMode.HANDS_FREE, **values))  # type: ignore[arg-type]
    return endpointer, Clock(endpointer)


def push_to_talk(**overrides: float) -> tuple[Endpointer, Clock]:
    endpointer = Endpointer(EndpointConfig(mode=TurnMode.PUSH_TO_TALK, **overrides))  # type: ignore[arg-type]
    return endpointer, Clock(endpointer)


# --- hands-free ------------------------------------------------------------------------


def test_silence_after_speech_longer_than_patience_ends_the_turn() -> None:
    """H2: speech, then a pause just past the persona's patience, ends the turn."""
    _endpointer, clock = hands_free()
    clock.speak(3.0)
    status = clock.pause(1.9)
    assert not status.ended
    assert status.pause_seconds == pytest.approx(1.9, abs=STEP)
    status = clock.pause(0.2)
    assert status.ended
    assert status.reason is EndReason.SILENCE
    assert status.ended_at == pytest.approx(3.0 + 2.0, abs=2 * STEP)


def test_thinking_pause_shorter_than_patience_does_not_end_the_turn() -> None:
    """H2: several pauses under the patience never end the answer."""
    _endpointer, clock = hands_free(patience_seconds=3.0)
    for _ in range(5):
        clock.speak(1.0)
        status = clock.pause(2.8)
        assert not status.ended
    assert status.speech_seconds == pytest.approx(5.0, abs=5 * STEP)


def test_patience_comes_from_config() -> None:
    """A more patient persona waits longer for the same pause."""
    _, impatient = hands_free(patience_seconds=1.0)
    _, patient = hands_free(patience_seconds=6.0)
    for clock in (impatient, patient):
        clock.speak(1.0)
    assert impatient.pause(2.0).ended
    assert not patient.pause(2.0).ended


def test_silence_before_any_speech_never_ends_the_turn() -> None:
    """H1: the candidate may think before starting, for as long as they like."""
    _endpointer, clock = hands_free()
    status = clock.pause(60.0)
    assert not status.ended
    assert not status.speech_heard
    assert status.answer_seconds == 0.0


def test_a_cough_does_not_arm_the_silence_timer() -> None:
    """H1: a speech blip shorter than min_speech_seconds does not count as an answer."""
    _endpointer, clock = hands_free(min_speech_seconds=0.3)
    clock.speak(0.1)
    status = clock.pause(10.0)
    assert not status.ended
    assert not status.speech_heard
    clock.speak(0.5)
    assert clock.pause(2.1).ended


def test_resumed_speech_resets_the_pause() -> None:
    """H2 counts only the current pause, not the pauses added up."""
    _endpointer, clock = hands_free()
    clock.speak(1.0)
    clock.pause(1.5)
    status = clock.speak(0.1)
    assert status.pause_seconds == 0.0
    status = clock.pause(1.5)
    assert not status.ended


@pytest.mark.parametrize(
    "partial",
    [
        "We shard by tenant and",
        "so the retry budget is, um",
        "The reason is because",
        "Okay, let me think",
        "Let me think about that for a second.",
        "Give me a second.",
        "Hold on,",
        "and then the queue...",
    ],
)
def test_unfinished_partial_transcript_extends_patience(partial: str) -> None:
    """H3: a pause after a continuation word or thinking phrase gets more time."""
    endpointer, clock = hands_free(patience_seconds=2.0, hesitation_multiplier=2.0)
    clock.speak(2.0)
    status = endpointer.partial_transcript(partial)
    assert status.hesitating
    assert status.allowance_seconds == pytest.approx(4.0)
    assert not clock.pause(3.5).ended
    assert clock.pause(0.6).ended


def test_finished_sentence_gets_plain_patience() -> None:
    """H3 applies only to unfinished speech; a complete sentence ends at the patience."""
    endpointer, clock = hands_free(patience_seconds=2.0)
    clock.speak(2.0)
    status = endpointer.partial_transcript("I would use a write-ahead log for durability.")
    assert not status.hesitating
    assert status.allowance_seconds == pytest.approx(2.0)
    assert clock.pause(2.1).ended


def test_hesitation_read_from_the_latest_partial() -> None:
    """H3 follows the transcript as it updates: finishing the sentence drops the bonus."""
    endpointer, clock = hands_free(patience_seconds=2.0)
    clock.speak(1.0)
    endpointer.partial_transcript("We replicate and")
    assert not clock.pause(3.0).ended
    clock.speak(1.0)
    endpointer.partial_transcript("We replicate and then ack the write.")
    assert clock.pause(2.1).ended


def test_extend_key_adds_time_to_the_current_pause() -> None:
    """H4: each press adds extend_seconds to this pause's allowance."""
    endpointer, clock = hands_free(patience_seconds=2.0, extend_seconds=5.0)
    clock.speak(1.0)
    clock.pause(1.0)
    endpointer.extend(clock.now)
    status = endpointer.extend(clock.now)
    assert status.allowance_seconds == pytest.approx(12.0)
    assert not clock.pause(10.5).ended
    assert clock.pause(1.0).ended


def test_extension_lasts_only_for_the_pause_it_was_pressed_in() -> None:
    """H4: speaking again starts a fresh pause without the extension."""
    endpointer, clock = hands_free(patience_seconds=2.0, extend_seconds=5.0)
    clock.speak(1.0)
    endpointer.extend(clock.now)
    assert not clock.pause(4.0).ended
    status = clock.speak(0.5)
    assert status.allowance_seconds == pytest.approx(2.0)
    assert clock.pause(2.1).ended


def test_extension_and_hesitation_combine() -> None:
    endpointer, clock = hands_free(
        patience_seconds=2.0, hesitation_multiplier=3.0, extend_seconds=4.0
    )
    clock.speak(1.0)
    endpointer.partial_transcript("um")
    status = endpointer.extend(clock.now)
    assert status.allowance_seconds == pytest.approx(2.0 * 3.0 + 4.0)


def test_hard_maximum_ends_a_long_answer_even_mid_speech() -> None:
    """R2: the limit holds even while the candidate is speaking."""
    _endpointer, clock = hands_free(max_answer_seconds=10.0)
    clock.pause(3.0)  # thinking before the answer does not count
    status = clock.speak(9.0)
    assert not status.ended
    status = clock.speak(2.0)
    assert status.ended
    assert status.reason is EndReason.MAX_LENGTH
    assert status.ended_at == pytest.approx(3.0 + 10.0, abs=STEP)
    assert status.answer_seconds == pytest.approx(10.0, abs=STEP)


def test_extensions_do_not_move_the_hard_maximum() -> None:
    endpointer, clock = hands_free(max_answer_seconds=6.0, extend_seconds=30.0)
    clock.speak(1.0)
    endpointer.extend(clock.now)
    status = clock.pause(6.0)
    assert status.reason is EndReason.MAX_LENGTH


def test_done_key_ends_a_hands_free_turn_at_once() -> None:
    """R3."""
    endpointer, clock = hands_free(patience_seconds=10.0)
    clock.speak(1.0)
    status = endpointer.end_turn(clock.now)
    assert status.ended
    assert status.reason is EndReason.DONE_KEY
    assert status.ended_at == pytest.approx(clock.now)


@pytest.mark.parametrize("mode", list(TurnMode))
def test_running_out_of_audio_ends_the_turn(mode: TurnMode) -> None:
    """R3: a file answer or a stopped microphone ends the turn, whatever the mode."""
    endpointer = Endpointer(EndpointConfig(mode=mode))
    endpointer.toggle_talk(0.0)
    status = endpointer.source_ended(7.5)
    assert status.reason is EndReason.SOURCE_ENDED
    assert status.ended_at == 7.5


def test_ended_turn_stays_ended() -> None:
    """R4: later frames and keys do not reopen or re-time a finished turn."""
    endpointer, clock = hands_free()
    clock.speak(1.0)
    ended = clock.pause(2.5)
    assert ended.ended
    after = clock.speak(2.0)
    endpointer.extend(clock.now)
    endpointer.end_turn(clock.now)
    assert endpointer.status().reason is EndReason.SILENCE
    assert after.ended_at == ended.ended_at
    assert not after.capturing


# --- speech detection (R1) -------------------------------------------------------------


def test_hysteresis_keeps_a_weak_frame_inside_speech() -> None:
    """R1: 0.4 does not start speech, but does not interrupt it either."""
    _endpointer, clock = hands_free()
    assert not clock.feed(0.5, 0.4).speaking
    clock.speak(0.5)
    status = clock.feed(0.5, 0.4)
    assert status.speaking
    assert status.pause_seconds == 0.0
    assert not clock.feed(STEP, 0.2).speaking


def test_boolean_vad_verdicts_are_accepted() -> None:
    _endpointer, clock = hands_free()
    assert clock.feed(1.0, True).speaking
    assert clock.feed(2.1, False).ended


def test_without_vad_loud_frames_count_as_speech() -> None:
    """R1: with no VAD probability the level decides."""
    _endpointer, clock = hands_free(energy_threshold_dbfs=-35.0)
    assert not clock.feed(1.0, None, level=-50.0).speech_heard
    status = clock.feed(1.0, None, level=-20.0)
    assert status.speech_heard
    assert clock.feed(2.1, None, level=-50.0).ended


def test_vad_ignored_on_near_digital_silence() -> None:
    """R1: a VAD firing on a frame below the silence floor is not speech."""
    _endpointer, clock = hands_free(silence_floor_dbfs=-65.0)
    status = clock.feed(1.0, 0.99, level=QUIET)
    assert not status.speaking
    assert status.speech_seconds == 0.0


# --- push-to-talk ----------------------------------------------------------------------


def test_push_to_talk_captures_only_while_the_key_is_held() -> None:
    """P1: speech before the key press is not part of the answer."""
    endpointer, clock = push_to_talk()
    status = clock.speak(2.0)
    assert not status.capturing
    assert status.speech_seconds == 0.0
    endpointer.talk_key_down(clock.now)
    status = clock.speak(1.0)
    assert status.capturing
    assert status.speech_seconds == pytest.approx(1.0, abs=STEP)


def test_push_to_talk_ignores_long_silence() -> None:
    """P2: silence never ends a push-to-talk turn."""
    endpointer, clock = push_to_talk()
    endpointer.talk_key_down(clock.now)
    clock.speak(1.0)
    status = clock.pause(30.0)
    assert not status.ended
    assert status.capturing


def test_push_to_talk_ends_on_key_release() -> None:
    """P2."""
    endpointer, clock = push_to_talk()
    endpointer.talk_key_down(0.0)
    clock.speak(2.0)
    status = endpointer.talk_key_up(clock.now)
    assert status.ended
    assert status.reason is EndReason.TALK_KEY
    assert status.ended_at == pytest.approx(clock.now)
    assert not status.capturing


def test_key_release_without_press_is_ignored() -> None:
    endpointer, _clock = push_to_talk()
    assert not endpointer.talk_key_up(1.0).ended


def test_toggle_starts_then_ends_the_turn() -> None:
    """P1/P2 for terminals: one press starts, the next ends."""
    endpointer, clock = push_to_talk()
    assert endpointer.toggle_talk(0.5).capturing
    clock.now = 0.5
    clock.speak(1.0)
    status = endpointer.toggle_talk(clock.now)
    assert status.ended
    assert status.reason is EndReason.TALK_KEY


def test_push_to_talk_hard_maximum_counts_from_the_key_press() -> None:
    """R2 in push-to-talk: the answer starts at the key press."""
    endpointer, clock = push_to_talk(max_answer_seconds=5.0)
    clock.pause(2.0)
    endpointer.talk_key_down(clock.now)
    assert not clock.pause(4.9).ended
    status = clock.pause(0.2)
    assert status.reason is EndReason.MAX_LENGTH
    assert status.ended_at == pytest.approx(2.0 + 5.0, abs=STEP)


def test_extend_does_nothing_in_push_to_talk() -> None:
    """P2: the key, not a pause allowance, decides."""
    endpointer, _clock = push_to_talk()
    endpointer.talk_key_down(0.0)
    status = endpointer.extend(0.1)
    assert status.allowance_seconds == 0.0


def test_talk_key_ignored_in_hands_free() -> None:
    endpointer, clock = hands_free()
    clock.speak(1.0)
    endpointer.talk_key_down(clock.now)
    assert not endpointer.talk_key_up(clock.now).ended


# --- the hesitation detector (H3) ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "unfinished"),
    [
        ("", False),
        ("   ", False),
        ("We use consistent hashing.", False),
        ("That's my answer", False),
        ("and", True),
        ("We use consistent hashing and", True),
        ("We use consistent hashing AND.", True),
        ("so", True),
        ("Um", True),
        ("the leader waits because", True),
        ("let me think", True),
        ("Hmm, give me a second to think about the failure modes", True),
        ("hold on", True),
        ("The write goes to the leader,", True),
        ("The write goes to the leader —", True),
        ("The write goes to the leader...", True),
        ("Let me think. Okay. So the write path is simple. The client sends it to the", True),
        (
            "Let me think. Okay, the write path goes to the leader, the leader replicates "
            "to two followers, and then acks.",
            False,
        ),
    ],
)
def test_sounds_unfinished(text: str, unfinished: bool) -> None:
    assert sounds_unfinished(text) is unfinished


# --- configuration ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        {"patience_seconds": 0.0},
        {"max_answer_seconds": -1.0},
        {"hesitation_multiplier": 0.5},
        {"extend_seconds": -1.0},
        {"speech_threshold": 0.3, "silence_threshold": 0.4},
    ],
)
def test_config_rejects_nonsense(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        EndpointConfig(**bad)  # type: ignore[arg-type]


def test_status_reports_the_pause_countdown_for_the_ui() -> None:
    _endpointer, clock = hands_free(patience_seconds=4.0)
    clock.speak(1.0)
    status = clock.pause(1.0)
    assert status.capturing
    assert not status.speaking
    assert status.speech_heard
    assert status.pause_seconds == pytest.approx(1.0, abs=STEP)
    assert status.allowance_seconds == pytest.approx(4.0)
    assert status.answer_seconds == pytest.approx(2.0, abs=STEP)
