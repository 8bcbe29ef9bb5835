"""The debrief: after a round, the candidate asks the persona about it.

"Why did I get 2 on tradeoffs, and what would a staff answer have said?" Every answer
rests on the round itself: the criterion's level and the rubric's text for it and the
next level, the evidence quotes with their times, the items marked missing and the
question's model-answer outline (``DebriefContext``). The model only explains; it never
scores (the evaluation's levels are final and are stated by this code, not by it).

``guard_debrief`` is the same idea as the interviewer's reply guard: a small model
invents. A sentence that says what the candidate said must carry a verbatim quote of the
transcript ("You said “a lease expires”…"), a sentence quoting words the candidate never
said is dropped, and so is any sentence that grades. When the model is down, or nothing
of its reply survives, ``evaluation_answer`` answers from the evaluation alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from interviewer.core.content import Criterion, Persona, Question, Rubric
from interviewer.core.evidence import FUNCTION_WORDS, stem
from interviewer.core.guards import MARKDOWN, PERSONA_BREAKS, split_sentences
from interviewer.core.ports import ChatMessage, ChatModel
from interviewer.core.report import clock
from interviewer.core.scoring import CriterionScore, Evaluation, OutlineEvidence
from interviewer.core.session import DebriefExchange, QuoteRef, Session
from interviewer.errors import InterviewerError

__all__ = [
    "DebriefContext",
    "GuardedDebrief",
    "answer_question",
    "build_context",
    "debrief_messages",
    "evaluation_answer",
    "find_quote",
    "guard_debrief",
]

MAX_SENTENCES = 5
"""A debrief answer is spoken: a handful of sentences, like a person across the table."""
MAX_TOKENS = 160
"""Four short spoken sentences fit; a longer reply would only be cut by the guard."""
TEMPERATURE = 0.3
"""Low: the answer is an explanation of fixed facts, not a creative line."""
TRANSCRIPT_CHARS = 1_600
"""How much of the candidate's answers goes into the prompt. The prompt is read before
a word comes back, and on a loaded 2-core machine the bundled model read the first
version (every criterion, the whole outline and transcript: about 1,100 tokens) for over
180 s; the evidence quotes already carry the words that counted."""
OUTLINE_POINTS = 3
"""Model-answer points in the prompt: those closest to the question."""
QUOTES_SHOWN = 3
HISTORY_EXCHANGES = 3
"""Earlier exchanges sent back with a new question, so "and what about X?" follows on."""
VERBATIM_MIN_WORDS = 6
"""A claim that repeats this many of the candidate's words in a row, without quotation
marks, carries its quote all the same: the bundled model said "You said that if a worker
dies, police expires and another worker reclaims the job." (the sample's words, Whisper's
"police" for "lease" included)."""
MIN_SHARED_WORDS = 2
"""A "you did not mention X" sentence is grounded when it shares this many content words
with an item the evaluation marked missing."""

_QUOTED = re.compile(r"[\"“”]([^\"“”]{2,}?)[\"“”]")
_CLAIM_VERBS = (
    r"said|say|says|mention(?:ed)?|state[ds]?|talk(?:ed)?|describe[ds]?|explain(?:ed)?|"
    r"propose[ds]?|suggest(?:ed)?|brought up|bring up|answer(?:ed)?|discuss(?:ed)?|"
    r"cover(?:ed)?|note[ds]?|claim(?:ed)?|argue[ds]?|point(?:ed)? out|call(?:ed)?|"
    r"use[ds]?|chose|choose|pick(?:ed)?|assume[ds]?|estimate[ds]?|name[ds]?|gave|give|"
    r"went with|touch(?:ed)? on|address(?:ed)?|skip(?:ped)?|miss(?:ed)?|forg[eo]t|"
    r"omit(?:ted)?|ignored?|left out|leave out|showed|show|demonstrated?|identif(?:y|ied)|"
    r"consider(?:ed)?|acknowledge[ds]?|focus(?:ed)? on|emphasi[sz]ed?"
)
CANDIDATE_CLAIM = re.compile(
    r"\b(?:you|the candidate|they|he|she)(?:'ve| have| had| did| do)?\s+(?:not\s+|n't\s+|"
    r"never\s+|also\s+|only\s+|just\s+|really\s+|clearly\s+|briefly\s+|correctly\s+|"
    rf"didn't\s+|did not\s+|don't\s+)?(?:{_CLAIM_VERBS})\b|"
    r"\byour\b[^.?!]{0,20}\b(?:answer|response|words|estimate|explanation|reply|line|point|"
    r"sentence|claim)\b|\baccording to you\b|\bin your (?:own )?words\b",
    re.IGNORECASE,
)
"""A sentence saying what the candidate said or did in the round. The bundled model
speaks of "the candidate" and "they" as often as of "you"."""
ILLUSTRATION = re.compile(
    r"\b(?:staff|strong|stronger|better|good|ideal|model|level[- ]?[1-4]|senior)[- ]"
    r"(?:level )?(?:answer|candidate|engineer)\b|\bsomething like\b|\b(?:would|could|might) "
    r"(?:have )?(?:said|say)\b",
    re.IGNORECASE,
)
"""A quote introduced as what a stronger answer would say, not as the candidate's."""
REFERS_BACK = re.compile(r"(?:this|that|it|these|those|which)\b", re.IGNORECASE)
"""A sentence opening like this leans on the one before: shown alone after a dropped one
it reads as a verdict on nothing (the bundled model: "This is correct but could be
improved by adding more details about how fencing tokens ... are used")."""
STATED_LEVEL = re.compile(
    r"\b(?:got|get|gets|scored|earned|received|reached|(?:you|you're|you are) at)\s+"
    r"(?:a |an )?(?:level |score of )?([1-4])\b",
    re.IGNORECASE,
)
"""A sentence saying which level the candidate got: it must be the evaluation's."""
NEGATIVE = re.compile(
    r"\b(?:not|n't|never|missed|miss|forgot|forget|skipped|skip|omitted|ignored?|left out|"
    r"leave out|without)\b",
    re.IGNORECASE,
)
GRADES = re.compile(
    r"\bi(?:'d| would)? (?:give|rate|score|grade|mark)\b|"
    r"\b(?:deserve[sd]?|earn(?:s|ed)?|merit(?:s|ed)?|should (?:get|have gotten|score|be))\b"
    r"[^.?!]{0,24}\b(?:level|score|points?|[1-4]\s*(?:/|out of)\s*4)\b|"
    r"\b(?:score|level|grade|rating)\s+(?:is|was|should be|would be|of)\s+(?:a |an )?"
    r"(?:level )?\d|\b\d{1,3}\s*(?:/|out of)\s*100\b",
    re.IGNORECASE,
)
"""A sentence that grades the round: the model never re-scores."""

ASKS_FOR_THE_TOP = re.compile(r"\b(?:staff|principal|level[ -]?4|best|top|perfect|ideal)\b", re.I)
"""A question asking what the strongest answer looks like gets the rubric's level-4 text."""

CRITERION_WORDS: dict[str, tuple[str, ...]] = {
    "requirements": ("requirement", "scope", "clarify", "assumption"),
    "architecture": ("architecture", "component", "api", "storage", "data model"),
    "tradeoffs": ("tradeoff", "trade-off", "trade off", "alternative"),
    "failure_handling": ("failure", "crash", "retry", "idempotent", "idempotency"),
    "quantitative": ("number", "math", "estimate", "capacity", "quantitative", "latency budget"),
    "adaptation": ("adapt", "10x", "changed constraint", "budget"),
    "operations": ("operation", "monitor", "alert", "metric", "rollout", "degrade"),
    "fundamentals": ("fundamental", "theory", "concept"),
    "communication": ("communicat", "structure", "clarity"),
}
"""Words in a debrief question that point at a criterion by its signal (besides the
criterion's own title): "why so low on numbers?" is about quantitative reasoning."""


# ---------------------------------------------------------------------- the context


@dataclass(frozen=True)
class CriterionFacts:
    """What the debrief may say about one criterion: all of it from the evaluation and
    the rubric, none from the model."""

    score: CriterionScore
    level_texts: dict[int, str] = field(default_factory=dict)
    """The rubric's text for each level 1-4 (empty when the rubric is gone)."""
    words: tuple[str, ...] = ()
    """Stems that name it in a question."""


@dataclass(frozen=True)
class DebriefContext:
    session: Session
    evaluation: Evaluation
    criteria: list[CriterionFacts]
    question: Question | None
    rubric_title: str
    rubric: Rubric | None = None
    """None when the round's rubric has been removed since it was scored."""


def build_context(
    session: Session, evaluation: Evaluation, rubric: Rubric | None
) -> DebriefContext:
    """The facts of one scored round. ``rubric`` may be None (removed since): the level
    texts and the model-answer outline are then left out, never made up."""
    question = None
    if rubric is not None and evaluation.question:
        question = next((q for q in rubric.questions if q.id == evaluation.question), None)
    facts: list[CriterionFacts] = []
    for score in evaluation.criteria:
        criterion = _criterion(rubric, score.id)
        texts: dict[int, str] = {}
        words = [*_content_stems(score.title), *_content_stems(score.id.replace("-", " "))]
        if criterion is not None:
            texts = {level: criterion.anchors.for_level(level) for level in (1, 2, 3, 4)}
            for alias in CRITERION_WORDS.get(criterion.signal.value, ()):
                words += _content_stems(alias)
        facts.append(CriterionFacts(score, texts, tuple(dict.fromkeys(words))))
    return DebriefContext(
        session=session,
        evaluation=evaluation,
        criteria=facts,
        question=question,
        rubric_title=rubric.title if rubric else evaluation.rubric,
        rubric=rubric,
    )


def _criterion(rubric: Rubric | None, criterion_id: str) -> Criterion | None:
    if rubric is None:
        return None
    return next((c for c in rubric.criteria if c.id == criterion_id), None)


def focus(context: DebriefContext, asked: str) -> list[CriterionFacts]:
    """The criteria a question is about: those it names, else the weakest assessed ones."""
    said = set(_content_stems(asked))
    named = [c for c in context.criteria if said & set(c.words)]
    if named:
        return named[:2]
    assessed = [c for c in context.criteria if c.score.assessed]
    return sorted(assessed, key=lambda c: (c.score.level, -c.score.weight))[:2]


def _criterion_block(facts: CriterionFacts, target: int, *, detail: bool) -> str:
    score = facts.score
    if not score.assessed:
        return f"- {score.title}: not assessed in this round."
    lines = [f"- {score.title}: level {score.level} of 4 (target {target})."]
    if not detail:
        return lines[0]
    lines.append(f'  Rubric text for level {score.level}: "{score.anchor}"')
    for higher in sorted({score.level + 1, target, 4}):
        if higher > score.level and higher in facts.level_texts:
            lines.append(f'  Rubric text for level {higher}: "{facts.level_texts[higher]}"')
    for quote in score.evidence:
        when = clock(quote.start) or "--:--"
        lines.append(f'  Evidence at {when}: "{quote.quote}" ({quote.item})')
    if score.missing_descriptions:
        lines.append("  Missing for the target level: " + "; ".join(score.missing_descriptions))
    return "\n".join(lines)


def _transcript(session: Session) -> str:
    """The candidate's answers (what a quote must come from), each with its time."""
    lines = [
        f"[{clock(turn.started_at)}] {' '.join(turn.text.split())}"
        for turn in session.candidate_turns()
    ]
    text = "\n".join(lines)
    return text if len(text) <= TRANSCRIPT_CHARS else text[:TRANSCRIPT_CHARS] + " …"


def _coverage(credit: float) -> str:
    return "covered" if credit >= 1 else "partly covered" if credit > 0 else "not covered"


def debrief_messages(
    context: DebriefContext,
    persona: Persona,
    asked: str,
    history: Sequence[DebriefExchange] = (),
) -> list[ChatMessage]:
    """The prompt: who is speaking, the rules, the round's facts, recent exchanges."""
    evaluation = context.evaluation
    focused = focus(context, asked)
    criteria = "\n".join(_criterion_block(c, evaluation.target_level, detail=True) for c in focused)
    others = [c.score for c in context.criteria if c not in focused and c.score.assessed]
    if others:
        criteria += "\nOther criteria: " + ", ".join(f"{c.title} {c.level}/4" for c in others)
    outline = ""
    if evaluation.outline:
        points = _relevant_outline(context, asked, OUTLINE_POINTS, minimum=0)
        outline = "\n".join(f"- {p.point} ({_coverage(p.credit)})" for p in points)
    elif context.question is not None and context.question.model_answer:
        outline = "\n".join(f"- {p}" for p in context.question.model_answer[:OUTLINE_POINTS])
    title = context.question.title if context.question else context.session.question_id
    system = (
        f"You are {persona.name}, {persona.title}. You just ran a practice interview round "
        f"and are now debriefing the candidate; speak to them as 'you'. Answer their question "
        f"about this round in at "
        f"most {MAX_SENTENCES - 1} short spoken sentences, plain prose, no lists. Use only "
        "the facts below. The levels are final: never give a new score or level. When you "
        "say what the candidate said, quote their exact words from the transcript in double "
        "quotes. When asked what a stronger answer would say, use the rubric text and the "
        "model-answer outline. Never invent what the candidate said.\n\n"
        f"Round: {title} ({context.rubric_title}), candidate level "
        f"{evaluation.level.value}, overall {evaluation.overall}/100.\n"
        f"Criteria:\n{criteria}\n"
        + (f"Model-answer outline:\n{outline}\n" if outline else "")
        + f"\nThe candidate's answers, verbatim:\n{_transcript(context.session)}"
    )
    messages = [ChatMessage("system", system)]
    for exchange in list(history)[-HISTORY_EXCHANGES:]:
        messages.append(ChatMessage("user", exchange.asked))
        messages.append(ChatMessage("assistant", exchange.answer))
    messages.append(ChatMessage("user", asked))
    return messages


# ---------------------------------------------------------------------- the guard


def _tokens(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text.lower())


def _content_stems(text: str) -> list[str]:
    return [stem(w) for w in _tokens(text) if w not in FUNCTION_WORDS and len(w) > 2]


def find_quote(session: Session, quote: str) -> QuoteRef | None:
    """Where the candidate said ``quote`` word for word (case and punctuation aside), with
    its time in the round when the turn has word timings; None when they never said it."""
    wanted = _tokens(quote)
    if not wanted:
        return None
    for turn in session.candidate_turns():
        said = _tokens(turn.text)
        at = _find(said, wanted)
        if at is None:
            continue
        start = end = None
        timed = [(token, w) for w in turn.words for token in _tokens(w.word)]
        timed_at = _find([token for token, _ in timed], wanted)
        if timed_at is not None:
            start = turn.started_at + timed[timed_at][1].start
            end = turn.started_at + timed[timed_at + len(wanted) - 1][1].end
        elif not turn.words:
            start = turn.started_at
        return QuoteRef(quote=quote.strip(), start=start, end=end, turn_index=turn.index)
    return None


def _find(haystack: Sequence[str], needle: Sequence[str]) -> int | None:
    size = len(needle)
    for at in range(len(haystack) - size + 1):
        if list(haystack[at : at + size]) == list(needle):
            return at
    return None


@dataclass(frozen=True)
class GuardedDebrief:
    text: str
    """The sentences that may be shown ('' when none)."""
    quotes: list[QuoteRef]
    """The candidate's words the shown sentences quote, located in the recording."""
    dropped: list[str]
    """Each sentence not shown, with why."""


def guard_debrief(raw: str, session: Session, evaluation: Evaluation) -> GuardedDebrief:
    """Keep the sentences of ``raw`` that are grounded in the round; drop the rest.

    A sentence is dropped when it quotes words the candidate never said, says what the
    candidate said without a verbatim quote (a "you did not mention X" sentence is
    grounded instead by an item the evaluation marked missing), grades the round, or
    breaks persona. At most ``MAX_SENTENCES`` are kept.
    """
    text = MARKDOWN.sub("", raw)
    missing = [set(_content_stems(d)) for c in evaluation.criteria for d in c.missing_descriptions]
    kept: list[str] = []
    quotes: list[QuoteRef] = []
    dropped: list[str] = []
    previous_dropped = False
    for sentence in split_sentences(text):
        located: list[QuoteRef] = []
        problem: str | None = None
        if previous_dropped and REFERS_BACK.match(sentence):
            problem = "referred to a sentence not shown"
        claim = CANDIDATE_CLAIM.search(sentence) is not None
        for quoted in _QUOTED.findall(sentence):
            found = find_quote(session, quoted)
            if found is not None:
                located.append(found)
            elif claim or (len(_tokens(quoted)) >= 3 and not ILLUSTRATION.search(sentence)):
                problem = f"quoted words the candidate never said: “{quoted.strip()}”"
                break
        if problem is None and PERSONA_BREAKS.search(sentence):
            problem = "broke persona"
        if problem is None and GRADES.search(sentence):
            problem = "graded the round (the levels are the evaluation's)"
        if problem is None and _misstates_a_level(sentence, evaluation):
            problem = "stated a level the evaluation did not give"
        if problem is None and claim and not located:
            unquoted = _verbatim_span(sentence, session)
            if unquoted is not None:
                located.append(unquoted)
        if problem is None and claim and not located:
            said = set(_content_stems(sentence))
            negative = NEGATIVE.search(sentence) is not None
            if not (negative and any(len(said & m) >= MIN_SHARED_WORDS for m in missing)):
                problem = "said what the candidate said without quoting them"
        previous_dropped = problem is not None
        if problem is not None:
            dropped.append(f"{sentence} [{problem}]")
            continue
        if len(kept) >= MAX_SENTENCES:
            dropped.append(f"{sentence} [over {MAX_SENTENCES} sentences]")
            continue
        kept.append(sentence)
        quotes += [q for q in located if q not in quotes]
    return GuardedDebrief(" ".join(kept), quotes, dropped)


def _verbatim_span(sentence: str, session: Session) -> QuoteRef | None:
    """The longest run of at least ``VERBATIM_MIN_WORDS`` words of ``sentence`` that the
    candidate said word for word, located in the recording; None when there is none."""
    words = list(re.finditer(r"[A-Za-z0-9]+(?:'[A-Za-z]+)?", sentence))
    for size in range(len(words), VERBATIM_MIN_WORDS - 1, -1):
        for first in range(len(words) - size + 1):
            span = sentence[words[first].start() : words[first + size - 1].end()]
            found = find_quote(session, span)
            if found is not None:
                return found
    return None


def _misstates_a_level(sentence: str, evaluation: Evaluation) -> bool:
    """Whether the sentence says the candidate got a level that the criterion it names
    (any criterion, when it names none) did not get."""
    stated = {int(level) for level in STATED_LEVEL.findall(sentence)}
    if not stated:
        return False
    said = set(_content_stems(sentence))
    named = [
        c
        for c in evaluation.criteria
        if said & set(_content_stems(f"{c.title} {c.id.replace('-', ' ')}"))
    ]
    levels = {c.level for c in (named or evaluation.criteria)}
    return not stated <= levels


# ---------------------------------------------------------------------- answering


def evaluation_answer(context: DebriefContext, asked: str) -> tuple[str, list[QuoteRef]]:
    """An answer built from the evaluation and the rubric alone: what the debrief says
    when there is no model, or when nothing the model said was grounded."""
    evaluation = context.evaluation
    target = evaluation.target_level
    parts: list[str] = []
    quotes: list[QuoteRef] = []
    for facts in focus(context, asked):
        score = facts.score
        if not score.assessed:
            parts.append(f"{score.title} was not assessed: the round gave no chance to show it.")
            continue
        parts.append(f"{score.title}: level {score.level} of 4, target {target}. {score.anchor}")
        for quote in score.evidence[:2]:
            parts.append(f"At {clock(quote.start) or '--:--'} you said “{quote.quote}”.")
            quotes.append(_ref(quote.quote, quote.start, quote.end, quote.turn_index))
        if score.missing_descriptions:
            missing = "; ".join(d.rstrip(".") for d in score.missing_descriptions[:3])
            parts.append(f"Missing for level {target}: {missing}.")
        wanted = 4 if ASKS_FOR_THE_TOP.search(asked) else target
        higher = min(4, max(score.level + 1, wanted))
        if higher > score.level and higher in facts.level_texts:
            parts.append(f"A level-{higher} answer: {facts.level_texts[higher]}")
    for point in _relevant_outline(context, asked, 1, minimum=MIN_SHARED_WORDS):
        parts.append(f"The model answer says: {point.point.rstrip('.')}.")
        if point.quote:
            parts.append(f"Closest you came, at {clock(point.start) or '--:--'}: “{point.quote}”.")
            located = find_quote(context.session, point.quote)
            quotes.append(located or _ref(point.quote, point.start, point.end, None))
    return " ".join(parts), quotes


def _relevant_outline(
    context: DebriefContext, asked: str, count: int, *, minimum: int
) -> list[OutlineEvidence]:
    """The ``count`` model-answer points not fully covered that are closest in words to
    the question and its criteria's missing items, sharing at least ``minimum`` words."""
    topic = set(_content_stems(asked))
    for facts in focus(context, asked):
        topic |= set(facts.words)
        for description in facts.score.missing_descriptions:
            topic |= set(_content_stems(description))
    ranked = sorted(
        (
            (len(topic & set(_content_stems(point.point))), index, point)
            for index, point in enumerate(context.evaluation.outline)
            if point.credit < 1
        ),
        key=lambda entry: (-entry[0], entry[1]),
    )
    return [point for shared, _, point in ranked[:count] if shared >= minimum]


def _ref(quote: str, start: float | None, end: float | None, turn: int | None) -> QuoteRef:
    return QuoteRef(quote=quote, start=start, end=end, turn_index=turn)


def answer_question(
    context: DebriefContext,
    persona: Persona,
    asked: str,
    *,
    chat: ChatModel | None,
    history: Sequence[DebriefExchange] = (),
) -> DebriefExchange:
    """One debrief exchange: the model's guarded answer, or the evaluation's own.

    The quotes shown with it are the ones the answer quotes, then the evidence of the
    criteria the question is about (so each answer has words to play back).
    """
    asked = " ".join(asked.split())
    fallback_text, evidence = evaluation_answer(context, asked)
    for facts in focus(context, asked):
        evidence += [_ref(q.quote, q.start, q.end, q.turn_index) for q in facts.score.evidence[:2]]
    guarded: GuardedDebrief | None = None
    dropped: list[str] = []
    if chat is not None:
        messages = debrief_messages(context, persona, asked, history)
        try:
            raw = "".join(chat.stream(messages, max_tokens=MAX_TOKENS, temperature=TEMPERATURE))
        except InterviewerError as error:
            dropped.append(f"(no reply: {error.message})")
        else:
            guarded = guard_debrief(raw, context.session, context.evaluation)
            dropped += guarded.dropped
    if guarded is not None and guarded.text:
        quotes = _unique([*guarded.quotes, *evidence])[:QUOTES_SHOWN]
        return DebriefExchange(
            asked=asked, answer=guarded.text, quotes=quotes, source="model", dropped=dropped
        )
    return DebriefExchange(
        asked=asked,
        answer=fallback_text,
        quotes=_unique(evidence)[:QUOTES_SHOWN],
        source="evaluation",
        dropped=dropped,
    )


def _unique(quotes: Sequence[QuoteRef]) -> list[QuoteRef]:
    seen: set[str] = set()
    out: list[QuoteRef] = []
    for quote in quotes:
        key = " ".join(_tokens(quote.quote))
        if key not in seen:
            seen.add(key)
            out.append(quote)
    return out
