"""The ONE mapping from domain exceptions to HTTP problem responses (RFC 9457).

Domain code (``routing``, ``feeds``, ``maas.services``) never raises HTTP errors; it raises its
own exceptions and this module turns them into ``application/problem+json`` bodies.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from feeds.errors import FeedError
from routing.errors import InvalidRequestError, NoRouteError, SnapshotError, UnknownPlaceError

log = logging.getLogger("maas.errors")

PROBLEM_JSON = "application/problem+json"


class ServiceUnavailableError(Exception):
    """The service cannot answer yet (network not loaded or not warm)."""


class RateLimitedError(Exception):
    """A client exceeded its request budget; ``retry_after_s`` says when to come back."""

    def __init__(self, retry_after_s: int, limit: int) -> None:
        super().__init__(f"rate limit of {limit} requests per minute exceeded")
        self.retry_after_s = retry_after_s
        self.limit = limit


class AuthError(Exception):
    """An API key is unknown or revoked."""


def problem(status: int, title: str, detail: str, *, type_: str = "about:blank",
            headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    """A problem+json response."""
    body: dict[str, Any] = {"type": type_, "title": title, "status": status, "detail": detail}
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Register every exception -> problem mapping on ``app``."""

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": [str(x) for x in e.get("loc", ())], "msg": str(e.get("msg", ""))}
            for e in exc.errors()
        ]
        detail = "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors) or "invalid"
        return problem(422, "Invalid request", detail, errors=errors)

    @app.exception_handler(UnknownPlaceError)
    async def _unknown(_: Request, exc: UnknownPlaceError) -> JSONResponse:
        return problem(404, "Unknown place", str(exc))

    @app.exception_handler(InvalidRequestError)
    async def _invalid(_: Request, exc: InvalidRequestError) -> JSONResponse:
        return problem(400, "Invalid request", str(exc))

    @app.exception_handler(NoRouteError)
    async def _noroute(_: Request, exc: NoRouteError) -> JSONResponse:
        return problem(404, "No route", str(exc))

    @app.exception_handler(RateLimitedError)
    async def _limited(_: Request, exc: RateLimitedError) -> JSONResponse:
        return problem(429, "Too many requests", str(exc),
                       headers={"Retry-After": str(exc.retry_after_s)})

    @app.exception_handler(AuthError)
    async def _auth(_: Request, exc: AuthError) -> JSONResponse:
        return problem(401, "Unauthorized", str(exc))

    @app.exception_handler(ServiceUnavailableError)
    async def _unavailable(_: Request, exc: ServiceUnavailableError) -> JSONResponse:
        return problem(503, "Service unavailable", str(exc), headers={"Retry-After": "5"})

    @app.exception_handler(SnapshotError)
    async def _snapshot(_: Request, exc: SnapshotError) -> JSONResponse:
        log.error("snapshot error: %s", exc)
        return problem(503, "Network unavailable", str(exc))

    @app.exception_handler(FeedError)
    async def _feed(_: Request, exc: FeedError) -> JSONResponse:
        return problem(422, "Invalid feed", str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem(exc.status_code, _TITLES.get(exc.status_code, "Error"), str(exc.detail),
                       headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s", request.url.path)
        return problem(500, "Internal error", "unexpected error; it has been logged")


_TITLES = {404: "Not found", 405: "Method not allowed", 406: "Not acceptable"}
