"""Versioned live-feed blobs: :class:`MemoryLiveStore` (embedded) and :class:`RedisLiveStore`.

Contract (both implementations)
-------------------------------
- ``put(feed, payload, feed_timestamp=, ttl_s=, label=)`` stores the payload and its metadata
  and increments the feed's version atomically (Redis: one Lua script), then publishes
  ``{"feed": ..., "version": ...}`` on the :data:`UPDATED_CHANNEL` pub/sub channel.
- ``get(feed)`` returns the latest :class:`LiveBlob` or ``None``. Readers never raise because
  the store is down: Redis reads fall back to the last blob seen, marked ``unreachable``
  (hence stale), so plans keep flowing without live availability.
- Writes raise :class:`LiveStoreUnavailableError` when Redis is down; the worker retries.

Staleness: a blob is *fresh* while ``now - feed_timestamp <= max(3 * ttl_s, 60)`` seconds and
the store was reachable when it was read.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Generic, Protocol, TypeVar

log = logging.getLogger("maas.live.store")

#: Pub/sub channel announcing a new version of a feed (JSON ``{"feed", "version"}``).
UPDATED_CHANNEL = "maas:live:updated"
#: Minimum staleness limit (seconds): short-ttl feeds still survive one missed poll or two.
MIN_STALE_AFTER_S = 60
#: Staleness limit as a multiple of the feed's ttl.
STALE_TTL_FACTOR = 3

_PREFIX = "maas:live"
_VERSIONS_KEY = f"{_PREFIX}:versions"


class LiveStoreUnavailableError(RuntimeError):
    """The live store (Redis) cannot be reached; raised by writes only."""


def stale_after_s(ttl_s: int) -> int:
    """Age (seconds) after which data of a feed with ``ttl_s`` is stale."""
    return max(STALE_TTL_FACTOR * int(ttl_s), MIN_STALE_AFTER_S)


@dataclass(frozen=True)
class LiveMeta:
    """Metadata of one feed's latest version.

    Attributes
    ----------
    feed : str
        Feed key, e.g. ``"gbfs:velotm"``.
    version : int
        Per-feed counter, incremented by each ``put`` (1 = first write).
    feed_timestamp : float
        Unix seconds the data describes (GBFS ``last_updated``, poll time for OCPI).
    written_at : float
        Unix seconds of the write.
    ttl_s : int
        The feed's declared refresh interval (seconds).
    label : str
        ``"demo"`` for generated demo data, else ``""``.
    unreachable : bool
        True when the store could not be read and this is the last value seen.
    """

    feed: str
    version: int
    feed_timestamp: float
    written_at: float
    ttl_s: int
    label: str = ""
    unreachable: bool = False

    def age_s(self, now: float | None = None) -> float:
        """Seconds since ``feed_timestamp``."""
        return max(0.0, (time.time() if now is None else now) - self.feed_timestamp)

    def is_fresh(self, now: float | None = None) -> bool:
        """True when the data may be used for routing."""
        return not self.unreachable and self.age_s(now) <= stale_after_s(self.ttl_s)


@dataclass(frozen=True)
class LiveBlob(LiveMeta):
    """A feed's latest payload with its metadata (see :class:`LiveMeta`)."""

    payload: bytes = b""

    @property
    def meta(self) -> LiveMeta:
        """The metadata without the payload."""
        return LiveMeta(self.feed, self.version, self.feed_timestamp, self.written_at,
                        self.ttl_s, self.label, self.unreachable)


class LiveStore(Protocol):
    """Where live feeds are written by one writer and read by every API process."""

    def put(self, feed: str, payload: bytes, *, feed_timestamp: float, ttl_s: int,
            label: str = "") -> int:
        """Store a new version of ``feed``; return its version number."""
        ...

    def get(self, feed: str) -> LiveBlob | None:
        """The latest version of ``feed`` (``None`` when never written)."""
        ...

    def versions(self) -> dict[str, int]:
        """Current version of every feed."""
        ...

    def feeds(self) -> list[LiveMeta]:
        """Metadata of every feed, sorted by feed key."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


class MemoryLiveStore:
    """In-process store (embedded default, tests); thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._blobs: dict[str, LiveBlob] = {}
        self._listeners: list[Callable[[str, int], None]] = []

    def subscribe(self, fn: Callable[[str, int], None]) -> None:
        """Call ``fn(feed, version)`` after every ``put`` (in-process pub/sub)."""
        self._listeners.append(fn)

    def put(self, feed: str, payload: bytes, *, feed_timestamp: float, ttl_s: int,
            label: str = "") -> int:
        """Store a new version of ``feed``; return its version number."""
        with self._lock:
            old = self._blobs.get(feed)
            version = (old.version if old else 0) + 1
            self._blobs[feed] = LiveBlob(feed, version, float(feed_timestamp), time.time(),
                                         int(ttl_s), label, payload=bytes(payload))
        for fn in list(self._listeners):
            fn(feed, version)
        return version

    def get(self, feed: str) -> LiveBlob | None:
        """The latest version of ``feed`` (``None`` when never written)."""
        return self._blobs.get(feed)

    def versions(self) -> dict[str, int]:
        """Current version of every feed."""
        return {k: b.version for k, b in sorted(self._blobs.items())}

    def feeds(self) -> list[LiveMeta]:
        """Metadata of every feed, sorted by feed key."""
        return [b.meta for _, b in sorted(self._blobs.items())]

    def close(self) -> None:
        """Nothing to release."""


# KEYS: versions hash, meta hash, payload key. ARGV: feed, payload, feed_ts, written_at, ttl,
# label, channel. Version bump, payload, meta and publish happen in one atomic script.
_PUT_SCRIPT = """
local v = redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('SET', KEYS[3], ARGV[2])
redis.call('HSET', KEYS[2], 'version', v, 'feed_timestamp', ARGV[3], 'written_at', ARGV[4],
           'ttl_s', ARGV[5], 'label', ARGV[6])
redis.call('PUBLISH', ARGV[7], cjson.encode({feed=ARGV[1], version=v}))
return v
"""


class RedisLiveStore:
    """Live store shared by every API replica and the worker.

    Reads cost one ``HMGET`` of the version while the cached payload is current. After a
    failed read the store is not retried for ``retry_after_s`` seconds, so a Redis outage
    adds no per-request timeout; meanwhile reads return the cached blob marked unreachable.

    Parameters
    ----------
    redis_url : str
        ``redis://host:port/db``.
    timeout_s : float
        Socket connect/read timeout (seconds).
    retry_after_s : float
        Pause (seconds) after a failed read before Redis is tried again.
    """

    def __init__(self, redis_url: str, *, timeout_s: float = 0.5,
                 retry_after_s: float = 1.0) -> None:
        import redis

        self.url = redis_url
        self._redis_mod = redis
        self._client: Any = redis.Redis.from_url(
            redis_url, socket_connect_timeout=timeout_s, socket_timeout=timeout_s,
            health_check_interval=0,
        )
        self._put = self._client.register_script(_PUT_SCRIPT)
        self._retry_after_s = retry_after_s
        self._down_until = 0.0
        self._lock = threading.Lock()
        self._cache: dict[str, LiveBlob] = {}

    # -- helpers -------------------------------------------------------------------------
    def _errors(self) -> tuple[type[BaseException], ...]:
        return (self._redis_mod.RedisError, OSError)

    def _unavailable(self) -> bool:
        return time.monotonic() < self._down_until

    def _mark_down(self, exc: BaseException) -> None:
        if not self._unavailable():
            log.warning("live store %s unreachable: %s", self.url, exc)
        self._down_until = time.monotonic() + self._retry_after_s

    def _cached(self, feed: str) -> LiveBlob | None:
        blob = self._cache.get(feed)
        return None if blob is None else replace(blob, unreachable=True)

    @property
    def reachable(self) -> bool:
        """False while reads are served from the cache after a failure."""
        return not self._unavailable()

    # -- API -----------------------------------------------------------------------------
    def put(self, feed: str, payload: bytes, *, feed_timestamp: float, ttl_s: int,
            label: str = "") -> int:
        """Store a new version of ``feed``; raise :class:`LiveStoreUnavailableError` if down."""
        keys = [_VERSIONS_KEY, f"{_PREFIX}:{feed}:meta", f"{_PREFIX}:{feed}:payload"]
        args: list[bytes | str | int | float] = [
            feed, payload, repr(float(feed_timestamp)), repr(time.time()), int(ttl_s), label,
            UPDATED_CHANNEL]
        try:
            return int(self._put(keys=keys, args=args))
        except self._errors() as exc:
            raise LiveStoreUnavailableError(
                f"cannot write live feed {feed!r} to {self.url}: {exc}") from exc

    def get(self, feed: str) -> LiveBlob | None:
        """The latest version of ``feed``; the cached one (marked unreachable) if Redis is down."""
        if self._unavailable():
            return self._cached(feed)
        try:
            raw_v, raw_w = self._client.hmget(f"{_PREFIX}:{feed}:meta", "version", "written_at")
            if raw_v is None:
                return None
            # (version, written_at) identifies a write even if Redis restarts empty and the
            # counter starts again at 1
            cached = self._cache.get(feed)
            if (cached is not None and cached.version == int(raw_v)
                    and cached.written_at == float(raw_w)):
                return cached
            pipe = self._client.pipeline(transaction=True)
            pipe.hgetall(f"{_PREFIX}:{feed}:meta")
            pipe.get(f"{_PREFIX}:{feed}:payload")
            meta, payload = pipe.execute()
        except self._errors() as exc:
            self._mark_down(exc)
            return self._cached(feed)
        if not meta or payload is None:
            return None
        blob = _blob_from_hash(feed, meta, payload)
        with self._lock:
            old = self._cache.get(feed)
            if old is None or old.version <= blob.version:
                self._cache[feed] = blob
        return blob

    def versions(self) -> dict[str, int]:
        """Current version of every feed (cached versions if Redis is down)."""
        if not self._unavailable():
            try:
                raw = self._client.hgetall(_VERSIONS_KEY)
                return {k.decode(): int(v) for k, v in sorted(raw.items())}
            except self._errors() as exc:
                self._mark_down(exc)
        return {k: b.version for k, b in sorted(self._cache.items())}

    def feeds(self) -> list[LiveMeta]:
        """Metadata of every feed (from the cache, marked unreachable, if Redis is down)."""
        out = []
        for feed in self.versions():
            blob = self.get(feed)
            if blob is not None:
                out.append(blob.meta)
        return out

    def ping(self) -> bool:
        """True when Redis answers (clears the read back-off)."""
        try:
            ok = bool(self._client.ping())
        except self._errors():
            return False
        self._down_until = 0.0
        return ok

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()


def _blob_from_hash(feed: str, meta: dict[bytes, bytes], payload: bytes) -> LiveBlob:
    def s(key: str) -> str:
        return meta.get(key.encode(), b"").decode()

    return LiveBlob(feed, int(s("version")), float(s("feed_timestamp")), float(s("written_at")),
                    int(s("ttl_s")), s("label"), payload=payload)


def _same_write(a: LiveMeta, b: LiveMeta) -> bool:
    return a.version == b.version and a.written_at == b.written_at


def parse_updated_message(data: bytes | str) -> tuple[str, int]:
    """``(feed, version)`` of a :data:`UPDATED_CHANNEL` message."""
    obj = json.loads(data)
    return str(obj["feed"]), int(obj["version"])


T = TypeVar("T")


@dataclass(frozen=True)
class Decoded(Generic[T]):
    """A decoded feed with the metadata of the version it came from."""

    meta: LiveMeta
    value: T


class LiveReader(Generic[T]):
    """Reads one feed and keeps its decoded value per version (decodes once per version).

    Parameters
    ----------
    store : LiveStore
        Where the feed lives.
    feed : str
        Feed key.
    decode : callable
        ``bytes -> T``; called once per new version.
    """

    def __init__(self, store: LiveStore, feed: str, decode: Callable[[bytes], T]) -> None:
        self.store = store
        self.feed = feed
        self._decode = decode
        self._lock = threading.Lock()
        self._last: Decoded[T] | None = None

    def read(self) -> Decoded[T] | None:
        """The decoded latest version (metadata says whether it is fresh)."""
        blob = self.store.get(self.feed)
        if blob is None:
            return None
        last = self._last
        if last is not None and _same_write(last.meta, blob):
            if last.meta.unreachable != blob.unreachable:
                last = Decoded(blob.meta, last.value)
                self._last = last
            return last
        with self._lock:
            last = self._last
            if last is None or not _same_write(last.meta, blob):
                try:
                    value = self._decode(blob.payload)
                except Exception:  # a corrupt blob must not break requests
                    log.exception("cannot decode live feed %s v%d", self.feed, blob.version)
                    return self._last
                last = Decoded(blob.meta, value)
                self._last = last
            return last
