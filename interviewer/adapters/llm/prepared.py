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

While a newer preparation runs, the last finished one is kept: with push-to-talk,
replies are prepared again and again as the candidate speaks, and when the key comes a
finished reply for slightly fewer words is worth more than a newer one still being
generated.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence

from interviewer.core.ports import ChatMessage, ChatModel, ChatRequest
from interviewer.errors import ReplyTooSlow


class _Preparation:
    """One background request: its deltas so far, and how it ended."""

    def __init__(
        self,
        request: ChatRequest,
        accept: Callable[[str], bool] | None,
        complete: Callable[[str], bool] | None,
    ) -> None:
        self.request = request
        self.accept = accept
        self.complete = complete
        self.deltas: list[str] = []
        self.done = False
        self.error: BaseException | None = None
        self.cancelled = False
        self.rejected = False
        """The reply came complete, but the engine would reject it (``accept``)."""
        self.changed = threading.Condition()


class PreparedChat:
    """``ChatModel`` that can run one request ahead of time. Safe from any thread."""

    def __init__(
        self,
        inner: ChatModel,
        *,
        fits: Callable[[ChatRequest, ChatRequest], bool] | None = None,
        first_sentence_seconds: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.inner = inner
        self.first_sentence_seconds = first_sentence_seconds
        """When set, the reply to a spoken turn (``start_reply(spoken=True)``) must be
        heard this long after the turn ended, prepared or not: its question complete,
        the whole reply in, or a sentence of it said early (``started_speaking``).
        Otherwise ``stream`` raises ``ReplyTooSlow`` and the engine says its planned
        line as written. Measured on 2 cores, a reply nobody prepared took 2-4 s to its
        first sentence; the candidate waits in silence meanwhile. A sentence that is
        merely complete does not count: the engine may not say it (a lead-in that is
        not an acknowledgement waits for the question), and waiting on for the rest
        was measured at 1.4-2.8 s of silence before a rejected reply's planned line."""
        self._clock = clock
        self._deadline: float | None = None
        self._heard = threading.Event()
        """Set when part of the current reply was said (``started_speaking``)."""
        self.fits = fits or (lambda prepared, asked: prepared == asked)
        """Whether a reply prepared for the first request may answer the second."""
        self.last_used: tuple[ChatRequest, ChatRequest] | None = None
        """(prepared, asked) when the latest request was answered by a prepared reply."""
        self.last_replayed: tuple[ChatRequest, ChatRequest] | None = None
        """(prepared, asked) of the latest replay, kept when the engine then rejected
        the reply and asked again (for benchmarks: its first words were spoken)."""
        self.prompt_cache_warmable = bool(getattr(inner, "prompt_cache_warmable", False))
        self._lock = threading.Lock()
        self._current: _Preparation | None = None
        self._ready: _Preparation | None = None
        """The last preparation that finished without error, kept while a newer runs."""
        self.prepared = 0
        """Requests run ahead (for benchmarks and tests)."""
        self.used = 0
        """Prepared requests the engine then asked for."""
        self.rejected = 0
        """Preparations whose complete reply ``accept`` turned down (sampled again)."""
        self.rejected_replies: list[str] = []
        """Their texts, newest last (for benchmarks: what the guard turns down)."""

    @property
    def model_name(self) -> str:
        return self.inner.model_name

    @property
    def running(self) -> bool:
        """A preparation is still being generated."""
        with self._lock:
            current = self._current
        return current is not None and not current.done

    @property
    def latest(self) -> ChatRequest | None:
        """The newest request prepared that may still be used (running, or finished
        and accepted); None when there is none, or the newest reply was rejected."""
        with self._lock:
            newest = self._current or self._ready
        if newest is None or newest.rejected:
            return None
        return newest.request

    def prepare(
        self,
        request: ChatRequest,
        accept: Callable[[str], bool] | None = None,
        complete: Callable[[str], bool] | None = None,
    ) -> None:
        """Run ``request`` in the background. Stops an earlier one still running; one
        that finished is kept until this one has finished too. ``accept`` checks the
        complete reply as the engine will: a reply it turns down is never replayed, and
        the same request may be prepared again for another sample. ``complete`` says
        when the reply so far is all the engine will read (it stops at the question):
        generating more would only hold up the next preparation."""
        with self._lock:
            usable = [p for p in (self._current, self._ready) if p is not None and not p.rejected]
            if any(p.request == request for p in usable):
                return  # already running or ready
            self._keep_if_finished(self._current)
            self._stop(self._current)
            preparation = self._current = _Preparation(request, accept, complete)
            self.prepared += 1
        threading.Thread(
            target=self._run, args=(preparation,), name="llm-prepare", daemon=True
        ).start()

    def start_reply(self, *, spoken: bool) -> None:
        """The engine is about to be asked for a reply. To a spoken turn, the
        first-sentence deadline counts from now, for every request until the next
        ``start_reply``; a typed answer (the candidate reads) or a key waits for the
        model as long as it takes."""
        with self._lock:
            self._deadline = (
                self._clock() + self.first_sentence_seconds
                if spoken and self.first_sentence_seconds is not None
                else None
            )
            self._heard.clear()

    def started_speaking(self) -> None:
        """The engine said a sentence of the reply early: the deadline is met."""
        self._heard.set()

    def cancel(self) -> None:
        """The candidate went on talking, or the turn is over: stop the preparation, if
        any, and forget every prepared reply."""
        with self._lock:
            self._stop(self._current)
            self._current = self._ready = None
            self._deadline = None

    def stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        max_tokens: int = 256,
        temperature: float = 0.6,
    ) -> Iterator[str]:
        request = ChatRequest(tuple(messages), max_tokens, temperature)
        with self._lock:
            deadline = self._deadline
            self._keep_if_finished(self._current)
            # A finished reply first: it can be spoken at once.
            candidates = [
                p for p in (self._ready, self._current) if p is not None and not p.rejected
            ]
            preparation = next((p for p in candidates if self.fits(p.request, request)), None)
            for other in candidates:
                if other is not preparation:
                    self._stop(other)
            self._current = self._ready = None
            if preparation is not None:
                self.used += 1
                self.last_used = self.last_replayed = (preparation.request, request)
        if preparation is None:
            self.last_used = None  # a retry after a rejected prepared reply, say
            if deadline is None:
                return self.inner.stream(messages, max_tokens=max_tokens, temperature=temperature)
            # Run in the background like a preparation, so that waiting for its first
            # sentence can give up at the deadline.
            preparation = _Preparation(request, None, None)
            threading.Thread(
                target=self._run, args=(preparation,), name="llm-reply", daemon=True
            ).start()
        return self._replay(preparation, deadline, self._clock, self._heard)

    # ------------------------------------------------------------------ internals

    def _keep_if_finished(self, preparation: _Preparation | None) -> None:
        """Called under the lock: a complete, successful preparation becomes the ready one."""
        if preparation is None:
            return
        with preparation.changed:
            finished = (
                preparation.done
                and preparation.error is None
                and not preparation.cancelled
                and not preparation.rejected
            )
        if finished:
            self._ready = preparation
            if self._current is preparation:
                self._current = None

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
                    if preparation.complete is not None and preparation.complete(
                        "".join(preparation.deltas)
                    ):
                        break
            finally:
                # Closing the HTTP stream stops the server decoding tokens nobody reads.
                close = getattr(stream, "close", None)
                if close is not None:
                    close()
            accept = preparation.accept
            if (
                accept is not None
                and not preparation.cancelled
                and not accept("".join(preparation.deltas))
            ):
                with preparation.changed:
                    preparation.rejected = True
                with self._lock:
                    self.rejected += 1
                    self.rejected_replies.append("".join(preparation.deltas))
        except Exception as error:  # handed to the consumer, which decides
            with preparation.changed:
                preparation.error = error
        finally:
            with preparation.changed:
                preparation.done = True
                preparation.changed.notify_all()

    @staticmethod
    def _replay(
        preparation: _Preparation,
        deadline: float | None,
        clock: Callable[[], float],
        heard: threading.Event,
    ) -> Iterator[str]:
        index = 0
        try:
            while True:
                with preparation.changed:
                    while index >= len(preparation.deltas) and not preparation.done:
                        # ``heard`` is set by our consumer between deltas, never while
                        # it waits here.
                        if deadline is None or heard.is_set():
                            preparation.changed.wait()
                            continue
                        left = deadline - clock()
                        if left <= 0:
                            raise ReplyTooSlow(
                                "the model's reply was not ready to be said in time: the "
                                "planned line is said as written"
                            )
                        preparation.changed.wait(left)
                    fresh = preparation.deltas[index:]
                    finished = preparation.done
                    error = preparation.error
                index += len(fresh)
                if deadline is not None and "?" in "".join(fresh):
                    deadline = None  # the question is complete: the reply is ready
                yield from fresh
                if finished and index >= len(preparation.deltas):
                    if error is not None:
                        raise error
                    return
        finally:
            # The engine stops reading at the question mark: stop generating too.
            PreparedChat._stop(preparation)
