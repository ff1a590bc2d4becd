"""Pydantic I/O models of the HTTP API (no logic)."""
