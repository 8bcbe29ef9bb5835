"""Splitting the interviewer's text into sentences, so speech can start before an LLM
reply is complete: each sentence is spoken as soon as its end arrives in the stream."""

from __future__ import annotations

import re

_ABBREVIATIONS = frozenset({"e.g.", "i.e.", "vs.", "mr.", "mrs.", "dr.", "approx.", "cf."})
"""Not "ms." (milliseconds end sentences here) nor "no." ("the answer is no.")."""
_END = re.compile(r"[.!?]+[\"')\]]*(?=\s)|\n\s*\n")
"""A sentence ends at . ! or ? (with closing quotes or brackets) followed by whitespace,
or at a blank line. Requiring the whitespace keeps "3.5", "p99.9" and "node.js" whole."""


def _ends_sentence(text: str, match: re.Match[str]) -> bool:
    if match.group().strip() == "" or match.group()[0] in "!?":
        return True
    before = text[: match.end()].split()
    last = before[-1].lower() if before else ""
    if last in _ABBREVIATIONS:
        return False
    # A single capital and a dot ("the A. B. test") is an initial, not an ending.
    return not re.fullmatch(r"[A-Z]\.", before[-1] if before else "")


def split_sentences(text: str) -> list[str]:
    """``text`` cut into trimmed sentences; the last one may lack end punctuation."""
    splitter = SentenceSplitter()
    sentences = splitter.feed(text)
    rest = splitter.flush()
    return sentences + ([rest] if rest else [])


class SentenceSplitter:
    """Accumulates streamed text deltas and hands back each sentence once it is complete.

    A sentence is complete only when the whitespace after its final punctuation has
    arrived, so "3." followed later by "5 ms" is never cut at the dot.
    """

    def __init__(self) -> None:
        self._pending = ""

    def feed(self, delta: str) -> list[str]:
        self._pending += delta
        done: list[str] = []
        start = 0
        for match in _END.finditer(self._pending):
            if match.end() <= start or not _ends_sentence(self._pending, match):
                continue
            sentence = self._pending[start : match.end()].strip()
            if sentence:
                done.append(sentence)
            start = match.end()
        self._pending = self._pending[start:]
        return done

    def flush(self) -> str:
        """Whatever is left when the stream ends (may be "")."""
        rest, self._pending = self._pending.strip(), ""
        return rest
