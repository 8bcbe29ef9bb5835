"""Answer files for headless rounds: text is used as said, audio is transcribed.

Audio goes through the same Whisper model and glossary biasing as a live round, so a
simulated round scores like a spoken one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from interviewer.core.content import Rubric
from interviewer.errors import InterviewerError
from interviewer.settings import Settings
from interviewer.simulation import PreparedAnswer

TEXT_SUFFIXES = frozenset({".txt", ".md"})


def prepare_answers(
    paths: Sequence[Path],
    settings: Settings,
    rubric: Rubric,
    *,
    status: Callable[[str], None] = lambda _: None,
) -> list[PreparedAnswer]:
    """Read every answer up front, so a bad file fails before the round starts."""
    missing = [p for p in paths if not p.is_file()]
    if missing:
        raise InterviewerError(
            f"answer file not found: {missing[0]}",
            fix="pass existing .txt or audio files to --answers",
        )
    answers: list[PreparedAnswer] = []
    transcribe = None
    for path in paths:
        if path.suffix.lower() in TEXT_SUFFIXES:
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as error:
                raise InterviewerError(
                    f"cannot read {path}: {error}", fix="save the answer as UTF-8 text"
                ) from error
            answers.append(PreparedAnswer.from_text(path, text))
            continue
        if transcribe is None:
            status("loading Whisper…")
            transcribe = _file_transcriber(settings, rubric)
        status(f"transcribing {path.name}…")
        answers.append(transcribe(path))
    return answers


def _file_transcriber(settings: Settings, rubric: Rubric) -> Callable[[Path], PreparedAnswer]:
    from interviewer.adapters.audio.files import read_audio
    from interviewer.services import real_services

    # The transcriber carries the rubric's glossary prompt (when enabled in settings).
    transcriber = real_services(settings).load_transcriber(rubric.glossary)

    def transcribe(path: Path) -> PreparedAnswer:
        samples = read_audio(path)
        transcript = transcriber.transcribe(samples)
        return PreparedAnswer(
            source=path,
            text=transcript.text,
            duration=transcript.duration,
            words=list(transcript.words),
            audio=path,
        )

    return transcribe
