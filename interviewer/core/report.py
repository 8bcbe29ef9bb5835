"""The feedback report: an ``Evaluation`` as Markdown and as one self-contained HTML page.

Per criterion it shows the level and what that level looks like, each quote that earned
credit with its time in the recording, what was missing for the target level, and the
drill. Then the signals these loops look for, three drills for next time, the question's
model-answer outline (feedback only: it is never shown during a round) and the delivery
figures against their reference ranges. The HTML has an inline SVG bar chart of the
levels, because a person would rather look than read; it loads nothing from anywhere.
"""

from __future__ import annotations

from html import escape

from interviewer.core.content import Question, Rubric
from interviewer.core.delivery import REFERENCE_RANGES, DeliveryMetrics
from interviewer.core.scoring import (
    LEVEL_SHARE,
    OUTLINE_SHARE,
    SPECIFICITY_SHARE,
    Evaluation,
    EvidenceQuote,
)
from interviewer.core.session import Session
from interviewer.core.specificity import FULL_AT
from interviewer.errors import NotFoundError

__all__ = ["clock", "overall_explained", "quantities_line", "render_html", "render_markdown"]


def clock(seconds: float | None) -> str:
    """mm:ss for a time in the recording; '' when there is none."""
    if seconds is None:
        return ""
    whole = max(0, int(seconds))
    return f"{whole // 60:02d}:{whole % 60:02d}"


def _question(evaluation: Evaluation, rubric: Rubric | None) -> Question | None:
    if rubric is None or evaluation.question is None:
        return None
    try:
        return rubric.question(evaluation.question)
    except NotFoundError:  # a rubric edited since the round: report without the outline
        return None


def overall_explained(evaluation: Evaluation) -> str:
    """One sentence saying where the overall comes from."""
    if (
        evaluation.outline_coverage is None
        or evaluation.level_overall is None
        or evaluation.specificity is None
    ):
        return "The overall is the weighted mean of the assessed criterion levels."
    return (
        f"The overall is {LEVEL_SHARE:.0%} the criterion levels ({evaluation.level_overall}/100), "
        f"{OUTLINE_SHARE:.0%} how much of a strong answer's outline you covered, by meaning "
        f"({evaluation.outline_coverage}/100), and {SPECIFICITY_SHARE:.0%} how specific you "
        f"were: {len(evaluation.quantities)} distinct concrete numbers, {FULL_AT} for full "
        f"marks ({evaluation.specificity}/100)."
    )


def quantities_line(evaluation: Evaluation, limit: int = 12) -> str:
    """The concrete numbers the candidate stated, for the feedback ("" when none)."""
    said = [q.quote for q in evaluation.quantities]
    if not said:
        return ""
    shown = ", ".join(f"“{q}”" for q in said[:limit])
    more = f" and {len(said) - limit} more" if len(said) > limit else ""
    return f"Numbers you committed to: {shown}{more}."


def _level_text(level: int, assessed: bool) -> str:
    return f"{level}/4" if assessed else "not assessed"


_DELIVERY_ROWS: list[tuple[str, str, str]] = [
    ("words_per_minute", "words per minute", ""),
    ("fillers_per_minute", "filler words per minute", ""),
    ("long_pauses_per_minute", "long pauses (> 2 s) per minute", ""),
    ("longest_pause", "longest pause", " s"),
    ("talk_time_share", "your share of talk time", ""),
    ("mean_time_to_first_word", "time to first word", " s"),
    ("longest_answer", "longest answer", " s"),
]


def _delivery_rows(delivery: DeliveryMetrics) -> list[tuple[str, str, str, str]]:
    """(label, value, reference range, verdict) for each figure that has a value."""
    rows = []
    for name, label, unit in _DELIVERY_ROWS:
        value = getattr(delivery, name)
        if value is None:
            continue
        low, high = REFERENCE_RANGES[name]
        verdict = "ok" if delivery.in_range(name) else ("low" if value < low else "high")
        rows.append((label, f"{value:g}{unit}", f"{low:g}–{high:g}{unit}", verdict))
    return rows


def _audio_link(quote: EvidenceQuote, session: Session | None) -> str | None:
    """``file#t=seconds`` into the turn's own audio, when the session has one."""
    if session is None or quote.turn_index is None or quote.start is None:
        return None
    for turn in session.turns:
        if turn.index == quote.turn_index and turn.audio_file:
            return f"{turn.audio_file}#t={max(0.0, quote.start - turn.started_at):.1f}"
    return None


# --------------------------------------------------------------------------- markdown


def render_markdown(
    evaluation: Evaluation, session: Session | None = None, rubric: Rubric | None = None
) -> str:
    question = _question(evaluation, rubric)
    lines = [f"# Interview feedback: {evaluation.overall}/100", ""]
    title = question.title if question else (evaluation.question or "answer")
    lines.append(
        f"Rubric **{evaluation.rubric}**, question **{title}**, target level "
        f"**{evaluation.level.value}** (criterion level {evaluation.target_level} expected)."
    )
    if session is not None:
        lines.append(f"Session `{session.id}`, {session.created_at:%Y-%m-%d %H:%M} UTC.")
    lines.append("")
    lines.append(
        "Every score below is earned by the quoted words; nothing is a model's opinion. "
        + overall_explained(evaluation)
    )
    lines.append("")
    if numbers := quantities_line(evaluation):
        lines += [numbers, ""]
    for note in evaluation.notes:
        lines += [f"> **Note:** {note}", ""]
    lines += ["| criterion | level | score |", "|---|---|---|"]
    for c in evaluation.criteria:
        score = c.score if c.assessed else "–"
        lines.append(f"| {c.title} | {_level_text(c.level, c.assessed)} | {score} |")
    lines.append("")
    for c in evaluation.criteria:
        heading = f"level {c.level}/4" if c.assessed else "not assessed"
        lines += [f"## {c.title}: {heading}", "", f"_{c.anchor}_", ""]
        if c.evidence:
            lines.append("Evidence:")
            for q in c.evidence:
                when = f"[{clock(q.start)}] " if q.start is not None else ""
                link = _audio_link(q, session)
                audio = f" ([audio]({link}))" if link else ""
                lines.append(f"- {when}“{q.quote}” — {q.item}{audio}")
        else:
            lines.append("Evidence: none found.")
        lines.append("")
        if c.missing_descriptions:
            lines.append("Missing for your target level:")
            lines += [f"- {d}" for d in c.missing_descriptions]
            lines.append("")
        if c.drill:
            lines += [f"**Drill:** {c.drill}", ""]
    if evaluation.signals:
        lines += ["## Signals interviewers look for", ""]
        for s in evaluation.signals:
            lines.append(f"- {'✔' if s.shown else '✘'} {s.name}: {s.detail}")
        lines.append("")
    if evaluation.drills:
        lines += ["## Three drills for next time", ""]
        lines += [f"{n}. {d}" for n, d in enumerate(evaluation.drills, 1)]
        lines.append("")
    if evaluation.outline:
        lines += ["## Model answer outline, and how close you came", ""]
        for o in evaluation.outline:
            mark = "✔" if o.credit >= 1 else ("◐" if o.credit > 0 else "✘")
            lines.append(f"- {mark} {o.point}")
            if o.quote:
                when = f"[{clock(o.start)}] " if o.start is not None else ""
                lines.append(f"  - closest: {when}“{o.quote}” ({o.credit:.0%})")
        lines.append("")
    elif question and question.model_answer:
        lines += ["## Model answer outline", ""]
        lines += [f"- {point}" for point in question.model_answer]
        lines.append("")
    lines += ["## Delivery", ""]
    if evaluation.delivery is None:
        lines += ["No word timings (a typed answer), so no delivery figures.", ""]
    else:
        lines += ["| figure | value | reference | |", "|---|---|---|---|"]
        for label, value, reference, verdict in _delivery_rows(evaluation.delivery):
            lines.append(f"| {label} | {value} | {reference} | {verdict} |")
        if evaluation.delivery.filler_counts:
            counts = ", ".join(f"{k} ×{v}" for k, v in evaluation.delivery.filler_counts.items())
            lines += ["", f"Fillers heard: {counts}."]
        lines.append("")
    return "\n".join(lines)


# --------------------------------------------------------------------------- html

_CSS = """
body{font:15px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;
color:#1d2330}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
.anchor{color:#555;font-style:italic}.time{font-family:monospace;color:#2b59c3}
blockquote{margin:.3rem 0 .3rem 1rem;padding-left:.6rem;border-left:3px solid #9ab}
.missing{color:#a33}.note{background:#fff4d6;padding:.5rem}table{border-collapse:collapse}
td,th{padding:.2rem .6rem;border-bottom:1px solid #eee;text-align:left}
.ok{color:#287a2e}.low,.high{color:#a33}
"""

BAR_HEIGHT = 22
BAR_GAP = 8
LABEL_WIDTH = 230
BAR_WIDTH = 320


def _chart(evaluation: Evaluation) -> str:
    """Horizontal bars of criterion levels (1-4), with the target level marked."""
    rows = len(evaluation.criteria)
    height = rows * (BAR_HEIGHT + BAR_GAP) + 24
    width = LABEL_WIDTH + BAR_WIDTH + 100
    target_x = LABEL_WIDTH + BAR_WIDTH * evaluation.target_level / 4
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" aria-label="criterion levels">'
    ]
    for index, c in enumerate(evaluation.criteria):
        y = index * (BAR_HEIGHT + BAR_GAP)
        bar = BAR_WIDTH * c.level / 4 if c.assessed else 0
        colour = "#287a2e" if c.level >= evaluation.target_level else "#c2692a"
        parts.append(
            f'<text x="0" y="{y + 16}" font-size="13">{escape(c.title)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{BAR_WIDTH}" height="{BAR_HEIGHT}" '
            f'fill="#eef1f5"/>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{bar:.0f}" height="{BAR_HEIGHT}" '
            f'fill="{colour}"><title>{escape(c.title)}: level {c.level}/4</title></rect>'
            f'<text x="{LABEL_WIDTH + BAR_WIDTH + 8}" y="{y + 16}" font-size="13">'
            f"{_level_text(c.level, c.assessed)}</text>"
        )
    bottom = rows * (BAR_HEIGHT + BAR_GAP)
    parts.append(
        f'<line x1="{target_x:.0f}" y1="0" x2="{target_x:.0f}" y2="{bottom}" '
        f'stroke="#1d2330" stroke-dasharray="4 3"/>'
        f'<text x="{target_x:.0f}" y="{bottom + 16}" font-size="12" text-anchor="middle">'
        f"target</text></svg>"
    )
    return "".join(parts)


def render_html(
    evaluation: Evaluation, session: Session | None = None, rubric: Rubric | None = None
) -> str:
    question = _question(evaluation, rubric)
    title = question.title if question else (evaluation.question or "answer")
    body = [
        f"<h1>Interview feedback: {evaluation.overall}/100</h1>",
        f"<p>Rubric <b>{escape(evaluation.rubric)}</b>, question <b>{escape(title)}</b>, "
        f"target level <b>{escape(evaluation.level.value)}</b>. Every score is earned by "
        f"the quoted words; nothing is a model's opinion. "
        f"{escape(overall_explained(evaluation))}</p>",
    ]
    if numbers := quantities_line(evaluation):
        body.append(f"<p>{escape(numbers)}</p>")
    body += [f'<p class="note">{escape(note)}</p>' for note in evaluation.notes]
    body.append(_chart(evaluation))
    for c in evaluation.criteria:
        heading = f"level {c.level}/4" if c.assessed else "not assessed"
        body.append(f"<h2>{escape(c.title)}: {heading}</h2>")
        body.append(f'<p class="anchor">{escape(c.anchor)}</p>')
        if not c.evidence:
            body.append("<p>Evidence: none found.</p>")
        for q in c.evidence:
            when = f'<span class="time">{clock(q.start)}</span> ' if q.start is not None else ""
            link = _audio_link(q, session)
            audio = f' <a href="{escape(link)}">▶ audio</a>' if link else ""
            body.append(
                f"<div>{when}{escape(q.item)}{audio}<blockquote>{escape(q.quote)}</blockquote>"
                "</div>"
            )
        if c.missing_descriptions:
            items = "".join(f"<li>{escape(d)}</li>" for d in c.missing_descriptions)
            body.append(f'<p class="missing">Missing for your target level:</p><ul>{items}</ul>')
        if c.drill:
            body.append(f"<p><b>Drill:</b> {escape(c.drill)}</p>")
    if evaluation.signals:
        items = "".join(
            f"<li>{'✔' if s.shown else '✘'} {escape(s.name)}: {escape(s.detail)}</li>"
            for s in evaluation.signals
        )
        body.append(f"<h2>Signals interviewers look for</h2><ul>{items}</ul>")
    if evaluation.drills:
        items = "".join(f"<li>{escape(d)}</li>" for d in evaluation.drills)
        body.append(f"<h2>Three drills for next time</h2><ol>{items}</ol>")
    if evaluation.outline:
        items = "".join(
            f"<li>{'✔' if o.credit >= 1 else ('◐' if o.credit > 0 else '✘')} {escape(o.point)}"
            + (
                f'<blockquote><span class="time">{clock(o.start)}</span> {escape(o.quote)} '
                f"({o.credit:.0%})</blockquote>"
                if o.quote
                else ""
            )
            + "</li>"
            for o in evaluation.outline
        )
        body.append(f"<h2>Model answer outline, and how close you came</h2><ul>{items}</ul>")
    elif question and question.model_answer:
        items = "".join(f"<li>{escape(p)}</li>" for p in question.model_answer)
        body.append(f"<h2>Model answer outline</h2><ul>{items}</ul>")
    body.append("<h2>Delivery</h2>")
    if evaluation.delivery is None:
        body.append("<p>No word timings (a typed answer), so no delivery figures.</p>")
    else:
        rows = "".join(
            f"<tr><td>{escape(label)}</td><td>{escape(value)}</td><td>{escape(ref)}</td>"
            f'<td class="{verdict}">{verdict}</td></tr>'
            for label, value, ref, verdict in _delivery_rows(evaluation.delivery)
        )
        body.append(
            f"<table><tr><th>figure</th><th>value</th><th>reference</th><th></th></tr>{rows}"
            "</table>"
        )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>Interview feedback: {evaluation.overall}/100</title>"
        f"<style>{_CSS}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )
