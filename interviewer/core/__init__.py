"""The UI-free core: data models and pure interview logic.

Nothing here imports textual, sounddevice, faster_whisper, openai, llama_cpp or piper;
``tests/test_import_hygiene.py`` proves it. That keeps the interview logic testable with
plain text and fakes, and lets other front ends reuse it.
"""
