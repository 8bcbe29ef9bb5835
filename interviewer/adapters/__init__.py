"""Adapters: the real implementations of ``interviewer.core.ports`` and the bundled assets."""
