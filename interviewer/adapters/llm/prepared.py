"""Replies generated while the candidate pauses, before their turn is known to be over.

On 2 cores the reply is most of the wait: ~1 s to prefill the per-turn note and the last
words, then ~1 s to decode the first sentence. But a turn usually ends in silence: the
persona's patience (hands-free), or the moment before the talk key is released. If the
reply is generated at the start of that silence, it is ready when the turn ends.

``PreparedChat`` wraps the real ``ChatModel``. ``prepare(request)`` runs one request in
the background (``InterviewEngine.next_request`` says which). When the engine then asks
for a request that the prepared one ``fits`` (by default: the very same request),
``stream`` replays the prepared deltas, waiting for the ones still being generated; any
other request goes to the real model, after the stale preparation is stopped (the local
server runs one request at a time).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence

from interviewer.core.ports import ChatMessage, ChatModel, ChatRequest


class _Preparation:
    """One background request: its deltas so far, and how it ended."""

    def __init__(self, request: ChatRequest) -> None:
        self.request = request
        self.deltas: list[str] = []
        self.done = False
        self.error: BaseException | None = None
        self.cancelled = False
        self.changed = threading.Condition()


class PreparedChat:
    """``ChatModel`` that can run one request ahead of time. Safe from any thread."""

    def __init__(
        self,
        inner: ChatModel,
        *,
        fits: Callable[[ChatRequest, ChatRequest], bool] | None = None,
    ) -> None:
        self.inner = inner
        self.fits = fits or (lambda prepared, asked: prepared == asked)
        """Whether a reply prepared for the first request may answer the second."""
        self.last_used: tuple[ChatRequest, ChatRequest] | None = None
        """(prepared, asked) when the latest request was answered by a prepared reply."""
        self.prompt_cache_warmable = bool(getattr(inner, "prompt_cache_warmable", False))
        self._lock = threading.Lock()
        self._current: _Preparation | None = None
        self.prepared = 0
        """Requests run ahead (for benchmarks and tests)."""
        self.used = 0
        """Prepared requests the engine then asked for."""

    @property
    def model_name(self) -> str:
        return self.inner.model_name

    @property
    def running(self) -> bool:
        """A preparation is still being generated."""
        with self._lock:
            current = self._current
        return current is not None and not current.done

    def prepare(self, request: ChatRequest) -> None:
        """Run ``request`` in the background; replaces (stops) any earlier one."""
        with self._lock:
            if self._current is not None and self._current.request == request:
                return  # already running or ready
            self._stop(self._current)
            preparation = self._current = _Preparation(request)
            self.prepared += 1
        threading.Thread(
            target=self._run, args=(preparation,), name="llm-prepare", daemon=True
        ).start()

    def cancel(self) -> None:
        """The candidate went on talking: stop the preparation, if any."""
        with self._lock:
            self._stop(self._current)
            self._current = None

    def stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        max_tokens: int = 256,
        temperature: float = 0.6,
    ) -> Iterator[str]:
        request = ChatRequest(tuple(messages), max_tokens, temperature)
        with self._lock:
            preparation, self._current = self._current, None
            if preparation is not None and not self.fits(preparation.request, request):
                self._stop(preparation)
                preparation = None
            if preparation is not None:
                self.used += 1
                self.last_used = (preparation.request, request)
        if preparation is None:
            self.last_used = None  # a retry after a rejected prepared reply, say
            return self.inner.stream(messages, max_tokens=max_tokens, temperature=temperature)
        return self._replay(preparation)

    # ------------------------------------------------------------------ internals

    @staticmethod
    def _stop(preparation: _Preparation | None) -> None:
        if preparation is None:
            return
        with preparation.changed:
            preparation.cancelled = True
            preparation.changed.notify_all()

    def _run(self, preparation: _Preparation) -> None:
        request = preparation.request
        try:
            stream = self.inner.stream(
                list(request.messages),
                max_tokens=request.max_tokens,
                temperature=request.temperature,
            )
            try:
                for delta in stream:
                    with preparation.changed:
                        if preparation.cancelled:
                            break
                        preparation.deltas.append(delta)
                        preparation.changed.notify_all()
            finally:
                # Closing the HTTP stream stops the server decoding tokens nobody reads.
                close = getattr(stream, "close", None)
                if close is not None:
                    close()
        except Exception as error:  # handed to the consumer, which decides
            with preparation.changed:
                preparation.error = error
        finally:
            with preparation.changed:
                preparation.done = True
                preparation.changed.notify_all()

    @staticmethod
    def _replay(preparation: _Preparation) -> Iterator[str]:
        index = 0
        try:
            while True:
                with preparation.changed:
                    while index >= len(preparation.deltas) and not preparation.done:
                        preparation.changed.wait()
                    fresh = preparation.deltas[index:]
                    finished = preparation.done
                    error = preparation.error
                index += len(fresh)
                yield from fresh
                if finished and index >= len(preparation.deltas):
                    if error is not None:
                        raise error
                    return
        finally:
            # The engine stops reading at the question mark: stop generating too.
            PreparedChat._stop(preparation)
