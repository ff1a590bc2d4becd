"""``maas worker``: polls the bundle's live feeds into the live store (Redis in production).

Feeds come from ``city.toml`` (``[gbfs] url``, ``[ocpi] locations_url``, each with an optional
``poll_interval_s``). A bundle without live endpoints (the bundled Timișoara) gets the
deterministic DEMO generator (:mod:`maas.live.demo`) instead, labelled ``demo``. A write that
fails because the store is down is logged and retried at the next tick; one feed failing never
stops the others.

With Redis the worker also computes the realtime state once for every API process (STPT AVL
replay, GTFS-RT files and URLs -> overlay, vehicles, alerts, congestion) on the current
snapshot and publishes it (:mod:`maas.realtime.store_bridge`); without Redis each API process
does that itself.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import httpx

from feeds.bundle import read_city_config
from feeds.gbfs.poller import GbfsPoller
from feeds.ocpi.client import fetch_locations
from maas.live.codec import encode_gbfs, encode_ocpi
from maas.live.demo import OCPI_FEED, DemoLiveSource
from maas.live.store import LiveStore, LiveStoreUnavailableError, MemoryLiveStore, RedisLiveStore
from maas.settings import Settings

if TYPE_CHECKING:
    from maas.realtime.hub import RealtimeHub

log = logging.getLogger("maas.worker")

#: Poll interval of the demo generator and default of live feeds, seconds.
DEFAULT_INTERVAL_S = 30
#: Pause after a failed write before the next attempt, seconds.
RETRY_S = 2.0


@dataclass
class _Job:
    name: str
    interval_s: float
    run: Callable[[LiveStore, float], None]
    next_s: float = 0.0
    failures: int = field(default=0)


def open_store(settings: Settings) -> LiveStore:
    """Redis when ``settings.redis_url`` is set, else an in-process store."""
    return RedisLiveStore(settings.redis_url) if settings.redis_url else MemoryLiveStore()


def build_jobs(settings: Settings, *, demo_interval_s: int = DEFAULT_INTERVAL_S) -> list[_Job]:
    """The polling jobs of ``settings.bundle`` (live endpoints, else the DEMO generator)."""
    cfg = read_city_config(settings.bundle).raw
    jobs: list[_Job] = []
    gbfs = cfg.get("gbfs") if isinstance(cfg.get("gbfs"), dict) else None
    ocpi = cfg.get("ocpi") if isinstance(cfg.get("ocpi"), dict) else None
    client = httpx.Client(timeout=10.0, follow_redirects=True)
    if gbfs and gbfs.get("url"):
        poller = GbfsPoller(str(gbfs["url"]), client=client, min_interval_s=10.0)
        system = str(gbfs.get("system") or "live")

        def poll_gbfs(store: LiveStore, now: float) -> None:
            snap, _ = poller.poll(now)
            docs = {n: c.doc for n, c in poller._cache.items()}  # raw documents to re-publish
            stamp = float(snap.oldest_update_s() or now)
            ttl = max((m.ttl_s for m in snap.files.values()), default=60)
            store.put(f"gbfs:{system}", encode_gbfs(docs, version=snap.version,
                                                   language=snap.language),
                      feed_timestamp=stamp, ttl_s=int(ttl))

        jobs.append(_Job("gbfs", float(gbfs.get("poll_interval_s", 60)), poll_gbfs))
    if ocpi and ocpi.get("locations_url"):
        url = str(ocpi["locations_url"])
        token = ocpi.get("token")
        interval = float(ocpi.get("poll_interval_s", 300))

        def poll_ocpi(store: LiveStore, now: float) -> None:
            locs, _ = fetch_locations(url, client, token=token)
            store.put(OCPI_FEED, encode_ocpi(locs), feed_timestamp=now, ttl_s=int(interval))

        jobs.append(_Job("ocpi", interval, poll_ocpi))
    if not jobs:
        demo = DemoLiveSource(settings.bundle, interval_s=demo_interval_s)

        def run_demo(store: LiveStore, now: float) -> None:
            demo.publish(store, now)

        jobs.append(_Job("demo", float(demo_interval_s), run_demo))
    return jobs


def open_realtime_hub(settings: Settings) -> RealtimeHub | None:
    """A realtime hub on the current snapshot of ``settings`` (None, logged, without one)."""
    from maas.realtime.hub import RealtimeHub
    from routing.snapshot import current_version, load_snapshot

    root = settings.snapshot_root
    version = current_version(root)
    if version is None:
        log.warning("worker: no snapshot under %s (run `maas build`): no realtime state", root)
        return None
    return RealtimeHub(load_snapshot(root / version), settings.bundle)


def run_worker(settings: Settings, *, once: bool = False, now: float | None = None,
               store: LiveStore | None = None, stop: threading.Event | None = None,
               demo_interval_s: int = DEFAULT_INTERVAL_S,
               realtime: bool | None = None) -> LiveStore:
    """Poll until ``stop`` is set (or one round with ``once``); return the store written.

    Parameters
    ----------
    settings : Settings
        Bundle and ``redis_url``.
    once : bool
        Run every job once and return (raises :class:`LiveStoreUnavailableError` if the store
        is down).
    now : float | None
        Clock for ``once`` (Unix seconds; default the wall clock).
    store : LiveStore | None
        Where to write (default: :func:`open_store`).
    stop : threading.Event | None
        Set to end the loop.
    demo_interval_s : int
        Interval and ttl of the DEMO feeds, seconds.
    realtime : bool | None
        Also compute and publish the realtime state (default: ``settings.realtime`` with
        Redis; the embedded default runs it in the API process instead).
    """
    from maas.realtime.store_bridge import run_publisher, start_publisher

    store = store or open_store(settings)
    jobs = build_jobs(settings, demo_interval_s=demo_interval_s)
    if realtime is None:
        realtime = settings.realtime and settings.redis_url is not None
    hub = open_realtime_hub(settings) if realtime else None
    if once:
        t = time.time() if now is None else now
        for job in jobs:
            job.run(store, t)
        if hub is not None:
            run_publisher(hub, store, once=True)
        return store
    stop = stop or threading.Event()
    if hub is not None:
        start_publisher(hub, store, stop)
    log.info("worker: %s into %s", ", ".join(j.name for j in jobs), type(store).__name__)
    while not stop.is_set():
        t = time.time()
        for job in jobs:
            if t < job.next_s:
                continue
            try:
                job.run(store, t)
                job.failures = 0
                job.next_s = t + job.interval_s
            except LiveStoreUnavailableError as exc:
                job.failures += 1
                log.warning("worker: %s not written (%s); retrying", job.name, exc)
                job.next_s = t + RETRY_S
            except Exception:  # a failing feed is logged and retried, never fatal
                job.failures += 1
                log.exception("worker: %s failed", job.name)
                job.next_s = t + min(job.interval_s, 30.0)
        wait = max(0.05, min(j.next_s for j in jobs) - time.time())
        stop.wait(wait)
    return store


def start_embedded(settings: Settings, store: LiveStore, *,
                   interval_s: int = DEFAULT_INTERVAL_S) -> threading.Event:
    """Run the worker in a daemon thread of the API process (embedded default); returns the
    event that stops it."""
    stop = threading.Event()
    threading.Thread(target=run_worker, args=(settings,),
                     kwargs={"store": store, "stop": stop, "demo_interval_s": interval_s},
                     name="maas-live-worker", daemon=True).start()
    return stop
