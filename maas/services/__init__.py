"""Orchestration between the HTTP layer and the routing core (no HTTP types here)."""
