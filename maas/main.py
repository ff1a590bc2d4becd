"""``create_app(settings)``: the FastAPI application factory."""

from __future__ import annotations

import anyio
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from maas.access.middleware import install_access_control
from maas.api import dashboard, feeds, health, isochrone, mobility, plan, stops
from maas.api.realtime import install_realtime
from maas.errors import install_error_handlers
from maas.lifespan import lifespan
from maas.observability.middleware import install_observability
from maas.settings import Settings, load_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app for ``settings`` (default: from the ``MAAS_*`` environment)."""
    settings = settings or load_settings()
    app = FastAPI(
        title="Timisoara MaaS API",
        version="1.0.0",
        description=(
            "Multimodal journey planning, live availability and congestion indicators for "
            "Timisoara: STPT transit, VeloTM bike-share, car-sharing and EV charging."
        ),
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.routing_limiter = anyio.CapacityLimiter(settings.routing_threads)
    install_error_handlers(app)
    # order matters: access control innermost, CORS around it (429s carry CORS headers),
    # observability outermost (every response timed and logged with its request id)
    install_access_control(app, settings)
    app.add_middleware(
        CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET"],
        allow_headers=["X-API-Key", "Content-Type", "X-Request-ID"],
        expose_headers=["X-Request-ID", "Retry-After", "X-RateLimit-Limit",
                        "X-RateLimit-Remaining"],
    )
    install_observability(app, settings)
    app.include_router(health.router)
    app.include_router(feeds.router)
    app.include_router(plan.router)
    install_realtime(app)
    app.include_router(stops.router)
    app.include_router(isochrone.router)
    app.include_router(dashboard.router)
    app.include_router(mobility.router)
    return app


def create_app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` (settings from the environment)."""
    return create_app(load_settings())
