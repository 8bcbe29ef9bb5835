"""``ChatModel`` over any OpenAI-compatible endpoint, through the ``openai`` client.

This is how the product scales past one machine: point ``llm.base_url`` at OpenAI, a
vLLM or Ollama fleet, or the embedded llama.cpp server. Every transport failure becomes
``BackendUnavailable`` so the interview engine can degrade instead of crash.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qsl, urlencode, urlparse, urlsplit, urlunsplit

import openai
from openai.types.chat import ChatCompletionMessageParam

from interviewer.core.ports import ChatMessage
from interviewer.errors import BackendUnavailable

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

CpuGate = Callable[[], AbstractContextManager[None]]
"""A context manager factory: while one is held, the LLM server's work waits."""


class OpenAIChatModel:
    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        model: str | None = None,
        timeout: float = 30.0,
        stall_seconds: float | None = None,
    ) -> None:
        self.timeout = timeout
        """Wall-clock budget for one whole reply, however the endpoint trickles it."""
        self.stall_seconds = min(stall_seconds or timeout, timeout)
        """The longest the endpoint may send nothing, or only empty deltas, before the
        reply is given up: a hanging endpoint costs this, not ``timeout``."""
        # The client's own retries would hide faults from the engine, which has its own
        # retry budget and a scripted fallback; so the client does not retry.
        self._client = openai.OpenAI(
            base_url=base_url,
            api_key=api_key or "not-needed-for-local-servers",
            timeout=self.stall_seconds,
            max_retries=0,
        )
        self._model = model
        self.base_url = base_url
        self.shown_url = redact_url(base_url)
        """``base_url`` as shown to the user and written into sessions: credentials out."""
        self.prompt_cache_warmable = urlparse(base_url).hostname in LOOPBACK_HOSTS
        """True for a server on this machine (the embedded llama.cpp, a local Ollama or
        vLLM): sending prompt prefixes ahead costs nothing there and fills its prefix
        cache. A remote API would bill every warm-up as input tokens, so it is not
        warmed (see ``prompt_cache.PromptWarmer``)."""
        self.cpu_gate: CpuGate | None = None
        """Set for the embedded server (``EmbeddedServer.paused``): holding it stops the
        server's background work while speech is decoded on the same cores."""

    def with_timeout(self, timeout: float) -> OpenAIChatModel:
        """The same endpoint with a longer budget per reply (the debrief, where nobody is
        mid-answer waiting). A stall limit shorter than the old budget (a remote endpoint's)
        is kept; one equal to it (the embedded server's) grows with it."""
        stall = self.stall_seconds if self.stall_seconds < self.timeout else timeout
        patient = OpenAIChatModel(
            self.base_url,
            api_key=self._client.api_key,
            model=self._model,
            timeout=timeout,
            stall_seconds=stall,
        )
        patient.cpu_gate = self.cpu_gate
        return patient

    @property
    def model_name(self) -> str:
        if self._model is None:
            self._model = self._first_model()
        return self._model

    def _first_model(self) -> str:
        try:
            models = self._client.models.list()
            first = next(iter(models), None)
            model_id = getattr(first, "id", None) if first is not None else None
        except openai.OpenAIError as error:
            raise self._unavailable(error) from None
        except _GARBAGE as error:
            raise BackendUnavailable(
                f"LLM endpoint {self.shown_url}: /models answered something that is not a "
                f"model list ({type(error).__name__})",
                fix="check llm.base_url: it must be an OpenAI-compatible API ending in /v1",
            ) from None
        if first is None:
            raise BackendUnavailable(f"LLM endpoint {self.shown_url} lists no models")
        if not isinstance(model_id, str) or not model_id:
            raise BackendUnavailable(
                f"LLM endpoint {self.shown_url}: /models answered a model without an id",
                fix="set llm.model to the model's name",
            )
        return model_id

    def stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        max_tokens: int = 256,
        temperature: float = 0.6,
    ) -> Iterator[str]:
        started = time.monotonic()
        last_words = started
        response = None
        try:
            response = self._client.chat.completions.create(
                model=self.model_name,
                messages=[_to_param(m) for m in messages],
                max_tokens=max_tokens,
                temperature=temperature,
                stream=True,
            )
            for chunk in response:
                now = time.monotonic()
                delta = chunk.choices[0].delta.content if chunk.choices else None
                if delta:
                    last_words = now
                    yield delta
                if now - started > self.timeout:
                    raise self._timed_out(f"no complete reply in {self.timeout:g} s")
                if now - last_words > self.stall_seconds:
                    raise self._timed_out(f"no words for {self.stall_seconds:g} s")
        except openai.OpenAIError as error:
            raise self._unavailable(error) from None
        except _GARBAGE as error:
            raise BackendUnavailable(
                f"LLM endpoint {self.shown_url}: the reply stream is not valid "
                f"({type(error).__name__})"
            ) from None
        finally:
            if response is not None:
                response.close()

    def complete(self, messages: Sequence[ChatMessage], *, max_tokens: int = 64) -> str:
        return "".join(self.stream(messages, max_tokens=max_tokens, temperature=0.0))

    def _timed_out(self, why: str) -> BackendUnavailable:
        return BackendUnavailable(
            f"LLM endpoint {self.shown_url}: timed out ({why})", timed_out=True
        )

    def _unavailable(self, error: openai.OpenAIError) -> BackendUnavailable:
        return BackendUnavailable(
            f"LLM endpoint {self.shown_url}: {_describe(error)}",
            timed_out=isinstance(error, openai.APITimeoutError),
            retry_after=_retry_after(error),
        )


_GARBAGE = (ValueError, TypeError, AttributeError, KeyError, IndexError)
"""What the client raises when an endpoint answers text that is not the API's JSON."""


def redact_url(url: str) -> str:
    """``url`` without secrets, for anything shown or stored: the user name and password
    become ``***`` and so does every query value (``?api-key=...``)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "<an unparsable URL>"
    if ":" in host:
        host = f"[{host}]"
    netloc = f"***@{host}{port}" if parts.username or parts.password else parts.netloc
    query = urlencode(
        [(key, "***") for key, _ in parse_qsl(parts.query, keep_blank_values=True)], safe="*"
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def _retry_after(error: openai.OpenAIError) -> float | None:
    """Seconds from an HTTP ``Retry-After`` header (a number or a date), if any."""
    if not isinstance(error, openai.APIStatusError):
        return None
    value = error.response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _to_param(message: ChatMessage) -> ChatCompletionMessageParam:
    if message.role == "system":
        return {"role": "system", "content": message.content}
    if message.role == "assistant":
        return {"role": "assistant", "content": message.content}
    return {"role": "user", "content": message.content}


def _describe(error: openai.OpenAIError) -> str:
    if isinstance(error, openai.APITimeoutError):
        return "timed out"
    if isinstance(error, openai.APIConnectionError):
        return "cannot connect"
    if isinstance(error, openai.APIStatusError):
        return f"HTTP {error.status_code}"
    return type(error).__name__
