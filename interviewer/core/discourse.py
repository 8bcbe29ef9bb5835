"""Discourse acts: checklist items about *how* a candidate reasons, found by how it is said.

Some items are the same act in every rubric: naming an alternative, committing to a choice
for a reason, saying when the choice would flip, naming the requirement that drives the
design, stating the scale, stating assumptions. Their wording does not depend on the topic
("Options: A, or B." / "At our 40 req/s I'd take A, and revisit B if long prompts pass 30%"),
so neither an item's phrase list (written with one domain in mind) nor a sentence encoder
(whose similarity is dominated by topic) hears them reliably: on the stop-16 evaluation set
these items were marked missing in 2 of every 3 answers that did them.

Here each act is a small grammar of cue patterns (a decision verb *and* a reason, a
condition *and* a change of choice), matched within one unit of speech. A rubric opts an
item in with ``act = "..."``; the match is a verbatim span with its time, like every other
piece of evidence, and sentences that may earn nothing (buzzword lists, text addressed to a
grader) are skipped here too.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from interviewer.core.content import DiscourseAct, Rubric
from interviewer.core.evidence import EvidenceMatch, ItemKey, ScoredText, TextUnit, unit_match

__all__ = ["DiscourseAct", "act_evidence", "does_act"]

UNIT_WORDS = 30
"""Acts are local: a window this long holds a choice and its reason, or a condition and
the change it causes, even in an unpunctuated transcript."""
UNIT_STRIDE = 15
LOOKAHEAD_CHARS = 160
"""A reason often follows in the next sentence ("I'd take chunked prefill. It keeps..."):
this much text after a unit may supply the reason; the quote stays the unit itself."""

_NOT_A_NUMBER = r"(?!\s*(?:\d|about|around|roughly|a few|an? (?:second|minute|hour|day)))"

_ALTERNATIVE = re.compile(
    r"\b(?:instead of|rather than|as opposed to|versus|vs\b|compared (?:to|with)|in contrast"
    r"|unlike|alternatively|alternatives?\b|(?:the|an|one|another|other|second|first|third)"
    r" (?:alternative|option|route|approach|design)\b|options?\s*(?:are|were|:|here)"
    r"|either\b[^.?!]{3,90}\bor\b|(?:two|three|a couple of|a few|several) (?:ways|approaches"
    r"|options|designs|choices|strategies|candidates|shapes|layouts)\b"
    r"|(?:we|you|i) could (?:also|instead|either)\b|\bor (?:else )?(?:we|you|i) could\b"
    r"|\bor\b[^.?!]{0,60}\binstead\b|(?:prefer|pick|picked|choose|chose|take|took|favou?r"
    r"|go with|went with|going with)\b[^.?!]{1,60}\bover\b|the other (?:way|approach|option"
    r"|choice|design|route|camp)\b|trade[- ]?off between\b|\bbeats?\b"
    r"|(?:better|worse|cheaper|simpler|faster|slower|safer|riskier|easier|harder|lighter"
    r"|heavier|more expensive|less expensive) than\b" + _NOT_A_NUMBER + r")",
)

_DECISION = re.compile(
    r"\b(?:i'?d|i would|i'll|i will|we'?d|we would|we'll|we will|let's|let us|i'm going to"
    r"|i am going to|we're going to|i'm gonna|i'd rather|we'd rather|my (?:pick|choice"
    r"|preference|recommendation|default|vote|bet)|our (?:pick|choice|default)"
    r"|i (?:pick|choose|chose|prefer|recommend|favou?r|went with|go with|lean|opt)"
    r"|(?:so|then) (?:i|we) (?:pick|choose|use|go with|take|keep|start)"
    r"|is the (?:right|better|safer) (?:call|choice|default|fit)|wins here|i'd go)\b",
)
_REASON = re.compile(
    r"\b(?:because|cause|since|given (?:that|our|the|we)|as (?:it|we|that|this)|so that"
    r"|which (?:means|keeps|gives|avoids|lets|makes|saves|costs|is)|that way|the reason"
    r"|for (?:the|this|that) reason|it (?:keeps|gives|avoids|lets|means|saves|costs|is simpler"
    r"|is cheaper)|due to|thanks to|at (?:our|this|that|these) (?:scale|rate|size|volume|load"
    r"|traffic|numbers?)|at (?:~|about |around )?\d|otherwise|that's why|hence|it'?s (?:simpler"
    r"|cheaper|safer|faster|enough))\b",
)

_FLIP = re.compile(
    r"(?:\b(?:if|once|when|unless|until|should|as soon as|the day|past|beyond|above|below"
    r"|over|under)\b[^.?!]{0,90}\b(?:i'?d|i would|we'?d|we would|then|i'll|we'll|it'?s time to"
    r"|we should|i should)\b[^.?!]{0,40}\b(?:switch|move|revisit|reconsider|change|flip|go"
    r"|pick|choose|use|prefer|swap|migrate|split|shard|add|drop|consider|look at|adopt)"
    r"|\b(?:revisit|reconsider|switch(?:ing)?|flip|re-?evaluate|change (?:my|the|this|that)"
    r" (?:mind|choice|answer|decision|design|call))\b[^.?!]{0,90}\b(?:if|once|when|unless"
    r"|should|as soon as|past|beyond|above)\b"
    r"|\b(?:that|this|the (?:choice|decision|answer|calculus|math|picture|tradeoff|trade-off))"
    r" (?:changes|flips|would change|would flip|reverses|inverts)\b"
    r"|\b(?:would|could|might) (?:change|flip) (?:my|the|this) (?:mind|choice|answer|decision)"
    r"|\bat (?:that|which) point\b[^.?!]{0,60}\b(?:switch|move|i'?d|we'?d|use|go|add|split)"
    r"|\b(?:if|once|when|unless)\b[^.?!]{0,90}\b(?:instead\b|is (?:the )?better|wins\b"
    r"|makes more sense|becomes (?:better|worth|the better|necessary|mandatory)|is worth it))",
)

_DECIDING = re.compile(
    r"(?:\b(?:the|my|our|one|single|this) (?:key|main|deciding|driving|dominant|binding"
    r"|hardest|critical|crucial|central|primary|biggest|most important|real|first-order"
    r"|overriding|defining|governing) (?:requirement|constraint|driver|concern|question|factor"
    r"|thing|issue|challenge|problem|number|metric|property|risk)\b"
    r"|\b(?:drives|dictates|determines|decides|shapes|governs|dominates|forces|sets)"
    r" (?:the|this|our|my|every|everything|most of the)\b"
    r"|\beverything (?:else )?(?:hinges|depends|follows|flows|turns) (?:on|from)\b"
    r"|\bwhat (?:really )?matters (?:most|here|first)\b"
    r"|\b(?:deciding|driving|key|binding|main|governing) (?:requirement|constraint)\s*[:,-])",
)
_CONSEQUENCE = re.compile(
    r"\b(?:because|since|so|which means|means|meaning|otherwise|that's why|forces|so that"
    r"|which|stalls|blocks|breaks|rules out|hence|given)\b|:",
)

_SCALE = re.compile(
    r"(?:\b(?:how many|how much|what(?:'s| is| are) the|what kind of|what) (?:users|requests"
    r"|traffic|load|qps|rps|volume|data|scale|throughput|writes|reads|messages|events"
    r"|documents|jobs|peak|rate)\b"
    r"|\d[\d,.]*\s*(?:k|m|b|thousand|million|billion|mil)?\s*(?:users|dau|mau|customers"
    r"|tenants|devices)\b"
    r"|\d[\d,.]*\s*(?:k|m|b|thousand|million|billion|mil)?\s*(?:requests?|reqs?|rps|qps|tps"
    r"|events|messages|msgs|jobs|writes|reads|queries|documents|docs|records|rows|tokens"
    r"|images|orders|transactions|calls|uploads|sessions|clicks|posts|items|updates|lookups)"
    r"\s*(?:/|per|an?|each|every)\s*(?:s|sec|second|minute|min|hour|hr|day|month)\b"
    r"|\d[\d,.]*\s*(?:tb|pb|terabytes?|petabytes?)\b)",
)

_ASSUMPTION = re.compile(
    r"(?:\b(?:i'?ll|i will|let me|let's|i'm going to|i am going to|we'?ll|i'd|we'd)"
    r" (?:assume|say|take it|treat|suppose|scope|limit)\b|\bassum(?:ing|e|ption|ptions)\b"
    r"|\bout of scope\b|\b(?:not|won't|will not|i'?m not going to|we're not going to)"
    r" (?:cover|worry about|handle|design|address|go into|deal with)\b|\bsuppose\b"
    r"|\bfor (?:now|simplicity|this answer|the sake of|this design)\b"
    r"|\bi'?ll (?:ignore|skip|leave out|set aside|park)\b|\bin scope\b)",
)


def _plain(text: str) -> str:
    return text.lower().replace("\u2019", "'").replace("\u2018", "'")


def does_act(act: DiscourseAct, unit: str, after: str = "") -> bool:
    """Whether ``unit`` (with ``after``, the text that follows it, for a trailing reason)
    performs ``act``."""
    text = _plain(unit)
    if act == "alternative":
        return bool(_ALTERNATIVE.search(text))
    if act == "choice":
        return bool(_DECISION.search(text)) and bool(
            _REASON.search(text) or _REASON.search(_plain(after))
        )
    if act == "flip":
        return bool(_FLIP.search(text))
    if act == "deciding":
        found = _DECIDING.search(text)
        if not found:
            return False
        rest = text[found.end() :] + " " + _plain(after)
        return bool(_CONSEQUENCE.search(rest))
    if act == "scale":
        return bool(_SCALE.search(text))
    return bool(_ASSUMPTION.search(text))


@dataclass(frozen=True)
class _ActItem:
    key: ItemKey
    act: DiscourseAct


def _act_items(rubric: Rubric) -> list[_ActItem]:
    return [
        _ActItem((criterion.id, item.id), item.act)
        for criterion in rubric.criteria
        for item in criterion.checklist
        if item.act is not None
    ]


def act_evidence(
    rubric: Rubric,
    scored: ScoredText,
    *,
    skip: Collection[int] = (),
    already: Collection[ItemKey] = (),
) -> list[EvidenceMatch]:
    """The first unit of speech performing each act-tagged item of ``rubric`` that is not
    in ``already``; ``skip``: sentence indexes that may earn nothing."""
    wanted = [a for a in _act_items(rubric) if a.key not in already]
    if not wanted:
        return []
    units = [u for u in scored.units(UNIT_WORDS, UNIT_STRIDE) if u.sentence not in skip]
    matches = []
    for wanted_item in wanted:
        unit = _first_unit(scored, units, wanted_item.act)
        if unit is not None:
            matches.append(
                unit_match(scored, wanted_item.key, unit, f"(how it is said: {wanted_item.act})")
            )
    matches.sort(key=lambda m: m.quote_start)
    return matches


def _first_unit(
    scored: ScoredText, units: Sequence[TextUnit], act: DiscourseAct
) -> TextUnit | None:
    for unit in units:
        after = scored.text[unit.end : unit.end + LOOKAHEAD_CHARS]
        if does_act(act, scored.text[unit.start : unit.end], after):
            return unit
    return None
