"""Live store contract: versions, metadata, staleness, lazy decoding; Memory and real Redis."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from maas.live.store import (
    UPDATED_CHANNEL,
    LiveReader,
    LiveStore,
    LiveStoreUnavailableError,
    MemoryLiveStore,
    RedisLiveStore,
    parse_updated_message,
    stale_after_s,
)
from tests.maas.live.redis_proc import RedisProcess


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest) -> Iterator[LiveStore]:
    if request.param == "memory":
        yield MemoryLiveStore()
        return
    url = request.getfixturevalue("redis_url")
    s = RedisLiveStore(url)
    yield s
    s.close()


def test_put_increments_version_and_get_returns_payload(store: LiveStore) -> None:
    assert store.get("gbfs:x") is None
    assert store.put("gbfs:x", b"one", feed_timestamp=100.0, ttl_s=30, label="demo") == 1
    assert store.put("gbfs:x", b"two", feed_timestamp=130.0, ttl_s=30, label="demo") == 2
    assert store.put("ocpi:y", b"\x00\xff", feed_timestamp=5.0, ttl_s=60) == 1
    blob = store.get("gbfs:x")
    assert blob is not None
    assert (blob.payload, blob.version, blob.feed_timestamp, blob.ttl_s, blob.label) == (
        b"two", 2, 130.0, 30, "demo")
    assert store.get("ocpi:y").payload == b"\x00\xff"  # type: ignore[union-attr]
    assert store.versions() == {"gbfs:x": 2, "ocpi:y": 1}
    assert [m.feed for m in store.feeds()] == ["gbfs:x", "ocpi:y"]


def test_staleness_limit_derived_from_ttl(store: LiveStore) -> None:
    assert stale_after_s(10) == 60 and stale_after_s(60) == 180
    store.put("f", b"x", feed_timestamp=1000.0, ttl_s=60, label="")
    meta = store.get("f")
    assert meta is not None
    assert meta.is_fresh(now=1000.0 + 180)
    assert not meta.is_fresh(now=1000.0 + 181)
    assert meta.age_s(now=1010.0) == 10.0


def test_reader_decodes_once_per_version(store: LiveStore) -> None:
    calls: list[bytes] = []

    def decode(b: bytes) -> str:
        calls.append(b)
        return b.decode().upper()

    reader = LiveReader(store, "f", decode)
    assert reader.read() is None
    store.put("f", b"a", feed_timestamp=time.time(), ttl_s=30)
    assert reader.read().value == "A"  # type: ignore[union-attr]
    assert reader.read().value == "A"  # type: ignore[union-attr]
    store.put("f", b"b", feed_timestamp=time.time(), ttl_s=30)
    d = reader.read()
    assert d is not None and d.value == "B" and d.meta.version == 2
    assert calls == [b"a", b"b"]


def test_redis_put_publishes_update(redis_url: str) -> None:
    import redis

    sub = redis.Redis.from_url(redis_url).pubsub()
    sub.subscribe(UPDATED_CHANNEL)
    sub.get_message(timeout=1.0)  # subscribe confirmation
    s = RedisLiveStore(redis_url)
    s.put("gbfs:z", b"p", feed_timestamp=1.0, ttl_s=10)
    msg = None
    for _ in range(20):
        msg = sub.get_message(timeout=0.5)
        if msg and msg["type"] == "message":
            break
    assert msg is not None and parse_updated_message(msg["data"]) == ("gbfs:z", 1)
    sub.close()
    s.close()


def test_redis_down_reads_cached_stale_and_writes_raise(tmp_path: Path) -> None:
    server = RedisProcess(tmp_path)
    server.start()
    try:
        s = RedisLiveStore(server.url, timeout_s=0.2, retry_after_s=0.0)
        s.put("f", b"v1", feed_timestamp=time.time(), ttl_s=30)
        assert s.get("f").is_fresh()  # type: ignore[union-attr]
        server.stop()
        blob = s.get("f")  # never raises: the cached value, marked unreachable (stale)
        assert blob is not None and blob.payload == b"v1" and blob.unreachable
        assert not blob.is_fresh()
        assert s.versions() == {"f": 1}
        with pytest.raises(LiveStoreUnavailableError, match="cannot write live feed 'f'"):
            s.put("f", b"x", feed_timestamp=0.0, ttl_s=1)
        server.start()  # empty again (no persistence): the writer's next put is version 1
        assert s.put("f", b"v2", feed_timestamp=time.time(), ttl_s=30) == 1
        blob = s.get("f")
        assert blob is not None and blob.payload == b"v2" and blob.is_fresh()
        s.close()
    finally:
        server.stop()
