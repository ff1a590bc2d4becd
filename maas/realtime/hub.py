"""The realtime state of the network in service: overlay, vehicles, alerts, congestion, closures.

One :class:`RealtimeHub` per loaded network, kept on the :class:`~maas.state.AppState` (attribute
``realtime``; rebuilt when the network is swapped).  Writers (the replay/poll worker) replace
whole immutable values under a lock; readers take the current value without locking.  In the
embedded default the API process's own thread feeds it; with Redis (``AppState.realtime_store``
set) ``maas worker`` feeds one hub and every API process's hub *follows* the store
(:mod:`maas.realtime.store_bridge`), refreshed by :func:`current_hub`.

Configuration comes from the city's ``city.toml`` (kept in the snapshot's metadata):

* ``[gtfs_rt] trip_updates`` / ``vehicle_positions`` / ``alerts``: file paths (relative to the
  bundle) or ``shared:`` paths (relative to the shared data folder) of GTFS-RT feeds;
* ``[stpt_replay] traces`` (``shared:timisoara/stpt/avl-traces``), ``speed`` (replay
  acceleration, default 60), ``tick_s`` (15): STPT AVL traces replayed as live positions;
* ``[closures] geojson`` (+ optional ``notices``): road closures applied to the car profile.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from feeds.closures import ClosureSet, read_closures
from feeds.gtfs_rt import TripLookup, apply_feed, match_vehicle_positions, parse_feed
from feeds.gtfs_rt.apply import ResolvedAlert, resolve_alerts
from feeds.report import IngestReport
from feeds.stpt_live import StptVehicle
from maas.realtime.congestion import RETENTION_S, CongestionTracker
from maas.realtime.matching import TripMatcher, VehicleMatch, overlay_from_matches
from routing.closures import apply_closures, closed_edge_mask
from routing.network import Network
from routing.raptor.state import RealtimeArrays
from routing.realtime import RealtimeOverlay
from routing.street import get_router

log = logging.getLogger("maas.realtime")

#: Positions older than this (seconds, feed time) are no longer shown as live vehicles.
VEHICLE_MAX_AGE_S = 300.0


def shared_data_root() -> Path:
    """The shared data folder: env ``MAAS_SHARED_DATA``, else ``<repo>/../shared/data``."""
    env = os.environ.get("MAAS_SHARED_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[3] / "shared" / "data"


def resolve_path(value: str, bundle: Path) -> Path:
    """``shared:REL`` -> shared data folder / REL; else a path relative to the bundle."""
    if value.startswith("shared:"):
        return shared_data_root() / value.removeprefix("shared:")
    p = Path(value)
    return p if p.is_absolute() else bundle / p


@dataclass
class FeedStatus:
    """One live feed as ``/v1/feeds`` reports it."""

    kind: str
    source: str
    label: str = ""
    version: int = 0
    last_update_s: float | None = None
    note: str = ""
    report: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LiveVehicle:
    """A live vehicle position with its match (trip index -1 when unmatched)."""

    vehicle_id: str
    line: str
    lat: float
    lon: float
    timestamp_s: float
    bearing_deg: float | None
    speed_mps: float | None
    headsign: str
    trip: int
    delay_s: int | None


class RealtimeHub:
    """Realtime state of one network (see module docstring)."""

    def __init__(self, network: Network, bundle: Path) -> None:
        self.network = network
        self.bundle = bundle
        tt = network.timetable
        self.config: dict[str, Any] = dict(network.meta.extra.get("city", {}))
        self.matcher = TripMatcher(tt)
        self.lookup = TripLookup.build(tt)
        self._congestion: CongestionTracker | None = None
        self.overlay = RealtimeOverlay.empty(tt)
        self.vehicles: tuple[LiveVehicle, ...] = ()
        self.alerts: tuple[ResolvedAlert, ...] = ()
        self.statuses: dict[str, FeedStatus] = {}
        self.closures: ClosureSet | None = None
        self.closed_edges: np.ndarray | None = None
        self.closures_note = "no closures source configured ([closures] geojson in city.toml)"
        self._arrays: dict[tuple[int, int], RealtimeArrays | None] = {}
        self._lock = threading.Lock()
        self.feed_now_s: float | None = None
        #: :class:`~maas.realtime.store_bridge.RealtimeFollower` filling this hub (Redis mode).
        self.follower: Any = None
        #: Congestion read from the store (``StoredCongestion``), replacing the own tracker.
        self.stored_congestion: Any = None

    @property
    def congestion(self) -> CongestionTracker:
        """The congestion tracker (segments built on first use)."""
        if self._congestion is None:
            with self._lock:
                if self._congestion is None:
                    retention = float(self.section("congestion").get("retention_s",
                                                                      RETENTION_S))
                    self._congestion = CongestionTracker(self.matcher, retention_s=retention)
        return self._congestion

    def congestion_source(self) -> Any:
        """What the congestion routes read: the store's congestion when following a store,
        else the own :class:`CongestionTracker` (both expose ``binned``, ``free_flow``,
        ``series``, ``line_index``, ``segment_geometry``, ``bin_s``, ``retention_s``)."""
        if self.follower is not None:
            return self.stored_congestion if self.stored_congestion is not None \
                else self.congestion
        return self.congestion

    def refresh(self) -> None:
        """Pull the latest state from the store (no-op without a follower)."""
        if self.follower is not None:
            self.follower.sync(self)

    def stale(self, feed: str) -> bool | None:
        """Whether the store feed ``feed`` (``rt:vehicles``...) is stale; None when the hub
        is fed in-process or the feed was never read."""
        return None if self.follower is None else self.follower.stale(feed)

    def section(self, name: str) -> dict[str, Any]:
        """A ``city.toml`` table (empty when absent)."""
        v = self.config.get(name)
        return v if isinstance(v, dict) else {}

    # -- overlay ----------------------------------------------------------------------------
    def set_overlay(self, overlay: RealtimeOverlay) -> None:
        """Install a new overlay (cached kernel arrays are dropped)."""
        if not overlay.matches(self.network.timetable):
            raise ValueError("overlay does not match the network's timetable")
        with self._lock:
            self.overlay = overlay
            self._arrays = {}

    def realtime_arrays(self, day: int) -> RealtimeArrays | None:
        """Kernel arrays of service day ``day`` (ISO ordinal); None when it has no changes.

        RAPTOR takes one delay per stop time for arrival and departure: the *arrival* delay is
        used, so realtime arrivals are exact; where a vehicle recovers time during a dwell the
        departure is reported late by the recovered seconds (never early).  Skipped stops are
        not expressed (the stop is still served in the search).
        """
        ov = self.overlay
        key = (ov.version, day)
        if key in self._arrays:
            return self._arrays[key]
        d = ov.days.get(day)
        out = None
        if d is not None and not d.is_empty:
            out = RealtimeArrays(np.ascontiguousarray(d.arrival_delay_s, dtype=np.int32),
                                 np.ascontiguousarray(d.trip_cancelled, dtype=np.bool_))
        with self._lock:
            if self.overlay is ov:
                self._arrays[key] = out
        return out

    # -- GTFS-RT ----------------------------------------------------------------------------
    def apply_gtfs_rt(self, data: bytes, source: str) -> FeedStatus:
        """Apply one GTFS-RT FeedMessage (trip updates, positions and alerts it carries)."""
        tt = self.network.timetable
        report = IngestReport(f"gtfs_rt:{source}")
        feed = parse_feed(data, report)
        ts = feed.header.timestamp
        if feed.trip_updates:
            self.set_overlay(apply_feed(tt, feed, report, base=self.overlay))
        if feed.vehicle_positions:
            matched = match_vehicle_positions(tt, feed.vehicle_positions, report,
                                              feed_timestamp=ts, lookup=self.lookup)
            by_entity = {m.position.entity_id: m for m in matched}
            self.vehicles = tuple(
                LiveVehicle(vp.vehicle_id or vp.entity_id, vp.vehicle_label or "", vp.lat,
                            vp.lon, float(vp.timestamp or ts or 0), vp.bearing_deg,
                            vp.speed_mps, "",
                            by_entity[vp.entity_id].trip if vp.entity_id in by_entity else -1,
                            None)
                for vp in feed.vehicle_positions)
            report.info["vehicles_matched"] = len(matched)
            report.info["vehicles_unmatched"] = len(feed.vehicle_positions) - len(matched)
        if feed.alerts:
            self.alerts = tuple(resolve_alerts(tt, feed.alerts, report, lookup=self.lookup))
        st = self.statuses.get(source) or FeedStatus("gtfs_rt", source)
        st.version += 1
        st.last_update_s = float(ts) if ts else time.time()
        st.report = report.summary()
        self.statuses[source] = st
        return st

    # -- STPT positions ---------------------------------------------------------------------
    def apply_stpt_positions(self, positions: list[StptVehicle], now_s: float,
                             source: str = "stpt:avl-replay", label: str = "replay") -> int:
        """Match positions to trips, feed congestion, rebuild the overlay; return matches."""
        report = IngestReport(source)
        fresh = [v for v in positions if now_s - v.timestamp_s <= VEHICLE_MAX_AGE_S]
        matches: list[VehicleMatch] = self.matcher.match(fresh, report)
        self.congestion.add(matches)
        by_vid = {m.vehicle.vehicle_id: m for m in matches}
        latest: dict[str, StptVehicle] = {}
        for v in fresh:
            if v.vehicle_id not in latest or v.timestamp_s >= latest[v.vehicle_id].timestamp_s:
                latest[v.vehicle_id] = v
        self.vehicles = tuple(
            LiveVehicle(v.vehicle_id, v.route_name, v.lat, v.lon, v.timestamp_s, v.bearing_deg,
                        v.speed_mps, v.headsign,
                        by_vid[v.vehicle_id].trip if v.vehicle_id in by_vid else -1,
                        by_vid[v.vehicle_id].delay_s if v.vehicle_id in by_vid else None)
            for v in latest.values())
        st = self.statuses.get(source) or FeedStatus("stpt_vehicles", source, label=label)
        if not self.section("gtfs_rt").get("trip_updates"):
            self.set_overlay(overlay_from_matches(
                self.network.timetable, matches, version=self.overlay.version + 1,
                feed_timestamp=int(now_s)))
        st.version += 1
        st.last_update_s = now_s
        report.info["vehicles_matched"] = len(matches)
        report.info["segment_traversals"] = self.congestion.traversals
        st.report = report.summary()
        self.statuses[source] = st
        self.feed_now_s = now_s
        return len(matches)

    # -- closures ---------------------------------------------------------------------------
    def load_closures(self, now_s: float | None = None) -> int:
        """Read the configured closures and apply those active at ``now_s`` to the car graph."""
        cfg = self.section("closures")
        path = cfg.get("geojson")
        streets = self.network.streets
        if not path:
            return 0
        gj = resolve_path(str(path), self.bundle)
        if not gj.exists():
            self.closures_note = f"closures file not found: {gj.name}"
            return 0
        report = IngestReport("closures")
        notices = cfg.get("notices")
        cs = read_closures(gj, report, notices=resolve_path(str(notices), self.bundle)
                           if notices else None)
        t = time.time() if now_s is None else now_s
        active = cs.active_at(t)
        self.closures = cs
        n = 0
        if streets is not None:
            mask = closed_edge_mask(streets, [(c.lat, c.lon) for c in active])
            n = apply_closures(get_router(streets), mask)
            self.closed_edges = mask
        self.closures_note = f"{len(active)} closures active, {n} car edges closed"
        report.info["car_edges_closed"] = n
        self.statuses["closures"] = FeedStatus("closures", gj.name, version=1,
                                               last_update_s=cs.collected_at_s or t,
                                               report=report.summary())
        return n


def current_hub(app_state: Any) -> RealtimeHub:
    """The hub of the network in service (created, or rebuilt after a network swap)."""
    hub: RealtimeHub | None = getattr(app_state, "realtime", None)
    net = app_state.holder.network
    if hub is None or hub.network is not net:
        lock = getattr(app_state, "_realtime_lock", None)
        if lock is None:
            lock = threading.Lock()
            app_state._realtime_lock = lock
        with lock:
            hub = getattr(app_state, "realtime", None)
            if hub is None or hub.network is not net:
                hub = RealtimeHub(net, Path(app_state.settings.bundle))
                try:
                    hub.load_closures()
                except Exception:  # a bad closures file must not take the service down
                    log.exception("closures could not be applied")
                store = getattr(app_state, "realtime_store", None)
                if store is not None:
                    from maas.realtime.store_bridge import RealtimeFollower

                    hub.follower = RealtimeFollower(store)
                app_state.realtime = hub
    assert hub is not None
    hub.refresh()
    return hub


def current_overlay(app_state: Any) -> RealtimeOverlay | None:
    """The current realtime overlay of the network in service, None when it is empty."""
    ov = current_hub(app_state).overlay
    return ov if ov.days else None


__all__ = ["FeedStatus", "LiveVehicle", "RealtimeHub", "current_hub", "current_overlay",
           "resolve_path", "shared_data_root"]
