"""``ChatModel`` over any OpenAI-compatible endpoint, through the ``openai`` client.

This is how the product scales past one machine: point ``llm.base_url`` at OpenAI, a
vLLM or Ollama fleet, or the embedded llama.cpp server. Every transport failure becomes
``BackendUnavailable`` so the interview engine can degrade instead of crash.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from urllib.parse import urlparse

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
    ) -> None:
        # The client's own retries would hide faults from the engine, which has its own
        # retry budget and a scripted fallback; so the client does not retry.
        self._client = openai.OpenAI(
            base_url=base_url,
            api_key=api_key or "not-needed-for-local-servers",
            timeout=timeout,
            max_retries=0,
        )
        self._model = model
        self.base_url = base_url
        self.prompt_cache_warmable = urlparse(base_url).hostname in LOOPBACK_HOSTS
        """True for a server on this machine (the embedded llama.cpp, a local Ollama or
        vLLM): sending prompt prefixes ahead costs nothing there and fills its prefix
        cache. A remote API would bill every warm-up as input tokens, so it is not
        warmed (see ``prompt_cache.PromptWarmer``)."""
        self.cpu_gate: CpuGate | None = None
        """Set for the embedded server (``EmbeddedServer.paused``): holding it stops the
        server's background work while speech is decoded on the same cores."""

    @property
    def model_name(self) -> str:
        if self._model is None:
            self._model = self._first_model()
        return self._model

    def _first_model(self) -> str:
        try:
            models = self._client.models.list()
            first = next(iter(models), None)
        except openai.OpenAIError as error:
            raise BackendUnavailable(f"LLM endpoint {self.base_url}: {_describe(error)}") from None
        if first is None:
            raise BackendUnavailable(f"LLM endpoint {self.base_url} lists no models")
        return first.id

    def stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        max_tokens: int = 256,
        temperature: float = 0.6,
    ) -> Iterator[str]:
        try:
            response = self._client.chat.completions.create(
                model=self.model_name,
                messages=[_to_param(m) for m in messages],
                max_tokens=max_tokens,
                temperature=temperature,
                stream=True,
            )
            for chunk in response:
                if not chunk.choices:
                    continue
                delta = chunk.choices[0].delta.content
                if delta:
                    yield delta
        except openai.OpenAIError as error:
            raise BackendUnavailable(f"LLM endpoint {self.base_url}: {_describe(error)}") from None

    def complete(self, messages: Sequence[ChatMessage], *, max_tokens: int = 64) -> str:
        return "".join(self.stream(messages, max_tokens=max_tokens, temperature=0.0))


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
