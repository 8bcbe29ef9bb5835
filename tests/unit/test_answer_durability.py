"""Issue 20.2: an answer is on disk before the model is asked about it, so killing the
app while the reply is pending (a slow or hanging endpoint) never loses the answer."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path

from interviewer import catalog
from interviewer.adapters.store.files import FileSessionStore
from interviewer.core.content import Level
from interviewer.core.ports import ChatMessage
from interviewer.live import SpokenTurn
from interviewer.simulation import PreparedAnswer, simulate_round
from tests.fakes import job_queue_round

ANSWER = "I would keep the jobs in Postgres and let workers lease them with a timeout."


class DiskCheckingChat:
    """Records, each time it is asked, the candidate answers already in session.json."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.answers_on_disk: list[list[str]] = []

    @property
    def model_name(self) -> str:
        return "disk-checking"

    def stream(
        self, messages: Sequence[ChatMessage], *, max_tokens: int = 256, temperature: float = 0.6
    ) -> Iterator[str]:
        said: list[str] = []
        for path in self.root.glob("*/session.json"):
            turns = json.loads(path.read_text())["turns"]
            said += [t["text"] for t in turns if t["speaker"] == "candidate"]
        self.answers_on_disk.append(said)
        yield "What happens when a worker dies mid-job?"


def test_a_live_answer_is_saved_before_the_model_is_asked(tmp_path: Path) -> None:
    chat = DiskCheckingChat(tmp_path)
    live = job_queue_round(tmp_path, chat)
    live.start()
    live.answer(SpokenTurn(text=ANSWER, words=[], duration=6.0))
    assert chat.answers_on_disk and chat.answers_on_disk[-1] == [ANSWER]


def test_a_simulated_answer_is_saved_before_the_model_is_asked(tmp_path: Path) -> None:
    rubric = catalog.load_rubrics().get("distributed-systems-design", "rubric")
    chat = DiskCheckingChat(tmp_path)
    simulate_round(
        store=FileSessionStore(tmp_path),
        persona=catalog.load_personas().get("staff-infra", "persona"),
        rubric=rubric,
        question=rubric.question("job-queue"),
        level=Level.SENIOR,
        chat=chat,
        answers=[PreparedAnswer(source=tmp_path / "a.txt", text=ANSWER, duration=6.0)],
        round_minutes=25,
    )
    assert chat.answers_on_disk and chat.answers_on_disk[0] == [ANSWER]


def test_a_reply_prepared_ahead_saves_nothing(tmp_path: Path) -> None:
    """Predicting the next request runs a twin engine: its guessed answer is not saved."""
    saved: list[int] = []
    live = job_queue_round(tmp_path, DiskCheckingChat(tmp_path))
    live.start()
    live.engine.on_answer_recorded = lambda session: saved.append(len(session.turns))
    assert live.engine.next_reply(ANSWER) is not None
    assert saved == []
