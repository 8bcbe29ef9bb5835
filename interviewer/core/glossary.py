"""Speech-recognition biasing from a rubric's glossary, and how to tell whether a term was
heard.

Whisper has no vocabulary list, but it imitates the spelling of the text it is prompted
with: an ``initial_prompt`` naming "idempotent" and "backoff" turns "idem potent" and
"exponential backup" into the right words. The prompt is short because Whisper keeps only
the last ~224 prompt tokens and every prompt token costs decoding time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

DEFAULT_PROMPT_CHARS = 600
"""About 150 tokens: room for ~50 terms, well under Whisper's 224-token prompt window."""

PROMPT_LEAD = "A system design interview. Terms: "


def biasing_prompt(glossary: Sequence[str], max_chars: int = DEFAULT_PROMPT_CHARS) -> str:
    """An ``initial_prompt`` listing the glossary's terms, at most ``max_chars`` long.

    Terms keep the glossary's order (the rubric author lists the important ones first);
    duplicates and blanks are skipped, and a term that does not fit is left out whole
    rather than cut. An empty glossary gives "" (no prompt at all).
    """
    terms: list[str] = []
    seen: set[str] = set()
    length = len(PROMPT_LEAD) + 1  # the closing full stop
    for raw in glossary:
        term = " ".join(raw.split())
        key = term.lower()
        if not term or key in seen:
            continue
        added = len(term) + (2 if terms else 0)
        if length + added > max_chars:
            continue
        terms.append(term)
        seen.add(key)
        length += added
    if not terms:
        return ""
    return PROMPT_LEAD + ", ".join(terms) + "."


def normalize_for_matching(text: str) -> str:
    """Lowercase words separated by single spaces; hyphens count as spaces.

    "Dead-letter queue" and "dead letter queue" match, and "P 99" matches "p99".
    """
    lowered = text.lower().replace("-", " ")
    words = re.sub(r"[^a-z0-9' ]+", " ", lowered)
    joined = re.sub(r"\b([a-z]) (\d+)\b", r"\1\2", " ".join(words.split()))
    return f" {joined} " if joined else " "


def terms_in(text: str, glossary: Iterable[str]) -> list[str]:
    """The glossary terms that occur in ``text`` as whole words, in glossary order."""
    haystack = normalize_for_matching(text)
    found: list[str] = []
    for term in glossary:
        needle = normalize_for_matching(term)
        if needle.strip() and needle in haystack and term not in found:
            found.append(term)
    return found
