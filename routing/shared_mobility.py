"""Shared vehicles and EV charging in plans: bike share, car share, driving to a charger.

Live availability reaches the router as :class:`SharedMobility`: flat arrays per system keyed by
dense station/vehicle/charger indices, each station, vehicle and charger already snapped to a
street node (``-1`` = not on the streets), plus a ``fresh`` flag. Stale systems are ignored.
String ids and names ride along only for the response (never read by a search).

Every option is the chain *walk -> pick-up -> ride -> drop-off -> walk*, found with three
street searches on the worker's reusable states:

1. walk forward from the origin (bounded by ``max_access_s``) -> cost to every pick-up;
2. walk backwards from the destination (same bound) -> cost from every drop-off;
3. one multi-source ride search from all usable pick-ups (initial cost = walk + unlock time);
   the best drop-off minimises ride label + dock time + walk to the destination, and the
   ride path's first node tells which pick-up it started from (the cheapest one at that node).

Bike share also extends transit at both ends (:meth:`SharedRouter.bikeshare_access`, and
:meth:`SharedRouter.bikeshare_egress` with the same three searches run backwards from the
destination): each stop gets the chain's cost, and the planner keeps it where it beats walking.

Usable pick-ups: bike share ``is_renting`` with a bike available; car share a vehicle neither
reserved nor disabled whose ``current_range_meters`` covers the drive plus
:data:`RANGE_MARGIN_M`. Usable drop-offs: a dock station ``is_returning`` with a free dock, a
free-floating car's street node where ``ride_end_allowed`` (geofencing, precomputed per street
node by the caller), or, for EV, a charger with an AVAILABLE EVSE of the requested connector.
Durations do not depend on the time of day, so arrive-by plans shift the same chain.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from routing.planner.geo import haversine_m
from routing.planner.itinerary import Itinerary, PlanLeg
from routing.planner.request import Mode, PlanRequest
from routing.street import StreetRouter, StreetSearchState
from routing.street.profiles import (
    BikeProfile,
    CarProfile,
    StreetProfile,
    WalkProfile,
    seconds_from_metres,
)
from routing.street_graph import StopLinks

#: Longest straight line between a place (or station) and its street node, metres.
MAX_SNAP_M = 400.0
#: Seconds to take a bike from a dock / to unlock a car (added to the ride leg).
BIKE_UNLOCK_S = 60
CAR_UNLOCK_S = 120
#: Seconds to dock a bike / park and lock a car (added to the ride leg).
BIKE_DOCK_S = 30
CAR_PARK_S = 120
#: Range a car must keep beyond the drive, metres (detours, parking search, battery reserve).
RANGE_MARGIN_M = 5_000.0
#: Retries of the car search after the chosen car turned out to lack range for the real path.
MAX_RANGE_RETRIES = 3


@dataclass(frozen=True)
class Tariff:
    """A pricing plan: ``unlock`` + ``per_min`` per started minute + ``per_km`` per km."""

    currency: str
    unlock: float = 0.0
    per_min: float = 0.0
    per_km: float = 0.0

    def price(self, duration_s: int, distance_m: float) -> float:
        """Price of one ride of ``duration_s`` seconds and ``distance_m`` metres."""
        minutes = math.ceil(max(duration_s, 0) / 60)
        return round(self.unlock + self.per_min * minutes + self.per_km * distance_m / 1000, 2)


@dataclass(frozen=True)
class DockSystem:
    """Stations of one docked system (bike share, or station-based car share).

    ``node`` is each station's street node (-1 = off the streets); ``can_rent`` = renting
    with a vehicle available; ``can_return`` = returning with a free dock.
    """

    key: str
    mode: str
    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    node: npt.NDArray[np.int32]
    can_rent: npt.NDArray[np.bool_]
    can_return: npt.NDArray[np.bool_]
    names: tuple[str, ...] = ()
    tariff: Tariff | None = None
    co2_g_km: float | None = None
    fresh: bool = True
    label: str = ""

    @property
    def n_stations(self) -> int:
        """Number of stations."""
        return int(self.node.shape[0])


@dataclass(frozen=True)
class CarFleet:
    """Car-share vehicles of one system.

    ``end_allowed_node[v]`` says whether a free-floating ride may end at street node ``v``
    (None = anywhere); ``dock`` holds the stations of a station-based system (rides then end at
    a station with a free dock instead).
    """

    key: str
    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    node: npt.NDArray[np.int32]
    range_m: npt.NDArray[np.float64]
    available: npt.NDArray[np.bool_]
    names: tuple[str, ...] = ()
    end_allowed_node: npt.NDArray[np.bool_] | None = None
    dock: DockSystem | None = None
    tariff: Tariff | None = None
    co2_g_km: float | None = None
    fresh: bool = True
    label: str = ""


@dataclass(frozen=True)
class Chargers:
    """Charging locations; ``available[i, k]``: an AVAILABLE EVSE with ``connector_types[k]``."""

    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    node: npt.NDArray[np.int32]
    connector_types: tuple[str, ...]
    available: npt.NDArray[np.bool_]
    names: tuple[str, ...] = ()
    fresh: bool = True
    label: str = ""

    def column(self, connector: str) -> int:
        """Column of ``connector`` in :attr:`available` (-1 when no charger has it)."""
        try:
            return self.connector_types.index(connector)
        except ValueError:
            return -1


@dataclass(frozen=True)
class SharedMobility:
    """Live shared-mobility state for routing (one immutable value per live version)."""

    bike_systems: tuple[DockSystem, ...] = ()
    car_fleets: tuple[CarFleet, ...] = ()
    chargers: Chargers | None = None
    versions: dict[str, int] = field(default_factory=dict)


def snap_nodes(router: StreetRouter, lat: npt.ArrayLike, lon: npt.ArrayLike,
               *, max_m: float = MAX_SNAP_M,
               profile: StreetProfile | None = None) -> npt.NDArray[np.int32]:
    """Nearest street node of each point within ``max_m`` metres (-1 otherwise); with
    ``profile``, the nearest node that profile can leave and reach (a vehicle's position)."""
    return router.nearest_nodes(lat, lon, max_m=max_m, profile=profile)


@dataclass(frozen=True)
class _End:
    """A drop-off candidate set: nodes, extra seconds, index of the station/charger (-1)."""

    nodes: npt.NDArray[np.int32]
    ref: npt.NDArray[np.int32]
    free_floating: bool = False
    """True: any reached node allowed by the geofence (``nodes`` is then empty)."""


@dataclass
class _Chain:
    pick: int
    drop_node: int
    drop_ref: int
    walk_a_s: int
    ride_s: int
    walk_c_s: int
    ride_path_m: float
    geom_a: npt.NDArray[np.float64]
    geom_b: npt.NDArray[np.float64]
    geom_c: npt.NDArray[np.float64]
    walk_a_m: float
    walk_c_m: float


class _States:
    def __init__(self, router: StreetRouter) -> None:
        self.a: StreetSearchState = router.new_state()
        self.b: StreetSearchState = router.new_state()
        self.c: StreetSearchState = router.new_state()
        # access-to-transit searches: kept until the itineraries are built
        self.xa: StreetSearchState = router.new_state()
        self.xb: StreetSearchState = router.new_state()
        self.xc: StreetSearchState = router.new_state()
        # egress-from-transit searches (reverse): kept until the itineraries are built
        self.ya: StreetSearchState = router.new_state()
        self.yb: StreetSearchState = router.new_state()
        self.yc: StreetSearchState = router.new_state()
        self.access_owner: object = None
        """Token of the access call whose labels ``xa``/``xb``/``xc`` hold."""
        self.egress_owner: object = None
        """Token of the egress call whose labels ``ya``/``yb``/``yc`` hold."""


#: ``legs(stop, dep_s)``: the legs of a shared access chain to ``stop`` leaving at ``dep_s``.
AccessLegs = Callable[[int, int], list[PlanLeg]]
#: ``legs(stop, dep_s)``: the legs of a shared egress chain from ``stop`` alighted at ``dep_s``.
EgressLegs = Callable[[int, int], list[PlanLeg]]


class SharedRouter:
    """Plans shared-vehicle and EV options on one street graph; thread-safe (state per thread).

    Parameters
    ----------
    router : StreetRouter
        The street router of the network.
    """

    def __init__(self, router: StreetRouter) -> None:
        self.router = router
        self.g = router.graph
        self._local = threading.local()

    def car_nodes(self, lat: npt.ArrayLike, lon: npt.ArrayLike, *,
                  max_m: float = MAX_SNAP_M) -> npt.NDArray[np.int32]:
        """Nearest node a car can leave and reach for each point (-1 beyond ``max_m``): cars
        start and park on roads, not on footways."""
        return snap_nodes(self.router, lat, lon, max_m=max_m, profile=CarProfile())

    def _states(self) -> _States:
        st: _States | None = getattr(self._local, "s", None)
        if st is None:
            st = _States(self.router)
            self._local.s = st
        return st

    # -- public ---------------------------------------------------------------------------
    def plan(self, req: PlanRequest, shared: SharedMobility) -> list[Itinerary]:
        """Every shared/EV direct option ``req.modes`` asks for (best one per system)."""
        out: list[Itinerary] = []
        if Mode.BIKESHARE in req.modes:
            for sys in shared.bike_systems:
                it = self.bikeshare(req, sys)
                if it is not None:
                    out.append(it)
        ev = getattr(req, "ev_connector", None)
        chargers = shared.chargers
        col = chargers.column(ev) if ev and chargers is not None and chargers.fresh else -1
        if Mode.CARSHARE in req.modes:
            for fleet in shared.car_fleets:
                it = self.carshare(req, fleet, chargers=chargers if col >= 0 else None,
                                   connector_col=col)
                if it is not None:
                    out.append(it)
        if Mode.CAR in req.modes and ev and chargers is not None and col >= 0:
            it = self.drive_to_charger(req, chargers, col)
            if it is not None:
                out.append(it)
        return out

    def bikeshare(self, req: PlanRequest, sys: DockSystem) -> Itinerary | None:
        """Walk -> rentable station -> bike -> station with a free dock -> walk (or None)."""
        if not sys.fresh or sys.n_stations == 0:
            return None
        pick_ok = sys.can_rent & (sys.node >= 0)
        drop_ok = sys.can_return & (sys.node >= 0)
        ends = _End(sys.node[drop_ok], np.flatnonzero(drop_ok).astype(np.int32))
        chain = self._chain(req, sys.node, pick_ok, ends, BikeProfile(), BIKE_UNLOCK_S,
                            BIKE_DOCK_S, req.max_direct_bike_s)
        if chain is None:
            return None
        names = sys.names
        info: dict[str, object] = {"system": sys.key, "label": sys.label,
                "from_name": names[chain.pick] if names else None,
                "to_name": names[chain.drop_ref] if names and chain.drop_ref >= 0 else None}
        return self._itinerary(req, chain, "BIKESHARE", sys.lat[chain.pick],
                               sys.lon[chain.pick], sys.tariff, sys.co2_g_km, info)

    def carshare(self, req: PlanRequest, fleet: CarFleet, *, chargers: Chargers | None = None,
                 connector_col: int = -1) -> Itinerary | None:
        """Walk -> car (available, enough range) -> drive -> legal end (geofence / dock, or
        a charger with an AVAILABLE EVSE of ``connector_col``) -> walk (or None)."""
        if not fleet.fresh or fleet.node.shape[0] == 0:
            return None
        d = req.destination
        crow = np.array([haversine_m(float(a), float(b), d.lat, d.lon)
                         for a, b in zip(fleet.lat, fleet.lon, strict=True)])
        car_node = self.car_nodes(fleet.lat, fleet.lon)
        pick_ok = fleet.available & (car_node >= 0) & (fleet.range_m >= crow + RANGE_MARGIN_M)
        ends = self._car_ends(req, fleet, chargers, connector_col)
        if ends is None:
            return None
        for _ in range(MAX_RANGE_RETRIES + 1):
            chain = self._chain(req, car_node, pick_ok, ends, CarProfile(), CAR_UNLOCK_S,
                                CAR_PARK_S, req.max_direct_car_s,
                                end_allowed=fleet.end_allowed_node)
            if chain is None:
                return None
            if chain.ride_path_m + RANGE_MARGIN_M <= float(fleet.range_m[chain.pick]):
                break
            pick_ok = pick_ok.copy()
            pick_ok[chain.pick] = False
        else:
            return None
        info: dict[str, object] = {"system": fleet.key, "label": fleet.label,
                                   "vehicle_id": fleet.names[chain.pick] if fleet.names else None,
                                   "from_name": None, "to_name": None}
        if chargers is not None and chain.drop_ref >= 0:
            info["to_name"] = chargers.names[chain.drop_ref] if chargers.names else None
            info["charger"] = chain.drop_ref
        elif fleet.dock is not None and chain.drop_ref >= 0 and fleet.dock.names:
            info["to_name"] = fleet.dock.names[chain.drop_ref]
        return self._itinerary(req, chain, "CARSHARE", fleet.lat[chain.pick],
                               fleet.lon[chain.pick], fleet.tariff, fleet.co2_g_km, info)

    def drive_to_charger(self, req: PlanRequest, chargers: Chargers,
                         col: int) -> Itinerary | None:
        """Own car: drive from the origin to a charger with an AVAILABLE EVSE of column
        ``col`` near the destination, then walk (or None)."""
        o = req.origin
        if not chargers.fresh:
            return None
        ends = self._charger_ends(chargers, col)
        if ends.nodes.size == 0:
            return None
        # the car is parked on a road near the origin: every drivable node within walking
        # range is a possible start (a footway origin walks to the nearest road)
        starts = self.router.usable_nodes(CarProfile())
        chain = self._chain(req, starts, np.ones(starts.size, np.bool_), ends, CarProfile(), 0,
                            CAR_PARK_S, req.max_direct_car_s)
        if chain is None:
            return None
        info: dict[str, object] = {
            "to_name": chargers.names[chain.drop_ref] if chargers.names else None,
            "from_name": None, "charger": chain.drop_ref, "label": chargers.label}
        return self._itinerary(req, chain, "CAR", o.lat, o.lon, None, None, info)

    def bikeshare_access(self, req: PlanRequest, sys: DockSystem, links: StopLinks
                         ) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32], AccessLegs]:
        """Transit access by bike share: walk -> rentable station -> bike -> station with a
        free dock -> walk to a stop. Returns ``(stops, cost_s, legs_to(stop))``; the chain
        takes at most ``2 * max_access_s`` seconds. Valid until the next call on this thread.
        """
        empty: tuple[npt.NDArray[np.int32], npt.NDArray[np.int32], AccessLegs] = (
            np.empty(0, np.int32), np.empty(0, np.int32), lambda _s, _d: [])
        o = req.origin
        if not sys.fresh or sys.n_stations == 0 or o.stop >= 0:
            return empty
        router, g, st = self.router, self.g, self._states()
        walk = WalkProfile(speed_mps=req.walk_speed_mps)
        no = router.nearest_node(o.lat, o.lon, max_m=MAX_SNAP_M, profile=walk)
        if no is None:
            return empty
        lo = math.floor(haversine_m(o.lat, o.lon, float(g.node_lat[no]), float(g.node_lon[no]))
                        / req.walk_speed_mps + 0.5)
        limit = 2 * req.max_access_s
        router.run(walk, [no], [lo], state=st.xa, limit=req.max_access_s)
        pick = np.flatnonzero(sys.can_rent & (sys.node >= 0))
        wa = st.xa.dist[sys.node[pick]]
        pick, wa = pick[np.isfinite(wa)], wa[np.isfinite(wa)]
        if pick.size == 0:
            return empty
        router.run(BikeProfile(), sys.node[pick], wa + BIKE_UNLOCK_S, state=st.xb,
                   limit=limit)
        drop = np.flatnonzero(sys.can_return & (sys.node >= 0))
        rb = st.xb.dist[sys.node[drop]] + BIKE_DOCK_S
        keep = np.isfinite(rb) & (rb < limit)
        drop, rb = drop[keep], rb[keep]
        if drop.size == 0:
            return empty
        stops, costs = router.stops_within(walk, sys.node[drop], rb, limit, links,
                                           state=st.xc)
        stops = np.asarray(stops, np.int32)
        costs = np.asarray(costs, np.int32)

        token = object()
        st.access_owner = token

        def legs_to(stop: int, dep_s: int) -> list[PlanLeg]:
            if st.access_owner is not token:  # another system searched since: redo ours
                return self.bikeshare_access(req, sys, links)[2](stop, dep_s)
            return self._access_legs(req, sys, st, links, stop, dep_s, pick, wa)

        return stops, costs, legs_to

    def _access_legs(self, req: PlanRequest, sys: DockSystem, st: _States, links: StopLinks,
                     stop: int, dep_s: int, pick: npt.NDArray[np.int64],
                     wa: npt.NDArray[np.float64]) -> list[PlanLeg]:
        router, o = self.router, req.origin
        na, nb = int(links.node_a[stop]), int(links.node_b[stop])
        da = float(st.xc.dist[na]) if na >= 0 else math.inf
        db = float(st.xc.dist[nb]) if nb >= 0 else math.inf
        end = na if da <= db else nb
        pc = router.path_to(st.xc, end)
        if pc is None:
            return []
        q_node = int(pc.node_idx[0])
        pb = router.path_to(st.xb, q_node)
        if pb is None:
            return []
        p_node = int(pb.node_idx[0])
        k = int(np.argmin(np.where(sys.node[pick] == p_node, wa, np.inf)))
        p = int(pick[k])
        q_cands = np.flatnonzero((sys.node == q_node) & sys.can_return)
        q = int(q_cands[0]) if q_cands.size else -1
        pa = router.path_to(st.xa, p_node)
        walk_a = round(float(wa[k]))
        ride = round(float(st.xb.dist[q_node]) - float(wa[k])) + BIKE_DOCK_S
        slat, slon = float(sys.lat[p]), float(sys.lon[p])
        geom_a = np.vstack([[o.lon, o.lat], np.column_stack([pa.lon, pa.lat])]) \
            if pa is not None else np.array([[o.lon, o.lat], [slon, slat]])
        geom_b = np.column_stack([pb.lon, pb.lat])
        geom_c = np.column_stack([pc.lon, pc.lat])
        info: dict[str, object] = {
            "system": sys.key, "label": sys.label,
            "from_name": sys.names[p] if sys.names else None,
            "to_name": sys.names[q] if sys.names and q >= 0 else None}
        if sys.tariff is not None:
            info["price"] = sys.tariff.price(ride, pb.length_m)
            info["currency"] = sys.tariff.currency
        t1, t2 = dep_s + walk_a, dep_s + walk_a + ride
        qlat, qlon = float(geom_b[-1, 1]), float(geom_b[-1, 0])
        return [
            PlanLeg("WALK", dep_s, t1, round(_line_m(geom_a), 1), o.lat, o.lon, slat, slon,
                    geom_a),
            PlanLeg("BIKESHARE", t1, t2, round(pb.length_m, 1), slat, slon, qlat, qlon,
                    geom_b, extra=info),
            PlanLeg("WALK", t2, -1, round(_line_m(geom_c), 1), qlat, qlon, qlat, qlon,
                    geom_c, to_stop=stop),
        ]

    def bikeshare_egress(self, req: PlanRequest, sys: DockSystem, links: StopLinks
                         ) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32], EgressLegs]:
        """Transit egress by bike share: walk from a stop -> rentable station -> bike ->
        station with a free dock -> walk to the destination.

        Three reverse searches from the destination mirror :meth:`bikeshare_access`: walking
        (bounded by ``max_access_s``) to the stations with a free dock, riding from the
        stations with a bike to those docks (unlock and dock seconds included), walking from
        the stops to those stations. The chain takes at most ``2 * max_access_s`` seconds.

        Returns
        -------
        tuple
            ``(stops int32[], cost_s int32[], legs_from)``: seconds from alighting at each stop
            to the destination, and ``legs_from(stop, dep_s)`` -> the WALK, BIKESHARE, WALK legs
            of that stop's chain for a rider alighting at ``dep_s`` (seconds; contiguous, the
            last ends at ``dep_s + cost_s``). The first walk starts at the stop's street node
            (the caller anchors it on the stop). Valid until this thread's next plan.
        """
        empty: tuple[npt.NDArray[np.int32], npt.NDArray[np.int32], EgressLegs] = (
            np.empty(0, np.int32), np.empty(0, np.int32), lambda _s, _d: [])
        if not sys.fresh or sys.n_stations == 0 or req.destination.stop >= 0:
            return empty
        st = self._states()
        token = object()
        found = self._egress_search(req, sys, links, st, token)
        if found is None:
            return empty

        def legs_from(stop: int, dep_s: int) -> list[PlanLeg]:
            if st.egress_owner is not token:  # another system searched since: redo ours
                self._egress_search(req, sys, links, st, token)
            return self._egress_legs(req, sys, st, links, stop, dep_s)

        return found[0], found[1], legs_from

    def _egress_search(self, req: PlanRequest, sys: DockSystem, links: StopLinks,
                       st: _States, token: object
                       ) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32]] | None:
        """Run the three reverse searches of :meth:`bikeshare_egress` into ``st.y*``."""
        router, g, d = self.router, self.g, req.destination
        st.egress_owner = token
        walk = WalkProfile(speed_mps=req.walk_speed_mps)
        nd = router.nearest_node(d.lat, d.lon, max_m=MAX_SNAP_M, profile=walk)
        if nd is None:
            return None
        ld = math.floor(haversine_m(d.lat, d.lon, float(g.node_lat[nd]), float(g.node_lon[nd]))
                        / req.walk_speed_mps + 0.5)
        limit = 2 * req.max_access_s
        # 1. walk from the stations with a free dock to the destination
        router.run(walk, [nd], [ld], state=st.ya, limit=req.max_access_s, reverse=True)
        drop = np.flatnonzero(sys.can_return & (sys.node >= 0))
        wc = st.ya.dist[sys.node[drop]]
        keep = np.isfinite(wc)
        drop, wc = drop[keep], wc[keep]
        if drop.size == 0:
            return None
        # 2. ride from the stations with a bike to those docks (labels: ride + dock + walk)
        router.run(BikeProfile(), sys.node[drop], wc + BIKE_DOCK_S, state=st.yb, limit=limit,
                   reverse=True)
        pick = np.flatnonzero(sys.can_rent & (sys.node >= 0))
        p_node = sys.node[pick]
        rb = st.yb.dist[p_node] + BIKE_UNLOCK_S
        # a label without a ride edge is a dock's own: docking where one rents is a walk
        keep = np.isfinite(rb) & (rb < limit) & (st.yb.parent_edge[p_node] >= 0)
        pick, rb = pick[keep], rb[keep]
        if pick.size == 0:
            return None
        # 3. walk from the stops to those stations
        stops, costs = router.stops_within(walk, sys.node[pick], rb, limit, links,
                                           state=st.yc, reverse=True)
        return np.asarray(stops, np.int32), np.asarray(costs, np.int32)

    def _egress_legs(self, req: PlanRequest, sys: DockSystem, st: _States, links: StopLinks,
                     stop: int, dep_s: int) -> list[PlanLeg]:
        router, d = self.router, req.destination
        speed = WalkProfile(speed_mps=req.walk_speed_mps).link_speed_mps
        ends = [(int(links.node_a[stop]), float(links.dist_a_m[stop])),
                (int(links.node_b[stop]), float(links.dist_b_m[stop]))]
        best, start = math.inf, -1
        for n, m in ends:
            if n < 0 or not np.isfinite(st.yc.dist[n]):
                continue
            c = float(st.yc.dist[n]) + float(seconds_from_metres(np.array([m]), speed)[0])
            if c < best:
                best, start = c, n
        if start < 0:
            return []
        pc = router.path_to(st.yc, start)  # stop's node -> pick-up station
        if pc is None:
            return []
        p_node = int(pc.node_idx[-1])
        pb = router.path_to(st.yb, p_node)  # pick-up -> drop-off station
        if pb is None:
            return []
        q_node = int(pb.node_idx[-1])
        pa = router.path_to(st.ya, q_node)  # drop-off -> destination's node
        if pa is None:
            return []
        p_cands = np.flatnonzero((sys.node == p_node) & sys.can_rent)
        q_cands = np.flatnonzero((sys.node == q_node) & sys.can_return)
        if p_cands.size == 0 or q_cands.size == 0:
            return []
        p, q = int(p_cands[0]), int(q_cands[0])
        rb = float(st.yb.dist[p_node])
        walk_a = round(best - rb - BIKE_UNLOCK_S)
        ride = round(rb - float(st.ya.dist[q_node])) + BIKE_UNLOCK_S
        walk_c = round(float(st.ya.dist[q_node]))
        geom_a = np.column_stack([pc.lon, pc.lat])
        geom_b = np.column_stack([pb.lon, pb.lat])
        geom_c = np.vstack([np.column_stack([pa.lon, pa.lat]), [d.lon, d.lat]])
        info: dict[str, object] = {
            "system": sys.key, "label": sys.label,
            "from_name": sys.names[p] if sys.names else None,
            "to_name": sys.names[q] if sys.names else None}
        if sys.tariff is not None:
            info["price"] = sys.tariff.price(ride, pb.length_m)
            info["currency"] = sys.tariff.currency
        if sys.co2_g_km is not None:
            info["co2_g_km"] = float(sys.co2_g_km)
        plat, plon = float(sys.lat[p]), float(sys.lon[p])
        qlat, qlon = float(sys.lat[q]), float(sys.lon[q])
        t1, t2 = dep_s + walk_a, dep_s + walk_a + ride
        return [
            PlanLeg("WALK", dep_s, t1, round(_line_m(geom_a), 1), float(geom_a[0, 1]),
                    float(geom_a[0, 0]), plat, plon, geom_a, from_stop=stop),
            PlanLeg("BIKESHARE", t1, t2, round(pb.length_m, 1), plat, plon, qlat, qlon,
                    geom_b, extra=info),
            PlanLeg("WALK", t2, t2 + walk_c, round(_line_m(geom_c), 1), qlat, qlon, d.lat,
                    d.lon, geom_c),
        ]

    # -- internals --------------------------------------------------------------------------
    def _charger_ends(self, chargers: Chargers, col: int) -> _End:
        node = self.car_nodes(chargers.lat, chargers.lon)
        ok = chargers.available[:, col] & (node >= 0)
        return _End(node[ok], np.flatnonzero(ok).astype(np.int32))

    def _car_ends(self, req: PlanRequest, fleet: CarFleet, chargers: Chargers | None,
                  col: int) -> _End | None:
        if chargers is not None and col >= 0:
            ends = self._charger_ends(chargers, col)
            if fleet.end_allowed_node is not None:
                keep = fleet.end_allowed_node[ends.nodes]
                ends = _End(ends.nodes[keep], ends.ref[keep])
            return ends if ends.nodes.size else None
        if fleet.dock is not None:
            dock = fleet.dock
            ok = dock.can_return & (dock.node >= 0)
            return _End(dock.node[ok], np.flatnonzero(ok).astype(np.int32))
        # free floating: any reached node where a ride may end; resolved in _chain (-1 refs)
        return _End(np.empty(0, np.int32), np.empty(0, np.int32), free_floating=True)

    def _chain(self, req: PlanRequest, pick_node: npt.NDArray[np.int32],
               pick_ok: npt.NDArray[np.bool_], ends: _End, ride: StreetProfile,
               unlock_s: int, dock_s: int, ride_limit_s: int, *,
               walk_to_vehicle: bool = True,
               end_allowed: npt.NDArray[np.bool_] | None = None) -> _Chain | None:
        router, g, st = self.router, self.g, self._states()
        o, d = req.origin, req.destination
        walk = WalkProfile(speed_mps=req.walk_speed_mps)
        no = router.nearest_node(o.lat, o.lon, max_m=MAX_SNAP_M, profile=walk)
        nd = router.nearest_node(d.lat, d.lon, max_m=MAX_SNAP_M, profile=walk)
        if no is None or nd is None:
            return None
        co = haversine_m(o.lat, o.lon, float(g.node_lat[no]), float(g.node_lon[no]))
        cd = haversine_m(d.lat, d.lon, float(g.node_lat[nd]), float(g.node_lon[nd]))
        lo = math.floor(co / req.walk_speed_mps + 0.5)  # half up, like the edges
        ld = math.floor(cd / req.walk_speed_mps + 0.5)
        limit = req.max_access_s
        # 1. walk to the vehicles
        idx = np.flatnonzero(pick_ok)
        if idx.size == 0:
            return None
        if walk_to_vehicle:
            router.run(walk, [no], [lo], state=st.a, limit=limit)
            walk_a = st.a.dist[pick_node[idx]]
            keep = np.isfinite(walk_a)
            idx, walk_a = idx[keep], walk_a[keep]
            if idx.size == 0:
                return None
        else:
            walk_a = np.zeros(idx.size)
        # 2. walk from the drop-offs
        router.run(walk, [nd], [ld], state=st.c, limit=limit, reverse=True)
        if ends.free_floating:
            ff = self._free_floating_ends(st.c, end_allowed)
            if ff is None:
                return None
            ends = ff
        walk_c = st.c.dist[ends.nodes]
        ok = np.isfinite(walk_c)
        e_nodes, e_ref, walk_c = ends.nodes[ok], ends.ref[ok], walk_c[ok]
        if e_nodes.size == 0:
            return None
        # 3. ride from every usable pick-up
        src_cost = walk_a + unlock_s
        router.run(ride, pick_node[idx], src_cost, state=st.b,
                   limit=float(limit + unlock_s + ride_limit_s))
        ride_lab = st.b.dist[e_nodes]
        total = ride_lab + dock_s + walk_c
        if not np.isfinite(total).any():
            return None
        # a chain that drops where it picked up is a walk, never a ride
        order = np.argsort(total, kind="stable")
        for k in order[:8]:
            if not np.isfinite(total[k]):
                return None
            q = int(e_nodes[k])
            path = router.path_to(st.b, q)
            if path is None or path.edge_idx.size == 0:
                continue
            start = int(path.node_idx[0])
            at = idx[pick_node[idx] == start]
            costs = src_cost[pick_node[idx] == start]
            pick = int(at[int(np.argmin(costs))])
            walk_a_s = round(float(np.min(costs)) - unlock_s)
            ride_s = round(float(ride_lab[k]) - float(np.min(costs))) + unlock_s + dock_s
            walk_c_s = round(float(walk_c[k]))
            if ride_s - unlock_s - dock_s > ride_limit_s:
                return None
            return self._finish(req, st, pick, start, q, int(e_ref[k]), walk_a_s, ride_s,
                                walk_c_s, path.lon, path.lat, path.length_m, walk_to_vehicle,
                                pick_node)
        return None

    def _free_floating_ends(self, st: StreetSearchState,
                            end_allowed: npt.NDArray[np.bool_] | None) -> _End | None:
        nodes = st.reached()
        if end_allowed is not None:
            nodes = nodes[end_allowed[nodes]]
        if nodes.size == 0:
            return None
        return _End(nodes.astype(np.int32), np.full(nodes.size, -1, np.int32))

    def _finish(self, req: PlanRequest, st: _States, pick: int, start: int, q: int,
                ref: int, walk_a_s: int, ride_s: int, walk_c_s: int,
                ride_lon: npt.NDArray[np.float64], ride_lat: npt.NDArray[np.float64],
                ride_m: float, walk_to_vehicle: bool,
                pick_node: npt.NDArray[np.int32]) -> _Chain:
        router, o, d = self.router, req.origin, req.destination
        geom_b = np.column_stack([ride_lon, ride_lat])
        if walk_to_vehicle:
            pa = router.path_to(st.a, start)
            line_a = np.column_stack([pa.lon, pa.lat]) if pa is not None else np.empty((0, 2))
            geom_a = np.vstack([[o.lon, o.lat], line_a]) if line_a.size else np.array(
                [[o.lon, o.lat], geom_b[0]])
        else:
            geom_a = np.array([[o.lon, o.lat], geom_b[0]])
            geom_b = np.vstack([[o.lon, o.lat], geom_b])
        pc = router.path_to(st.c, q)
        line_c = np.column_stack([pc.lon, pc.lat]) if pc is not None else np.empty((0, 2))
        geom_c = np.vstack([line_c, [d.lon, d.lat]]) if line_c.size else np.array(
            [geom_b[-1], [d.lon, d.lat]])
        _ = pick_node
        return _Chain(pick, q, ref, walk_a_s, ride_s, walk_c_s, float(ride_m), geom_a,
                      geom_b, geom_c, _line_m(geom_a), _line_m(geom_c))

    def _itinerary(self, req: PlanRequest, c: _Chain, mode: str, pick_lat: float,
                   pick_lon: float, tariff: Tariff | None, co2_g_km: float | None,
                   info: dict[str, object]) -> Itinerary:
        o, d = req.origin, req.destination
        total = c.walk_a_s + c.ride_s + c.walk_c_s
        t0 = req.time_s - total if req.arrive_by else req.time_s
        t1, t2, t3 = t0 + c.walk_a_s, t0 + c.walk_a_s + c.ride_s, t0 + total
        drop_lon, drop_lat = float(c.geom_b[-1, 0]), float(c.geom_b[-1, 1])
        legs: list[PlanLeg] = []
        if c.walk_a_s > 0:
            legs.append(PlanLeg("WALK", t0, t1, round(c.walk_a_m, 1), o.lat, o.lon,
                                float(pick_lat), float(pick_lon), c.geom_a, from_stop=o.stop))
        extra: dict[str, object] = dict(info)
        if tariff is not None:
            extra["price"] = tariff.price(c.ride_s, c.ride_path_m)
            extra["currency"] = tariff.currency
        if co2_g_km is not None:
            extra["co2_g_km"] = float(co2_g_km)
        from_lat, from_lon = (o.lat, o.lon) if c.walk_a_s <= 0 else (pick_lat, pick_lon)
        legs.append(PlanLeg(mode, t1, t2, round(c.ride_path_m, 1), float(from_lat),
                            float(from_lon), drop_lat, drop_lon, c.geom_b, extra=extra))
        legs.append(PlanLeg("WALK", t2, t3, round(c.walk_c_m, 1), drop_lat, drop_lon, d.lat,
                            d.lon, c.geom_c, to_stop=d.stop))
        walk_s = c.walk_a_s + c.walk_c_s
        return Itinerary(day=req.day, dep_s=t0, arr_s=t3, transfers=0, walk_s=walk_s,
                         walk_m=round(c.walk_a_m + c.walk_c_m, 1), legs=tuple(legs))


def _line_m(geom: npt.NDArray[np.float64]) -> float:
    if geom.shape[0] < 2:
        return 0.0
    return float(sum(haversine_m(float(geom[i, 1]), float(geom[i, 0]), float(geom[i + 1, 1]),
                                 float(geom[i + 1, 0])) for i in range(geom.shape[0] - 1)))
