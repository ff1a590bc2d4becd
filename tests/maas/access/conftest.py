"""A tiny app with access control installed (independent of the network snapshot)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI

from maas.access.middleware import ClientDep, install_access_control
from maas.errors import install_error_handlers
from maas.settings import Settings, load_settings

AppFactory = Callable[..., FastAPI]
__all__ = ["AppFactory", "build_app"]


def build_app(settings: Settings) -> FastAPI:
    """FastAPI app: error handlers, access control, ``/v1/whoami`` and a ``/healthz`` probe."""
    app = FastAPI()
    install_error_handlers(app)
    install_access_control(app, settings)

    @app.get("/v1/whoami")
    def whoami(client: ClientDep) -> dict[str, object]:
        return {"kind": client.kind, "tier": client.tier, "key_id": client.key_id,
                "rate_per_min": client.rate_per_min, "ip": client.ip}

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


@pytest.fixture
def make_app(redis_url: str) -> AppFactory:
    """Build an app against the test's Redis (``redis_url=None`` for the embedded mode)."""

    def make(*, anonymous: int = 3, keyed: int = 5, redis: str | None = redis_url) -> FastAPI:
        return build_app(load_settings(anonymous_rate_per_min=anonymous, key_rate_per_min=keyed,
                                  redis_url=redis))

    return make
