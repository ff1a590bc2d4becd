"""Realtime state through the live store: one writer (``maas worker``), every API process reads.

With Redis (``MAAS_REDIS_URL``) the worker runs the realtime steps (STPT AVL replay, GTFS-RT
files and URLs) on its own :class:`~maas.realtime.hub.RealtimeHub` and a
:class:`RealtimePublisher` writes the hub's state into the live store; each API process keeps
a hub that a :class:`RealtimeFollower` fills from the store (decoded once per version through
:class:`~maas.live.store.LiveReader`, polled at most every ``poll_s`` seconds). Without Redis
nothing here runs: the API process's own thread feeds its hub (the embedded default).

Store feeds (:class:`~maas.live.store.LiveStore` blobs, ``feed_timestamp`` = publish time)
-----------------------------------------------------------------------------------------
``rt:overlay``
    ``np.savez_compressed`` bytes: ``header`` (JSON as uint8: ``network_version``, ``epoch``,
    ``overlay_version``, ``service_day``, ``feed_timestamp``, ``n_stop_times``, ``n_trips``,
    ``days``) and per service day ``d<day>_arr`` / ``d<day>_dep`` (int32 delays, seconds),
    ``d<day>_skip`` / ``d<day>_cancel`` (bool), ``d<day>_fifo`` (int32 pattern ids). A reader
    whose network version (or array sizes) differ ignores the overlay.
``rt:vehicles``
    JSON ``{"network_version", "feed_now_s", "vehicles": [[vehicle_id, line, lat, lon,
    timestamp_s, bearing_deg, speed_mps, headsign, trip, delay_s], ...]}``.
``rt:congestion``
    npz bytes: ``header`` (JSON: ``network_version``, ``bin_s``, ``retention_s``, ``t0_s``,
    ``n_bins``, ``n_segments``, ``traversals``), the non-empty cells of the latest
    ``window_bins`` bins as parallel arrays ``seg`` (int32), ``bin`` (int32), ``travel_s``
    (float64, summed seconds), ``samples`` (int32), and ``free_flow_mps`` (float32 per segment).
``rt:status``
    JSON ``{"network_version", "statuses": [FeedStatus fields], "alerts": [...]}`` (alerts with
    their informed stop/route/trip indices).

Redis keys besides the live store's own ``maas:live:*``
-------------------------------------------------------
``maas:rt:congestion:series``
    Sorted set of the city index: score = bin start (Unix seconds), member = JSON
    ``{"t0_s", "tti", "samples"}`` (``tti`` null when the bin has no free-flow reference).
    One member per bin (replaced on update); bins older than ``newest - retention_s`` are
    removed on every write (``ZREMRANGEBYSCORE``), and at most ``retention_s / bin_s + 1``
    members are kept (``ZREMRANGEBYRANK``). Retention: ``[congestion] retention_s`` in
    ``city.toml``, default two days.

Staleness: a feed is *stale* when its blob is older than
:func:`~maas.live.store.stale_after_s` of its ttl or the store was unreachable at the last
read; stale state is still served (flagged). The overlay keeps being applied to plans while it
is younger than that limit, even during a short Redis outage, and is dropped (schedule only)
once older.
"""

from __future__ import annotations

import io
import json
import logging
import math
import threading
import time
import uuid
from dataclasses import asdict, dataclass, replace
from types import MappingProxyType
from typing import Any, Protocol, cast

import numpy as np
import numpy.typing as npt

from feeds.gtfs_rt.apply import ResolvedAlert
from feeds.gtfs_rt.records import Alert
from maas.live.store import LiveMeta, LiveReader, LiveStore, LiveStoreUnavailableError
from maas.realtime.congestion import RETENTION_S, CongestionTracker, SeriesPoint
from maas.realtime.hub import FeedStatus, LiveVehicle, RealtimeHub
from routing.congestion import BinnedSpeeds
from routing.realtime import RealtimeDay, RealtimeOverlay

log = logging.getLogger("maas.realtime.store")

OVERLAY_FEED = "rt:overlay"
VEHICLES_FEED = "rt:vehicles"
CONGESTION_FEED = "rt:congestion"
STATUS_FEED = "rt:status"
FEEDS = (OVERLAY_FEED, VEHICLES_FEED, CONGESTION_FEED, STATUS_FEED)
#: Redis sorted set of the congestion city-index series.
SERIES_KEY = "maas:rt:congestion:series"
#: Bins of per-segment congestion published (96 = 24 h, the segments route's maximum window).
WINDOW_BINS = 96
#: Seconds between two publications of the worker (also the blobs' ttl).
PUBLISH_S = 5.0
#: Seconds between two store polls of an API process.
POLL_S = 1.0

F64 = npt.NDArray[np.float64]


# -- encoding -----------------------------------------------------------------------------------
def _npz(header: dict[str, Any], arrays: dict[str, np.ndarray]) -> bytes:
    buf = io.BytesIO()
    head = np.frombuffer(json.dumps(header, separators=(",", ":")).encode(), np.uint8)
    save: Any = np.savez_compressed  # numpy's stub types **arrays as its bool keyword
    save(buf, header=head, **arrays)
    return buf.getvalue()


def _header(z: Any) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(np.asarray(z["header"], np.uint8).tobytes())
    return out


def encode_overlay(overlay: RealtimeOverlay, *, network_version: str, epoch: str = "") -> bytes:
    """``rt:overlay`` payload of ``overlay`` (see module docstring)."""
    arrays: dict[str, np.ndarray] = {}
    for day, d in overlay.days.items():
        arrays[f"d{day}_arr"] = np.asarray(d.arrival_delay_s, np.int32)
        arrays[f"d{day}_dep"] = np.asarray(d.departure_delay_s, np.int32)
        arrays[f"d{day}_skip"] = np.asarray(d.skipped, np.bool_)
        arrays[f"d{day}_cancel"] = np.asarray(d.trip_cancelled, np.bool_)
        arrays[f"d{day}_fifo"] = np.asarray(d.fifo_broken_patterns, np.int32)
    header = {"network_version": network_version, "epoch": epoch,
              "overlay_version": overlay.version, "service_day": overlay.service_day,
              "feed_timestamp": overlay.feed_timestamp, "n_stop_times": overlay.n_stop_times,
              "n_trips": overlay.n_trips, "days": sorted(int(d) for d in overlay.days)}
    return _npz(header, arrays)


def overlay_header(payload: bytes) -> dict[str, Any]:
    """The JSON header of an ``rt:overlay`` payload (the arrays are not read)."""
    with np.load(io.BytesIO(payload)) as z:
        return _header(z)


def decode_overlay(payload: bytes, base: RealtimeOverlay, *, network_version: str,
                   version: int | None = None) -> RealtimeOverlay | None:
    """The overlay of an ``rt:overlay`` payload over ``base``'s timetable sizes.

    Returns None when the payload belongs to another network version or timetable size.
    ``version`` (default: the payload's) becomes the overlay's version.
    """
    with np.load(io.BytesIO(payload)) as z:
        h = _header(z)
        if (h["network_version"] != network_version or h["n_stop_times"] != base.n_stop_times
                or h["n_trips"] != base.n_trips):
            return None
        days: dict[int, RealtimeDay] = {}
        for day in h["days"]:
            arrs = [np.asarray(z[f"d{day}_{k}"]) for k in ("arr", "dep", "skip", "cancel",
                                                           "fifo")]
            for a in arrs:
                a.setflags(write=False)
            days[int(day)] = RealtimeDay(int(day), arrs[0].astype(np.int32, copy=False),
                                         arrs[1].astype(np.int32, copy=False),
                                         arrs[2].astype(np.bool_, copy=False),
                                         arrs[3].astype(np.bool_, copy=False),
                                         arrs[4].astype(np.int32, copy=False))
    return replace(base, days=MappingProxyType(days), service_day=int(h["service_day"]),
                   version=int(h["overlay_version"] if version is None else version),
                   feed_timestamp=int(h["feed_timestamp"]))


def encode_vehicles(vehicles: tuple[LiveVehicle, ...], *, network_version: str,
                    feed_now_s: float | None) -> bytes:
    """``rt:vehicles`` payload."""
    rows = [[v.vehicle_id, v.line, v.lat, v.lon, v.timestamp_s, v.bearing_deg, v.speed_mps,
             v.headsign, v.trip, v.delay_s] for v in vehicles]
    return json.dumps({"network_version": network_version, "feed_now_s": feed_now_s,
                       "vehicles": rows}, separators=(",", ":")).encode()


@dataclass(frozen=True)
class VehiclesState:
    """Decoded ``rt:vehicles``."""

    network_version: str
    feed_now_s: float | None
    vehicles: tuple[LiveVehicle, ...]


def decode_vehicles(payload: bytes) -> VehiclesState:
    """:class:`VehiclesState` of an ``rt:vehicles`` payload."""
    obj = json.loads(payload)
    vs = tuple(LiveVehicle(str(r[0]), str(r[1]), float(r[2]), float(r[3]), float(r[4]),
                           None if r[5] is None else float(r[5]),
                           None if r[6] is None else float(r[6]), str(r[7]), int(r[8]),
                           None if r[9] is None else int(r[9])) for r in obj["vehicles"])
    return VehiclesState(str(obj["network_version"]), obj.get("feed_now_s"), vs)


def encode_status(statuses: dict[str, FeedStatus], alerts: tuple[ResolvedAlert, ...], *,
                  network_version: str) -> bytes:
    """``rt:status`` payload (feed statuses and resolved alerts)."""
    al = [{"entity_id": ra.alert.entity_id, "cause": ra.alert.cause, "effect": ra.alert.effect,
           "header_text": ra.alert.header_text, "description_text": ra.alert.description_text,
           "url": ra.alert.url, "active_periods": [list(p) for p in ra.alert.active_periods],
           "stops": ra.stops.tolist(), "routes": ra.routes.tolist(),
           "trips": ra.trips.tolist()} for ra in alerts]
    return json.dumps({"network_version": network_version,
                       "statuses": [asdict(s) for s in statuses.values()], "alerts": al},
                      separators=(",", ":"), default=str).encode()


@dataclass(frozen=True)
class StatusState:
    """Decoded ``rt:status``."""

    network_version: str
    statuses: tuple[FeedStatus, ...]
    alerts: tuple[ResolvedAlert, ...]


def decode_status(payload: bytes) -> StatusState:
    """:class:`StatusState` of an ``rt:status`` payload."""
    obj = json.loads(payload)
    alerts = tuple(ResolvedAlert(
        Alert(str(a["entity_id"]), tuple((p[0], p[1]) for p in a["active_periods"]), (),
              a["cause"], a["effect"], dict(a["header_text"]), dict(a["description_text"]),
              dict(a["url"])),
        np.array(a["stops"], np.int32), np.array(a["routes"], np.int32),
        np.array(a["trips"], np.int32)) for a in obj["alerts"])
    return StatusState(str(obj["network_version"]),
                       tuple(FeedStatus(**s) for s in obj["statuses"]), alerts)


def encode_congestion(binned: BinnedSpeeds, free_flow_mps: F64, *, network_version: str,
                      retention_s: float, traversals: int = 0,
                      window_bins: int = WINDOW_BINS) -> bytes:
    """``rt:congestion`` payload: the latest ``window_bins`` bins, sparse, and free flow."""
    k = min(window_bins, binned.n_bins)
    first = binned.n_bins - k
    samples = binned.samples[:, first:]
    seg, b = np.nonzero(samples > 0)
    header = {"network_version": network_version, "bin_s": int(binned.bin_s),
              "retention_s": float(retention_s), "t0_s": float(binned.t0_s + first * binned.bin_s),
              "n_bins": int(k), "n_segments": int(binned.samples.shape[0]),
              "traversals": int(traversals)}
    return _npz(header, {
        "seg": seg.astype(np.int32), "bin": b.astype(np.int32),
        "travel_s": np.asarray(binned.travel_s[:, first:][seg, b], np.float64),
        "samples": samples[seg, b].astype(np.int32),
        "free_flow_mps": np.asarray(free_flow_mps, np.float32)})


@dataclass(frozen=True)
class CongestionState:
    """Decoded ``rt:congestion`` (cells sparse) with the city-index series read with it."""

    network_version: str
    bin_s: int
    retention_s: float
    t0_s: float
    n_bins: int
    n_segments: int
    traversals: int
    seg: npt.NDArray[np.int32]
    bin: npt.NDArray[np.int32]
    travel_s: F64
    samples: npt.NDArray[np.int32]
    free_flow_mps: F64
    series: tuple[SeriesPoint, ...] = ()

    def binned(self, length_m: F64) -> BinnedSpeeds:
        """Dense :class:`BinnedSpeeds` of the published window (segment lengths in metres)."""
        travel = np.zeros((self.n_segments, self.n_bins))
        samples = np.zeros((self.n_segments, self.n_bins), np.int64)
        travel[self.seg, self.bin] = self.travel_s
        samples[self.seg, self.bin] = self.samples
        return BinnedSpeeds(self.t0_s, self.bin_s, length_m, travel, samples)


def decode_congestion(payload: bytes) -> CongestionState:
    """:class:`CongestionState` of an ``rt:congestion`` payload (series empty)."""
    with np.load(io.BytesIO(payload)) as z:
        h = _header(z)
        return CongestionState(
            str(h["network_version"]), int(h["bin_s"]), float(h["retention_s"]),
            float(h["t0_s"]), int(h["n_bins"]), int(h["n_segments"]), int(h["traversals"]),
            np.asarray(z["seg"], np.int32), np.asarray(z["bin"], np.int32),
            np.asarray(z["travel_s"], np.float64), np.asarray(z["samples"], np.int32),
            np.asarray(z["free_flow_mps"], np.float64))


# -- the city-index series ----------------------------------------------------------------------
class CongestionSeries(Protocol):
    """Where the city-index series is kept (Redis sorted set; in-memory for the embedded use)."""

    def write(self, points: list[SeriesPoint], *, retention_s: float, bin_s: int) -> None:
        """Upsert ``points`` (one per bin start) and drop bins older than the retention."""
        ...

    def read(self) -> list[SeriesPoint]:
        """Every kept point, oldest first."""
        ...


def _member(p: SeriesPoint) -> str:
    tti = p.tti if math.isfinite(p.tti) else None
    return json.dumps({"t0_s": p.t0_s, "tti": tti, "samples": p.samples}, separators=(",", ":"))


def _point(raw: bytes | str) -> SeriesPoint:
    o = json.loads(raw)
    return SeriesPoint(float(o["t0_s"]), math.nan if o["tti"] is None else float(o["tti"]),
                       int(o["samples"]))


class MemoryCongestionSeries:
    """In-process series with the Redis variant's retention rule (tests, single process)."""

    def __init__(self) -> None:
        self._points: dict[float, SeriesPoint] = {}

    def write(self, points: list[SeriesPoint], *, retention_s: float, bin_s: int) -> None:
        """Upsert ``points`` and drop bins older than ``newest - retention_s``."""
        for p in points:
            self._points[p.t0_s] = p
        if self._points:
            cut = max(self._points) - retention_s
            self._points = {k: v for k, v in self._points.items() if k > cut}

    def read(self) -> list[SeriesPoint]:
        """Every kept point, oldest first."""
        return [self._points[k] for k in sorted(self._points)]


class RedisCongestionSeries:
    """The city-index series as a Redis sorted set (see module docstring for the key).

    Parameters
    ----------
    redis_url : str
        ``redis://host:port/db``.
    key : str
        Sorted-set key.
    timeout_s : float
        Socket timeout, seconds.
    """

    def __init__(self, redis_url: str, *, key: str = SERIES_KEY, timeout_s: float = 0.5) -> None:
        import redis

        self.key = key
        self._errors = (redis.RedisError, OSError)
        self._client = redis.Redis.from_url(redis_url, socket_timeout=timeout_s,
                                            socket_connect_timeout=timeout_s)

    def write(self, points: list[SeriesPoint], *, retention_s: float, bin_s: int) -> None:
        """Upsert ``points`` and trim (raises :class:`LiveStoreUnavailableError` if down)."""
        if not points:
            return
        newest = max(p.t0_s for p in points)
        pipe = self._client.pipeline(transaction=True)
        for p in points:
            pipe.zremrangebyscore(self.key, p.t0_s, p.t0_s)
            pipe.zadd(self.key, {_member(p): p.t0_s})
        pipe.zremrangebyscore(self.key, "-inf", newest - retention_s)
        cap = int(retention_s // max(bin_s, 1)) + 1
        pipe.zremrangebyrank(self.key, 0, -cap - 1)
        try:
            pipe.execute()
        except self._errors as exc:
            raise LiveStoreUnavailableError(f"cannot write {self.key}: {exc}") from exc

    def read(self) -> list[SeriesPoint]:
        """Every kept point, oldest first (raises :class:`LiveStoreUnavailableError` if down)."""
        try:
            raw = self._client.zrange(self.key, 0, -1)
        except self._errors as exc:
            raise LiveStoreUnavailableError(f"cannot read {self.key}: {exc}") from exc
        return [_point(r) for r in cast(list[bytes], raw)]

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()


def open_series(store: LiveStore) -> CongestionSeries:
    """The series store next to ``store`` (Redis when ``store`` is Redis, else in-process)."""
    url = getattr(store, "url", None)
    return RedisCongestionSeries(str(url)) if url else MemoryCongestionSeries()


def retention_of(hub: RealtimeHub) -> float:
    """Congestion retention of the hub's city, seconds (``[congestion] retention_s``)."""
    return float(hub.section("congestion").get("retention_s", RETENTION_S))


# -- writer -------------------------------------------------------------------------------------
class RealtimePublisher:
    """Writes a hub's realtime state into the store (the worker side).

    Parameters
    ----------
    hub : RealtimeHub
        The state to publish (fed by :func:`~maas.realtime.worker.run_realtime_worker_step`).
    store : LiveStore
        Where to write the ``rt:*`` feeds.
    series : CongestionSeries | None
        Where the city-index series goes (default: :func:`open_series` of ``store``).
    ttl_s : int
        Declared refresh interval of the blobs, seconds.
    retention_s : float | None
        Retention of the series, seconds (default: :func:`retention_of` the hub).
    """

    def __init__(self, hub: RealtimeHub, store: LiveStore, *,
                 series: CongestionSeries | None = None, ttl_s: int = int(PUBLISH_S),
                 retention_s: float | None = None) -> None:
        self.hub = hub
        self.store = store
        self.series = series if series is not None else open_series(store)
        self.ttl_s = ttl_s
        self.retention_s = retention_of(hub) if retention_s is None else retention_s
        self.epoch = uuid.uuid4().hex[:12]
        self.label = "replay" if hub.section("stpt_replay").get("traces") else ""
        self._overlay: tuple[int, bytes] | None = None
        self._traversals = -1

    def publish(self, now_s: float | None = None) -> dict[str, int]:
        """Write every ``rt:*`` feed (raises :class:`LiveStoreUnavailableError` if down)."""
        hub = self.hub
        now = time.time() if now_s is None else now_s
        nv = hub.network.meta.version

        def put(feed: str, payload: bytes) -> int:
            return self.store.put(feed, payload, feed_timestamp=now, ttl_s=self.ttl_s,
                                  label=self.label)

        out: dict[str, int] = {}
        ov = hub.overlay
        if self._overlay is None or self._overlay[0] != ov.version:
            self._overlay = (ov.version, encode_overlay(ov, network_version=nv, epoch=self.epoch))
        out[OVERLAY_FEED] = put(OVERLAY_FEED, self._overlay[1])
        out[VEHICLES_FEED] = put(VEHICLES_FEED, encode_vehicles(
            hub.vehicles, network_version=nv, feed_now_s=hub.feed_now_s))
        out[STATUS_FEED] = put(STATUS_FEED, encode_status(dict(hub.statuses), hub.alerts,
                                                          network_version=nv))
        tr = hub.congestion
        if tr.traversals != self._traversals or self.store.get(CONGESTION_FEED) is None:
            series = tr.series()
            self.series.write(series, retention_s=self.retention_s, bin_s=tr.bin_s)
            self._traversals = tr.traversals
        b = tr.binned()
        out[CONGESTION_FEED] = put(CONGESTION_FEED, encode_congestion(
            b, tr.free_flow() if b.n_bins else np.full(tr.n_segments, np.nan),
            network_version=nv, retention_s=self.retention_s, traversals=tr.traversals))
        return out


# -- reader -------------------------------------------------------------------------------------
class StoredCongestion:
    """Congestion of the store with the tracker's interface used by the routes.

    Segment geometry and line membership come from the API process's own tracker (same
    network, hence the same segment ids); bins, free flow and the series from the store.
    """

    def __init__(self, state: CongestionState, tracker: CongestionTracker) -> None:
        self.state = state
        self.tracker = tracker
        self.bin_s = state.bin_s
        self.retention_s = state.retention_s
        self.length_m = tracker.length_m
        self.seg_pattern = tracker.seg_pattern
        self.n_segments = tracker.n_segments
        self.traversals = state.traversals
        self._binned = state.binned(tracker.length_m) if state.n_bins else None

    def binned(self) -> BinnedSpeeds:
        """The published bins (latest :data:`WINDOW_BINS` at most)."""
        if self._binned is None:
            return BinnedSpeeds(0.0, self.bin_s, self.length_m,
                                np.zeros((self.n_segments, 0)),
                                np.zeros((self.n_segments, 0), np.int64))
        return self._binned

    def free_flow(self) -> F64:
        """Free-flow speed per segment, m/s (NaN where never observed)."""
        return self.state.free_flow_mps

    def series(self) -> list[SeriesPoint]:
        """City index series kept in the store (oldest first)."""
        return list(self.state.series)

    def line_index(self, binned: BinnedSpeeds, ff: F64) -> dict[str, F64]:
        """TTI per bin of every line (see :meth:`CongestionTracker.line_index`)."""
        return self.tracker.line_index(binned, ff)

    def segment_geometry(self, seg: int) -> tuple[F64, F64]:
        """``(lat, lon)`` vertices of segment ``seg``."""
        return self.tracker.segment_geometry(seg)


class RealtimeFollower:
    """Fills an API process's hub from the store (see module docstring).

    Parameters
    ----------
    store : LiveStore
        The store the worker writes.
    series : CongestionSeries | None
        Where the city-index series is read (default: :func:`open_series` of ``store``).
    poll_s : float
        Minimum seconds between two store polls (0: every call).
    """

    def __init__(self, store: LiveStore, *, series: CongestionSeries | None = None,
                 poll_s: float = POLL_S) -> None:
        self.store = store
        self.series = series if series is not None else open_series(store)
        self.poll_s = poll_s
        self._last_poll = -math.inf
        self._lock = threading.Lock()
        self._series: tuple[SeriesPoint, ...] = ()
        self.overlay = LiveReader(store, OVERLAY_FEED, lambda b: b)
        self.vehicles = LiveReader(store, VEHICLES_FEED, decode_vehicles)
        self.status = LiveReader(store, STATUS_FEED, decode_status)
        self.congestion = LiveReader(store, CONGESTION_FEED, self._decode_congestion)
        self._overlay_key: tuple[object, ...] | None = None
        self._congestion_view: tuple[int, StoredCongestion] | None = None
        self.meta: dict[str, LiveMeta] = {}
        self.note = ""

    def _decode_congestion(self, payload: bytes) -> CongestionState:
        state = decode_congestion(payload)
        try:
            self._series = tuple(self.series.read())
        except LiveStoreUnavailableError as exc:  # keep the last series seen
            log.warning("congestion series not read: %s", exc)
        return replace(state, series=self._series)

    def sync(self, hub: RealtimeHub, now_s: float | None = None) -> None:
        """Install the store's latest state into ``hub`` (at most every ``poll_s``)."""
        now = time.time() if now_s is None else now_s
        if now - self._last_poll < self.poll_s or not self._lock.acquire(blocking=False):
            return
        try:
            self._last_poll = now
            self._sync(hub, now)
        except Exception:  # the store must never break a request: keep the last state
            log.exception("realtime state not read from the store")
        finally:
            self._lock.release()

    def _sync(self, hub: RealtimeHub, now: float) -> None:
        nv = hub.network.meta.version
        ov = self.overlay.read()
        if ov is not None:
            self.meta[OVERLAY_FEED] = ov.meta
            usable = ov.meta.age_s(now) <= _stale_after(ov.meta)
            key = (ov.meta.version, ov.meta.written_at, usable)
            if key != self._overlay_key:
                new = decode_overlay(ov.value, RealtimeOverlay.empty(hub.network.timetable),
                                     network_version=nv, version=hub.overlay.version + 1) \
                    if usable else None
                if new is None:
                    self.note = ("realtime overlay too old: schedule only" if not usable else
                                 "realtime overlay of another network version ignored")
                    new = RealtimeOverlay.empty(hub.network.timetable,
                                                version=hub.overlay.version + 1)
                else:
                    self.note = ""
                hub.set_overlay(new)
                self._overlay_key = key
        vs = self.vehicles.read()
        if vs is not None:
            self.meta[VEHICLES_FEED] = vs.meta
            if vs.value.network_version == nv:
                hub.vehicles = vs.value.vehicles
                hub.feed_now_s = vs.value.feed_now_s
        st = self.status.read()
        if st is not None:
            self.meta[STATUS_FEED] = st.meta
            if st.value.network_version == nv:
                hub.statuses = {s.source: s for s in st.value.statuses}
                hub.alerts = st.value.alerts
        cg = self.congestion.read()
        if cg is not None:
            self.meta[CONGESTION_FEED] = cg.meta
            cached = self._congestion_view
            if cg.value.network_version == nv and cg.value.n_segments == \
                    hub.congestion.n_segments:
                if cached is None or cached[0] != cg.meta.version:
                    self._congestion_view = (cg.meta.version,
                                             StoredCongestion(cg.value, hub.congestion))
                hub.stored_congestion = self._congestion_view[1] \
                    if self._congestion_view else None

    def stale(self, feed: str, now_s: float | None = None) -> bool | None:
        """Whether ``feed``'s last read is stale (None: never read)."""
        m = self.meta.get(feed)
        return None if m is None else not m.is_fresh(now_s)


def _stale_after(meta: LiveMeta) -> float:
    from maas.live.store import stale_after_s

    return float(stale_after_s(meta.ttl_s))


# -- the worker loop ----------------------------------------------------------------------------
def poll_gtfs_rt_urls(hub: RealtimeHub, client: Any, etags: dict[str, str]) -> int:
    """Fetch the GTFS-RT URLs of ``[gtfs_rt]`` (``trip_updates`` etc. or ``*_url`` keys) and
    apply those that changed (``If-None-Match``); return how many were applied."""
    cfg = hub.section("gtfs_rt")
    n = 0
    for key in ("trip_updates", "vehicle_positions", "alerts"):
        url = next((str(v) for v in (cfg.get(key), cfg.get(f"{key}_url"))
                    if v and "://" in str(v)), None)
        if url is None:
            continue
        headers = {"If-None-Match": etags[url]} if url in etags else {}
        try:
            r = client.get(url, headers=headers)
            if r.status_code == 304:
                continue
            r.raise_for_status()
            hub.apply_gtfs_rt(r.content, f"{key}:{url}")
            if r.headers.get("etag"):
                etags[url] = r.headers["etag"]
            n += 1
        except Exception as exc:  # an unreachable or bad feed is reported, never fatal
            log.warning("GTFS-RT %s not applied: %s", url, exc)
            hub.statuses[f"{key}:{url}"] = FeedStatus("gtfs_rt", f"{key}:{url}",
                                                      note=f"unusable: {exc}")
    return n


def run_publisher(hub: RealtimeHub, store: LiveStore, *, stop: threading.Event | None = None,
                  once: bool = False, publish_s: float = PUBLISH_S,
                  series: CongestionSeries | None = None) -> RealtimePublisher:
    """Feed ``hub`` (replay, GTFS-RT files and URLs) and publish it to ``store``.

    With ``once``: one step with a virtual clock, then one publication (raises
    :class:`LiveStoreUnavailableError` if the store is down). Else: steps at replay speed
    (wall clock) until ``stop`` is set, publishing every ``publish_s`` seconds; a store
    outage is logged and the next publication retries.
    """
    import httpx

    from feeds.stpt_live import WallClock
    from maas.realtime.worker import WorkerState, open_replay, run_realtime_worker_step

    pub = RealtimePublisher(hub, store, series=series, ttl_s=max(1, int(publish_s)))
    client = httpx.Client(timeout=10.0, follow_redirects=True)
    etags: dict[str, str] = {}
    if once:
        state = WorkerState(open_replay(hub, loop=False))
        run_realtime_worker_step(hub, state)
        poll_gtfs_rt_urls(hub, client, etags)
        pub.publish()
        client.close()
        return pub
    stop = stop or threading.Event()
    state = WorkerState(open_replay(hub, clock=WallClock()))
    last = -math.inf
    last_url = -math.inf
    url_s = float(hub.section("gtfs_rt").get("poll_interval_s", 30))
    while not stop.is_set():
        try:
            more = run_realtime_worker_step(hub, state)
            if time.monotonic() - last_url >= url_s:
                poll_gtfs_rt_urls(hub, client, etags)
                last_url = time.monotonic()
        except Exception:  # keep the worker up; the status shows the last good update
            log.exception("realtime step failed")
            more = True
        if time.monotonic() - last >= publish_s:
            try:
                pub.publish()
                last = time.monotonic()
            except LiveStoreUnavailableError as exc:
                log.warning("realtime state not published (%s); retrying", exc)
            except Exception:
                log.exception("realtime state not published")
        if not more:
            stop.wait(min(publish_s, 15.0))
    client.close()
    return pub


def start_publisher(hub: RealtimeHub, store: LiveStore, stop: threading.Event, *,
                    publish_s: float = PUBLISH_S) -> threading.Thread:
    """Run :func:`run_publisher` in a daemon thread until ``stop`` is set."""
    t = threading.Thread(target=run_publisher, args=(hub, store),
                         kwargs={"stop": stop, "publish_s": publish_s},
                         name="maas-realtime-publisher", daemon=True)
    t.start()
    return t


__all__ = ["CONGESTION_FEED", "FEEDS", "OVERLAY_FEED", "SERIES_KEY", "STATUS_FEED",
           "VEHICLES_FEED", "CongestionSeries", "CongestionState", "MemoryCongestionSeries",
           "RealtimeFollower", "RealtimePublisher", "RedisCongestionSeries", "StoredCongestion",
           "decode_congestion", "decode_overlay", "decode_status", "decode_vehicles",
           "encode_congestion", "encode_overlay", "encode_status", "encode_vehicles",
           "open_series", "poll_gtfs_rt_urls", "retention_of", "run_publisher",
           "start_publisher"]
