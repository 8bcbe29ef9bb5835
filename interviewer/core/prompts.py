"""Prompts for the interviewer persona.

Layout matters for latency: the system message is identical for every request in a
round (persona, question, level, rules; nothing that changes per turn), and the
conversation follows in order, so the llama.cpp server reuses its KV cache for
everything but the newest turn (TTFT ~0.05 s on a cached prefix versus ~65 tok/s of
prefill on 2 cores). The per-turn instruction ("ask this probe") rides at the end of the
last user message for the same reason.

The model is told *what* to ask (the planner chose the probe); it only chooses the
words. It never sees the model answer, so it cannot leak it.
"""

from __future__ import annotations

from collections.abc import Sequence

from interviewer.core.content import Level, Persona, Probe, Question, Rubric, Tone
from interviewer.core.glossary import normalize_for_matching
from interviewer.core.ports import ChatMessage, ChatRequest, Role
from interviewer.core.session import Speaker, Turn

__all__ = [
    "TONE_STYLE",
    "candidate_question_messages",
    "history_messages",
    "prefix_messages",
    "probe_messages",
    "reply_token_budget",
    "system_prompt",
    "words_added",
]

TONE_STYLE: dict[Tone, str] = {
    Tone.WARM: "You are warm and encouraging: acknowledge a good point in a few words "
    "before you ask, and keep the pressure friendly.",
    Tone.NEUTRAL: "You are calm and matter-of-fact: no praise, no criticism, just the "
    "next question.",
    Tone.TOUGH: "You are terse and skeptical, like a busy staff engineer: no praise, no "
    "small talk; you press on the weakest point and expect specifics.",
}

HISTORY_WORDS_PER_TURN = 140
"""Long answers are clipped in the prompt (start and end kept): a 1.5B model loses the
thread in long contexts, and prefill on 2 cores costs ~15 ms per token."""
CLIP_STEP_WORDS = 35
"""The kept end of a clipped answer starts on a multiple of this many words, so that as a
live transcript grows its clipped form keeps the same start for ~35 words (~14 s of
speech) and the prompt cache warmed from it stays valid (see ``prefix_messages``)."""

REACT: dict[Tone, str] = {
    Tone.WARM: "You may acknowledge one specific thing the candidate said, in a few words, "
    "then ask.",
    Tone.NEUTRAL: "Optionally refer to one thing the candidate said, then ask.",
    Tone.TOUGH: "No acknowledgement: ask directly.",
}


def system_prompt(persona: Persona, rubric: Rubric, question: Question, level: Level) -> str:
    company = f" at a {persona.company_style}" if persona.company_style else ""
    lines = [
        f"You are {persona.name}, {persona.title}{company}. You are interviewing a "
        f"candidate for a {level.value}-level engineering role in a live, spoken "
        f"{rubric.title} interview.",
        f'The interview question is: "{question.prompt}"',
        f"For a {level.value} candidate you expect: {rubric.levels.for_level(level)}",
        TONE_STYLE[persona.tone],
        "Rules:",
        f"- Speak as {persona.name} in plain spoken sentences: no lists, no markdown, "
        f"no headings. At most {persona.max_reply_sentences} sentences per reply.",
        "- Ask exactly one question per reply and stop after the question mark.",
        "- Never explain, teach, hint at or suggest a solution. Never answer your own "
        "question. Never describe what a good answer would contain.",
        "- Never mention being an AI, a model or an assistant; you are the interviewer.",
    ]
    if persona.instructions.strip():
        lines.append(persona.instructions.strip())
    return "\n".join(lines)


def _clip(text: str, limit: int = HISTORY_WORDS_PER_TURN) -> str:
    words = text.split()
    if len(words) <= limit:
        return " ".join(words)
    half = limit // 2
    # The end kept is the last half..half+step words, starting on a step boundary.
    tail_start = max(half, (len(words) - half) // CLIP_STEP_WORDS * CLIP_STEP_WORDS)
    return " ".join([*words[:half], "…", *words[tail_start:]])


def history_messages(turns: Sequence[Turn]) -> list[ChatMessage]:
    """The round so far: interviewer turns as the assistant, candidate turns as the user.

    Consecutive turns by one speaker are merged (chat templates expect alternation).
    Clipping is deterministic, so a turn renders the same in every later request and the
    server's prefix cache stays valid.
    """
    messages: list[ChatMessage] = []
    for turn in turns:
        role: Role = "assistant" if turn.speaker is Speaker.INTERVIEWER else "user"
        text = _clip(turn.text) if turn.speaker is Speaker.CANDIDATE else turn.text
        if not text.strip():
            text = "(silence)"
        if messages and messages[-1].role == role:
            messages[-1] = ChatMessage(role, f"{messages[-1].content}\n{text}")
        else:
            messages.append(ChatMessage(role, text))
    return messages


NOTE_OPENING = "\n\n[Interviewer's private note, not said aloud: "
PROBE_INSTRUCTION = "Your next question must ask this, in your own words:"


def _with_instruction(history: list[ChatMessage], instruction: str) -> list[ChatMessage]:
    note = f"{NOTE_OPENING}{instruction}]"
    if history and history[-1].role == "user":
        last = history[-1]
        return [*history[:-1], ChatMessage("user", f"{last.content}{note}")]
    return [*history, ChatMessage("user", note.lstrip())]


def probe_messages(
    persona: Persona,
    rubric: Rubric,
    question: Question,
    level: Level,
    turns: Sequence[Turn],
    probe: Probe,
    *,
    lead_in: str = "",
) -> list[ChatMessage]:
    """Ask the model to voice ``probe`` as the persona's next turn.

    The per-turn note comes after the candidate's answer, so it is never in the prompt
    cache: its ~60 tokens are prefilled while the candidate waits (~15 ms each on 2
    cores). A 25-token note (the how-to moved into the system prompt) was measured and
    reverted: 4 of 15 replies then asked no question three attempts running."""
    instruction = (
        f'{PROBE_INSTRUCTION} "{probe.text}" '
        f"{REACT[persona.tone]} {lead_in}At most {persona.max_reply_sentences} sentences, "
        f"ending with the question. Do not answer it."
    )
    return [
        ChatMessage("system", system_prompt(persona, rubric, question, level)),
        *_with_instruction(history_messages(turns), instruction),
    ]


def prefix_messages(
    persona: Persona,
    rubric: Rubric,
    question: Question,
    level: Level,
    turns: Sequence[Turn],
    partial_text: str = "",
) -> list[ChatMessage]:
    """The start every next request shares, with the candidate's turn so far.

    Sent ahead with ``max_tokens=1`` while the candidate is still talking, it leaves the
    server's KV cache holding all but the last words and the per-turn note, so the reply
    starts ~2 s sooner. Rendered exactly as ``history_messages`` renders the finished
    turn (same clipping and merging), so the real request shares its prefix.
    """
    messages = [
        ChatMessage("system", system_prompt(persona, rubric, question, level)),
        *history_messages(turns),
    ]
    if partial_text.strip():
        text = _clip(partial_text)
        if messages[-1].role == "user":
            messages[-1] = ChatMessage("user", f"{messages[-1].content}\n{text}")
        else:
            messages.append(ChatMessage("user", text))
    return messages


def candidate_question_messages(
    persona: Persona,
    rubric: Rubric,
    question: Question,
    level: Level,
    turns: Sequence[Turn],
) -> list[ChatMessage]:
    """The end of the round: the candidate asks about the team or the job."""
    instruction = (
        "The design discussion is over; the candidate is asking you a question about "
        "the job, the team or how you work. Answer briefly and honestly as "
        f"{persona.name}, in at most {persona.max_reply_sentences} sentences, without "
        "discussing the design question any further. Do not ask a question back."
    )
    return [
        ChatMessage("system", system_prompt(persona, rubric, question, level)),
        *_with_instruction(history_messages(turns), instruction),
    ]


def words_added(earlier: ChatRequest, later: ChatRequest) -> int | None:
    """How many words the candidate said after ``earlier`` was made, if ``later`` asks
    the model for the same thing with only that appended: same round, same per-turn note
    (so the same probe), same sampling. None when they differ in anything else.

    A reply prepared for ``earlier`` still fits ``later`` when few words were added: the
    planner chose the probe from everything said (the note is equal), and the model only
    words it (see ``PreparedChat``). Other replies (to the candidate's own questions)
    count as changed unless the words are the same."""
    if (earlier.max_tokens, earlier.temperature) != (later.max_tokens, later.temperature):
        return None
    if len(earlier.messages) != len(later.messages) or not earlier.messages:
        return None
    if earlier.messages[:-1] != later.messages[:-1]:
        return None
    first, last = earlier.messages[-1], later.messages[-1]
    if first.role != "user" or last.role != "user":
        return None
    first_answer, _, first_note = first.content.rpartition(NOTE_OPENING)
    last_answer, _, last_note = last.content.rpartition(NOTE_OPENING)
    if first_note != last_note or not first_note:
        return None
    if not first_note.startswith(PROBE_INSTRUCTION):
        # Not a probe (say, a reply to the candidate's own question): that reply is
        # about what was said, so it fits only the very same words.
        return 0 if first_answer == last_answer else None
    said = normalize_for_matching(first_answer).split()
    now = normalize_for_matching(last_answer).split()
    # The final decode re-hears the last moments with what followed, so the last few
    # words of the earlier text may come back changed ("expires." -> "expires, and").
    kept = max(0, len(said) - REVISED_TAIL_WORDS)
    if len(now) < len(said) or now[:kept] != said[:kept]:
        return None  # changed, not extended (or clipped differently)
    return len(now) - len(said)


REVISED_TAIL_WORDS = 3
"""Words at the end of an earlier transcript that a later one may have heard otherwise."""


def reply_token_budget(max_sentences: int) -> int:
    """Enough for the persona's sentences plus slack; a cap keeps a runaway reply from
    costing seconds of decode (~22 tok/s for the bundled model on 2 cores)."""
    return 24 + 36 * max_sentences
