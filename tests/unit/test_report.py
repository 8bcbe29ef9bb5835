"""The feedback report in Markdown and self-contained HTML."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from interviewer import catalog
from interviewer.core.content import Rubric
from interviewer.core.report import clock, render_html, render_markdown
from interviewer.core.scoring import Evaluation, evaluate
from interviewer.core.session import Session, Speaker, Turn, TurnKind, Word

ANSWERS = Path(__file__).resolve().parents[1] / "data" / "answers"


@pytest.fixture(scope="module")
def rubric() -> Rubric:
    return catalog.load_rubrics().get("distributed-systems-design", "rubric")


@pytest.fixture(scope="module")
def session(rubric: Rubric) -> Session:
    text = (ANSWERS / "jq-senior.txt").read_text(encoding="utf-8")
    spoken = text.split()
    words = [Word(word=w, start=i * 0.4, end=i * 0.4 + 0.3) for i, w in enumerate(spoken)]
    return Session(
        id="20240101-abc",
        persona_id="p",
        rubric_id=rubric.id,
        question_id="job-queue",
        turns=[
            Turn(
                index=0, speaker=Speaker.INTERVIEWER, kind=TurnKind.QUESTION, text="Q", duration=8
            ),
            Turn(
                index=1,
                speaker=Speaker.CANDIDATE,
                kind=TurnKind.ANSWER,
                text=text,
                started_at=70.0,
                duration=words[-1].end,
                audio_file="turn-001.flac",
                words=words,
            ),
        ],
    )


@pytest.fixture(scope="module")
def evaluation(rubric: Rubric, session: Session) -> Evaluation:
    return evaluate(rubric, None, session)


def test_clock() -> None:
    assert clock(0) == "00:00"
    assert clock(75.9) == "01:15"
    assert clock(None) == ""


def test_markdown_has_scores_quotes_times_missing_drills_outline_delivery(
    rubric: Rubric, session: Session, evaluation: Evaluation
) -> None:
    markdown = render_markdown(evaluation, session, rubric)
    assert f"{evaluation.overall}/100" in markdown
    quoted = [q for c in evaluation.criteria for q in c.evidence]
    assert quoted
    for quote in quoted:
        assert quote.quote in markdown
        assert f"[{clock(quote.start)}]" in markdown
    assert "turn-001.flac#t=" in markdown
    for criterion in evaluation.criteria:
        assert criterion.anchor in markdown
        for description in criterion.missing_descriptions:
            assert description in markdown
    for point in rubric.question("job-queue").model_answer:
        assert point in markdown
    assert "words per minute" in markdown
    assert evaluation.drills and evaluation.drills[0] in markdown


def test_html_is_self_contained_and_charts_every_level(
    rubric: Rubric, session: Session, evaluation: Evaluation
) -> None:
    page = render_html(evaluation, session, rubric)
    assert page.startswith("<!DOCTYPE html>")
    assert "<svg" in page and "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    assert "<script" not in page and "<link" not in page

    class Bars(HTMLParser):
        titles: list[str] = []

        def handle_data(self, data: str) -> None:
            if ": level " in data and "/4" in data:
                self.titles.append(data)

    parser = Bars()
    parser.feed(page)
    for criterion in evaluation.criteria:
        assert f"{criterion.title}: level {criterion.level}/4" in parser.titles


def test_html_escapes_what_the_candidate_said(rubric: Rubric) -> None:
    evaluation = evaluate(rubric, None, "We use a dead letter queue <script>alert(1)</script>.")
    page = render_html(evaluation)
    assert "<script>alert" not in page
    assert "&lt;script&gt;" in page


def test_typed_answer_report_says_there_is_no_delivery(rubric: Rubric) -> None:
    evaluation = evaluate(rubric, "job-queue", "We retry with backoff and alert on timeouts.")
    assert "No word timings" in render_markdown(evaluation, None, rubric)
