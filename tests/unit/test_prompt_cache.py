"""The prompt warmer: newest prefix only, never raises, never warms what it must not."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from interviewer.adapters.llm.openai_chat import OpenAIChatModel
from interviewer.adapters.llm.prompt_cache import PromptWarmer, warmable
from interviewer.core.ports import ChatMessage
from tests.fakes import ScriptedChat


class RecordingChat:
    model_name = "recording"

    def __init__(self, fail: bool = False) -> None:
        self.requests: list[tuple[list[ChatMessage], int]] = []
        self.fail = fail

    def stream(
        self, messages: Sequence[ChatMessage], *, max_tokens: int = 256, temperature: float = 0.6
    ) -> Iterator[str]:
        self.requests.append((list(messages), max_tokens))
        if self.fail:
            raise RuntimeError("endpoint down")
        yield "x"


def prefix(text: str) -> list[ChatMessage]:
    return [ChatMessage("system", "s"), ChatMessage("user", text)]


def test_only_the_newest_prefix_is_sent_and_with_one_token() -> None:
    chat = RecordingChat()
    warmer = PromptWarmer(chat, min_interval=0.2)
    warmer.warm(prefix("a"))
    assert warmer.wait_idle(5)
    for text in ("ab", "abc", "abcd"):  # within one interval: coalesced
        warmer.warm(prefix(text))
    assert warmer.wait_idle(5)
    warmer.close()
    assert [r[0][-1].content for r in chat.requests] == ["a", "abcd"]
    assert {r[1] for r in chat.requests} == {1}


def test_cancel_drops_what_was_not_sent() -> None:
    chat = RecordingChat()
    warmer = PromptWarmer(chat, min_interval=0.5)
    warmer.warm(prefix("a"))
    assert warmer.wait_idle(5)
    warmer.warm(prefix("ab"))
    warmer.cancel()
    assert warmer.wait_idle(5)
    warmer.close()
    assert len(chat.requests) == 1


def test_failures_are_counted_not_raised() -> None:
    warmer = PromptWarmer(RecordingChat(fail=True), min_interval=0.0)
    warmer.warm(prefix("a"))
    assert warmer.wait_idle(5)
    warmer.close()
    assert warmer.failures == 1 and warmer.sent == 0


def test_only_local_servers_are_warmed() -> None:
    """A remote API would bill every warm-up; fakes would lose scripted replies."""
    assert warmable(OpenAIChatModel("http://127.0.0.1:8080/v1", model="m"))
    assert not warmable(OpenAIChatModel("https://api.openai.com/v1", api_key="k", model="m"))
    assert not warmable(ScriptedChat([]))


def test_a_prefix_waits_to_settle_so_a_prepared_reply_can_cancel_it() -> None:
    """The partial that comes with a pause is followed at once by the reply being
    prepared; its warm-up must not reach the server first."""
    chat = RecordingChat()
    warmer = PromptWarmer(chat, min_interval=0.0, settle_seconds=0.5)
    warmer.warm(prefix("the answer so far"))
    warmer.cancel()  # what prepare_reply does, moments later
    assert warmer.wait_idle(5)
    warmer.warm(prefix("later words"))
    assert warmer.wait_idle(5)
    warmer.close()
    assert [r[0][-1].content for r in chat.requests] == ["later words"]
