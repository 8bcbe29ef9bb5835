"""The command line. ``main.py`` builds the parser; each module adds one command group.

Heavy imports (Whisper, Textual, the openai client) happen inside the command functions,
so ``interviewer --help`` and the quick commands start fast.
"""
