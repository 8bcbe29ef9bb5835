"""interviewer: a local-first, spoken mock interviewer for practice rounds.

Layers, from the inside out:
- ``interviewer.core``: pydantic models and pure logic. Imports no UI, audio or ML library.
- ``interviewer.adapters``: implementations of the ports in ``core.ports`` (microphone,
  Whisper, the OpenAI-compatible chat client, the embedded llama.cpp server, Piper, files).
- ``interviewer.cli`` and ``interviewer.tui``: the two front ends, built by ``factory``.
"""

__version__ = "0.1.0"
