"""The glossary biasing prompt and glossary-term matching (pure, no model)."""

from __future__ import annotations

from interviewer.core.glossary import PROMPT_LEAD, biasing_prompt, terms_in


def test_prompt_names_every_term_that_fits_in_order() -> None:
    prompt = biasing_prompt(["idempotent", "backoff", "dead-letter queue"])
    assert prompt.startswith(PROMPT_LEAD)
    assert prompt.endswith(".")
    assert prompt.index("idempotent") < prompt.index("backoff") < prompt.index("dead-letter")


def test_prompt_respects_max_chars_and_never_cuts_a_term() -> None:
    glossary = [f"term{i:03d}" for i in range(200)]
    prompt = biasing_prompt(glossary, max_chars=120)
    assert len(prompt) <= 120
    listed = prompt.removeprefix(PROMPT_LEAD).rstrip(".").split(", ")
    assert listed == glossary[: len(listed)]
    assert len(listed) >= 5


def test_prompt_skips_duplicates_blanks_and_terms_too_long() -> None:
    prompt = biasing_prompt(["Kafka", "kafka", "  ", "x" * 500, "Raft"], max_chars=200)
    assert prompt.count("Kafka") == 1
    assert "kafka" not in prompt
    assert "xxx" not in prompt
    assert "Raft" in prompt


def test_empty_glossary_gives_no_prompt() -> None:
    assert biasing_prompt([]) == ""
    assert biasing_prompt(["   "]) == ""


def test_terms_match_across_case_hyphens_and_spacing() -> None:
    glossary = ["dead-letter queue", "p99", "KV cache", "Raft", "jitter"]
    text = "Failures go to a Dead letter queue; we watch P 99 and the kv-cache."
    assert terms_in(text, glossary) == ["dead-letter queue", "p99", "KV cache"]


def test_terms_match_whole_words_only() -> None:
    assert terms_in("the raftsman waited", ["Raft"]) == []
    assert terms_in("we use Raft.", ["Raft"]) == ["Raft"]
