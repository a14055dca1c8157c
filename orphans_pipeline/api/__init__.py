"""The HTTP API and the review page (FastAPI), over the same core as the CLI."""
