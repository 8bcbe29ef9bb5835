"""Output guards: what the LLM says is checked before the candidate hears it.

A small local model drifts: it announces that it is an AI, explains the answer it was
asked to probe for, answers its own question, writes bullet lists, or trails off. The
interviewer must never do any of that during a round, so every reply passes through
``guard_reply``: repairable problems (markdown, a speaker label, one lecturing sentence,
too many sentences) are repaired, the rest reject the reply so that the engine retries
or falls back to the scripted probe.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from interviewer.core.content import Tone
from interviewer.core.evidence import FUNCTION_WORDS

__all__ = [
    "GuardResult",
    "guard_reply",
    "is_safe_lead_in",
    "lead_in_problem",
    "split_sentences",
    "truncate_sentences",
]

PERSONA_BREAKS = re.compile(
    r"\b(?:as an ai|an ai (?:language )?model|i am an ai|i'm an ai|language model|"
    r"as an assistant|i'm an assistant|i am an assistant|openai|chatgpt|qwen|alibaba cloud|"
    r"i cannot (?:help|assist)|i can't (?:help|assist)|i'm sorry, but|my training|"
    r"system prompt|note to interviewer|\[note)\b",
    re.IGNORECASE,
)
"""Phrases no human interviewer says: the reply is discarded, not patched."""

LECTURE = re.compile(
    r"\b(?:you should|you could|you would|you'd want|you need to|you might want|"
    r"a good (?:approach|answer|solution|design) (?:is|would be)|the (?:best|right|correct) "
    r"(?:answer|approach|way) (?:is|would be)|the answer is|one (?:approach|option|way) "
    r"(?:is|would be)|i would|i'd use|we would|we could|consider using|for example,? use|"
    r"make sure to|it's important to|it is important to|the key is)\b",
    re.IGNORECASE,
)
"""A statement with one of these tells the candidate what to do: that is teaching,
and during the round the interviewer only asks. Questions may contain them ("how would
you...?"), so only non-question sentences are checked."""

SELF_INTRODUCTION = re.compile(
    r"^(?:[Hh]i|[Hh]ello|[Hh]ey)?[,!.\s]*(?:I'?m|I am|[Mm]y name is|[Tt]his is)\s+"
    r"[A-Z][a-z]+\b(?:[,.]|\s+and\b|\s+here\b)"
)
"""A sentence re-introducing the interviewer ("I'm Dana, Staff Infrastructure Engineer."):
small models copy the greeting into every reply. The greeting itself is scripted."""
ROLE_LABEL = re.compile(r"^\s*(?:\*\*)?[A-Z][\w .'-]{0,30}(?:\*\*)?\s*:\s+")
MARKDOWN = re.compile(r"(\*\*|__|`+|^#+\s*|^\s*[-*•]\s+|^\s*\d+[.)]\s+)", re.MULTILINE)

LEAD_IN_MAX_WORDS = 16
"""Before its question, an interviewer reacts to what was said ("Fair enough, a queue in
front of the workers."): a clause or two. Longer statements before a question were, each
time one was seen, the model explaining the answer: "The time goes from the moment a
request is received to the moment it's processed, and this can vary depending on factors
such as database queries, network latency, and CPU usage." (31 words)."""
CLAIM = re.compile(
    r"\b(?:will|would|won't|can|can't|cannot|could|may|might|must|should|lead to|leads to|"
    r"causes?|results? in|means)\b",
    re.IGNORECASE,
)
"""A lead-in with one of these states how things behave, which is the candidate's job:
seen from the bundled model, "If a worker dies right after charging the card but before it
acks the job, the job will be lost." before asking what happens to that job."""
NUMBER = re.compile(r"\d[\d,.]*")
ACKNOWLEDGEMENT = re.compile(
    r"^(?:okay|ok|right|alright|all right|got it|fair|sure|good|great|nice|interesting|"
    r"understood|noted|i see|so,? you|you|your|that's|that is|thanks|thank you|makes sense|"
    r"hmm|yes|yeah|sounds|let's|back to)\b",
    re.IGNORECASE,
)
"""How a reaction to the candidate opens ("Okay, a queue in front of the workers.", "You
mentioned retries.", "That's not the question."). Said before the reply is known, or in
front of the planned question, only these are trusted: the bundled model's other
openers were statements about the system ("The time goes from when the request arrives
at the server to when it completes."), which is the candidate's job to make."""

FLATTERY = re.compile(
    r"\b(?:(?:great|good|nice|excellent|fantastic|amazing|awesome|wonderful|impressive|"
    r"brilliant|solid|strong|superb|outstanding) (?:job|work|answer|approach|design|"
    r"thinking|explanation|insights?)|does an? (?:great|good|excellent|fantastic) job|"
    r"well done|excellent|impressive|brilliant|fantastic|amazing|awesome|wonderful|"
    r"outstanding|superb|spot on|exactly right|perfect|i (?:really |truly )?"
    r"appreciate|thoughtful|insightful|your insights?|i love (?:that|this|how|your)|"
    r"love (?:that|this|how|your)|very (?:good|nice|clever|smart)|really (?:good|nice|clever|"
    r"smart))\b",
    re.IGNORECASE,
)
"""Praise no persona gives in a round: seen from the bundled model as the friendly
persona, "Your approach does a great job of balancing performance and consistency. I
appreciate the thoughtful consideration and your insights." Even a warm interviewer
only acknowledges ("Nice point about the pool of workers."), never grades."""
MILD_PRAISE = re.compile(
    r"^(?:okay,?\s+|so,?\s+)?(?:good|great|nice|cool|neat|solid|smart|clever|love it)\b|"
    r"\b(?:good|great|nice|solid|smart|clever|neat) (?:point|idea|call|catch|choice|start|"
    r"question)\b",
    re.IGNORECASE,
)
"""An acknowledgement that grades: fine from a warm persona, but a neutral or tough one
gives "no praise" (``prompts.TONE_STYLE``)."""
ROLE_CONFUSION = re.compile(
    r"\b(?:you'?re (?:absolutely |totally |quite )?right|you are (?:absolutely |totally )?"
    r"right|good catch|great catch|i(?:'ve| have)? left (?:out|that out)|i (?:missed|forgot|"
    r"skipped|glossed over)|i should have|my mistake|i apologi[sz]e|let me (?:explain|clarify|"
    r"elaborate|walk you)|i(?:'ll| will) (?:explain|clarify|elaborate|walk you)|"
    r"in my (?:design|approach|answer|proposal|solution)|my (?:design|approach|answer|"
    r"proposal|solution)\b|as i (?:said|mentioned|explained)|let'?s start by|"
    r"i (?:would|'d) (?:design|build|use|add|choose|pick|go with|start))",
    re.IGNORECASE,
)
"""Lines spoken as the candidate: the bundled model, as the friendly persona, said
"You're right. I've left out some details for a reason." and "Let's start by
acknowledging the current scale and traffic levels." before a probe. An interviewer who
asks a probe has not been corrected and has no design of their own."""
ANSWERS_A_QUESTION = re.compile(
    r"\b(?:to answer your question|thanks for (?:asking|the question)|"
    r"(?:good|great|fair|interesting) question)\b",
    re.IGNORECASE,
)
"""Before a probe nobody asked the interviewer anything: the model has swapped roles."""

LEAK_NGRAM = 6
"""Sharing this many consecutive words with the model answer counts as revealing it."""

YES_NO_QUESTION = re.compile(
    r"^(?:so,?\s+|and\s+)?(?:would|wouldn't|do|don't|did|should|shouldn't|could|couldn't|"
    r"can|can't|will|won't|is|isn't|are|aren't)\s+(?:you|we|it|that|there)\b",
    re.IGNORECASE,
)
LEADING_TERMS = 3
"""A yes/no question naming this many model-answer terms the candidate has not said
hands them the answer to agree with. Seen in a simulated round: "Would you store an
idempotency key with each job and let the lease expire so another worker picks the job
up again?" An open question ("How does a worker...?") may name terms: it asks for the
mechanism instead of proposing one."""


REPEAT_SHARE = 0.6
REPEAT_MIN_SHARED = 3
"""A question whose content words are mostly (this share, at least this many) those of a
question already asked asks it again in substance: seen in a simulated round, "What is
the peak number of requests per second, and how many machines are needed to handle
that load?" after "Put numbers on it: how many requests per second at peak, and how many
machines does that take?"."""
_FUNCTION_WORDS = FUNCTION_WORDS | frozenset(
    {
        "give",
        "now",
        "right",
        "take",
        "tell",
    }
)


@dataclass(frozen=True)
class GuardResult:
    text: str | None
    """The repaired reply, or None when it must not be used."""
    problem: str | None = None
    """Why it was rejected or what was repaired, for the session's status notes."""

    @property
    def ok(self) -> bool:
        return self.text is not None


_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")


def split_sentences(text: str) -> list[str]:
    """Sentences of spoken prose. Decimal points and 'e.g.' stay inside a sentence."""
    flattened = " ".join(text.split())
    parts = _SENTENCE_END.split(flattened)
    return [p.strip() for p in parts if p.strip()]


def truncate_sentences(text: str, max_sentences: int) -> str:
    return " ".join(split_sentences(text)[:max_sentences])


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _leaks(text: str, secrets: Sequence[str]) -> bool:
    said = _words(text)
    grams = {tuple(said[i : i + LEAK_NGRAM]) for i in range(len(said) - LEAK_NGRAM + 1)}
    for secret in secrets:
        words = _words(secret)
        for i in range(len(words) - LEAK_NGRAM + 1):
            if tuple(words[i : i + LEAK_NGRAM]) in grams:
                return True
    return False


def _looks_like_garbage(text: str) -> bool:
    letters = sum(c.isalpha() for c in text)
    if letters < 0.6 * len(text.replace(" ", "")):
        return True  # code, JSON, emoji soup
    words = _words(text)
    if len(words) >= 8 and len(set(words)) < 0.4 * len(words):
        return True  # "the the the the" loops
    return "{" in text or "```" in text or "<|" in text


def guard_reply(
    raw: str,
    *,
    max_sentences: int,
    must_ask: bool,
    secrets: Sequence[str] = (),
    planned_question: str = "",
    answer: str = "",
    heard: str = "",
    asked_before: Sequence[str] = (),
    tone: Tone | None = None,
    answered: Callable[[str], bool] | None = None,
) -> GuardResult:
    """Make ``raw`` safe to speak, or reject it.

    ``must_ask``: a probe must end in one question, and nothing after it (a model that
    keeps going after its question tends to answer it); a lead-in that is not a plain
    reaction (``lead_in_problem``) rejects the reply. ``secrets``: text that must not be
    revealed (the question's model answer). ``planned_question``: the probe as written;
    a reply that asks nothing but opens with an acknowledgement keeps that sentence and
    asks this. ``answer``: what the candidate just said (see ``lead_in_problem``).
    ``heard``: everything the candidate said in the round (``answer`` if not given): a
    yes/no question proposing model-answer terms not heard yet is a leading question.
    ``asked_before``: the interviewer's earlier lines; asking one of their questions
    again, word for word or in substance (``REPEAT_SHARE``), rejects the reply.
    ``tone``: the persona's; praise (``FLATTERY``) rejects any reply, and a grading
    acknowledgement (``MILD_PRAISE``) one from a persona that is not warm (None: allowed).
    ``answered``: says whether a question asks for what the candidate has already given
    (the engine checks the evidence); such a question rejects the reply.
    A probe (``must_ask``) spoken as the candidate (``ROLE_CONFUSION``) is rejected.
    """
    text = raw.strip().strip('"').strip()
    text = ROLE_LABEL.sub("", text, count=1)
    text = MARKDOWN.sub("", text)
    text = " ".join(text.split())
    if len(_words(text)) < 3:
        return GuardResult(None, "empty reply")
    if _looks_like_garbage(text):
        return GuardResult(None, "garbled reply")
    if PERSONA_BREAKS.search(text):
        return GuardResult(None, "reply broke persona")
    if secrets and _leaks(text, secrets):
        return GuardResult(None, "reply revealed the model answer")
    if FLATTERY.search(text):
        return GuardResult(None, "reply flattered the candidate")
    sentences = split_sentences(text)
    if ROLE_CONFUSION.search(text) or (must_ask and ANSWERS_A_QUESTION.search(text)):
        return GuardResult(None, "reply spoke as the candidate")
    grades = tone is not None and tone is not Tone.WARM
    if must_ask and grades and any(MILD_PRAISE.search(s) for s in sentences):
        return GuardResult(None, "reply praised the candidate")
    repaired: str | None = None
    kept = [s for s in sentences if s.endswith("?") or not LECTURE.search(s)]
    if len(kept) < len(sentences):
        repaired = "dropped a sentence that explained instead of asked"
    introductions = [s for s in kept if SELF_INTRODUCTION.match(s) and not s.endswith("?")]
    if introductions:
        kept = [s for s in kept if s not in introductions]
        repaired = "dropped a repeated self-introduction"
    if must_ask:
        problems = {s: lead_in_problem(s, answer) for s in kept if not s.endswith("?")}
        dropped = [problem for problem in problems.values() if problem is not None]
        if dropped:
            # Not repaired by dropping it: the question often leans on it, and alone it
            # meant nothing (seen in the app: "Does it matter?"). The planned line is said.
            return GuardResult(None, f"a lead-in {dropped[0]}")
        first_question = next((i for i, s in enumerate(kept) if s.endswith("?")), None)
        if first_question is None:
            if kept and planned_question and _is_reaction(kept[0], planned_question):
                # The model reacted to what was said but asked nothing (a 1.5B model
                # does, often): its reaction, then the question as planned. The planned
                # question is said whole, as when the model fails, even if that goes one
                # sentence over the persona's budget.
                text = f"{kept[0]} {' '.join(planned_question.split())}"
                return GuardResult(text, "asked no question: the planned question follows")
            return GuardResult(None, "reply asked no question")
        question = kept[first_question]
        if _proposes_the_answer(question, secrets, heard or answer, planned_question):
            return GuardResult(None, "a leading question proposed the answer")
        if _asked_before(question, asked_before):
            return GuardResult(None, "repeated a question already asked")
        if _asked_in_substance(question, asked_before, planned_question):
            return GuardResult(None, "asked again what was already asked")
        if answered is not None and answered(question):
            return GuardResult(None, "asked for what the candidate already gave")
        if first_question < len(kept) - 1:
            repaired = "dropped what followed the question"
        kept = kept[: first_question + 1]
        # Over budget: keep the question and the lead-in closest to it.
        if len(kept) > max_sentences:
            kept = kept[-max_sentences:]
            repaired = "shortened to the persona's reply length"
    elif len(kept) > max_sentences:
        kept = kept[:max_sentences]
        repaired = "shortened to the persona's reply length"
    if not kept:
        return GuardResult(None, "reply only explained")
    return GuardResult(" ".join(kept), repaired)


def _stem(word: str) -> str:
    """Crude, enough to match 'expires' with 'expire' and 'leased' with 'lease'."""
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            break
    return word.removesuffix("e")


def _proposes_the_answer(
    question: str, secrets: Sequence[str], heard: str, planned_question: str
) -> bool:
    if not secrets or not YES_NO_QUESTION.match(question):
        return False
    answer_terms = {_stem(w) for secret in secrets for w in _words(secret) if len(w) > 3}
    known = {_stem(w) for w in _words(f"{heard} {planned_question}")}
    proposed = {_stem(w) for w in _words(question) if len(w) > 3} & answer_terms
    return len(proposed - known) >= LEADING_TERMS


def _asked_before(question: str, earlier_lines: Sequence[str]) -> bool:
    words = _words(question)
    return any(
        _words(sentence) == words
        for line in earlier_lines
        for sentence in split_sentences(line)
        if sentence.endswith("?")
    )


def _content(text: str) -> set[str]:
    return {_stem(w) for w in _words(text) if w not in _FUNCTION_WORDS and len(w) > 1}


def _share(question: set[str], earlier: set[str]) -> float:
    shared = question & earlier
    if len(shared) < REPEAT_MIN_SHARED:
        return 0.0
    return len(shared) / min(len(question), len(earlier))


def _asked_in_substance(
    question: str, earlier_lines: Sequence[str], planned_question: str = ""
) -> bool:
    """Whether ``question`` asks one of the earlier questions again in other words. A
    question closer to the planned one than to the earlier one is the plan being asked
    (the planner may choose a probe near an earlier one; then the scripted line is no
    better)."""
    asked = _content(question)
    planned = _share(asked, _content(planned_question)) if planned_question else 0.0
    for line in earlier_lines:
        for sentence in split_sentences(line):
            if not sentence.endswith("?"):
                continue
            share = _share(asked, _content(sentence))
            if share >= REPEAT_SHARE and share > planned:
                return True
    return False


def lead_in_problem(sentence: str, answer: str = "") -> str | None:
    """Why ``sentence``, said before a probe's question, is not a plain reaction to
    ``answer`` (what the candidate said), or None when it is one."""
    if len(_words(sentence)) > LEAD_IN_MAX_WORDS:
        return "was too long"
    if CLAIM.search(sentence):
        return "stated a claim"
    heard = {number.rstrip(".,").replace(",", "") for number in NUMBER.findall(answer)}
    said = {number.rstrip(".,").replace(",", "") for number in NUMBER.findall(sentence)}
    if said - heard:
        return "quoted a number nobody said"
    return None


def _is_reaction(sentence: str, planned_question: str) -> bool:
    """An acknowledgement of the answer, not the planned question's scene said twice
    (seen: "A GPU node dies while two hundred responses are streaming from it." and then
    the planned question, which begins with that very sentence)."""
    if not ACKNOWLEDGEMENT.match(sentence):
        return False
    content = {word for word in _words(sentence) if len(word) > 3}
    planned = set(_words(planned_question))
    return not content or len(content & planned) < 0.5 * len(content)


def is_safe_lead_in(
    sentence: str, *, secrets: Sequence[str] = (), answer: str = "", tone: Tone | None = None
) -> bool:
    """Whether ``sentence`` may be said before the rest of a probe's reply is known: an
    acknowledgement (``ACKNOWLEDGEMENT``) and a plain reaction (``lead_in_problem``)
    that ``guard_reply`` passes unchanged on its own (once said, it cannot be taken
    back)."""
    if sentence.endswith("?") or not ACKNOWLEDGEMENT.match(sentence):
        return False
    if lead_in_problem(sentence, answer) is not None:
        return False
    if ROLE_CONFUSION.search(sentence) or ANSWERS_A_QUESTION.search(sentence):
        return False
    if tone is not None and tone is not Tone.WARM and MILD_PRAISE.search(sentence):
        return False
    checked = guard_reply(sentence, max_sentences=1, must_ask=False, secrets=secrets)
    return checked.text == sentence and checked.problem is None
