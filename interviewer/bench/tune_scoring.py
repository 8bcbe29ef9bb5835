"""``interviewer bench scoring --tune``: choose the semantic matcher's thresholds on dev only.

Encodes every dev answer once, then sweeps ``SemanticPolicy.threshold`` and ``margin``
(and the off-topic margin) and prints, per setting, the dev figures the choice is made
on: pairwise ranking, false-missing and false-credit rates, level MAE. Held-out answers
are never loaded here, so no held-out figure can leak into a threshold.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from interviewer import catalog
from interviewer.bench.scoring import Labelled, band_distance, pairwise
from interviewer.cli.output import console
from interviewer.core.content import Rubric
from interviewer.core.evidence import EvidenceMatch, ScoredText, find_evidence, skipped_sentences
from interviewer.core.ports import SentenceSimilarity
from interviewer.core.scoring import score_matches
from interviewer.core.semantic import (
    DEFAULT_POLICY,
    Closeness,
    SemanticPolicy,
    closeness,
    matches_from,
    question_affinity,
)

THRESHOLDS = (0.40, 0.45, 0.50, 0.55, 0.60)
MARGINS = (-1.0, 0.0, 0.03, 0.06)
OFF_TOPIC_MARGINS = (0.02, 0.04, 0.06, 0.08, 0.10)


@dataclass
class _Prepared:
    item: Labelled
    rubric: Rubric
    scored: ScoredText
    phrases: list[EvidenceMatch]
    found: Closeness
    affinity: dict[str, float]


def _prepare(answers: Sequence[Labelled], similarity: SentenceSimilarity) -> list[_Prepared]:
    rubrics = catalog.load_rubrics()
    prepared = []
    for item in answers:
        rubric = rubrics.get(item.rubric, "rubric")
        scored = ScoredText.from_text(item.text)
        skip = skipped_sentences(rubric, scored)
        prepared.append(
            _Prepared(
                item,
                rubric,
                scored,
                find_evidence(rubric, scored),
                closeness(rubric, scored, similarity, skip=skip),
                question_affinity(rubric.questions, scored, similarity),
            )
        )
    return prepared


def _figures(
    prepared: Sequence[_Prepared], policy: SemanticPolicy, off_topic_margin: float
) -> dict[str, Any]:
    ranked = []
    errors: list[int] = []
    missing: list[bool] = []
    credit: list[bool] = []
    for p in prepared:
        found = {m.key for m in p.phrases}
        matches = p.phrases + [
            m for m in matches_from(p.scored, p.found, policy) if m.key not in found
        ]
        own = p.affinity[p.item.question]
        others = [a for q, a in p.affinity.items() if q != p.item.question]
        off_topic = bool(others) and max(others) - own >= off_topic_margin
        scores, overall = score_matches(p.rubric, matches, 3, off_topic=off_topic)
        ranked.append((p.item.question, p.item.tier, float(overall)))
        for criterion in scores:
            band = p.item.expected.get(criterion.id)
            if band is not None and criterion.assessed:
                errors.append(band_distance(criterion.level, band))
        if p.item.items is not None:
            credited = {f"{c}/{i}" for c, i in {m.key for m in matches}}
            every = {f"{c.id}/{i.id}" for c in p.rubric.criteria for i in c.checklist}
            missing += [key not in credited for key in p.item.items]
            credit += [key in credited for key in every - p.item.items]
    correct, pairs = pairwise(ranked).get("all", (0, 0))
    return {
        "pairwise": correct / pairs if pairs else 0.0,
        "false_missing": statistics.fmean(missing) if missing else 0.0,
        "false_credit": statistics.fmean(credit) if credit else 0.0,
        "level_mae": statistics.fmean(errors) if errors else 0.0,
    }


def tune(answers: Sequence[Labelled], similarity: SentenceSimilarity) -> None:
    dev = [a for a in answers if a.split == "dev"]
    console.print(f"encoding {len(dev)} dev answers (held-out answers are not loaded)…")
    prepared = _prepare(dev, similarity)
    console.print(
        f"{'threshold':>9} {'margin':>7} {'off-topic':>9}  pairwise  f-missing  f-credit  MAE"
    )
    for threshold in THRESHOLDS:
        for margin in MARGINS:
            policy = replace(DEFAULT_POLICY, threshold=threshold, margin=margin)
            for off_topic_margin in OFF_TOPIC_MARGINS:
                f = _figures(prepared, policy, off_topic_margin)
                console.print(
                    f"{threshold:>9.2f} {margin:>7.2f} {off_topic_margin:>9.2f}  "
                    f"{f['pairwise']:>8.3f}  {f['false_missing']:>9.3f}  "
                    f"{f['false_credit']:>8.3f}  {f['level_mae']:.3f}"
                )
