"""``interviewer bench scoring --tune``: choose the semantic matcher's thresholds on dev only.

Encodes every dev answer once, then sweeps ``SemanticPolicy.threshold`` and ``margin``
and prints, per setting, the dev figures the choice is made on: pairwise ranking (of the
overall the app shows: levels blended with outline coverage), false-missing and
false-credit rates, level MAE. Held-out answers are never loaded here, so no held-out
figure can leak into a threshold.
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
from interviewer.core.discourse import act_evidence
from interviewer.core.evidence import EvidenceMatch, ScoredText, phrase_evidence
from interviewer.core.ports import SentenceSimilarity
from interviewer.core.scoring import blend_overall, closer_question, merge_evidence, score_matches
from interviewer.core.semantic import (
    DEFAULT_POLICY,
    Closeness,
    OutlinePoint,
    SemanticPolicy,
    closeness,
    matches_from,
    outline_coverage,
    question_affinity,
)
from interviewer.core.specificity import quantities

THRESHOLDS = (0.40, 0.45, 0.50, 0.55, 0.60)
MARGINS = (-1.0, 0.0, 0.03, 0.06)
OFF_TOPIC_MARGINS = (0.02, 0.04, 0.06, 0.08, 0.10)


@dataclass
class _Prepared:
    item: Labelled
    rubric: Rubric
    scored: ScoredText
    phrases: list[EvidenceMatch]
    acts: list[EvidenceMatch]
    """Every act-tagged item's first performing span (kept when nothing else found it)."""
    quantity_count: int
    found: Closeness
    affinity: dict[str, float]
    outline: list[OutlinePoint]


def _prepare(answers: Sequence[Labelled], similarity: SentenceSimilarity) -> list[_Prepared]:
    rubrics = catalog.load_rubrics()
    prepared = []
    for item in answers:
        rubric = rubrics.get(item.rubric, "rubric")
        scored = ScoredText.from_text(item.text)
        phrases, skip = phrase_evidence(rubric, scored)
        prepared.append(
            _Prepared(
                item,
                rubric,
                scored,
                phrases,
                act_evidence(rubric, scored, skip=skip),
                len(quantities(scored, skip=skip)),
                closeness(rubric, scored, similarity, skip=skip),
                question_affinity(rubric.questions, scored, similarity),
                outline_coverage(rubric.question(item.question), scored, similarity, skip=skip),
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
        matches = merge_evidence(p.phrases, matches_from(p.scored, p.found, policy))
        matches += [a for a in p.acts if a.key not in {m.key for m in matches}]
        off_topic = closer_question(p.affinity, p.item.question, off_topic_margin) is not None
        scores, overall = score_matches(p.rubric, matches, 3, off_topic=off_topic)
        if p.outline:
            credits = [round(point.credit(policy), 3) for point in p.outline]
            overall = blend_overall(overall, credits, p.quantity_count, off_topic=off_topic)[2]
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
