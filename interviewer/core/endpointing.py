"""Turn-taking: when has the candidate finished answering?

The most common complaint about voice interviewers is being cut off mid-thought, so the
rules below lean towards waiting. The endpointer is pure: it sees a stream of per-frame
observations (time, speech probability, level) and a few events (keys, the live partial
transcript) and says whether the turn is over and why. Capture, VAD and the UI live in
the adapters and front ends; tests drive this with plain numbers.

Rules, in the order they are checked:

Both modes
  R1. A frame is speech when its VAD probability reaches ``speech_threshold``; once in
      speech, it stays speech until the probability drops below ``silence_threshold``
      (hysteresis, so one weak frame inside a word does not count as a pause). Without a
      VAD probability (``speech=None``) a frame is speech when its level reaches
      ``energy_threshold_dbfs``. A frame quieter than ``silence_floor_dbfs`` is never
      speech, whatever the VAD says (a VAD can fire on near-digital silence).
  R2. The answer may last at most ``max_answer_seconds`` from its start (in hands-free
      mode the first speech frame, once H1 counts it as speech; in push-to-talk the key
      press). This is hard: extensions
      do not move it. A round needs a bound, and the UI can show the countdown.
  R3. ``end_turn()`` (an explicit "I'm done" key) ends the turn at once, and so does
      ``source_ended()`` (the audio ran out).
  R4. Once the turn has ended, nothing changes it; later calls report the same end.

Push-to-talk
  P1. Audio belongs to the answer only while the talk key is held (``talk_key_down`` ..
      ``talk_key_up``) or toggled on (``toggle_talk``, for terminals that cannot see key
      releases). ``capturing`` says so.
  P2. The turn ends only when the key is released or toggled off (or by R2/R3). Silence
      never ends it; the extend key does nothing.

Hands-free
  H1. Silence can end the turn only after speech has been heard: at least
      ``min_speech_seconds`` of speech frames in total, so a cough or a click does not
      start the clock. Before that, the candidate may think as long as they like.
  H2. The turn ends when the current pause (time since the end of the last speech frame)
      exceeds the pause allowance.
  H3. The allowance is the persona's ``patience_seconds``, multiplied by
      ``hesitation_multiplier`` while the live partial transcript sounds unfinished: it
      ends with a continuation word ("and", "so", "um", "because", ...), a trailing
      comma, dash or ellipsis, or one of its last words is a thinking phrase ("let me
      think", "give me a second", "hold on", ...).
  H4. Each press of the extend key adds ``extend_seconds`` to the allowance of the
      current pause. Resuming speech starts a fresh pause with no extensions.
  H5. Semantic end of turn. Each time a pause after speech reaches one of the
      ``turn_end_check_seconds`` (say 0.5 s, then 1.0 s), ``status().turn_end_due`` asks
      the caller for an end-of-turn model's verdict on the audio so far
      (``turn_end_verdict``). The turn ends at once when the model's probability that the
      answer is finished reaches ``turn_end_threshold``, unless the partial transcript
      sounds unfinished (H3) or the candidate asked for more time (H4). Otherwise nothing
      changes: the allowance of H2-H4 stays the upper bound. A missing or slow model only
      costs time (the old rules apply); one that says "finished" too early cuts the
      answer, which is what ``interviewer bench turns`` counts on a set of pauses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class TurnMode(StrEnum):
    PUSH_TO_TALK = "push-to-talk"
    HANDS_FREE = "hands-free"


class EndReason(StrEnum):
    TALK_KEY = "talk-key"
    """Push-to-talk: the key was released or toggled off."""
    SILENCE = "silence"
    """Hands-free: a pause longer than the allowance after speech."""
    MAX_LENGTH = "max-length"
    """The hard maximum answer length was reached."""
    DONE_KEY = "done-key"
    """The candidate said they were done (a key)."""
    SOURCE_ENDED = "source-ended"
    """The audio ran out (an answer fed from a file, or the microphone was stopped)."""
    TURN_END_MODEL = "turn-end-model"
    """Hands-free: the end-of-turn model judged the answer finished at a pause (H5)."""


CONTINUATION_WORDS = frozenset(
    {
        "and",
        "so",
        "um",
        "umm",
        "uh",
        "uhm",
        "er",
        "erm",
        "hmm",
        "mm",
        "because",
        "cause",
        "but",
        "or",
        "then",
        "also",
        "plus",
        "like",
        "which",
        "where",
        "if",
        "the",
        "a",
        "an",
        "to",
        "of",
        "with",
        "well",
    }
)
"""A partial transcript ending in one of these is mid-sentence: the candidate is not done."""

THINKING_PHRASES = (
    "let me think",
    "let me see",
    "give me a second",
    "give me a sec",
    "give me a moment",
    "give me a minute",
    "one second",
    "one sec",
    "one moment",
    "just a moment",
    "just a second",
    "hold on",
    "bear with me",
    "wait",
)
"""The candidate asked for time. Looked for among the last words, not only at the end:
"let me think about that for a second" ends in "second", not in the phrase."""

THINKING_PHRASE_WINDOW = 12
"""How many trailing words a thinking phrase may sit in."""

_WORD = re.compile(r"[a-z']+")
_UNFINISHED_ENDING = re.compile(r"(,|-|—|–|\.\.\.|…)\s*$")


def sounds_unfinished(partial_text: str) -> bool:
    """True when the live transcript so far suggests the candidate has more to say."""
    text = partial_text.strip().lower()
    if not text:
        return False
    if _UNFINISHED_ENDING.search(text):
        return True
    words = _WORD.findall(text)
    if not words:
        return False
    if words[-1] in CONTINUATION_WORDS:
        return True
    tail = " " + " ".join(words[-THINKING_PHRASE_WINDOW:]) + " "
    return any(f" {phrase} " in tail for phrase in THINKING_PHRASES)


@dataclass(frozen=True)
class EndpointConfig:
    """How patient turn-taking is. ``patience_seconds`` comes from the persona."""

    mode: TurnMode = TurnMode.PUSH_TO_TALK
    patience_seconds: float = 4.0
    """H2: how long a pause may last before the interviewer takes the turn."""
    hesitation_multiplier: float = 2.0
    """H3: the allowance grows by this factor while the candidate sounds unfinished."""
    extend_seconds: float = 10.0
    """H4: what one press of the extend key adds to the current pause's allowance."""
    max_answer_seconds: float = 300.0
    """R2: the hard limit on one answer."""
    turn_end_check_seconds: tuple[float, ...] = ()
    """H5: pause lengths at which the end-of-turn model is asked; empty: never asked."""
    turn_end_threshold: float = 0.5
    """H5: the model's probability of "finished" at which the pause ends the turn."""
    min_speech_seconds: float = 0.3
    """H1: total speech that must be heard before silence can end the turn."""
    speech_threshold: float = 0.5
    """R1: VAD probability at which a frame starts counting as speech."""
    silence_threshold: float = 0.35
    """R1: once in speech, the probability must drop below this to count as silence."""
    energy_threshold_dbfs: float = -35.0
    """R1: without a VAD, a frame at least this loud is speech."""
    silence_floor_dbfs: float = -65.0
    """R1: a frame quieter than this is never speech."""

    def __post_init__(self) -> None:
        if self.patience_seconds <= 0 or self.max_answer_seconds <= 0:
            raise ValueError("patience_seconds and max_answer_seconds must be positive")
        if self.hesitation_multiplier < 1 or self.extend_seconds < 0:
            raise ValueError("hesitation_multiplier must be >= 1 and extend_seconds >= 0")
        if not 0 <= self.silence_threshold <= self.speech_threshold <= 1:
            raise ValueError("need 0 <= silence_threshold <= speech_threshold <= 1")
        checks = self.turn_end_check_seconds
        if any(c <= 0 for c in checks) or list(checks) != sorted(set(checks)):
            raise ValueError("turn_end_check_seconds must be positive and increasing")
        if not 0 <= self.turn_end_threshold <= 1:
            raise ValueError("turn_end_threshold must be in [0, 1]")


@dataclass(frozen=True)
class Frame:
    """One analysed slice of captured audio (typically 32 ms)."""

    time: float
    """Seconds since capture started, at the end of the frame."""
    duration: float
    speech: float | bool | None
    """VAD speech probability (or a yes/no); None when no VAD ran."""
    level_dbfs: float
    """RMS level of the frame in dB relative to full scale (0 dBFS = clipping)."""


@dataclass(frozen=True)
class TurnStatus:
    """What the endpointer thinks now; every call returns one, for the UI to show."""

    ended: bool = False
    reason: EndReason | None = None
    ended_at: float | None = None
    capturing: bool = False
    """Audio arriving now belongs to the answer (P1; always true in hands-free mode)."""
    speaking: bool = False
    speech_seconds: float = 0.0
    """Total speech heard so far in this turn."""
    speech_heard: bool = False
    """H1: enough speech for silence to end the turn."""
    pause_seconds: float = 0.0
    """Length of the current pause (0 while speaking or before any speech)."""
    allowance_seconds: float = 0.0
    """H2-H4: how long the current pause may last."""
    hesitating: bool = False
    """H3: the partial transcript sounds unfinished."""
    answer_seconds: float = 0.0
    """Time since the answer started (R2 counts this against ``max_answer_seconds``)."""
    turn_end_due: bool = False
    """H5: the current pause wants the end-of-turn model's verdict (``turn_end_verdict``)."""
    finished_probability: float | None = None
    """H5: the model's latest verdict on the current pause, once given."""


@dataclass
class _State:
    now: float = 0.0
    talk_key_held: bool = False
    answer_started_at: float | None = None
    first_speech_at: float | None = None
    speaking: bool = False
    speech_seconds: float = 0.0
    last_speech_end: float | None = None
    extensions: int = 0
    verdict: float | None = None
    """H5: the end-of-turn model's latest probability for the current pause."""
    checks_done: int = 0
    """H5: how many of the check points the current pause has had a verdict for."""
    partial_text: str = ""
    ended: bool = False
    reason: EndReason | None = None
    ended_at: float | None = None


class Endpointer:
    """Decides when one candidate turn ends. Make a new one for each turn.

    Not thread-safe: feed it from the one thread that consumes the audio, and hand key
    presses and partial transcripts to that thread (or lock around the calls).
    """

    def __init__(self, config: EndpointConfig, *, started_at: float = 0.0) -> None:
        self.config = config
        self._state = _State(now=started_at)

    @property
    def ended(self) -> bool:
        return self._state.ended

    @property
    def now(self) -> float:
        """The latest time seen (frames and events), on the capture clock."""
        return self._state.now

    # --- observations -------------------------------------------------------------------

    def observe(self, frame: Frame) -> TurnStatus:
        """Account for one frame of audio (frames must arrive in time order)."""
        state = self._state
        if state.ended:
            return self.status()
        state.now = max(state.now, frame.time)
        if not self._capturing():
            return self.status()
        state.speaking = self._is_speech(frame)
        if state.speaking:
            if state.first_speech_at is None:
                state.first_speech_at = frame.time - frame.duration
            state.speech_seconds += frame.duration
            if state.answer_started_at is None and self._speech_heard():
                state.answer_started_at = state.first_speech_at
            state.last_speech_end = frame.time
            state.extensions = 0
            state.verdict = None
            state.checks_done = 0
        self._check_limits()
        return self.status()

    def partial_transcript(self, text: str) -> TurnStatus:
        """The live transcript so far (H3 reads its ending)."""
        self._state.partial_text = text
        return self.status()

    def turn_end_verdict(self, probability_finished: float, at: float) -> TurnStatus:
        """H5: the end-of-turn model's probability that the answer ended at this pause."""
        state = self._state
        if state.ended or not self._turn_end_due():
            return self.status()
        state.now = max(state.now, at)
        state.verdict = probability_finished
        pause = self._pause_seconds()
        state.checks_done = sum(1 for c in self.config.turn_end_check_seconds if c <= pause)
        if (
            probability_finished >= self.config.turn_end_threshold
            and state.extensions == 0
            and not sounds_unfinished(state.partial_text)
        ):
            self._end(EndReason.TURN_END_MODEL, state.now)
        return self.status()

    # --- events -------------------------------------------------------------------------

    def talk_key_down(self, at: float) -> TurnStatus:
        """P1: push-to-talk key pressed; ignored in hands-free mode."""
        state = self._state
        if state.ended or self.config.mode is not TurnMode.PUSH_TO_TALK:
            return self.status()
        state.now = max(state.now, at)
        state.talk_key_held = True
        if state.answer_started_at is None:
            state.answer_started_at = at
        return self.status()

    def talk_key_up(self, at: float) -> TurnStatus:
        """P2: push-to-talk key released: the turn ends (if it had started)."""
        state = self._state
        if state.ended or not state.talk_key_held:
            return self.status()
        state.now = max(state.now, at)
        state.talk_key_held = False
        self._end(EndReason.TALK_KEY, at)
        return self.status()

    def toggle_talk(self, at: float) -> TurnStatus:
        """P1/P2 for terminals without key-release events: first press starts, second ends."""
        if self._state.talk_key_held:
            return self.talk_key_up(at)
        return self.talk_key_down(at)

    def extend(self, at: float) -> TurnStatus:
        """H4: "I need more time" adds ``extend_seconds`` to the current pause's allowance."""
        state = self._state
        if state.ended or self.config.mode is not TurnMode.HANDS_FREE:
            return self.status()
        state.now = max(state.now, at)
        state.extensions += 1
        return self.status()

    def end_turn(self, at: float) -> TurnStatus:
        """R3: the candidate says they are done."""
        if not self._state.ended:
            self._state.now = max(self._state.now, at)
            self._end(EndReason.DONE_KEY, at)
        return self.status()

    def source_ended(self, at: float) -> TurnStatus:
        """R3: no more audio will come; the turn is over if it was not already."""
        if not self._state.ended:
            self._state.now = max(self._state.now, at)
            self._end(EndReason.SOURCE_ENDED, at)
        return self.status()

    # --- reporting ----------------------------------------------------------------------

    def status(self) -> TurnStatus:
        state = self._state
        config = self.config
        hands_free = config.mode is TurnMode.HANDS_FREE
        return TurnStatus(
            ended=state.ended,
            reason=state.reason,
            ended_at=state.ended_at,
            capturing=self._capturing(),
            speaking=state.speaking,
            speech_seconds=state.speech_seconds,
            speech_heard=self._speech_heard(),
            pause_seconds=self._pause_seconds(),
            allowance_seconds=self._allowance() if hands_free else 0.0,
            hesitating=sounds_unfinished(state.partial_text),
            answer_seconds=self._answer_seconds(),
            turn_end_due=self._turn_end_due(),
            finished_probability=state.verdict,
        )

    # --- rules --------------------------------------------------------------------------

    def _capturing(self) -> bool:
        if self._state.ended:
            return False
        return self.config.mode is TurnMode.HANDS_FREE or self._state.talk_key_held

    def _is_speech(self, frame: Frame) -> bool:
        """R1."""
        config = self.config
        if frame.level_dbfs < config.silence_floor_dbfs:
            return False
        if frame.speech is None:
            return frame.level_dbfs >= config.energy_threshold_dbfs
        probability = float(frame.speech)
        threshold = config.silence_threshold if self._state.speaking else config.speech_threshold
        return probability >= threshold

    def _speech_heard(self) -> bool:
        """H1."""
        return self._state.speech_seconds >= self.config.min_speech_seconds

    def _pause_seconds(self) -> float:
        state = self._state
        if state.speaking or state.last_speech_end is None:
            return 0.0
        return max(0.0, state.now - state.last_speech_end)

    def _turn_end_due(self) -> bool:
        """H5: a pause after enough speech has reached the check point, not yet judged."""
        state = self._state
        checks = self.config.turn_end_check_seconds
        return (
            state.checks_done < len(checks)
            and not state.ended
            and self.config.mode is TurnMode.HANDS_FREE
            and self._speech_heard()
            and not state.speaking
            and self._pause_seconds() >= checks[state.checks_done]
        )

    def _answer_seconds(self) -> float:
        started = self._state.answer_started_at
        if started is None:
            return 0.0
        until = self._state.ended_at if self._state.ended_at is not None else self._state.now
        return max(0.0, until - started)

    def _allowance(self) -> float:
        """H3 and H4."""
        config = self.config
        allowance = config.patience_seconds
        if sounds_unfinished(self._state.partial_text):
            allowance *= config.hesitation_multiplier
        return allowance + self._state.extensions * config.extend_seconds

    def _check_limits(self) -> None:
        state = self._state
        config = self.config
        if state.answer_started_at is not None:
            limit_at = state.answer_started_at + config.max_answer_seconds
            if state.now >= limit_at:  # R2
                self._end(EndReason.MAX_LENGTH, limit_at)
                return
        if config.mode is not TurnMode.HANDS_FREE or state.last_speech_end is None:
            return
        if not self._speech_heard():  # H1
            return
        if self._pause_seconds() > self._allowance():  # H2
            self._end(EndReason.SILENCE, state.now)

    def _end(self, reason: EndReason, at: float) -> None:
        state = self._state
        state.ended = True
        state.reason = reason
        state.ended_at = at
        state.speaking = False
        state.talk_key_held = False
