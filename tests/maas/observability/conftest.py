"""A tiny app with observability installed, and a clean logging set-up per test."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from fastapi import FastAPI

from maas.errors import install_error_handlers
from maas.observability.metrics import MetricsDep
from maas.observability.middleware import install_observability
from maas.settings import load_settings

__all__ = ["build_app"]

route_log = logging.getLogger("maas.test_route")


def build_app(log_stream: io.StringIO) -> FastAPI:
    """Routes: ``/v1/items/{item_id}``, ``/v1/plan`` (records a plan latency), ``/v1/boom``."""
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/v1/items/{item_id}")
    def item(item_id: int) -> dict[str, int]:
        route_log.info("serving item %d", item_id)
        return {"item_id": item_id}

    @app.get("/v1/plan")
    def plan(metrics: MetricsDep, modes: str, seconds: float) -> dict[str, str]:
        metrics.observe_plan(modes, seconds)
        return {"ok": "yes"}

    @app.get("/v1/boom")
    def boom() -> None:
        raise RuntimeError("boom")

    install_observability(app, load_settings(log_level="INFO"), log_stream=log_stream)
    return app


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    """Where the app's JSON lines go; root logging is restored after the test."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    stream = io.StringIO()
    yield stream
    root.handlers[:] = handlers
    root.setLevel(level)
