"""Access control as a pure-ASGI middleware: identify the caller, then charge its rate limit.

For each HTTP request outside the exempt paths the middleware

1. reads ``X-API-Key``: absent -> an anonymous client keyed by IP; present -> the key must be
   known and unrevoked in Redis, else :class:`maas.errors.AuthError` (401);
2. charges one request to the client's GCRA bucket (:mod:`maas.access.ratelimit`); over budget
   -> :class:`maas.errors.RateLimitedError` (429 with ``Retry-After``);
3. stores the :class:`Client` in the ASGI scope for :data:`ClientDep`, and adds
   ``X-RateLimit-Limit`` / ``X-RateLimit-Remaining`` to the response.

Errors are not raised through the stack (user middleware sits outside FastAPI's exception
handling): the middleware looks up the handler the app registered for the exception class (those
of :func:`maas.errors.install_error_handlers`) and sends the response it returns, so
``maas/errors.py`` stays the one exception -> problem+json mapping.

When Redis fails mid-flight the limiter falls back to the in-process one (availability over
exactness, logged), and keyed requests get 503 because their key cannot be checked.
The client IP is the ASGI peer address; behind a load balancer run uvicorn with
``--proxy-headers --forwarded-allow-ips=<balancer>`` so that it is the caller's address and
``X-Forwarded-For`` cannot be forged by the caller.
"""

from __future__ import annotations

import asyncio
import inspect
import ipaddress
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import redis
import redis.asyncio
from fastapi import Depends, FastAPI, Request
from starlette.datastructures import MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from maas.access.keys import verify_key_async
from maas.access.ratelimit import MemoryRateLimiter, RateDecision, RateLimiter, RedisRateLimiter
from maas.errors import AuthError, RateLimitedError, ServiceUnavailableError
from maas.settings import Settings

log = logging.getLogger("maas.access")

#: Paths never authenticated nor limited (probes, scrapes, API description).
EXEMPT_PATHS = frozenset({"/healthz", "/readyz", "/metrics", "/openapi.json"})
#: Path prefixes never authenticated nor limited (``/docs`` and its OAuth2 redirect, ``/redoc``).
EXEMPT_PREFIXES = ("/docs", "/redoc", "/dashboard", "/static/")
#: ASGI scope key holding the :class:`Client` of a request.
CLIENT_SCOPE_KEY = "maas.client"
API_KEY_HEADER = b"x-api-key"
#: After a Redis failure, seconds during which Redis is not tried again (no 1 s connect
#: timeout on every request while it is down); one warning is logged per such period.
_REDIS_BACKOFF_S = 5.0

RedisFactory = Callable[[], redis.asyncio.Redis]


@dataclass(frozen=True, slots=True)
class Client:
    """The identity a request is served and charged as.

    Attributes
    ----------
    kind : {"anonymous", "key"}
        Whether the request carried a valid API key.
    ip : str
        Peer address (IPv6 reduced to its /64 network).
    tier : str
        ``"anonymous"`` or the key's tier.
    rate_per_min : int
        The budget applied, requests per minute.
    key_id, name : str | None
        The key's id and holder (``None`` when anonymous).
    """

    kind: Literal["anonymous", "key"]
    ip: str
    tier: str
    rate_per_min: int
    key_id: str | None = None
    name: str | None = None

    @property
    def bucket(self) -> str:
        """Rate-limit bucket: ``key:<key_id>`` or ``ip:<address>``."""
        return f"key:{self.key_id}" if self.key_id is not None else f"ip:{self.ip}"


def client_ip(scope: Scope) -> str:
    """The peer address of ``scope``; IPv6 is reduced to its /64 (one subscriber's prefix)."""
    peer = scope.get("client")
    host = str(peer[0]) if peer else "unknown"
    try:
        addr = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(addr, ipaddress.IPv6Address):
        if addr.ipv4_mapped is not None:
            return str(addr.ipv4_mapped)
        return str(ipaddress.IPv6Network((addr, 64), strict=False))
    return str(addr)


async def get_client(request: Request) -> Client:
    """The caller of ``request`` as identified by the access-control middleware."""
    client: Client | None = request.scope.get(CLIENT_SCOPE_KEY)
    if client is None:
        raise RuntimeError(
            "no client identity on this request: install_access_control() was not called, "
            "or the path is exempt from access control"
        )
    return client


ClientDep = Annotated[Client, Depends(get_client)]


def is_exempt(path: str, method: str, exempt_paths: Iterable[str] = EXEMPT_PATHS,
              exempt_prefixes: Iterable[str] = EXEMPT_PREFIXES) -> bool:
    """Whether a request skips access control (exempt path, or a CORS preflight)."""
    if method == "OPTIONS" or path in exempt_paths:
        return True
    return any(path == p or path.startswith(p + "/") for p in exempt_prefixes)


class AccessControlMiddleware:
    """Pure-ASGI middleware enforcing API keys and rate limits (see the module docstring).

    Parameters
    ----------
    app : ASGIApp
        The next application.
    owner : FastAPI
        The app whose registered exception handlers render the 401/429/503 responses.
    anonymous_rate_per_min, key_rate_per_min : int
        Budgets, requests per minute (a key's own ``rate_per_min`` overrides the second).
    redis_factory : RedisFactory | None
        Makes an asyncio Redis client (called once per event loop); ``None`` = embedded mode.
    exempt_paths, exempt_prefixes
        Paths that skip access control.
    """

    def __init__(self, app: ASGIApp, *, owner: FastAPI, anonymous_rate_per_min: int,
                 key_rate_per_min: int, redis_factory: RedisFactory | None,
                 exempt_paths: frozenset[str] = EXEMPT_PATHS,
                 exempt_prefixes: tuple[str, ...] = EXEMPT_PREFIXES) -> None:
        self.app = app
        self.owner = owner
        self.anonymous_rate_per_min = anonymous_rate_per_min
        self.key_rate_per_min = key_rate_per_min
        self.redis_factory = redis_factory
        self.exempt_paths = exempt_paths
        self.exempt_prefixes = exempt_prefixes
        self.memory = MemoryRateLimiter()
        self._redis: redis.asyncio.Redis | None = None
        self._limiter: RedisRateLimiter | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._redis_down_until = 0.0

    def _redis_client(self) -> redis.asyncio.Redis | None:
        """The Redis client of the running event loop (asyncio clients are bound to one loop)."""
        if self.redis_factory is None:
            return None
        if time.monotonic() < self._redis_down_until:
            raise redis.ConnectionError("redis marked down after a recent failure")
        loop = asyncio.get_running_loop()
        if self._redis is None or self._loop is not loop:
            self._redis = self.redis_factory()
            self._limiter = RedisRateLimiter(self._redis)
            self._loop = loop
        return self._redis

    async def _close(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = self._limiter = self._loop = None

    def _redis_failed(self, what: str, exc: BaseException) -> None:
        now = time.monotonic()
        if now >= self._redis_down_until:
            log.warning("redis unavailable for %s (%s: %s); degraded for %.0f s", what,
                        type(exc).__name__, exc, _REDIS_BACKOFF_S)
            self._redis_down_until = now + _REDIS_BACKOFF_S

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI entry point."""
        if scope["type"] == "lifespan":
            await self.app(scope, receive, self._lifespan_send(send))
            return
        if scope["type"] != "http" or is_exempt(scope["path"], scope["method"],
                                                 self.exempt_paths, self.exempt_prefixes):
            await self.app(scope, receive, send)
            return
        try:
            client = await self._identify(scope)
            decision = await self._charge(client)
        except (AuthError, RateLimitedError, ServiceUnavailableError) as exc:
            await self._render(exc, scope, receive, send)
            return
        scope[CLIENT_SCOPE_KEY] = client
        await self.app(scope, receive, _with_rate_headers(send, decision))

    def _lifespan_send(self, send: Send) -> Send:
        async def wrapped(message: Message) -> None:
            if message["type"] == "lifespan.shutdown.complete":
                await self._close()
            await send(message)

        return wrapped

    async def _identify(self, scope: Scope) -> Client:
        ip = client_ip(scope)
        header = next((v for k, v in scope["headers"] if k == API_KEY_HEADER), None)
        if header is None:
            return Client("anonymous", ip, "anonymous", self.anonymous_rate_per_min)
        if self.redis_factory is None:
            raise AuthError("API keys need the Redis key store (MAAS_REDIS_URL is not set)")
        try:
            client = self._redis_client()
            assert client is not None
            info = await verify_key_async(client, header.decode("latin-1"))
        except (redis.RedisError, OSError) as exc:
            self._redis_failed("key verification", exc)
            raise ServiceUnavailableError("the API key store is unreachable; retry") from None
        if info is None:
            raise AuthError("invalid or revoked API key")
        return Client("key", ip, info.tier, info.rate_per_min or self.key_rate_per_min,
                      key_id=info.key_id, name=info.name)

    async def _charge(self, client: Client) -> RateDecision:
        limiter: RateLimiter = self.memory
        try:
            if self._redis_client() is not None:
                assert self._limiter is not None
                limiter = self._limiter
            decision = await limiter.hit(client.bucket, client.rate_per_min)
        except (redis.RedisError, OSError) as exc:
            self._redis_failed("rate limits", exc)
            decision = await self.memory.hit(client.bucket, client.rate_per_min)
        if not decision.allowed:
            raise RateLimitedError(decision.retry_after_s, decision.limit)
        return decision

    async def _render(self, exc: Exception, scope: Scope, receive: Receive, send: Send) -> None:
        """Send the response of the owner app's handler for ``exc`` (maas/errors.py)."""
        handler: Any = None
        for cls in type(exc).__mro__:
            handler = self.owner.exception_handlers.get(cls)
            if handler is not None:
                break
        if handler is None:
            raise exc  # no handler installed: a configuration error, surfaces as 500
        response = handler(Request(scope, receive), exc)
        if inspect.isawaitable(response):
            response = await response
        assert isinstance(response, Response)
        await response(scope, receive, send)


def _with_rate_headers(send: Send, decision: RateDecision) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            headers["X-RateLimit-Limit"] = str(decision.limit)
            headers["X-RateLimit-Remaining"] = str(decision.remaining)
        await send(message)

    return wrapped


def redis_factory_from_url(url: str) -> RedisFactory:
    """A factory of asyncio Redis clients for ``url`` with short timeouts (1 s)."""

    def make() -> redis.asyncio.Redis:
        return redis.asyncio.Redis.from_url(url, socket_connect_timeout=1.0, socket_timeout=1.0)

    return make


def install_access_control(app: FastAPI, settings: Settings,
                           redis_client_factory: RedisFactory | None = None) -> None:
    """Install API keys and rate limits on ``app``.

    Parameters
    ----------
    app : FastAPI
        The app; its exception handlers (:func:`maas.errors.install_error_handlers`) render
        the 401/429/503 problems.
    settings : Settings
        Budgets (``anonymous_rate_per_min``, ``key_rate_per_min``) and ``redis_url``.
    redis_client_factory : RedisFactory | None
        Makes the asyncio Redis client; default: one for ``settings.redis_url`` when set, else
        embedded mode (in-process limits, API keys refused).
    """
    factory = redis_client_factory
    if factory is None and settings.redis_url:
        factory = redis_factory_from_url(settings.redis_url)
    app.add_middleware(
        AccessControlMiddleware, owner=app,
        anonymous_rate_per_min=settings.anonymous_rate_per_min,
        key_rate_per_min=settings.key_rate_per_min, redis_factory=factory,
    )
