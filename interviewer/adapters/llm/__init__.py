"""The LLM edge: the OpenAI-compatible chat client and the embedded llama.cpp server."""
