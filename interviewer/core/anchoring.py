"""Anchors: the candidate's own words in front of a probe.

A real interviewer says "You put the jobs in Postgres and workers poll it: a worker dies
right after charging the card, what now?". Ours puts a short verbatim span of the last
answer (or a component the candidate named) in front of the planned question: 'You said
"a pool of workers pull from it".' It is chosen here, deterministically, from the answer
and the probe's targets, so it is there when the LLM is down or late; the LLM may word
its own reference instead (``is_anchored``), under the same guard.

The same span picker names what a candidate talked about instead of the probed point,
for the follow-through ("You told me about retries; that's not what I asked").

Pure: text in, text out.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from interviewer.core.content import Rubric, Tone
from interviewer.core.evidence import FUNCTION_WORDS, EvidenceMatch, ItemKey, stem

__all__ = [
    "ANCHOR_MAX_WORDS",
    "Span",
    "anchor_line",
    "choose_span",
    "component_terms",
    "is_anchored",
    "press_line",
]

ANCHOR_MAX_WORDS = 12
"""A spoken quote longer than this stops being a reference and becomes a read-back."""
ANCHOR_MIN_CONTENT_WORDS = 2
"""A span needs this many content words to say something ("pull from it" does not)."""
ANCHOR_MIN_WORDS = 3
"""And this many words: a heading ("Deciding requirement: ...") is not something said."""

GENERIC_COMPONENTS = (
    "queue",
    "worker",
    "database",
    "cache",
    "broker",
    "shard",
    "partition",
    "replica",
    "leader",
    "table",
    "index",
    "api",
    "endpoint",
    "service",
    "load balancer",
    "consumer",
    "producer",
    "topic",
    "scheduler",
    "lease",
    "heartbeat",
    "lock",
    "log",
    "stream",
    "cluster",
    "node",
    "gateway",
    "retry",
    "timeout",
    "batch",
    "model",
    "gpu",
)
"""Parts of a system a candidate names; with the rubric's glossary, what "a named
component" of an answer can be."""

_STOP = FUNCTION_WORDS | frozenset(
    {
        "actually",
        "basically",
        "being",
        "erm",
        "every",
        "go",
        "goes",
        "gonna",
        "got",
        "here",
        "hmm",
        "i'd",
        "i'll",
        "i'm",
        "it's",
        "kind",
        "like",
        "maybe",
        "most",
        "ok",
        "only",
        "over",
        "probably",
        "really",
        "said",
        "say",
        "sort",
        "stuff",
        "thing",
        "things",
        "uh",
        "um",
        "wanna",
        "well",
        "yeah",
    }
)
_EDGE_FILLERS = frozenset(
    [
        "so",
        "and",
        "or",
        "but",
        "then",
        "um",
        "uh",
        "erm",
        "hmm",
        "well",
        "like",
        "basically",
        "actually",
        "okay",
        "ok",
        "yeah",
        "also",
        "because",
        "which",
        "that",
        "to",
        "of",
        "with",
        "the",
        "a",
        "an",
    ]
)
"""Words a quote neither starts nor ends on ("so, um, and then the workers..." ->
"the workers..."); leading articles stay only in front of their noun."""
_LEADING_ONLY_OK = frozenset({"the", "a", "an", "to"})
_CLAUSE_BREAK = re.compile(
    r"[,;:()\u2014\u2013]|\s-\s|[.!?](?=\s|$)|\n|\b(?:but|because|so that|whereas|although)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'\u2019.-]*[A-Za-z0-9]|[A-Za-z0-9]")


@dataclass(frozen=True)
class Span:
    """A verbatim piece of the answer: ``answer[start:end] == text``."""

    text: str
    start: int
    end: int
    component: bool = False
    """True when it is a named component on its own ("Postgres"), not a clause."""


@dataclass(frozen=True)
class _Word:
    raw: str
    stem: str
    start: int
    end: int

    @property
    def content(self) -> bool:
        return self.raw.lower() not in _STOP and len(self.raw) > 1


def _word_stem(raw: str) -> str:
    return stem(re.sub(r"['\u2019].*$", "", raw.lower()).rstrip("."))


def _clauses(answer: str) -> list[list[_Word]]:
    clauses: list[list[_Word]] = []
    start = 0
    for boundary in [*_CLAUSE_BREAK.finditer(answer), None]:
        end = boundary.start() if boundary else len(answer)
        words = [
            _Word(m.group(), _word_stem(m.group()), start + m.start(), start + m.end())
            for m in _WORD.finditer(answer[start:end])
        ]
        if words:
            clauses.append(words)
        if boundary:
            start = boundary.end()
    return clauses


def _trim(words: list[_Word]) -> list[_Word]:
    while words and words[0].raw.lower() in _EDGE_FILLERS - _LEADING_ONLY_OK:
        words = words[1:]
    while words and words[-1].raw.lower() in _EDGE_FILLERS:
        words = words[:-1]
    return words


_JOINS = frozenset({"and", "then", "so", "which", "where", "while", "until", "or", "with"})


def _window(words: list[_Word], key: int) -> list[_Word]:
    """At most ``ANCHOR_MAX_WORDS`` words around ``key``: the part of a long clause
    between two joining words ("and", "then", ...) that holds it, else a window a little
    longer after it than before (the verb and object that follow a subject)."""
    if len(words) <= ANCHOR_MAX_WORDS:
        return words
    cuts = [i for i, w in enumerate(words) if w.raw.lower() in _JOINS]
    left = max((i for i in cuts if i < key), default=-1) + 1
    right = min((i for i in cuts if i > key), default=len(words))
    part = words[left:right]
    if len(part) <= ANCHOR_MAX_WORDS and sum(w.content for w in part) >= ANCHOR_MIN_CONTENT_WORDS:
        return part
    start = max(0, min(key - 3, len(words) - ANCHOR_MAX_WORDS))
    return words[start : start + ANCHOR_MAX_WORDS]


def component_terms(rubric: Rubric | None) -> list[str]:
    """The rubric's glossary terms and generic system parts: what counts as a named
    component of an answer."""
    glossary = list(rubric.glossary) if rubric is not None else []
    return [*glossary, *GENERIC_COMPONENTS]


def _component_span(answer: str, terms: Sequence[str]) -> Span | None:
    """The first component term the answer names, as the candidate said it."""
    words = [w for clause in _clauses(answer) for w in clause]
    best: tuple[int, int, int] | None = None
    for term in terms:
        wanted = [_word_stem(w) for w in _WORD.findall(term)]
        if not wanted:
            continue
        for index in range(len(words) - len(wanted) + 1):
            if all(words[index + k].stem == wanted[k] for k in range(len(wanted))):
                first, last = words[index], words[index + len(wanted) - 1]
                if best is None or first.start < best[0]:
                    best = (first.start, last.end, index)
                break
    if best is None:
        return None
    return Span(answer[best[0] : best[1]], best[0], best[1], component=True)


def choose_span(
    answer: str,
    *,
    focus: str = "",
    matches: Sequence[EvidenceMatch] = (),
    prefer: Collection[ItemKey] = (),
    criterion_id: str = "",
    avoid: Collection[ItemKey] = (),
    terms: Sequence[str] = (),
) -> Span | None:
    """The clause of ``answer`` a reference to it should quote, cut to a short span.

    Each clause scores by the content words it shares with ``focus`` (the probe's text
    and its targets' phrases), plus the evidence it carries (``matches``, found in this
    answer): most for an item in ``prefer`` (the probe's targets), then one of
    ``criterion_id``, then any other item not in ``avoid``. The best clause wins, the
    earliest on a tie: as a live transcript grows, the anchor then stays the same, and
    the line synthesized ahead stays valid. No clause scoring: the first component the
    answer names (``terms``). None: nothing to quote.
    """
    focus_stems = {_word_stem(w) for w in _WORD.findall(focus) if w.lower() not in _STOP}
    evidence: list[tuple[int, int, int]] = []
    for match in matches:
        if match.key in avoid:
            continue
        weight = 3 if match.key in prefer else 2 if match.criterion_id == criterion_id else 1
        evidence.append((match.quote_start, match.quote_end, weight))
    best: tuple[float, list[_Word], int] | None = None
    for clause in _clauses(answer):
        words = _trim(clause)
        content = [w for w in words if w.content]
        if len(content) < ANCHOR_MIN_CONTENT_WORDS or len(words) < ANCHOR_MIN_WORDS:
            continue
        shared = [i for i, w in enumerate(words) if w.content and w.stem in focus_stems]
        start, end = words[0].start, words[-1].end
        carried = max((wt for a, b, wt in evidence if a < end and b > start), default=0)
        score = len({words[i].stem for i in shared}) + carried
        if score <= 0:
            continue
        if best is None or score > best[0]:
            key = shared[0] if shared else next(i for i, w in enumerate(words) if w.content)
            best = (score, words, key)
    if best is None:
        return _component_span(answer, terms) if terms else None
    _, words, key = best
    span = _trim(_window(words, key))
    if sum(w.content for w in span) < ANCHOR_MIN_CONTENT_WORDS:
        return _component_span(answer, terms) if terms else None
    start, end = span[0].start, span[-1].end
    return Span(answer[start:end], start, end)


def anchor_line(span: Span | None) -> str:
    """The sentence said in front of the planned question; "" without a span."""
    if span is None:
        return ""
    if span.component:
        return f"You mentioned {span.text}."
    return f'You said "{span.text}".'


_PRESS = {
    Tone.WARM: (
        'You told me "{span}", but let me bring you back to my question.',
        "Let me bring you back to my question.",
    ),
    Tone.NEUTRAL: (
        'You told me "{span}", but that is not what I asked.',
        "That doesn't answer what I asked.",
    ),
    Tone.TOUGH: ('You told me "{span}". That\'s not what I asked.', "That's not what I asked."),
}
_PRESS_COMPONENT = {
    Tone.WARM: "You told me about {span}, but let me bring you back to my question.",
    Tone.NEUTRAL: "You told me about {span}, but that is not what I asked.",
    Tone.TOUGH: "You told me about {span}. That's not what I asked.",
}


def press_line(tone: Tone, span: Span | None, probe_text: str) -> str:
    """The follow-through: what the candidate talked about instead, then the probe again."""
    if span is None:
        lead = _PRESS[tone][1]
    elif span.component:
        lead = _PRESS_COMPONENT[tone].format(span=span.text)
    else:
        lead = _PRESS[tone][0].format(span=span.text)
    return f"{lead} {' '.join(probe_text.split())}"


def _plain(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


ANCHOR_RUN_WORDS = 3
"""A reply repeating this many consecutive words of the answer (two of them content
words) quotes it."""


def is_anchored(reply: str, answer: str, planned: str, terms: Sequence[str]) -> bool:
    """Whether the LLM's ``reply`` already refers to the ``answer`` in its own words: it
    repeats a run of the candidate's words, or names a component the candidate named.
    Words the ``planned`` probe says anyway do not count: "a worker dies" in a probe
    about workers is the probe, not the candidate."""
    said = _plain(reply)
    heard = _plain(answer)
    probe = set(_plain(planned))
    runs = {
        tuple(heard[i : i + ANCHOR_RUN_WORDS]) for i in range(len(heard) - ANCHOR_RUN_WORDS + 1)
    }
    for i in range(len(said) - ANCHOR_RUN_WORDS + 1):
        run = tuple(said[i : i + ANCHOR_RUN_WORDS])
        fresh = [w for w in run if w not in _STOP and w not in probe]
        if run in runs and len(fresh) >= 2:
            return True
    said_stems = [_word_stem(w) for w in said]
    heard_stems = [_word_stem(w) for w in heard]
    probe_stems = {_word_stem(w) for w in probe}
    for term in terms:
        wanted = [_word_stem(w) for w in _plain(term)]
        if not wanted or set(wanted) <= probe_stems:
            continue
        if _has_run(said_stems, wanted) and _has_run(heard_stems, wanted):
            return True
    return False


def _has_run(stems: Sequence[str], wanted: Sequence[str]) -> bool:
    n = len(wanted)
    return any(list(stems[i : i + n]) == list(wanted) for i in range(len(stems) - n + 1))
