"""Score a saved session and keep the result beside it.

A round is scored from its ``session.json`` alone (never from the live engine), so the
same code re-scores an old recording with another rubric, and a score can always be
reproduced from what is on disk. ``evaluation.json`` is the full ``Evaluation``;
``report.md`` and ``report.html`` are what a person reads.
"""

from __future__ import annotations

from interviewer.adapters.store.files import FileSessionStore
from interviewer.core.content import Level, Rubric
from interviewer.core.ports import SentenceSimilarity
from interviewer.core.report import render_html, render_markdown
from interviewer.core.scoring import Evaluation, evaluate

EVALUATION_FILE = "evaluation.json"
REPORT_MD = "report.md"
REPORT_HTML = "report.html"


def evaluate_and_save(
    store: FileSessionStore,
    session_id: str,
    rubric: Rubric,
    *,
    level: Level | None = None,
    similarity: SentenceSimilarity | None = None,
) -> Evaluation:
    """Score session ``session_id`` against ``rubric``; write the evaluation and reports.

    The session's question is used when the rubric has it (re-scoring with a different
    rubric scores the same words without a question-specific outline).
    """
    session = store.load(session_id)
    question_id = (
        session.question_id if any(q.id == session.question_id for q in rubric.questions) else None
    )
    evaluation = evaluate(rubric, question_id, session, level, similarity=similarity)
    store.write_artifact(session_id, EVALUATION_FILE, evaluation.model_dump_json(indent=2))
    store.write_artifact(session_id, REPORT_MD, render_markdown(evaluation, session, rubric))
    store.write_artifact(session_id, REPORT_HTML, render_html(evaluation, session, rubric))
    return evaluation


def load_evaluation(store: FileSessionStore, session_id: str) -> Evaluation | None:
    """The saved evaluation, or None when the session was never scored (or the file is
    unreadable: it is derived data, so re-scoring rebuilds it)."""
    text = store.read_artifact(session_id, EVALUATION_FILE)
    if text is None:
        return None
    try:
        return Evaluation.model_validate_json(text)
    except ValueError:
        return None
