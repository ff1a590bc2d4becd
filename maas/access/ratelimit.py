"""Per-client rate limits: GCRA in Redis (shared by all processes) or in process.

GCRA (generic cell rate algorithm) keeps one number per client, the *theoretical arrival time*
``tat`` of its next request. With a budget of ``N`` requests per minute the emission interval is
``T = 60 s / N`` and the burst tolerance ``tau = (N - 1) * T``: a request at ``now`` is allowed
when ``tat - tau <= now`` and then moves ``tat`` to ``max(tat, now) + T``. A fresh client may thus
make ``N`` requests at once and afterwards one every ``T``; this is a token bucket of capacity
``N`` refilled at ``N`` per minute, but needs one stored value instead of two and no refill loop.
A refused request is told to retry after ``tat - tau - now``.

Integers only: times are microseconds and ``T = 60_000_000 // N`` (rounding down gives away less
than 1 µs per request), so the Lua numbers (doubles) stay exact: Unix microseconds are ~1.8e15,
well under 2**53 ~ 9.0e15.

The Redis limiter runs the whole read-decide-write step in one Lua script, which Redis executes
atomically, and it takes ``now`` from the Redis server's ``TIME`` so API hosts with skewed clocks
still share one timeline. The bucket key expires once ``tat`` has passed (an idle client costs
nothing).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import redis.asyncio

#: Prefix of the rate-limit buckets in Redis.
BUCKET_PREFIX = "maas:rl:"
_US_PER_MIN = 60_000_000

# KEYS[1]: bucket; ARGV[1]: emission interval T (integer µs); ARGV[2]: burst N (requests).
# Returns {allowed (0/1), wait before retry (µs), remaining requests in the burst}.
_GCRA_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tau = interval * (tonumber(ARGV[2]) - 1)
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local wait = tat - tau - now
if wait > 0 then
  return {0, wait, 0}
end
local new_tat = tat + interval
redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX',
           math.ceil((new_tat - now) / 1000))
return {1, 0, math.floor((now + tau - new_tat) / interval) + 1}
"""


@dataclass(frozen=True, slots=True)
class RateDecision:
    """Outcome of one request against a budget.

    Attributes
    ----------
    allowed : bool
        Whether the request may proceed.
    limit : int
        The budget, requests per minute.
    remaining : int
        Requests still allowed right now (0 when refused).
    retry_after_s : int
        Whole seconds to wait before the next request can succeed (0 when allowed, else >= 1).
    """

    allowed: bool
    limit: int
    remaining: int
    retry_after_s: int


class RateLimiter(Protocol):
    """Something that charges one request to a bucket and says whether it is allowed."""

    async def hit(self, bucket: str, rate_per_min: int) -> RateDecision:
        """Charge one request to ``bucket`` whose budget is ``rate_per_min``."""
        ...


def emission_interval_us(rate_per_min: int) -> int:
    """GCRA emission interval ``T`` in microseconds for a budget of ``rate_per_min`` (>= 1).

    At least 1 µs: budgets above 60 million per minute behave as 60 million per minute.
    """
    if rate_per_min < 1:
        raise ValueError(f"rate_per_min: must be >= 1 (got {rate_per_min})")
    return max(1, _US_PER_MIN // rate_per_min)


def _decision(allowed: int, wait_us: int, remaining: int, limit: int) -> RateDecision:
    retry = 0 if allowed else max(1, math.ceil(wait_us / 1_000_000))
    return RateDecision(bool(allowed), limit, max(0, remaining), retry)


class RedisRateLimiter:
    """GCRA buckets in Redis, updated atomically by a Lua script (shared by all processes).

    Parameters
    ----------
    client : redis.asyncio.Redis
        Asyncio Redis client.
    prefix : str
        Prefix of the bucket keys.
    """

    def __init__(self, client: redis.asyncio.Redis, prefix: str = BUCKET_PREFIX) -> None:
        self.client = client
        self.prefix = prefix
        self._script = client.register_script(_GCRA_LUA)

    async def hit(self, bucket: str, rate_per_min: int) -> RateDecision:
        """Charge one request to ``bucket``; see the module docstring for the rule."""
        interval = emission_interval_us(rate_per_min)
        allowed, wait_us, remaining = await self._script(
            keys=[self.prefix + bucket], args=[interval, rate_per_min]
        )
        return _decision(int(allowed), int(wait_us), int(remaining), rate_per_min)


class MemoryRateLimiter:
    """The same GCRA kept in a dict of this process (embedded mode, or Redis fallback).

    Parameters
    ----------
    clock_us : Callable[[], int]
        Monotonic clock in integer microseconds (injectable for tests).
    max_buckets : int
        When more buckets than this are held, those already idle are dropped.
    """

    def __init__(self, clock_us: Callable[[], int] | None = None,
                 max_buckets: int = 100_000) -> None:
        self._clock = clock_us or (lambda: time.monotonic_ns() // 1000)
        self._tat: dict[str, int] = {}
        self._lock = threading.Lock()
        self.max_buckets = max_buckets

    def __len__(self) -> int:
        return len(self._tat)

    def hit_now(self, bucket: str, rate_per_min: int) -> RateDecision:
        """Synchronous :meth:`hit`."""
        interval = emission_interval_us(rate_per_min)
        tau = interval * (rate_per_min - 1)
        with self._lock:
            now = self._clock()
            tat = max(self._tat.get(bucket, now), now)
            wait = tat - tau - now
            if wait > 0:
                return _decision(0, wait, 0, rate_per_min)
            new_tat = tat + interval
            if bucket not in self._tat and len(self._tat) >= self.max_buckets:
                self._tat = {b: t for b, t in self._tat.items() if t > now}
            self._tat[bucket] = new_tat
            return _decision(1, 0, (now + tau - new_tat) // interval + 1, rate_per_min)

    async def hit(self, bucket: str, rate_per_min: int) -> RateDecision:
        """Charge one request to ``bucket``; see the module docstring for the rule."""
        return self.hit_now(bucket, rate_per_min)
