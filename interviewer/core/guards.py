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
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "GuardResult",
    "guard_reply",
    "is_safe_lead_in",
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

LEAD_IN_MAX_WORDS = 20
"""Before its question, an interviewer reacts or sets a scene ("Fair enough. Now traffic
is ten times higher."): a clause or two. Longer statements before a question were, every
time one was seen, the model explaining the answer: "The time goes from the moment a
request is received to the moment it's processed, and this can vary depending on factors
such as database queries, network latency, and CPU usage." (31 words)."""

LEAK_NGRAM = 6
"""Sharing this many consecutive words with the model answer counts as revealing it."""


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
) -> GuardResult:
    """Make ``raw`` safe to speak, or reject it.

    ``must_ask``: a probe must end in one question, and nothing after it (a model that
    keeps going after its question tends to answer it); lead-ins longer than
    ``LEAD_IN_MAX_WORDS`` are dropped. ``secrets``: text that must not be revealed (the
    question's model answer). ``planned_question``: the probe as written; a reply that
    reacts to the answer but asks nothing keeps its first sentence and asks this, when
    the persona's sentence budget has room.
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
    sentences = split_sentences(text)
    repaired: str | None = None
    kept = [s for s in sentences if s.endswith("?") or not LECTURE.search(s)]
    if len(kept) < len(sentences):
        repaired = "dropped a sentence that explained instead of asked"
    introductions = [s for s in kept if SELF_INTRODUCTION.match(s) and not s.endswith("?")]
    if introductions:
        kept = [s for s in kept if s not in introductions]
        repaired = "dropped a repeated self-introduction"
    if must_ask:
        long_lead_ins = [
            s for s in kept if not s.endswith("?") and len(_words(s)) > LEAD_IN_MAX_WORDS
        ]
        if long_lead_ins:
            kept = [s for s in kept if s not in long_lead_ins]
            repaired = "dropped a long lead-in"
        first_question = next((i for i, s in enumerate(kept) if s.endswith("?")), None)
        if first_question is None:
            planned = split_sentences(planned_question)
            if kept and planned and 1 + len(planned) <= max_sentences:
                # The model reacted to what was said but asked nothing (a 1.5B model
                # does, often): its reaction, then the question as planned.
                text = " ".join([kept[0], *planned])
                return GuardResult(text, "asked no question: the planned question follows")
            return GuardResult(None, "reply asked no question")
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


def is_safe_lead_in(sentence: str, *, secrets: Sequence[str] = ()) -> bool:
    """Whether ``sentence`` may be said before the rest of a probe's reply is known: a
    short statement that ``guard_reply`` passes unchanged on its own (once said, it
    cannot be taken back)."""
    if sentence.endswith("?") or len(_words(sentence)) > LEAD_IN_MAX_WORDS:
        return False
    checked = guard_reply(sentence, max_sentences=1, must_ask=False, secrets=secrets)
    return checked.text == sentence and checked.problem is None
