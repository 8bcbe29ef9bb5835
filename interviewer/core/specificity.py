"""Specificity: the concrete quantities an answer commits to ("~40 req/s", "70 GB", "p99
under 1 s", "five hundred GPUs").

Coverage rules reward breadth, so a terse staff answer (150 words, every sentence a
decision or a number) scored below a long senior one: on the stop-16 evaluation set,
26 of its 57 mis-ordered pairs were a terse expert below a senior. What the terse expert
has, and a rambling or buzzword answer lacks, is numbers: on that set the staff answers
stated 13-29 distinct quantities, seniors 5-9, mid-level answers almost none. So a share
of the overall (``scoring.SPECIFICITY_SHARE``) is how many distinct quantities the answer
states, up to ``FULL_AT``. Every quantity is a verbatim span with its time, so the report
can show which numbers earned it; sentences that may earn nothing (buzzword lists, text
addressed to a grader) earn nothing here either, and a repeated number counts once.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from interviewer.core.evidence import ScoredText

__all__ = ["FULL_AT", "Quantity", "quantities", "specificity_score"]

FULL_AT = 8
"""Distinct quantities for full marks (chosen on the stop-16 set with the share: 4, 8, 12
and 16 were tried; 8 and 12 ordered the same pairs)."""

_NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty"
    "|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|million|billion|dozen"
)
_MAGNITUDE = r"(?:k|m|b|bn|thousand|million|billion|hundred)"
_UNIT = (
    r"(?:%|percent|x\b|×|ms\b|s\b|µs|us\b|ns\b|sec\b|secs\b|seconds?|minutes?|mins?\b|hours?"
    r"|days?|weeks?|months?|years?|bytes?|bits?|kb\b|mb\b|gb\b|tb\b|pb\b|kib|mib|gib|tib"
    r"|gbps|mbps|kilobytes?|megabytes?|gigabytes?|terabytes?|petabytes?|qps|rps|tps"
    r"|req\b|reqs\b|requests?|queries|users|tenants|customers|nodes?|gpus?|machines?|servers?"
    r"|hosts?|shards?|partitions?|replicas?|workers?|cores?|cpus?|racks?|regions?|zones?"
    r"|tokens?|params|parameters|layers|experts|heads|flops|tflops|pflops|h100s?|a100s?"
    r"|messages|events|jobs|writes|reads|documents|docs|records|rows|images|samples|steps"
    r"|epochs|batches|dollars|\$|cents|watts|kw\b|mw\b)"
)
_QUANTITY = re.compile(
    r"(?<![\w.])(?:[~≈$]\s*)?(?:\d[\d,.]*[\s-]*"
    + _MAGNITUDE
    + r"?[\s-]*"
    + _UNIT
    + r"|(?:(?:"
    + _NUMBER_WORDS
    + r")[\s-]+)+"
    + _MAGNITUDE
    + r"?[\s-]*"
    + _UNIT
    + r")",
    re.IGNORECASE,
)
_NOT_IN_KEY = re.compile(r"[\s~≈-]+")
"""'~2 s', '2 s' and '2s' are one quantity."""
_WHOLE_SENTENCES = 1_000_000
"""A unit size no sentence reaches, so ``ScoredText.units`` yields whole sentences."""


@dataclass(frozen=True)
class Quantity:
    """One concrete quantity, verbatim: ``text`` is ``scored.text[start:end]``."""

    text: str
    start: int
    end: int


def quantities(scored: ScoredText, *, skip: Collection[int] = ()) -> list[Quantity]:
    """The distinct quantities the answer states, first mention of each, in text order;
    ``skip``: sentence indexes that may earn nothing."""
    seen: set[str] = set()
    found: list[Quantity] = []
    for unit in scored.units(_WHOLE_SENTENCES, _WHOLE_SENTENCES):
        if unit.sentence in skip:
            continue
        sentence = scored.text[unit.start : unit.end]
        for match in _QUANTITY.finditer(sentence):
            text = match.group().strip()
            key = _NOT_IN_KEY.sub("", text.lower())
            if key in seen:
                continue
            seen.add(key)
            start = unit.start + match.start() + (len(match.group()) - len(match.group().lstrip()))
            found.append(Quantity(text, start, start + len(text)))
    return found


def specificity_score(count: int) -> int:
    """0-100 from the number of distinct quantities stated."""
    return round(100 * min(1.0, count / FULL_AT))
