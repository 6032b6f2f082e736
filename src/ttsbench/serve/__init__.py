"""Serving under load: the batched engine behind an OpenAI-compatible speech endpoint, and a
load generator that measures any server with that API."""
