"""Request ids, access log and request metrics as one pure-ASGI middleware.

Install it outermost (``install_observability`` last in ``create_app``) so that it times and logs
every response, including the 401/429 of access control and CORS preflights.

An exception escaping the app is recorded as status 500 and re-raised for Starlette's server
error handler, which renders the problem response (without ``X-Request-ID``: it runs outside this
middleware); the request id stays set in the context so that handler's log line still carries it.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import TextIO

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from maas.access.middleware import CLIENT_SCOPE_KEY, client_ip
from maas.observability.logs import REQUEST_ID, configure_json_logging
from maas.observability.metrics import UNMATCHED_ROUTE, Metrics, metrics_endpoint
from maas.settings import Settings

access_log = logging.getLogger("maas.access_log")

REQUEST_ID_HEADER = "X-Request-ID"
#: A caller's request id is kept when it looks like an id (no spaces, quotes or control
#: characters that could forge log lines or headers), else a new one is generated.
_REQUEST_ID_RE = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")
#: Paths logged at DEBUG (probes and scrapes would drown the access log).
QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


def request_id_of(scope: Scope) -> str:
    """The caller's ``X-Request-ID`` when well-formed, else a new random id (32 hex digits)."""
    for key, value in scope.get("headers", ()):
        if key == b"x-request-id":
            text = value.decode("latin-1")
            if _REQUEST_ID_RE.fullmatch(text):
                return text
            break
    return uuid.uuid4().hex


def route_template(scope: Scope) -> str:
    """The template of the route that served ``scope`` (``<unmatched>`` when none did)."""
    route = scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    return str(template) if template else UNMATCHED_ROUTE


class ObservabilityMiddleware:
    """Pure-ASGI middleware: request id in and out, one access-log line, latency metrics.

    Parameters
    ----------
    app : ASGIApp
        The next application.
    metrics : Metrics
        Where request latencies are recorded.
    """

    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI entry point."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope)
        token = REQUEST_ID.set(request_id)
        status = 500
        t0 = time.perf_counter()

        async def wrapped(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, wrapped)
        except Exception:
            self._record(scope, 500, time.perf_counter() - t0, request_id)
            raise  # REQUEST_ID stays set for the server error handler's log line
        self._record(scope, status, time.perf_counter() - t0, request_id)
        REQUEST_ID.reset(token)

    def _record(self, scope: Scope, status: int, seconds: float, request_id: str) -> None:
        path = scope["path"]
        self.metrics.observe_request(scope["method"], route_template(scope), status, seconds)
        key_id = getattr(scope.get(CLIENT_SCOPE_KEY), "key_id", None)
        level = logging.DEBUG if path in QUIET_PATHS else (
            logging.ERROR if status >= 500 else logging.INFO)
        access_log.log(
            level, "%s %s %d", scope["method"], path, status,
            extra={"request_id": request_id, "method": scope["method"], "path": path,
                   "status": status, "duration_ms": round(seconds * 1000.0, 3),
                   "client": client_ip(scope),
                   **({"key_id": key_id} if key_id else {})},
        )


def install_observability(app: FastAPI, settings: Settings, *, log_stream: TextIO | None = None,
                          configure_logging: bool = True) -> Metrics:
    """Install request ids, JSON access logs and Prometheus metrics (``GET /metrics``) on ``app``.

    Parameters
    ----------
    app : FastAPI
        The app; call this after every other ``add_middleware`` so this one is outermost.
    settings : Settings
        ``log_level`` is applied to the root logger.
    log_stream : TextIO | None
        Where JSON lines go (default stderr).
    configure_logging : bool
        Install the JSON log handler (process-wide; idempotent).

    Returns
    -------
    Metrics
        The app's metrics, also at ``app.state.metrics`` (the planner calls
        ``metrics.observe_plan(modes, seconds)``).
    """
    if configure_logging:
        configure_json_logging(settings.log_level, log_stream)
    metrics = Metrics()
    app.state.metrics = metrics
    app.add_api_route("/metrics", metrics_endpoint, methods=["GET"], include_in_schema=False)
    app.add_middleware(ObservabilityMiddleware, metrics=metrics)
    return metrics
