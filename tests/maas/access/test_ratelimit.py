"""GCRA rate limits: the in-process limiter against a token-bucket oracle, the Redis one in Redis.

The oracle is the textbook token bucket (capacity N, one token back every T = 60 s / N, exact
fractions); GCRA must take the same decision for every request and give the same wait.
"""

from __future__ import annotations

import asyncio
import math
import random

import pytest
import redis
import redis.asyncio

from maas.access.ratelimit import (
    BUCKET_PREFIX,
    MemoryRateLimiter,
    RedisRateLimiter,
    emission_interval_us,
)


class TokenBucket:
    """Oracle: capacity ``n`` tokens, refilled continuously at one per ``interval_us``.

    Tokens are counted in microseconds of refill (one token = ``interval_us``), so the
    arithmetic is exact in integers.
    """

    def __init__(self, n: int, interval_us: int) -> None:
        self.interval = interval_us
        self.capacity = n * interval_us
        self.level = self.capacity
        self.last: int | None = None

    @property
    def tokens(self) -> int:
        return self.level // self.interval

    def hit(self, now_us: int) -> tuple[bool, int]:
        if self.last is not None:
            self.level = min(self.capacity, self.level + now_us - self.last)
        self.last = now_us
        if self.level >= self.interval:
            self.level -= self.interval
            return True, 0
        return False, max(1, math.ceil((self.interval - self.level) / 1_000_000))


@pytest.mark.parametrize("n", [1, 3, 7, 60, 600])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_memory_limiter_matches_token_bucket(n: int, seed: int) -> None:
    rng = random.Random(seed * 1000 + n)
    now = [1_000_000]
    limiter = MemoryRateLimiter(clock_us=lambda: now[0])
    interval = emission_interval_us(n)
    oracle = TokenBucket(n, interval)
    outcomes = set()
    for _ in range(5):
        # A burst that drains the bucket, random traffic around the refill rate, an idle time
        # of up to two full refills.
        gaps = [0] * (n + 3) + [rng.choice([0, 1, rng.randrange(1, 2 * interval)])
                                for _ in range(300)] + [rng.randrange(1, 2 * n * interval)]
        for gap in gaps:
            now[0] += gap
            d = limiter.hit_now("ip:1.2.3.4", n)
            ok, retry = oracle.hit(now[0])
            assert (d.allowed, d.retry_after_s) == (ok, retry), now[0]
            assert d.limit == n
            assert d.remaining == (oracle.tokens if ok else 0)
            outcomes.add(ok)
    assert outcomes == {True, False}


def test_memory_limiter_burst_then_one_per_interval() -> None:
    now = [0]
    limiter = MemoryRateLimiter(clock_us=lambda: now[0])
    assert [limiter.hit_now("b", 3).remaining for _ in range(3)] == [2, 1, 0]
    refused = limiter.hit_now("b", 3)
    assert not refused.allowed and refused.retry_after_s == 20  # 60 s / 3
    now[0] = 19_999_999
    assert not limiter.hit_now("b", 3).allowed
    now[0] = 20_000_000
    assert limiter.hit_now("b", 3).allowed
    assert limiter.hit_now("other", 3).allowed  # buckets are independent


def test_memory_limiter_drops_idle_buckets_when_full() -> None:
    now = [0]
    limiter = MemoryRateLimiter(clock_us=lambda: now[0], max_buckets=10)
    for i in range(10):
        limiter.hit_now(f"b{i}", 60)
    now[0] = 2_000_000  # every bucket (tat = 1 s) is idle again
    limiter.hit_now("new", 60)
    assert len(limiter) == 1


def test_redis_limiter_is_atomic_under_concurrency(redis_url: str) -> None:
    """50 concurrent hits from two clients (two connection pools): exactly N are allowed."""

    async def run() -> list[bool]:
        a = redis.asyncio.Redis.from_url(redis_url)
        b = redis.asyncio.Redis.from_url(redis_url)
        try:
            la, lb = RedisRateLimiter(a), RedisRateLimiter(b)
            decisions = await asyncio.gather(
                *[(la if i % 2 else lb).hit("key:k", 7) for i in range(50)])
        finally:
            await a.aclose()
            await b.aclose()
        assert all(d.retry_after_s >= 1 for d in decisions if not d.allowed)
        assert all(d.retry_after_s <= 9 for d in decisions if not d.allowed)  # T = 8.57 s
        return [d.allowed for d in decisions]

    allowed = asyncio.run(run())
    assert sum(allowed) == 7
    sync = redis.Redis.from_url(redis_url)
    ttl_ms = sync.pttl(BUCKET_PREFIX + "key:k")
    sync.close()
    assert 0 < ttl_ms <= 60_000  # the bucket expires once the client has been idle long enough


def test_redis_limiter_reports_remaining(redis_url: str) -> None:
    async def run() -> list[tuple[bool, int]]:
        client = redis.asyncio.Redis.from_url(redis_url)
        try:
            limiter = RedisRateLimiter(client)
            return [((d := await limiter.hit("ip:x", 4)).allowed, d.remaining) for _ in range(5)]
        finally:
            await client.aclose()

    assert asyncio.run(run()) == [(True, 3), (True, 2), (True, 1), (True, 0), (False, 0)]


def test_emission_interval_rejects_zero() -> None:
    with pytest.raises(ValueError, match="rate_per_min"):
        emission_interval_us(0)
