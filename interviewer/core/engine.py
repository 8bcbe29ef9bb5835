"""The interview engine: a UI-free state machine that runs one round.

    intro → question → answer → follow-ups → constraint change → wrap-up
          → the candidate's own questions → end

Front ends drive it with events and speak what comes back: ``start()`` and
``on_candidate_turn(text, words, ...)`` return ``InterviewerEvent`` lists (``Say``,
``StatusNote``, ``RoundEnded``). The TUI calls it from a thread worker (an LLM reply
takes seconds); ``interviewer simulate`` calls it in a loop; tests call it with a fake
``ChatModel``. Every spoken line and every answer is recorded as a ``Turn`` in
``engine.session``.

Decisions are deterministic and come from content, not from the LLM: the planner picks
the probe (weakest evidenced criterion, failures and constraints first), clarifying
questions are answered from the question's scenario facts only, and the persona's
settings decide length, depth and patience. The LLM only phrases the chosen probe in the
persona's voice. When it cannot (endpoint down, timeout, HTTP errors, a cut stream,
garbage, a persona break) the engine retries within a small budget and then speaks the
probe's scripted text: an LLM fault never stops the round.
"""

from __future__ import annotations

import contextlib
import copy
import re
import time
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum

from interviewer.core.anchoring import (
    anchor_line,
    choose_span,
    component_terms,
    is_anchored,
    press_line,
)
from interviewer.core.content import (
    InterruptionPolicy,
    Level,
    Persona,
    Question,
    Rubric,
    Tone,
)
from interviewer.core.evidence import EvidenceMatch, ScoredText, detect_items, find_evidence
from interviewer.core.guards import (
    guard_reply,
    is_safe_lead_in,
    split_sentences,
    truncate_sentences,
)
from interviewer.core.planning import (
    EvidenceDetector,
    ItemKey,
    PlannedProbe,
    ProbePlanner,
    Utterance,
    asks_for_given,
    classify_utterance,
    default_detector,
    is_off_topic,
    match_facts,
    mentioned_items,
    probe_targets,
)
from interviewer.core.ports import ChatMessage, ChatModel, ChatRequest
from interviewer.core.prompts import (
    candidate_question_messages,
    prefix_messages,
    probe_messages,
    reply_token_budget,
)
from interviewer.core.sentences import SentenceSplitter
from interviewer.core.session import Session, SessionStatus, Speaker, Turn, TurnKind, Word
from interviewer.errors import BackendUnavailable, ReplyTooSlow

__all__ = [
    "EngineConfig",
    "InterviewEngine",
    "InterviewerEvent",
    "NextReply",
    "Phase",
    "RoundEnded",
    "Say",
    "StatusNote",
    "opening_line",
]


# --------------------------------------------------------------------------- events


@dataclass(frozen=True)
class Say:
    """The interviewer speaks. Already recorded in the session when emitted."""

    text: str
    kind: TurnKind
    probe_id: str | None = None
    criterion_id: str | None = None
    note: str | None = None
    """Why this line (the planner's reason) and how it was produced."""
    scripted: bool = False
    """True when the line was not phrased by the LLM (fallback or fixed wording)."""


@dataclass(frozen=True)
class StatusNote:
    """Something the candidate should see but not hear, e.g. 'LLM unavailable'."""

    text: str


@dataclass(frozen=True)
class RoundEnded:
    reason: str


InterviewerEvent = Say | StatusNote | RoundEnded


class Phase(StrEnum):
    NOT_STARTED = "not_started"
    ANSWER = "answer"
    """Waiting for the answer to the main question."""
    FOLLOW_UP = "follow_up"
    """Waiting for the answer to a clarifying or failure-injection probe."""
    CONSTRAINT_CHANGE = "constraint_change"
    """Waiting for the answer to the goalpost move."""
    CANDIDATE_QUESTIONS = "candidate_questions"
    ENDED = "ended"


@dataclass(frozen=True)
class EngineConfig:
    round_seconds: float = 25 * 60.0
    """The round's time budget (``round.minutes``)."""
    max_retries: int = 2
    """LLM retries per line before the scripted text (``llm.max_retries``)."""
    backoff_seconds: float = 0.25
    """First retry delay; doubles per retry. Small: a candidate is waiting."""
    max_retry_after_seconds: float = 2.0
    """A rate-limited endpoint's ``Retry-After`` up to this long is waited for before the
    retry; a longer one means the planned line now and no request until it has passed."""
    reply_timeout_seconds: float = 30.0
    """Wall-clock budget for one streamed reply (``llm.timeout_seconds``)."""
    llm_cooldown_seconds: float = 30.0
    """After a line fell back because the endpoint was unreachable, later lines skip the
    LLM for this long, so a dead endpoint costs one retry budget, not one per turn."""
    constraint_change_at: float = 0.6
    """Fraction of the round after which the next probe is the constraint change."""
    wrap_up_at: float = 0.85
    """Fraction of the round after which the engine wraps up instead of probing."""
    max_candidate_questions: int = 2


# --------------------------------------------------------------------------- persona lines
# Fixed wordings differ by tone: these are what a persona sounds like when the LLM is
# not used (clarifications must quote facts exactly) or not available.

_GREETING = {
    Tone.WARM: "Hi, I'm {name}, {title}. Thanks for making the time. This is a relaxed "
    "design conversation: think out loud, and ask me anything you need.",
    Tone.NEUTRAL: "Hi, I'm {name}, {title}. We have about {minutes} minutes for one design "
    "question. Think out loud, and ask if anything needs clarifying.",
    Tone.TOUGH: "I'm {name}, {title}. We have {minutes} minutes, so let's get into it.",
}
_NO_FACT = {
    Tone.WARM: "Good question. That one is your call: state an assumption and go with it.",
    Tone.NEUTRAL: "That's your call. Make an assumption and state it.",
    Tone.TOUGH: "Your call. Pick something and justify it.",
}
_FACT_PREFIX = {Tone.WARM: "Good question. ", Tone.NEUTRAL: "", Tone.TOUGH: ""}
_ENOUGH_CLARIFYING = {
    Tone.WARM: "Those are good questions. Let's make assumptions for the rest and get "
    "started on the design.",
    Tone.NEUTRAL: "Let's make assumptions for the rest and start on the design.",
    Tone.TOUGH: "Enough questions. Make your assumptions and start.",
}
CLARIFYING_PATIENCE = {Tone.WARM: 4, Tone.NEUTRAL: 3, Tone.TOUGH: 2}
"""How many clarifying questions in a row a persona answers before asking for a start."""
_HINT_MAIN = {
    Tone.WARM: "Take your time. You could start with what the system has to guarantee, "
    "and go from there.",
    Tone.NEUTRAL: "Take a moment. Start with the requirements and go from there.",
    Tone.TOUGH: "Take a moment, then walk me through your design.",
}
_HINT_PROBE = {
    Tone.WARM: "No rush. Think about it in terms of {topic}: what would you do?",
    Tone.NEUTRAL: "Think about it in terms of {topic}. What would you do?",
}
_MOVE_ON = {
    Tone.WARM: "That's fine, let's move on.",
    Tone.NEUTRAL: "Okay, let's move on.",
    Tone.TOUGH: "Okay. Moving on.",
}
_REDIRECT = {
    Tone.WARM: "Let's bring it back to the {title} question.",
    Tone.NEUTRAL: "Let's get back to the {title} question.",
    Tone.TOUGH: "That's not the question. Back to the {title}.",
}
_INTERRUPT = {
    Tone.WARM: "Let me jump in there.",
    Tone.NEUTRAL: "Let me stop you there.",
    Tone.TOUGH: "Stop there.",
}
_WRAP_UP = {
    Tone.WARM: "Thanks, that was a good discussion, and we're at time on the design. "
    "What questions do you have for me?",
    Tone.NEUTRAL: "That's time on the design. What questions do you have for me?",
    Tone.TOUGH: "We're done with the design. Any questions for me?",
}
_CANDIDATE_QUESTION_FALLBACK = {
    Tone.WARM: "Good question. I'd be glad to go into that properly after the round.",
    Tone.NEUTRAL: "Good question. Let's take that offline after the round.",
    Tone.TOUGH: "Let's take that offline.",
}
_ANYTHING_ELSE = {
    Tone.WARM: "Anything else you'd like to ask?",
    Tone.NEUTRAL: "Anything else?",
    Tone.TOUGH: "Anything else?",
}
_CLOSING = {
    Tone.WARM: "Thanks so much, you did the work today. That's the end of the round; your "
    "feedback is next.",
    Tone.NEUTRAL: "Thanks. That's the end of the round; your feedback is next.",
    Tone.TOUGH: "That's it. Your feedback is next.",
}
_NO_QUESTIONS = re.compile(
    r"^\W*(?:no|nope|none|nothing|not really|no questions?|i'?m good|all good|that's all|"
    r"that's it|no,? (?:thanks|thank you)(?: so much)?)\b[^?]*$",
    re.IGNORECASE,
)
_TEMPERATURE = {Tone.WARM: 0.7, Tone.NEUTRAL: 0.5, Tone.TOUGH: 0.4}


def opening_line(persona: Persona, minutes: float) -> str:
    """What this persona says first; the persona editor plays it as a sample."""
    return _GREETING[persona.tone].format(
        name=persona.name, title=persona.title, minutes=round(minutes)
    )


# --------------------------------------------------------------------------- the engine


class InterviewEngine:
    """One round. Not thread-safe: call it from one worker at a time."""

    def __init__(
        self,
        *,
        persona: Persona,
        rubric: Rubric,
        question: Question,
        level: Level,
        chat: ChatModel | None,
        session_id: str,
        config: EngineConfig | None = None,
        detector: EvidenceDetector | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        on_sentence: Callable[[str], None] | None = None,
        on_answer_recorded: Callable[[Session], None] | None = None,
    ) -> None:
        self.on_sentence = on_sentence
        self.on_answer_recorded = on_answer_recorded
        """Durability: called with the session as soon as a candidate turn is recorded,
        before the model is asked about it, so the front end can save it: a slow or
        hanging endpoint must not hold the only copy of an answer in memory."""
        """Latency: called with each sentence of an LLM-phrased line as soon as it is sure
        to be said, so the voice can start before the reply is complete. The ``Say``
        event later carries the whole line, starting with those sentences (see
        ``_collect``). None: lines are only delivered as events."""
        self._spoken_early: list[str] = []
        self._early_open = False
        self.persona = persona
        self.rubric = rubric
        self.question = question
        self.level = level
        self.chat = chat
        self.config = config or EngineConfig()
        self.detector = detector or default_detector()
        self.planner = ProbePlanner(rubric, question, persona, level)
        self._clock = clock
        self._sleep = sleep
        self.session = Session(
            id=session_id,
            persona_id=persona.id,
            rubric_id=rubric.id,
            question_id=question.id,
            level=level,
        )
        self.phase = Phase.NOT_STARTED
        self.asked: list[str] = []
        """Probe ids in the order asked; a probe is never asked twice."""
        self.found: set[ItemKey] = set()
        """Checklist items evidenced so far, over all answers."""
        self.current: PlannedProbe | None = None
        self._started_at = 0.0
        self._followups = 0
        self._clarifying_run = 0
        self._hinted = False
        self._candidate_questions = 0
        self._llm_down_until = float("-inf")
        self._pending_reply: _ReplyCheck | None = None
        """How the latest LLM request's reply is checked, for ``next_reply``."""
        self._terms = component_terms(rubric)
        self._evidence_cache: tuple[str, list[EvidenceMatch]] = ("", [])
        self._mentions: tuple[str, dict[ItemKey, bool]] = ("", {})
        """Items named in everything the candidate said (``_given``), for that text."""
        self._anchor = ""
        """The anchor of the line being phrased: said in front of its question unless
        the model's reply refers to the answer itself."""
        self._pressed: set[str] = set()
        """Probes already followed through: each is pressed at most once."""

    # ------------------------------------------------------------------ public API

    @property
    def finished(self) -> bool:
        return self.phase is Phase.ENDED

    @property
    def elapsed(self) -> float:
        return 0.0 if self.phase is Phase.NOT_STARTED else self._clock() - self._started_at

    def start(self) -> list[InterviewerEvent]:
        """Greet and ask the question."""
        if self.phase is not Phase.NOT_STARTED:
            raise RuntimeError("the round has already started")
        self._started_at = self._clock()
        self.phase = Phase.ANSWER
        greeting = opening_line(self.persona, self.config.round_seconds / 60)
        return [
            self._say(greeting, TurnKind.OPENING, scripted=True),
            self._say(self.question.prompt, TurnKind.QUESTION, scripted=True),
        ]

    def on_candidate_turn(
        self,
        text: str,
        words: Sequence[Word] = (),
        *,
        duration: float = 0.0,
        audio_file: str | None = None,
        interrupted: bool = False,
    ) -> list[InterviewerEvent]:
        """The candidate finished a turn (``interrupted``: the front end cut them off
        after ``should_interrupt``). Returns what the interviewer does next."""
        if self.phase is Phase.NOT_STARTED:
            raise RuntimeError("call start() before the first candidate turn")
        if self.phase is Phase.ENDED:
            return [StatusNote("the round has ended")]
        kind = (
            TurnKind.CANDIDATE_QUESTIONS
            if self.phase is Phase.CANDIDATE_QUESTIONS
            else TurnKind.ANSWER
        )
        turn = self._record(
            Speaker.CANDIDATE,
            kind,
            text,
            words=words,
            duration=duration,
            audio_file=audio_file,
            started_at=max(0.0, self.elapsed - duration),
        )
        if self.on_answer_recorded is not None:
            self.on_answer_recorded(self.session)
        if self.phase is Phase.CANDIDATE_QUESTIONS:
            return self._on_candidate_question(text)
        utterance = classify_utterance(text)
        if utterance is Utterance.CLARIFYING_QUESTION:
            return self._clarify(text)
        self._clarifying_run = 0
        if utterance is Utterance.PASS:
            return self._on_pass()
        matches = self._evidence(text, words)
        if self.detector is detect_items:  # the same pass, not a second one
            here = {m.key for m in matches}
        else:
            here = self.detector(self.rubric, text, words)
        self.found |= here
        long_answer = duration > self.persona.answer_budget_seconds
        if long_answer:
            turn.note = (
                f"answer ran {duration:.0f} s (persona budget "
                f"{self.persona.answer_budget_seconds:.0f} s)"
            )
        lead = ""
        if interrupted or (
            long_answer and self.persona.interruption is not InterruptionPolicy.NEVER
        ):
            lead = _INTERRUPT[self.persona.tone]
        off_topic = is_off_topic(self.question, text, here)
        if off_topic:
            turn.note = "off topic"
            redirect = _REDIRECT[self.persona.tone].format(title=self.question.title.lower())
            lead = f"{lead} {redirect}".strip()
        if self._should_press(text, here):
            return self._press(text, lead, off_topic=off_topic)
        return self._advance(lead=lead, anchored=not off_topic)

    def end_round(self, reason: str = "stopped") -> list[InterviewerEvent]:
        """End now (time is up, the user quit, the answers ran out)."""
        if self.phase is Phase.ENDED:
            return []
        return self._close(reason)

    def request_hint(self) -> list[InterviewerEvent]:
        """The candidate asked for a hint (a key, not words). Recorded as a hint turn so
        the review shows it; the persona answers as it does to a pass."""
        if self.phase not in (Phase.ANSWER, Phase.FOLLOW_UP, Phase.CONSTRAINT_CHANGE):
            return []
        self._record(Speaker.CANDIDATE, TurnKind.HINT, "", note="asked for a hint")
        return self._on_pass()

    def repeat_last(self) -> list[InterviewerEvent]:
        """Say the last question or probe again, recorded as a repeat."""
        askable = {
            TurnKind.QUESTION,
            TurnKind.PROBE,
            TurnKind.CLARIFICATION,
            TurnKind.HINT,
            TurnKind.WRAP_UP,
            TurnKind.CANDIDATE_QUESTIONS,
            TurnKind.REPEAT,
        }
        last = next(
            (
                t
                for t in reversed(self.session.turns)
                if t.speaker is Speaker.INTERVIEWER and t.kind in askable
            ),
            None,
        )
        if last is None or self.phase is Phase.ENDED:
            return []
        return [
            self._say(
                last.text,
                TurnKind.REPEAT,
                probe_id=last.probe_id,
                criterion_id=last.criterion_id,
                note="repeated on request",
                scripted=True,
            )
        ]

    def prompt_prefix(self, partial_text: str = "") -> list[ChatMessage]:
        """The messages the next LLM request will start with, given the candidate's turn
        so far: a front end sends them ahead (``max_tokens=1``) to warm the server's
        prompt cache while the candidate is still talking. Reads the session only."""
        return prefix_messages(
            self.persona, self.rubric, self.question, self.level, self.session.turns, partial_text
        )

    def next_request(self, text: str, *, duration: float = 0.0) -> ChatRequest | None:
        """The LLM request ``on_candidate_turn(text, duration=duration)`` would send
        first, or None when that turn would not ask the LLM (a clarifying question, a
        pass, the wrap-up, no LLM). Changes nothing here.

        For preparing the reply while the candidate pauses: if the turn then ends with
        the same words, the engine sends exactly this request (same probe, same prompt),
        so a reply generated ahead is the reply. Worked out by running the turn on a copy
        of this engine whose LLM records the request and stops, so the prediction cannot
        drift from what the engine really does."""
        planned = self.next_reply(text, duration=duration)
        return planned.request if planned is not None else None

    def next_reply(self, text: str, *, duration: float = 0.0) -> NextReply | None:
        """``next_request`` plus the check the engine will apply to the model's reply to
        it, so a reply prepared ahead can be checked (and sampled again) before the
        turn ends instead of after."""
        if self.chat is None:  # the twin gets a recorder for a chat: it must have one
            return None
        recorder = _RequestRecorder()
        twin = copy.copy(self)
        twin.session = self.session.model_copy(deep=True)
        twin.found = set(self.found)
        twin.asked = list(self.asked)
        twin._pressed = set(self._pressed)
        twin._mentions = ("", {})  # its own: the twin hears other words
        twin.chat = recorder
        twin.on_sentence = None
        twin.on_answer_recorded = None  # a predicted answer is never saved
        twin._sleep = lambda _seconds: None
        try:
            twin.on_candidate_turn(text, duration=duration)
        except _RequestRecorded:
            check = twin._pending_reply
            if recorder.request is None or check is None:
                return None
            return NextReply(
                recorder.request,
                check.must_ask,
                check.max_sentences,
                tuple(self.question.model_answer),
                check.scripted,
                twin._last_answer(),
                twin._heard(),
                twin._asked_before(),
                planned_question=check.planned_question,
                tone=self.persona.tone,
                answered=check.answered,
            )
        return None

    def should_interrupt(self, seconds_speaking: float, partial_text: str) -> bool:
        """For live front ends: whether this persona would cut the current answer off.

        ``on_handwaving`` personas step in at half the answer budget when the answer so
        far evidences nothing and has no numbers; ``on_rambling`` ones at the budget.
        """
        policy = self.persona.interruption
        budget = self.persona.answer_budget_seconds
        if policy is InterruptionPolicy.NEVER or self.phase not in (
            Phase.ANSWER,
            Phase.FOLLOW_UP,
            Phase.CONSTRAINT_CHANGE,
        ):
            return False
        if seconds_speaking > budget:
            return True
        if policy is InterruptionPolicy.ON_HANDWAVING and seconds_speaking > budget / 2:
            concrete = bool(re.search(r"\d", partial_text)) or bool(
                self.detector(self.rubric, partial_text, ())
            )
            return not concrete
        return False

    # ------------------------------------------------------------------ transitions

    def _followup_slots(self) -> int:
        """Follow-ups before the constraint change; the last slot of the persona's
        depth is kept for the constraint change when the depth allows two or more."""
        depth = self.persona.followup_depth
        has_change = self.planner.constraint_change(self.found, self.asked) is not None
        return depth - 1 if depth >= 2 and has_change else depth

    def _advance(self, *, lead: str = "", anchored: bool = True) -> list[InterviewerEvent]:
        """The next probe, the constraint change or the wrap-up. ``anchored``: the probe
        opens with the candidate's own words (not after an off-topic answer)."""
        share = self.elapsed / self.config.round_seconds
        if share >= self.config.wrap_up_at:
            return self._wrap_up(lead, note="time budget reached")
        depth = self.persona.followup_depth
        if (
            self.phase in (Phase.ANSWER, Phase.FOLLOW_UP)
            and self._followups < self._followup_slots()
            and share < self.config.constraint_change_at
        ):
            planned = self.planner.next_followup(
                self.found, self.asked, self._followups, given=self._given
            )
            if planned is not None:
                return self._ask(planned, Phase.FOLLOW_UP, lead, anchored=anchored)
        if self.phase is not Phase.CONSTRAINT_CHANGE and self._followups < depth:
            planned = self.planner.constraint_change(self.found, self.asked)
            if planned is not None:
                return self._ask(planned, Phase.CONSTRAINT_CHANGE, lead, anchored=anchored)
        return self._wrap_up(lead)

    # ------------------------------------------------------------------ listening

    def _evidence(self, text: str, words: Sequence[Word] = ()) -> list[EvidenceMatch]:
        """The evidence in one answer, with its quotes (cached: the anchor and the
        follow-through read the same answer the planner just did)."""
        if self._evidence_cache[0] != text:
            self._evidence_cache = (
                text,
                find_evidence(self.rubric, ScoredText.from_text(text, words)),
            )
        return self._evidence_cache[1]

    def _given(self, keys: Iterable[ItemKey]) -> set[ItemKey]:
        """Which of ``keys`` the candidate has given this round: credited by the
        detector, or named in their words (``mentioned_items``). Each item is looked
        up once per turn: the planner asks for every probe it weighs."""
        keys = set(keys)
        heard = self._heard()
        if self._mentions[0] != heard:
            self._mentions = (heard, {})
        known = self._mentions[1]
        unknown = keys - self.found - known.keys()
        if unknown:
            named = mentioned_items(self.rubric, heard, unknown)
            known.update({key: key in named for key in unknown})
        return {key for key in keys if key in self.found or known.get(key, False)}

    def _asks_for_given(self) -> Callable[[str], bool]:
        """The guard's check that a reply's question does not ask for what the candidate
        has already given (the current probe's own targets excepted)."""
        targets = probe_targets(self.rubric, self.current.probe) if self.current else frozenset()
        given = self._given
        rubric = self.rubric
        return lambda question: asks_for_given(rubric, question, given, targets)

    def _anchor_for(self, planned: PlannedProbe) -> str:
        """The candidate's own words to say before ``planned``: a verbatim span of the
        last answer about the probe's targets, or a component it named ("" if none)."""
        answer = self._last_answer()
        targets = probe_targets(self.rubric, planned.probe)
        span = choose_span(
            answer,
            focus=planned.probe.text,
            matches=self._evidence(answer),
            prefer=targets,
            criterion_id=planned.criterion.id,
            terms=self._terms,
        )
        return anchor_line(span)

    def _should_press(self, text: str, here: set[ItemKey]) -> bool:
        """Follow-through: the answer to a probe evidences nothing the probe asked about
        (no item of its criterion credited or named), and it has not been pressed yet."""
        current = self.current
        if (
            current is None
            or self.phase not in (Phase.FOLLOW_UP, Phase.CONSTRAINT_CHANGE)
            or current.probe.id in self._pressed
            or self.elapsed / self.config.round_seconds >= self.config.wrap_up_at
        ):
            return False
        probed = {(current.criterion.id, item.id) for item in current.criterion.checklist}
        return not (here & probed) and not mentioned_items(self.rubric, text, probed)

    def _press(self, text: str, lead: str, *, off_topic: bool) -> list[InterviewerEvent]:
        """Ask the same probe once more, naming what the candidate talked about instead.
        Scripted: it is about their words and the probe as written, and it must be said
        at once."""
        current = self.current
        assert current is not None
        self._pressed.add(current.probe.id)
        self._hinted = False
        probed = {(current.criterion.id, item.id) for item in current.criterion.checklist}
        if off_topic:  # the redirect already says it was not the question
            line = " ".join(current.probe.text.split())
        else:
            span = choose_span(text, matches=self._evidence(text), avoid=probed, terms=self._terms)
            line = press_line(self.persona.tone, span, current.probe.text)
        if lead:
            line = f"{lead} {line}"
        # "scripted" like every line the model did not phrase (benchmarks count them).
        note = (
            f"follow-through on {current.probe.id}: the answer evidenced nothing of "
            f"{current.criterion.id}, pressed once; scripted"
        )
        return [
            self._say(
                line,
                TurnKind.PROBE,
                probe_id=current.probe.id,
                criterion_id=current.criterion.id,
                note=note,
                scripted=True,
            )
        ]

    def _ask(
        self, planned: PlannedProbe, phase: Phase, lead: str, *, anchored: bool = True
    ) -> list[InterviewerEvent]:
        self.phase = phase
        self.current = planned
        self.asked.append(planned.probe.id)
        self._followups += 1
        self._hinted = False
        max_sentences = self.persona.max_reply_sentences
        if lead:  # the scripted lead-in uses one of the persona's sentences
            max_sentences = max(1, max_sentences - 1)
        messages = probe_messages(
            self.persona,
            self.rubric,
            self.question,
            self.level,
            self.session.turns,
            planned.probe,
        )
        if lead and self.on_sentence is not None:
            # Scripted, so it is said whatever the LLM does: say it while it thinks.
            for sentence in SentenceSplitter().feed(lead + " "):
                self.on_sentence(sentence)
        text, how, events = self._voice(
            messages,
            fallback=planned.probe.text,
            must_ask=True,
            max_sentences=max_sentences,
            anchor=self._anchor_for(planned) if anchored else "",
        )
        if lead:
            text = f"{lead} {text}"
        kind = TurnKind.PROBE
        note = f"{planned.probe.kind.value} probe; {planned.reason}; {how}"
        events.append(
            self._say(
                text,
                kind,
                probe_id=planned.probe.id,
                criterion_id=planned.criterion.id,
                note=note,
                scripted=how.startswith("scripted"),
            )
        )
        return events

    def _clarify(self, text: str) -> list[InterviewerEvent]:
        tone = self.persona.tone
        self._clarifying_run += 1
        if self._clarifying_run > CLARIFYING_PATIENCE[tone]:
            return [
                self._say(
                    _ENOUGH_CLARIFYING[tone],
                    TurnKind.CLARIFICATION,
                    note="clarifying questions past the persona's patience",
                    scripted=True,
                )
            ]
        facts = match_facts(self.question, text)
        if not facts:
            return [
                self._say(
                    _NO_FACT[tone], TurnKind.CLARIFICATION, note="no matching fact", scripted=True
                )
            ]
        # Facts are spoken verbatim: a paraphrasing model could invent a number.
        answer = _FACT_PREFIX[tone] + " ".join(f.answer for f in facts)
        return [
            self._say(
                answer,
                TurnKind.CLARIFICATION,
                note="facts: " + ", ".join(f.topic for f in facts),
                scripted=True,
            )
        ]

    def _on_pass(self) -> list[InterviewerEvent]:
        tone = self.persona.tone
        if self.phase is Phase.ANSWER:
            if self._hinted:  # a second silence on the main question: probe anyway
                return self._advance(lead=_MOVE_ON[tone])
            self._hinted = True
            return [self._say(_HINT_MAIN[tone], TurnKind.HINT, scripted=True)]
        # Patience: warm and neutral personas rephrase once; tough ones move on.
        if tone is not Tone.TOUGH and not self._hinted and self.current is not None:
            self._hinted = True
            topic = self.current.criterion.title.lower()
            return [
                self._say(
                    _HINT_PROBE[tone].format(topic=topic),
                    TurnKind.HINT,
                    probe_id=self.current.probe.id,
                    criterion_id=self.current.criterion.id,
                    scripted=True,
                )
            ]
        return self._advance(lead=_MOVE_ON[tone])

    def _wrap_up(self, lead: str = "", *, note: str | None = None) -> list[InterviewerEvent]:
        self.phase = Phase.CANDIDATE_QUESTIONS
        self.current = None
        text = f"{lead} {_WRAP_UP[self.persona.tone]}".strip()
        return [self._say(text, TurnKind.WRAP_UP, note=note, scripted=True)]

    def _on_candidate_question(self, text: str) -> list[InterviewerEvent]:
        if classify_utterance(text) is Utterance.PASS or _NO_QUESTIONS.match(text.strip()):
            return self._close("complete")
        self._candidate_questions += 1
        messages = candidate_question_messages(
            self.persona, self.rubric, self.question, self.level, self.session.turns
        )
        reply, how, events = self._voice(
            messages,
            fallback=_CANDIDATE_QUESTION_FALLBACK[self.persona.tone],
            must_ask=False,
            max_sentences=self.persona.max_reply_sentences,
        )
        last = self._candidate_questions >= self.config.max_candidate_questions
        if not last:
            reply = f"{reply} {_ANYTHING_ELSE[self.persona.tone]}"
        events.append(
            self._say(
                reply,
                TurnKind.CANDIDATE_QUESTIONS,
                note=how,
                scripted=how.startswith("scripted"),
            )
        )
        if last:
            events.extend(self._close("complete"))
        return events

    def _close(self, reason: str) -> list[InterviewerEvent]:
        self.phase = Phase.ENDED
        self.current = None
        self.session.status = SessionStatus.COMPLETE
        say = self._say(_CLOSING[self.persona.tone], TurnKind.CLOSING, note=reason, scripted=True)
        return [say, RoundEnded(reason)]

    # ------------------------------------------------------------------ the LLM

    def _voice(
        self,
        messages: list[ChatMessage],
        *,
        fallback: str,
        must_ask: bool,
        max_sentences: int,
        anchor: str = "",
    ) -> tuple[str, str, list[InterviewerEvent]]:
        """Phrase a line with the LLM, or fall back to ``fallback``.

        Returns (text, how it was produced, status events). Retries with exponential
        backoff on any fault; guard rejections are faults too, since a second sample
        is usually fine. ``anchor`` (a probe's reference to the answer) goes in front of
        the line unless the model's reply refers to the answer itself.
        """
        self._spoken_early = []
        self._early_open = True
        self._anchor = anchor
        try:
            text, how, events = self._voice_once(
                messages, fallback=fallback, must_ask=must_ask, max_sentences=max_sentences
            )
        finally:
            self._anchor = ""
        spoken = " ".join(self._spoken_early)
        self._spoken_early = []
        if spoken and not text.startswith(spoken):
            # Said is said: a later rejection or repair keeps the early sentences first.
            # With an anchor pending only a sentence that refers to the answer is said
            # early, so it stands for the anchor.
            if anchor and text.startswith(anchor):
                text = text[len(anchor) :].strip()
            text = f"{spoken} {text}"
        return text, how, events

    def _voice_once(
        self,
        messages: list[ChatMessage],
        *,
        fallback: str,
        must_ask: bool,
        max_sentences: int,
    ) -> tuple[str, str, list[InterviewerEvent]]:
        # A probe's scripted text is kept whole: it was written to stand on its own.
        planned = fallback if must_ask else truncate_sentences(fallback, max_sentences)
        scripted = f"{self._anchor} {planned}" if self._anchor else planned
        if self.chat is None:
            return scripted, "scripted: no LLM", []
        if time.monotonic() < self._llm_down_until:
            return scripted, "scripted: LLM unavailable", []
        answered = self._asks_for_given() if must_ask else None
        self._pending_reply = _ReplyCheck(must_ask, max_sentences, scripted, planned, answered)
        problems: list[str] = []
        unreachable = 0
        asked_wait = 0.0
        for attempt in range(self.config.max_retries + 1):
            if attempt:
                self._early_open = False
                self._sleep(max(asked_wait, self.config.backoff_seconds * 2 ** (attempt - 1)))
            try:
                raw = self._collect(messages, must_ask=must_ask, max_sentences=max_sentences)
            except ReplyTooSlow:
                # Not a fault: the planned line now beats a better-worded one later.
                # No retry, no cooldown; the next turn asks the model again.
                return scripted, "scripted: the model's reply was not ready in time", []
            except BackendUnavailable as error:
                problems.append(error.message)
                unreachable += 1
                if error.timed_out:
                    # A hanging or trickling endpoint: asking again would stall the round
                    # as long again. The planned line now; the next turn asks again.
                    note = f"LLM fault ({error.message}): scripted line"
                    return scripted, f"scripted: {error.message}", [StatusNote(note)]
                if error.retry_after is not None:
                    if error.retry_after > self.config.max_retry_after_seconds:
                        # Rate limited for longer than a candidate can wait: honour it by
                        # not asking before then.
                        self._llm_down_until = time.monotonic() + error.retry_after
                        note = (
                            f"LLM fault ({error.message}; asked to wait "
                            f"{error.retry_after:g} s): scripted line"
                        )
                        return scripted, f"scripted: {error.message}", [StatusNote(note)]
                    asked_wait = error.retry_after
                continue
            except Exception as error:  # a broken adapter must not end the round
                problems.append(f"unexpected {type(error).__name__}")
                unreachable += 1
                continue
            result = guard_reply(
                raw,
                max_sentences=max_sentences,
                must_ask=must_ask,
                secrets=self.question.model_answer,
                planned_question=planned if must_ask else "",
                answer=self._last_answer(),
                heard=self._heard(),
                asked_before=self._asked_before(),
                tone=self.persona.tone,
                answered=answered,
            )
            if result.text is not None:
                how = "phrased by the LLM"
                if result.problem:
                    how += f" ({result.problem})"
                text = result.text
                if self._anchor and not is_anchored(
                    text, self._last_answer(), planned, self._terms
                ):
                    text = self._with_anchor(text, planned, max_sentences)
                    how += "; anchored"
                return text, how, []
            problems.append(result.problem or "rejected reply")
        if unreachable == len(problems):
            # Every attempt failed at the transport: stop paying the retry budget on
            # every turn for a while.
            self._llm_down_until = time.monotonic() + self.config.llm_cooldown_seconds
        last = problems[-1] if problems else "no reply"
        note = f"LLM fault ({last}) after {len(problems)} attempt(s): scripted line"
        return scripted, f"scripted: {last}", [StatusNote(note)]

    def _collect(self, messages: list[ChatMessage], *, must_ask: bool, max_sentences: int) -> str:
        """Read the streamed reply; stop early once it is complete enough."""
        assert self.chat is not None
        deadline = time.monotonic() + self.config.reply_timeout_seconds
        parts: list[str] = []
        splitter = SentenceSplitter() if self.on_sentence is not None else None
        stream = self.chat.stream(
            messages,
            max_tokens=reply_token_budget(max_sentences),
            temperature=_TEMPERATURE[self.persona.tone],
        )
        # closing() releases the HTTP stream when we stop early, which also stops the
        # server from decoding tokens nobody will read.
        with contextlib.closing(_as_generator(stream)) as deltas:
            for delta in deltas:
                parts.append(delta)
                text = "".join(parts)
                if splitter is not None:
                    for sentence in splitter.feed(delta):
                        self._maybe_say_early(sentence, must_ask, max_sentences)
                if reply_complete(text, must_ask=must_ask):
                    break  # the guard keeps text up to the first question anyway
                if time.monotonic() > deadline:
                    raise BackendUnavailable("timed out while streaming", timed_out=True)
        return "".join(parts)

    def _with_anchor(self, text: str, planned: str, max_sentences: int) -> str:
        """The anchor, then the model's question and as much of its lead-in as the
        persona's length allows; a reaction followed by the planned question (the model
        asked nothing) becomes the anchor and the planned question."""
        flat = " ".join(planned.split())
        if text.endswith(flat):
            return f"{self._anchor} {flat}"
        sentences = split_sentences(text)
        room = max(1, max_sentences - 1)
        return " ".join([self._anchor, *sentences[-room:]])

    def _heard(self) -> str:
        """Everything the candidate said this round (a question that proposes terms
        not heard yet is a leading one)."""
        return " ".join(t.text for t in self.session.candidate_turns())

    def _asked_before(self) -> tuple[str, ...]:
        """The interviewer's lines so far: none of their questions is asked again."""
        return tuple(t.text for t in self.session.turns if t.speaker is Speaker.INTERVIEWER)

    def _last_answer(self) -> str:
        """What the candidate said last (lead-ins may quote its numbers)."""
        said = [t.text for t in self.session.turns if t.speaker is Speaker.CANDIDATE]
        return said[-1] if said else ""

    def _maybe_say_early(self, sentence: str, must_ask: bool, max_sentences: int) -> None:
        """Hand ``sentence`` to ``on_sentence`` if it is safe to say before the reply is
        complete: before a probe's question (which ends the stream, so it is never
        early), an acknowledgement (``is_safe_lead_in``) with room left in the persona's
        budget for the question; in other replies, a statement the guard passes
        unchanged on its own. A reply rejected later keeps it: the fallback follows it.
        Only the first attempt speaks early, so a retry cannot repeat a lead-in."""
        if self.on_sentence is None or not self._early_open or sentence.endswith("?"):
            return
        if len(self._spoken_early) + (2 if must_ask else 1) > max_sentences:
            return
        secrets = self.question.model_answer
        if must_ask:
            answer = self._last_answer()
            safe = is_safe_lead_in(sentence, secrets=secrets, answer=answer, tone=self.persona.tone)
            if safe and self._anchor and self._pending_reply is not None:
                # The anchor is said unless the reply refers to the answer itself: an
                # early sentence that does not would come before it, one too many.
                planned = self._pending_reply.planned_question
                safe = is_anchored(sentence, answer, planned, self._terms)
        else:
            checked = guard_reply(sentence, max_sentences=1, must_ask=False, secrets=secrets)
            safe = checked.text == sentence and checked.problem is None
        if not safe:
            return
        self._spoken_early.append(sentence)
        self.on_sentence(sentence)

    # ------------------------------------------------------------------ recording

    def _record(
        self,
        speaker: Speaker,
        kind: TurnKind,
        text: str,
        *,
        words: Sequence[Word] = (),
        duration: float = 0.0,
        audio_file: str | None = None,
        started_at: float | None = None,
        probe_id: str | None = None,
        criterion_id: str | None = None,
        note: str | None = None,
    ) -> Turn:
        turn = Turn(
            index=len(self.session.turns),
            speaker=speaker,
            kind=kind,
            text=text,
            started_at=self.elapsed if started_at is None else started_at,
            duration=duration,
            audio_file=audio_file,
            words=list(words),
            probe_id=probe_id,
            criterion_id=criterion_id,
            note=note,
        )
        self.session.turns.append(turn)
        return turn

    def _say(
        self,
        text: str,
        kind: TurnKind,
        *,
        probe_id: str | None = None,
        criterion_id: str | None = None,
        note: str | None = None,
        scripted: bool = False,
    ) -> Say:
        self._record(
            Speaker.INTERVIEWER,
            kind,
            text,
            probe_id=probe_id,
            criterion_id=criterion_id,
            note=note,
        )
        return Say(text, kind, probe_id, criterion_id, note, scripted)


@dataclass(frozen=True)
class _ReplyCheck:
    """How the engine checks the reply to its latest request."""

    must_ask: bool
    max_sentences: int
    scripted: str
    """What is said when the model fails or is late (a probe's anchor included)."""
    planned_question: str
    """The line as planned, without the anchor: what a probe's reply must ask."""
    answered: Callable[[str], bool] | None


@dataclass(frozen=True)
class NextReply:
    """The request the next turn would send, and how its reply will be checked."""

    request: ChatRequest
    must_ask: bool
    max_sentences: int
    secrets: tuple[str, ...] = ()
    scripted: str = ""
    """What is said instead when the model fails or is late: the planned line."""
    answer: str = ""
    """The candidate's answer the reply follows (the guard checks lead-ins against it)."""
    heard: str = ""
    """Everything the candidate said, this answer included."""
    asked_before: tuple[str, ...] = ()
    """The interviewer's lines so far."""
    planned_question: str = ""
    """A probe's question as planned (``scripted`` without its anchor)."""
    tone: Tone | None = None
    answered: Callable[[str], bool] | None = None
    """Whether a question asks for what the candidate has already given."""

    def accepts(self, raw: str) -> bool:
        """Whether the engine would speak ``raw`` (the model's reply) as it is, or
        reject it and ask again (``guard_reply``)."""
        checked = guard_reply(
            raw,
            max_sentences=self.max_sentences,
            must_ask=self.must_ask,
            secrets=self.secrets,
            planned_question=(self.planned_question or self.scripted) if self.must_ask else "",
            answer=self.answer,
            heard=self.heard,
            asked_before=self.asked_before,
            tone=self.tone,
            answered=self.answered,
        )
        return checked.text is not None

    def complete(self, raw: str) -> bool:
        """Whether the engine would stop reading the reply here (at the question)."""
        return reply_complete(raw, must_ask=self.must_ask)


def reply_complete(text: str, *, must_ask: bool) -> bool:
    """A reply that must ask is read up to its first question and no further: the guard
    keeps text up to the question anyway."""
    return must_ask and "?" in text


class _RequestRecorded(BaseException):
    """Stops ``next_request``'s twin at its first LLM call. A BaseException, so the
    engine's fault handling (``except Exception``: retry, then the scripted line) lets
    it through."""


class _RequestRecorder:
    """A ``ChatModel`` that records the first request and stops the caller."""

    model_name = "request-recorder"

    def __init__(self) -> None:
        self.request: ChatRequest | None = None

    def stream(
        self, messages: Sequence[ChatMessage], *, max_tokens: int = 256, temperature: float = 0.6
    ) -> Iterator[str]:
        self.request = ChatRequest(tuple(messages), max_tokens, temperature)
        raise _RequestRecorded


def _as_generator(stream: Iterable[str]) -> Generator[str, None, None]:
    """Wrap any iterable so ``closing()`` has a ``close()`` to call."""
    yield from stream
