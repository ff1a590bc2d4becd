"""Feature: the live path through a real Redis — ``maas worker`` writes, two API instances
read; Redis restarted under load: plans keep flowing, availability is marked stale, and live
data recovers when Redis is back."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from feeds.bundle import build_snapshot
from maas.settings import DEFAULT_BUNDLE, load_settings
from maas.worker import run_worker
from tests.maas.conftest import serve
from tests.maas.live.redis_proc import RedisProcess

PLAN = {"from": "45.7537,21.2257", "to": "45.7780,21.2260", "time": "2026-11-24T08:00",
        "modes": "WALK,BIKESHARE,TRANSIT"}


@pytest.fixture(scope="module")
def snap_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tm-redis") / "snap"
    build_snapshot(DEFAULT_BUNDLE, root)
    return root


def _clients(root: Path, url: str) -> Iterator[tuple[TestClient, TestClient]]:
    for a in serve(root, redis_url=url):
        for b in serve(root, redis_url=url):
            yield a, b


def _versions(c: TestClient) -> dict[str, int]:
    return {f["feed"]: f["version"] for f in c.get("/v1/bikeshare/stations").json()["feeds"]}


def test_worker_writes_and_two_instances_see_it(snap_root: Path, redis_url: str) -> None:
    settings = load_settings(redis_url=redis_url)
    for a, b in _clients(snap_root, redis_url):
        assert a.get("/v1/bikeshare/stations").json()["features"] == []
        now = time.time()
        run_worker(settings, once=True, now=now)
        assert _versions(a) == _versions(b) == {"gbfs:velotm": 1}
        run_worker(settings, once=True, now=now + 30)  # the next poll
        assert _versions(a) == _versions(b) == {"gbfs:velotm": 2}
        sa = a.get("/v1/bikeshare/stations").json()
        sb = b.get("/v1/bikeshare/stations").json()
        assert sa["features"] == sb["features"] and not sa["stale"] and sa["label"] == "demo"
        feeds = {f["source"] for f in a.get("/v1/feeds").json()["feeds"]}
        assert {"gbfs:velotm", "gbfs:demo_carshare", "ocpi:locations"} <= feeds


def test_redis_restart_under_load(snap_root: Path, tmp_path: Path) -> None:
    server = RedisProcess(tmp_path)
    server.start()
    stop = threading.Event()
    try:
        settings = load_settings(redis_url=server.url)
        worker = threading.Thread(target=run_worker, args=(settings,),
                                  kwargs={"stop": stop, "demo_interval_s": 1}, daemon=True)
        worker.start()
        for a, _b in _clients(snap_root, server.url):
            for _ in range(100):
                if _versions(a):
                    break
                time.sleep(0.05)
            assert not a.get("/v1/bikeshare/stations").json()["stale"]
            server.stop()
            statuses = []
            for _ in range(10):  # load while Redis is down: plans keep flowing
                statuses.append(a.get("/v1/plan", params=PLAN).status_code)
            assert statuses == [200] * 10
            down = a.get("/v1/bikeshare/stations").json()
            assert down["stale"] and down["features"], "last value shown, marked stale"
            server.start()  # empty Redis: the worker's next write restores live data
            for _ in range(200):
                body = a.get("/v1/bikeshare/stations").json()
                if body["feeds"] and not body["stale"]:
                    break
                time.sleep(0.05)
            assert body["feeds"] and not body["stale"]
            assert a.get("/v1/plan", params=PLAN).status_code == 200
    finally:
        stop.set()
        server.stop()
