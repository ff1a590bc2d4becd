"""Realtime state through a real Redis: one worker step writes it, every API process serves it.

The tiny city's T1 run of 08:10 is 6 minutes late in a GTFS-RT TripUpdates file of the bundle;
``maas worker --once`` (:func:`maas.worker.run_worker`) applies it and publishes the overlay;
two API apps that only read Redis must both plan exactly like the hand-made reference scan.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from feeds.bundle import build_snapshot
from maas.live.store import MemoryLiveStore
from maas.realtime.congestion import SeriesPoint
from maas.realtime.hub import RealtimeHub, current_hub
from maas.realtime.store_bridge import (
    OVERLAY_FEED,
    SERIES_KEY,
    MemoryCongestionSeries,
    RealtimeFollower,
    RealtimePublisher,
    RedisCongestionSeries,
    decode_congestion,
    encode_congestion,
    encode_overlay,
)
from maas.settings import load_settings
from maas.worker import run_worker
from routing.congestion import BinnedSpeeds
from routing.snapshot import current_version, load_snapshot
from tests.conftest import _free_port
from tests.maas.conftest import TINY_GTFS, make_bundle, serve
from tests.maas.realtime.test_realtime_api import DAY as RT_DAY
from tests.maas.realtime.test_realtime_api import (
    _arrival,
    _reference,
    _seconds,
    _trip_update_feed,
)

AT = f"{RT_DAY.isoformat()}T08:10:00"
LATE = _reference({"1": 360}, 8 * 3600 + 600)
ON_TIME = _reference({}, 8 * 3600 + 600)


@pytest.fixture(scope="module")
def rt_city(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(bundle, snapshot root) of the tiny city with a TripUpdates file (T1 08:10 +6 min)."""
    root = tmp_path_factory.mktemp("redis-rt")
    bundle = make_bundle(root, TINY_GTFS)
    (bundle / "gtfs-rt").mkdir()
    (bundle / "gtfs-rt" / "tu.pb").write_bytes(_trip_update_feed(360, start_time="08:10:00"))
    (bundle / "city.toml").write_text(
        'name = "tiny"\n[gtfs_rt]\ntrip_updates = "gtfs-rt/tu.pb"\n'
        "[congestion]\nretention_s = 3600\n", encoding="utf-8")
    build_snapshot(bundle, root / "snap")
    return bundle, root / "snap"


def _hub(snapshot: Path, bundle: Path) -> RealtimeHub:
    version = current_version(snapshot)
    assert version is not None
    return RealtimeHub(load_snapshot(snapshot / version), bundle)


@contextlib.contextmanager
def _apps(snapshot: Path, bundle: Path, url: str, n: int) -> Iterator[list[TestClient]]:
    with contextlib.ExitStack() as stack:
        clients = [stack.enter_context(contextlib.contextmanager(serve)(
            snapshot, bundle=bundle, redis_url=url)) for _ in range(n)]
        for c in clients:
            current_hub(c.app.state.maas).follower.poll_s = 0.0  # type: ignore[attr-defined]
        yield clients


def test_one_worker_step_reaches_every_api_process(rt_city: tuple[Path, Path],
                                                   redis_url: str) -> None:
    bundle, snap = rt_city
    with _apps(snap, bundle, redis_url, 2) as clients:
        for c in clients:  # nothing published yet: the schedule
            assert _seconds(_arrival(c, "stop:A", "stop:D", AT)) == ON_TIME
        run_worker(load_settings(snapshot_dir=snap, bundle=bundle, redis_url=redis_url),
                   once=True)
        for c in clients:  # the next poll sees the worker's overlay
            assert _seconds(_arrival(c, "stop:A", "stop:D", AT)) == LATE
            feeds = {f["source"]: f for f in c.get("/v1/feeds").json()["feeds"]}
            assert feeds[OVERLAY_FEED]["fresh"] is True
            rt = [f for f in feeds.values() if f["kind"] == "gtfs_rt"]
            assert rt and rt[0]["report"]["info"]["trips_updated"] == 1
            v = c.get("/v1/vehicles").json()
            assert v["stale"] is False
            cg = c.get("/v1/congestion").json()
            assert cg["stale"] is False and cg["retention_s"] == 3600
            # departures read the same overlay: the 08:10 run leaves A at 08:16
            d = c.get("/v1/stops/A/departures", params={"time": AT, "limit": 1})
            assert d.status_code == 200, d.text
            assert "08:16:00" in str(d.json())


def test_redis_down_serves_last_state_marked_stale(rt_city: tuple[Path, Path],
                                                   tmp_path: Path) -> None:
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.fail("redis-server not installed: run `make test` (it installs it)")
    port = _free_port()
    proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(tmp_path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        import redis

        for _ in range(100):
            try:
                redis.Redis.from_url(url).ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        bundle, snap = rt_city
        with _apps(snap, bundle, url, 1) as (client,):
            run_worker(load_settings(snapshot_dir=snap, bundle=bundle, redis_url=url),
                       once=True)
            assert _seconds(_arrival(client, "stop:A", "stop:D", AT)) == LATE
            proc.terminate()
            proc.wait(timeout=10)
            # the last decoded state keeps serving (recent overlay still applied), flagged stale
            assert _seconds(_arrival(client, "stop:A", "stop:D", AT)) == LATE
            for path in ("/v1/vehicles", "/v1/congestion", "/v1/congestion/segments"):
                r = client.get(path)
                assert r.status_code == 200, (path, r.text)
                assert r.json()["stale"] is True, path
            assert client.get("/v1/feeds").status_code == 200
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=10)


def test_reader_of_another_network_version_ignores_overlay(rt_city: tuple[Path, Path]) -> None:
    bundle, snap = rt_city
    writer = _hub(snap, bundle)
    writer.apply_gtfs_rt(_trip_update_feed(360, start_time="08:10:00"), "tu")
    assert writer.overlay.days
    store = MemoryLiveStore()
    foreign = encode_overlay(writer.overlay, network_version="another-build")
    store.put(OVERLAY_FEED, foreign, feed_timestamp=time.time(), ttl_s=5)
    reader = _hub(snap, bundle)
    reader.follower = RealtimeFollower(store, series=MemoryCongestionSeries(), poll_s=0.0)
    reader.refresh()
    assert not reader.overlay.days and "another network" in reader.follower.note
    # the same overlay for this network version is applied, array for array
    RealtimePublisher(writer, store, series=MemoryCongestionSeries()).publish()
    reader.refresh()
    assert sorted(reader.overlay.days) == sorted(writer.overlay.days)
    for day, d in writer.overlay.days.items():
        got = reader.overlay.days[day]
        assert np.array_equal(got.arrival_delay_s, d.arrival_delay_s)
        assert np.array_equal(got.departure_delay_s, d.departure_delay_s)
        assert np.array_equal(got.trip_cancelled, d.trip_cancelled)
    assert reader.overlay.version > 0 and reader.realtime_arrays(RT_DAY.toordinal()) is not None


def _points(t0: float, n: int, bin_s: int = 900) -> list[SeriesPoint]:
    return [SeriesPoint(t0 + i * bin_s, 1.0 + i / 1000, i) for i in range(n)]


def test_congestion_series_trimmed_to_retention(redis_url: str) -> None:
    import redis

    series = RedisCongestionSeries(redis_url)
    mem = MemoryCongestionSeries()
    t0 = 1_700_000_100.0 - 1_700_000_100.0 % 900
    pts = _points(t0, 3 * 96)  # three days of 15-min bins
    for s in (series, mem):
        s.write(pts[:100], retention_s=86_400, bin_s=900)
        s.write(pts[100:], retention_s=86_400, bin_s=900)
    client = redis.Redis.from_url(redis_url)
    newest = pts[-1].t0_s
    assert client.zcard(SERIES_KEY) == 96
    kept = series.read()
    assert [p.t0_s for p in kept] == [p.t0_s for p in pts[-96:]]
    assert kept[0].t0_s > newest - 86_400 and kept == mem.read()
    # an update of a kept bin replaces it (one member per bin)
    series.write([SeriesPoint(newest, float("nan"), 7)], retention_s=86_400, bin_s=900)
    last = series.read()
    assert len(last) == 96 and last[-1].samples == 7 and np.isnan(last[-1].tti)
    client.close()
    series.close()


def test_congestion_payload_keeps_latest_window() -> None:
    rng = np.random.default_rng(3)
    n_seg, n_bins = 12, 120
    samples = rng.integers(0, 3, (n_seg, n_bins)).astype(np.int64)
    travel = np.where(samples > 0, rng.uniform(10, 90, (n_seg, n_bins)), 0.0)
    length = rng.uniform(100, 200, n_seg)
    b = BinnedSpeeds(1_700_000_000.0, 900, length, travel, samples)
    ff = rng.uniform(3, 15, n_seg)
    st = decode_congestion(encode_congestion(b, ff, network_version="v", retention_s=7200,
                                             window_bins=96))
    back = st.binned(length)
    assert back.n_bins == 96 and back.t0_s == b.t0_s + 24 * 900
    assert np.array_equal(back.samples, samples[:, -96:])
    assert np.allclose(back.travel_s, travel[:, -96:])
    assert np.allclose(st.free_flow_mps, ff, rtol=1e-6) and st.retention_s == 7200
