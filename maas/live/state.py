"""Live shared-mobility state of one API process: store feeds -> routing arrays.

:class:`LiveState` reads every ``gbfs:*`` and ``ocpi:*`` feed of the store through
:class:`~maas.live.store.LiveReader` (decoded once per version) and turns them into the
router's :class:`~routing.shared_mobility.SharedMobility` (GBFS/OCPI ids mapped to dense
indices here, at the boundary; street nodes snapped once per station). The result is cached
per (versions, freshness) so a plan costs a few store reads, not a rebuild.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely

from feeds.gbfs.model import GbfsSnapshot, PricingPlan, VehicleType
from maas.live.codec import ChargerRecord, decode_gbfs, decode_ocpi
from maas.live.store import LiveMeta, LiveReader, LiveStore
from routing.shared_mobility import (
    CarFleet,
    Chargers,
    DockSystem,
    SharedMobility,
    Tariff,
    snap_nodes,
)
from routing.street import BikeProfile, CarProfile, StreetRouter

log = logging.getLogger("maas.live.state")

BIKE_FORMS = frozenset({"bicycle", "cargo_bicycle"})


@dataclass(frozen=True)
class FeedView:
    """A decoded feed with its metadata (``value`` is a GbfsSnapshot or charger records)."""

    meta: LiveMeta
    value: Any

    def fresh(self, now: float | None = None) -> bool:
        """True when usable for routing."""
        return self.meta.is_fresh(now)


def tariff_of(plan: PricingPlan | None) -> Tariff | None:
    """Router tariff of a GBFS plan (a 0 price without rates is "not published": None)."""
    if plan is None:
        return None
    per_min = plan.per_min_pricing[0].rate / max(plan.per_min_pricing[0].interval, 1) \
        if plan.per_min_pricing else 0.0
    per_km = plan.per_km_pricing[0].rate / max(plan.per_km_pricing[0].interval, 1) \
        if plan.per_km_pricing else 0.0
    if plan.price == 0 and per_min == 0 and per_km == 0:
        return None
    return Tariff(plan.currency, unlock=plan.price, per_min=per_min, per_km=per_km)


def _main_type(snap: GbfsSnapshot, forms: frozenset[str] | None) -> VehicleType | None:
    for t in snap.vehicle_types.values():
        if forms is None or t.form_factor in forms:
            return t
    return None


def _plan_for(snap: GbfsSnapshot, vt: VehicleType | None) -> PricingPlan | None:
    if vt is not None and vt.default_pricing_plan_id:
        return snap.pricing_plans.get(vt.default_pricing_plan_id)
    return next(iter(snap.pricing_plans.values()), None)


def end_allowed_mask(snap: GbfsSnapshot, lat: npt.NDArray[np.float64],
                     lon: npt.NDArray[np.float64], vehicle_type_id: str | None,
                     at_s: int | None = None) -> npt.NDArray[np.bool_]:
    """Where a ride may end, per point: the GBFS geofencing decision vectorised (zones with a
    rule for the type combine to the most restrictive; elsewhere the global rule)."""
    covered = np.zeros(lat.shape[0], bool)
    allowed = np.ones(lat.shape[0], bool)
    for zone in snap.geofencing_zones:
        rule = zone.rule_for(vehicle_type_id)
        if rule is None or not zone.is_active(at_s):
            continue
        inside = shapely.intersects_xy(zone.geometry, lon, lat)
        covered |= inside
        if not rule.ride_end_allowed:
            allowed &= ~inside
    glob = next((r for r in snap.global_rules if r.applies_to(vehicle_type_id)), None)
    if glob is not None and not glob.ride_end_allowed:
        allowed &= covered
    return allowed


class LiveState:
    """Live feeds of a store as routing inputs and API views.

    Parameters
    ----------
    store : LiveStore
        Where the feeds are.
    router : StreetRouter | None
        Street router of the network (None: no street graph, no shared options).
    """

    def __init__(self, store: LiveStore, router: StreetRouter | None) -> None:
        self.store = store
        self.router = router
        self._readers: dict[str, LiveReader[Any]] = {}
        self._lock = threading.Lock()
        self._nodes: dict[tuple[str, str], int] = {}
        self._shared: tuple[tuple[object, ...], SharedMobility] | None = None
        self._masks: dict[tuple[str, int, float], npt.NDArray[np.bool_]] = {}

    def _reader(self, feed: str) -> LiveReader[Any]:
        r = self._readers.get(feed)
        if r is None:
            decode = decode_ocpi if feed.startswith("ocpi:") else decode_gbfs
            with self._lock:
                r = self._readers.setdefault(feed, LiveReader(self.store, feed, decode))
        return r

    def views(self, kind: str | None = None) -> dict[str, FeedView]:
        """Decoded feeds (``kind``: ``gbfs`` or ``ocpi`` to filter), by feed key."""
        out: dict[str, FeedView] = {}
        for feed in self.store.versions():
            if kind is not None and not feed.startswith(kind + ":"):
                continue
            if not feed.startswith(("gbfs:", "ocpi:")):
                continue  # other feeds of the store (``rt:*`` realtime state) are not ours
            d = self._reader(feed).read()
            if d is not None:
                out[feed] = FeedView(d.meta, d.value)
        return out

    # -- routing inputs ---------------------------------------------------------------------
    def shared(self, now: float | None = None) -> SharedMobility:
        """The router's view of every live feed (stale ones flagged, hence ignored)."""
        now = time.time() if now is None else now
        views = self.views()
        key = tuple(sorted((f, v.meta.version, v.meta.written_at, v.fresh(now))
                           for f, v in views.items()))
        cached = self._shared
        if cached is not None and cached[0] == key:
            return cached[1]
        bikes: list[DockSystem] = []
        cars: list[CarFleet] = []
        chargers: Chargers | None = None
        for feed, v in sorted(views.items()):
            try:
                if feed.startswith("ocpi:"):
                    chargers = self._chargers(v, now)
                elif isinstance(v.value, GbfsSnapshot):
                    if (v.value.stations and _main_type(v.value, BIKE_FORMS) is not None) \
                            or (v.value.stations and not v.value.vehicles):
                        bikes.append(self._docks(feed, v, now))
                    elif v.value.vehicles:
                        cars.append(self._fleet(feed, v, now))
            except Exception:  # one broken feed must not take plans down
                log.exception("cannot use live feed %s", feed)
        out = SharedMobility(tuple(bikes), tuple(cars), chargers,
                             versions={f: v.meta.version for f, v in views.items()})
        self._shared = (key, out)
        return out

    def _snap(self, feed: str, ids: list[str], lat: npt.NDArray[np.float64],
              lon: npt.NDArray[np.float64]) -> npt.NDArray[np.int32]:
        if self.router is None:
            return np.full(len(ids), -1, np.int32)
        missing = [i for i, s in enumerate(ids) if (feed, s) not in self._nodes]
        if missing:
            # docks are where bikes are ridden from and to: nodes a bike can leave and reach
            nodes = snap_nodes(self.router, lat[missing], lon[missing], profile=BikeProfile())
            for i, n in zip(missing, nodes.tolist(), strict=True):
                self._nodes[(feed, ids[i])] = int(n)
        return np.array([self._nodes[(feed, s)] for s in ids], np.int32)

    def _docks(self, feed: str, v: FeedView, now: float) -> DockSystem:
        snap: GbfsSnapshot = v.value
        ids = list(snap.stations)
        st = [snap.stations[i] for i in ids]
        lat = np.array([s.lat for s in st], float)
        lon = np.array([s.lon for s in st], float)
        rent = np.zeros(len(ids), bool)
        ret = np.zeros(len(ids), bool)
        for k, sid in enumerate(ids):
            s = snap.station_status.get(sid)
            if s is None or not s.is_installed:
                continue
            rent[k] = s.is_renting and s.num_vehicles_available > 0
            ret[k] = s.is_returning and (s.num_docks_available or 0) > 0
        vt = _main_type(snap, None)
        return DockSystem(
            key=feed, mode="BIKESHARE", lat=lat, lon=lon, node=self._snap(feed, ids, lat, lon),
            can_rent=rent, can_return=ret, names=tuple(s.name for s in st),
            tariff=tariff_of(_plan_for(snap, vt)),
            co2_g_km=vt.g_co2_km if vt is not None else None,
            fresh=v.fresh(now), label=v.meta.label)

    def _fleet(self, feed: str, v: FeedView, now: float) -> CarFleet:
        snap: GbfsSnapshot = v.value
        vt = _main_type(snap, frozenset({"car"})) or _main_type(snap, None)
        vehicles = [x for x in snap.vehicles.values() if x.lat is not None and x.lon is not None
                    and (vt is None or x.vehicle_type_id in (None, vt.vehicle_type_id))]
        lat = np.array([x.lat for x in vehicles], float)
        lon = np.array([x.lon for x in vehicles], float)
        nodes = snap_nodes(self.router, lat, lon, profile=CarProfile()) \
            if self.router is not None else np.full(
            len(vehicles), -1, np.int32)
        rng = np.array([x.current_range_meters if x.current_range_meters is not None
                        else (vt.max_range_meters if vt and vt.max_range_meters else 0.0)
                        for x in vehicles], float)
        avail = np.array([x.is_available for x in vehicles], bool)
        mask = None
        dock = None
        tid = vt.vehicle_type_id if vt is not None else None
        if vt is not None and vt.return_constraint in ("roundtrip_station", "any_station") \
                and snap.stations:
            dock = self._docks(feed, v, now)
        elif self.router is not None and (snap.geofencing_zones or snap.global_rules):
            mkey = (feed, v.meta.version, v.meta.written_at)
            mask = self._masks.get(mkey)
            if mask is None:
                g = self.router.graph
                mask = end_allowed_mask(snap, np.asarray(g.node_lat, float),
                                        np.asarray(g.node_lon, float), tid, int(now))
                self._masks = {mkey: mask}
        return CarFleet(
            key=feed, lat=lat, lon=lon, node=nodes, range_m=rng, available=avail,
            names=tuple(x.vehicle_id for x in vehicles), end_allowed_node=mask, dock=dock,
            tariff=tariff_of(_plan_for(snap, vt)),
            co2_g_km=vt.g_co2_km if vt is not None else None,
            fresh=v.fresh(now), label=v.meta.label)

    def _chargers(self, v: FeedView, now: float) -> Chargers:
        recs: list[ChargerRecord] = v.value
        types = sorted({c for r in recs for e in r.evses for c in e.connectors})
        col = {t: i for i, t in enumerate(types)}
        avail = np.zeros((len(recs), len(types)), bool)
        for i, r in enumerate(recs):
            for e in r.evses:
                if e.status == "AVAILABLE":
                    for c in e.connectors:
                        avail[i, col[c]] = True
        lat = np.array([r.lat for r in recs], float)
        lon = np.array([r.lon for r in recs], float)
        ids = ["/".join(r.key) for r in recs]
        return Chargers(lat=lat, lon=lon, node=self._snap("ocpi", ids, lat, lon),
                        connector_types=tuple(types), available=avail,
                        names=tuple(r.name for r in recs), fresh=v.fresh(now),
                        label=v.meta.label)
