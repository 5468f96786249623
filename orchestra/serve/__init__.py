"""`orchestra serve`: an OpenAI-compatible HTTP server in front of the engine, with
micro-batching for specialists and bounded concurrency for the LLM."""
