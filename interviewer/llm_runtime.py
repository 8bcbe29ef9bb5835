"""Decides which LLM endpoint a run uses, and owns the embedded server's lifetime.

Embedded (default): assemble the bundled GGUF if needed, start llama.cpp on loopback.
Remote: when settings (or OPENAI_BASE_URL / OPENAI_API_KEY) name an endpoint, nothing
local is started.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType

from interviewer.adapters import model_assets
from interviewer.adapters.llm.embedded_server import MODEL_ALIAS, EmbeddedServer
from interviewer.adapters.llm.openai_chat import OpenAIChatModel
from interviewer.core.ports import ChatModel
from interviewer.errors import InterviewerError
from interviewer.settings import LLMSettings


@dataclass
class LLMRuntime:
    """A chat model plus, when embedded, the server behind it. Close it when done."""

    chat: OpenAIChatModel
    server: EmbeddedServer | None

    @property
    def description(self) -> str:
        if self.server is not None:
            return f"embedded llama.cpp ({self.server.model_path.name}) at {self.chat.shown_url}"
        return self.chat.shown_url

    def close(self) -> None:
        if self.server is not None:
            self.server.stop()

    def __enter__(self) -> LLMRuntime:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def open_llm(
    settings: LLMSettings,
    *,
    on_assemble: model_assets.ProgressCallback | None = None,
    on_wait: Callable[[float], None] | None = None,
) -> LLMRuntime:
    """Connect to the configured endpoint, starting the embedded server if that is it."""
    timeout = settings.timeout_seconds
    if not settings.uses_embedded_server:
        assert settings.base_url is not None
        api_key = settings.api_key.get_secret_value() if settings.api_key else None
        chat = OpenAIChatModel(
            settings.base_url,
            api_key=api_key,
            model=settings.model,
            timeout=timeout,
            stall_seconds=settings.stall_seconds,
        )
        return LLMRuntime(chat=chat, server=None)
    model_path = settings.model_path or model_assets.assemble(progress=on_assemble)
    server = EmbeddedServer(
        model_path,
        threads=settings.threads,
        context_size=settings.context_size,
        startup_timeout=settings.startup_timeout_seconds,
    )
    base_url = server.start(on_wait=on_wait)
    try:
        chat = OpenAIChatModel(base_url, model=MODEL_ALIAS, timeout=timeout)
        chat.cpu_gate = server.paused
    except BaseException:
        server.stop()
        raise
    return LLMRuntime(chat=chat, server=server)


def model_name_or_none(chat: ChatModel | None) -> str | None:
    """The endpoint's model name for the session record, or None when it cannot be
    asked right now (a dead endpoint must degrade the round, not stop it)."""
    if chat is None:
        return None
    try:
        return chat.model_name
    except InterviewerError:
        return None
