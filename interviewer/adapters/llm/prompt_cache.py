"""Warming the LLM server's prompt cache while the candidate is still talking.

llama.cpp keeps the KV cache of the last prompt and reuses its longest common prefix
("prefix-match hit" in the server log). Every request of a round starts with the same
system prompt and the conversation so far, so if the candidate's words are sent ahead
as they are transcribed, only the last words and the short per-turn note are left to
prefill when the turn ends: measured on 2 cores, ~150 tokens (~2.3 s) become ~30.

``PromptWarmer`` sends ``max_tokens=1`` requests on one background thread. Only the
newest prefix matters, so a new one replaces any that has not been sent; ``cancel()``
drops what is pending when the real request is about to go (a warm request already in
flight finishes first: the server runs one request at a time).
"""

from __future__ import annotations

import threading
import time

from interviewer.core.ports import ChatMessage, ChatModel


def warmable(chat: object) -> bool:
    """Whether warming ``chat`` is free and useful (a local server; see
    ``OpenAIChatModel.prompt_cache_warmable``). Fakes and remote APIs: no."""
    return getattr(chat, "prompt_cache_warmable", False) is True


class PromptWarmer:
    """Sends the newest prompt prefix ahead, in the background. Safe from any thread."""

    def __init__(
        self, chat: ChatModel, *, min_interval: float = 2.0, settle_seconds: float = 0.25
    ) -> None:
        self.chat = chat
        self.settle_seconds = settle_seconds
        """A prefix is sent only once it has been the newest for this long. The partial
        that comes with a pause is often followed at once by the reply itself being
        prepared (``LiveRound.prepare_reply``), which cancels it: a warm-up already sent
        would hold the server (a prefill cannot be interrupted) while the reply waits."""
        self._updated_at = float("-inf")
        self.min_interval = min_interval
        """Seconds between warm requests, at least; and at least twice what the last
        one took, so warming keeps the server busy at most a third of the time.
        Measured under load: a warm-up of 20-40 tokens took 3-8 s while streaming
        Whisper had the same 2 cores, the server was never idle, and the real request
        queued behind an unfinished warm-up (a prefill cannot be interrupted)."""
        self._last_sent = float("-inf")
        self._last_cost = 0.0
        self.sent = 0
        """Warm requests completed (for benchmarks and tests)."""
        self.failures = 0
        """Warm requests that failed; warming is best effort and never raises."""
        self._pending: list[ChatMessage] | None = None
        self._busy = False
        self._closed = False
        self._wake = threading.Condition()
        self._thread = threading.Thread(target=self._loop, name="llm-warm", daemon=True)
        self._thread.start()

    def warm(self, messages: list[ChatMessage]) -> None:
        """Send ``messages`` ahead soon; replaces a prefix that was not sent yet."""
        with self._wake:
            if self._closed:
                return
            self._pending = list(messages)
            self._updated_at = time.monotonic()
            self._wake.notify_all()

    def cancel(self) -> None:
        """Drop the prefix that was not sent yet (the real request goes next)."""
        with self._wake:
            self._pending = None

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until nothing is pending or in flight; False on timeout."""
        with self._wake:
            return self._wake.wait_for(lambda: self._pending is None and not self._busy, timeout)

    def close(self) -> None:
        with self._wake:
            self._closed = True
            self._pending = None
            self._wake.notify_all()
        self._thread.join(timeout=5)

    def _interval(self) -> float:
        return max(self.min_interval, 2 * self._last_cost)

    def _wait_left(self) -> float:
        now = time.monotonic()
        return max(
            self._last_sent + self._interval() - now, self._updated_at + self.settle_seconds - now
        )

    def _loop(self) -> None:
        while True:
            with self._wake:
                self._wake.wait_for(lambda: self._pending is not None or self._closed)
                # Newer prefixes replace the pending one while the interval runs out.
                while not self._closed and (rest := self._wait_left()) > 0:
                    self._wake.wait(rest)
                if self._closed:
                    return
                if self._pending is None:  # cancelled while waiting
                    continue
                messages, self._pending = self._pending, None
                self._last_sent = time.monotonic()
                self._busy = True
            assert messages is not None
            try:
                for _ in self.chat.stream(messages, max_tokens=1, temperature=0.0):
                    pass
                self.sent += 1
            except Exception:  # best effort: the real request reports real faults
                self.failures += 1
            finally:
                with self._wake:
                    self._last_cost = time.monotonic() - self._last_sent
                    self._busy = False
                    self._wake.notify_all()
