"""The multimodal planner: coordinates or stops at both ends -> Pareto-filtered itineraries.

Steps of :meth:`Planner.plan` (depart-at; arrive-by mirrors it):

1. access: a bounded walking search from the origin (nearest street node, plus the straight
   line to it) to every stop within ``max_access_s``; a ``stop:`` origin is that stop at cost 0.
   Stops without a street link (or bundles without streets) are reached in a straight line at
   ``CROW_FLY_DETOUR`` times the distance.
2. egress: the same search backwards from the destination. With BIKESHARE (and live
   ``shared``), bike-share chains extend both sides (stop cost = the cheaper of walking and
   riding, see :mod:`routing.shared_mobility`).
3. transit: earliest-arrival RAPTOR from all access stops to all egress stops (one journey per
   number of transfers), repeated from just after the best journey's departure to fill
   ``num_itineraries`` (the "next page by time").
4. direct street options (walk, bike, car) when their modes are requested.
5. Pareto filter on (departure later, arrival earlier, fewer transfers, less walking), drop
   duplicates, order by arrival then departure then transfers.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from routing.config import RoutingConfig
from routing.constants import CROW_FLY_DETOUR
from routing.errors import InvalidRequestError
from routing.network import Network
from routing.path import AccessLeg, EgressLeg, Journey, TransferLeg, TransitLeg
from routing.planner.geo import StopIndex, haversine_m
from routing.planner.itinerary import Itinerary, PlanLeg
from routing.planner.request import Mode, Place, PlanRequest
from routing.raptor import RaptorState, earliest_arrival, latest_departure
from routing.raptor.state import RealtimeArrays
from routing.request import StopTime, TransitRequest, Wheelchair
from routing.street import StreetPath, StreetRouter, StreetSearchState, get_router
from routing.street.profiles import BikeProfile, CarProfile, StreetProfile, WalkProfile

if TYPE_CHECKING:
    from routing.shared_mobility import AccessLegs, EgressLegs, SharedMobility, SharedRouter

#: GTFS route_type -> leg mode (extended types by their hundreds).
_BASIC_MODES = {0: "TRAM", 1: "SUBWAY", 2: "RAIL", 3: "BUS", 4: "FERRY", 5: "CABLE_CAR",
                6: "GONDOLA", 7: "FUNICULAR", 11: "TROLLEYBUS", 12: "MONORAIL"}
_EXTENDED_MODES = {1: "RAIL", 2: "COACH", 4: "SUBWAY", 7: "BUS", 8: "TROLLEYBUS", 9: "TRAM",
                   10: "FERRY", 12: "FERRY", 13: "AIRPLANE", 14: "FUNICULAR", 15: "TAXI"}

#: Longest distance between a coordinate and the street node it starts from, metres.
MAX_SNAP_M = 400.0
#: Longest walk-only itinerary offered next to transit itineraries, seconds (longer walks are
#: offered only when transit finds nothing, e.g. at night).
WALK_WITH_TRANSIT_S = 2_700
#: Upper bound of car speeds for the straight-line reachability check, metres per second.
MAX_CAR_SPEED_MPS = 40.0


def profile_max_speed_mps(profile: StreetProfile, walk_speed_mps: float) -> float:
    """An upper bound on the profile's speed (m/s), so that crow distance / bound <= time."""
    if isinstance(profile, WalkProfile):
        return max(profile.speed_mps, walk_speed_mps)
    if isinstance(profile, BikeProfile):
        return profile.speed_mps * 1.5
    return MAX_CAR_SPEED_MPS


#: Transit searches run to fill ``num_itineraries`` (each from just after the previous best).
MAX_SEARCHES = 4


def route_mode(route_type: int) -> str:
    """Leg mode name of a GTFS route_type (basic or extended)."""
    if route_type in _BASIC_MODES:
        return _BASIC_MODES[route_type]
    return _EXTENDED_MODES.get(route_type // 100, "BUS")


@dataclass
class _Access:
    """Stops reachable from (or to) one place: stop -> (cost seconds, straight-line flag)."""

    stops: npt.NDArray[np.int32]
    cost_s: npt.NDArray[np.int32]
    crow: npt.NDArray[np.bool_]
    node: int
    node_cost_s: int
    state: StreetSearchState | None
    shared_legs: dict[int, AccessLegs] = field(default_factory=dict)
    """Stops reached by a shared vehicle (bike share) -> builder of that chain's legs."""


class _Worker:
    """Per-thread search state, allocated once and reused."""

    def __init__(self, planner: Planner) -> None:
        self.raptor = RaptorState(planner.network.timetable, planner.config)
        router = planner.router
        self.access = router.new_state() if router else None
        self.egress = router.new_state() if router else None
        self.aux = router.new_state() if router else None


class Planner:
    """Plans journeys on one immutable :class:`Network`; thread-safe (state per thread)."""

    def __init__(self, network: Network, config: RoutingConfig | None = None) -> None:
        self.network = network
        self.config = config or RoutingConfig()
        tt = network.timetable
        self.router: StreetRouter | None = (
            get_router(network.streets) if network.streets is not None else None
        )
        self.links = network.stop_links
        stops = StopIndex(tt.stop_lat, tt.stop_lon)
        self.proj = stops.proj
        self.stop_tree = stops.tree
        self.route_modes = [route_mode(int(t)) for t in np.asarray(tt.route_type)]
        self.pattern_route = np.asarray(tt.pattern_route)
        from routing.shared_mobility import SharedRouter  # imports this package's modules

        self.shared_router: SharedRouter | None = (
            SharedRouter(self.router) if self.router is not None else None)
        self._local = threading.local()

    # -- per-thread state -------------------------------------------------------------------
    def _worker(self) -> _Worker:
        w: _Worker | None = getattr(self._local, "w", None)
        if w is None:
            w = _Worker(self)
            self._local.w = w
        return w

    def warm(self) -> None:
        """Compile every kernel (numba caches on disk) with one query of each kind."""
        tt = self.network.timetable
        if tt.n_stops < 2:
            return
        day = tt.first_day + min(1, tt.n_days - 1)
        a, b = 0, tt.n_stops - 1
        pa = Place(float(tt.stop_lat[a]), float(tt.stop_lon[a]))
        pb = Place(float(tt.stop_lat[b]), float(tt.stop_lon[b]))
        for arrive_by in (False, True):
            req = PlanRequest(origin=pa, destination=pb, day=day, time_s=8 * 3600,
                              arrive_by=arrive_by, num_itineraries=1,
                              modes=frozenset({Mode.WALK, Mode.TRANSIT, Mode.BIKE}))
            self.plan(req)

    # -- public API -------------------------------------------------------------------------
    def resolve_stop(self, stop: int) -> Place:
        """The :class:`Place` of stop index ``stop``."""
        tt = self.network.timetable
        if not 0 <= stop < tt.n_stops:
            raise InvalidRequestError(f"stop={stop!r}: out of range")
        return Place(float(tt.stop_lat[stop]), float(tt.stop_lon[stop]), stop)

    def plan(self, req: PlanRequest, *, realtime: RealtimeArrays | None = None,
             shared: SharedMobility | None = None) -> list[Itinerary]:
        """Itineraries for ``req``: Pareto-filtered, without duplicates, in a stable order.

        ``shared`` (live bike/car share and chargers) adds BIKESHARE / CARSHARE options and
        the EV option of ``req.ev_connector`` (see :mod:`routing.shared_mobility`).
        """
        w = self._worker()
        out: list[Itinerary] = []
        if Mode.TRANSIT in req.modes:
            out.extend(self._transit(w, req, realtime, shared))
        direct: list[tuple[Mode, StreetProfile, int]] = []
        if Mode.WALK in req.modes:
            # a walk longer than WALK_WITH_TRANSIT_S is offered only when transit has nothing
            walk_limit = req.max_direct_walk_s
            if any(leg.trip >= 0 for it in out for leg in it.legs):
                walk_limit = min(walk_limit, WALK_WITH_TRANSIT_S)
            direct.append((Mode.WALK, WalkProfile(speed_mps=req.walk_speed_mps), walk_limit))
        if Mode.BIKE in req.modes:
            direct.append((Mode.BIKE, BikeProfile(), req.max_direct_bike_s))
        if Mode.CAR in req.modes and not (req.ev_connector and shared is not None):
            # with ev_connector the car must end at a charger: the shared planner's EV option
            direct.append((Mode.CAR, CarProfile(), req.max_direct_car_s))
        for mode, profile, limit in direct:
            it = self._direct(w, req, mode, profile, limit)
            if it is not None:
                out.append(it)
        n_shared = 0
        if shared is not None and self.shared_router is not None:
            extra = self.shared_router.plan(req, shared)
            n_shared = len(extra)
            out.extend(extra)
        return _pareto(out, arrive_by=req.arrive_by)[
            : max(req.num_itineraries, 1) + len(direct) + n_shared]

    # -- access / egress --------------------------------------------------------------------
    def _walk_profile(self, req: PlanRequest) -> StreetProfile:
        return WalkProfile(speed_mps=req.walk_speed_mps)

    def _access(self, place: Place, req: PlanRequest, state: StreetSearchState | None,
                *, reverse: bool) -> _Access:
        tt = self.network.timetable
        if place.stop >= 0:
            return _Access(np.array([place.stop], np.int32), np.zeros(1, np.int32),
                           np.zeros(1, np.bool_), -1, 0, None)
        best: dict[int, tuple[int, bool]] = {}
        node, node_cost = -1, 0
        router, links = self.router, self.links
        if router is not None and links is not None and state is not None:
            n = router.nearest_node(place.lat, place.lon, max_m=MAX_SNAP_M,
                                    profile=self._walk_profile(req))
            if n is not None:
                node = n
                g = self.network.streets
                assert g is not None
                d = haversine_m(place.lat, place.lon, float(g.node_lat[n]), float(g.node_lon[n]))
                node_cost = math.ceil(d / req.walk_speed_mps)
                if node_cost < req.max_access_s:
                    stops, costs = router.stops_within(
                        self._walk_profile(req), [n], [node_cost], req.max_access_s, links,
                        state=state, reverse=reverse,
                    )
                    for s, c in zip(stops.tolist(), costs.tolist(), strict=True):
                        best[s] = (int(c), False)
        # straight line for stops the streets do not reach (or bundles without streets)
        radius = req.max_access_s * req.walk_speed_mps / CROW_FLY_DETOUR
        xy = self.proj.xy(np.array([place.lat]), np.array([place.lon]))[0]
        for s in self.stop_tree.query_ball_point(xy, radius):
            linked = links is not None and int(links.node_a[s]) >= 0 and node >= 0
            if linked and s in best:
                continue
            if linked and router is not None:
                continue  # linked but beyond the walking limit on the streets
            d = haversine_m(place.lat, place.lon, float(tt.stop_lat[s]), float(tt.stop_lon[s]))
            c = math.ceil(d * CROW_FLY_DETOUR / req.walk_speed_mps)
            if c <= req.max_access_s and (s not in best or c < best[s][0]):
                best[s] = (c, True)
        keys = sorted(best)
        return _Access(
            np.array(keys, np.int32),
            np.array([best[k][0] for k in keys], np.int32),
            np.array([best[k][1] for k in keys], np.bool_),
            node, node_cost, state,
        )

    # -- transit ----------------------------------------------------------------------------
    def _transit(self, w: _Worker, req: PlanRequest, realtime: RealtimeArrays | None,
                 shared: SharedMobility | None = None) -> list[Itinerary]:
        acc = self._access(req.origin, req, w.access, reverse=False)
        if shared is not None and Mode.BIKESHARE in req.modes:
            acc = self._shared_access(req, acc, shared)
        egr = self._access(req.destination, req, w.egress, reverse=True)
        if shared is not None and Mode.BIKESHARE in req.modes:
            egr = self._shared_egress(req, egr, shared)
        if acc.stops.size == 0 or egr.stops.size == 0:
            return []
        sources = tuple(StopTime(int(s), int(c), int(c))
                        for s, c in zip(acc.stops, acc.cost_s, strict=True))
        targets = tuple(StopTime(int(s), int(c), int(c))
                        for s, c in zip(egr.stops, egr.cost_s, strict=True))
        wheel = Wheelchair.ALLOW_UNKNOWN if req.wheelchair else Wheelchair.OFF
        journeys: list[Journey] = []
        seen: set[tuple[object, ...]] = set()
        t = req.time_s
        for _ in range(MAX_SEARCHES):
            if not 0 <= t < 2 * 86_400:
                break
            treq = TransitRequest(
                sources, targets, req.day, t, arrive_by=req.arrive_by,
                max_transfers=req.max_transfers, min_transfer_s=req.min_transfer_s,
                max_transfer_walk_m=req.max_transfer_walk_m, wheelchair=wheel,
            )
            found = (latest_departure if req.arrive_by else earliest_arrival)(
                w.raptor, treq, realtime=realtime)
            if not found:
                break
            for j in found:
                key = _journey_key(j)
                if key not in seen:
                    seen.add(key)
                    journeys.append(j)
            if len(journeys) >= req.num_itineraries:
                break
            if req.arrive_by:
                t = max(j.arr_s for j in found) - 60
            else:
                t = min(j.dep_s for j in found) + 60
        # build legs (street paths, shapes) only for journeys that can still be returned: the
        # non-dominated ones, best first, a few more than asked for (direct options may drop out)
        kept = _journey_front(journeys, arrive_by=req.arrive_by)[: req.num_itineraries + 4]
        return [self._itinerary(w, req, j, acc, egr) for j in kept]

    def _shared_access(self, req: PlanRequest, acc: _Access, shared: SharedMobility) -> _Access:
        """``acc`` with the stops bike share reaches sooner than walking (see
        :meth:`SharedRouter.bikeshare_access`)."""
        if self.shared_router is None or self.links is None:
            return acc
        best = {int(s): (int(c), bool(f), None) for s, c, f in
                zip(acc.stops, acc.cost_s, acc.crow, strict=True)}
        builders: dict[int, AccessLegs] = {}
        for sys in shared.bike_systems:
            stops, costs, legs = self.shared_router.bikeshare_access(req, sys, self.links)
            for s, c in zip(stops.tolist(), costs.tolist(), strict=True):
                if s not in best or c < best[s][0]:
                    best[s] = (c, False, None)
                    builders[s] = legs
        keys = sorted(best)
        return _Access(np.array(keys, np.int32), np.array([best[k][0] for k in keys], np.int32),
                       np.array([best[k][1] for k in keys], np.bool_), acc.node,
                       acc.node_cost_s, acc.state, builders)

    def _shared_egress(self, req: PlanRequest, egr: _Access, shared: SharedMobility) -> _Access:
        """``egr`` with the stops from which bike share reaches the destination sooner than
        walking (see :meth:`SharedRouter.bikeshare_egress`)."""
        if self.shared_router is None or self.links is None:
            return egr
        best = {int(s): (int(c), bool(f)) for s, c, f in
                zip(egr.stops, egr.cost_s, egr.crow, strict=True)}
        builders: dict[int, EgressLegs] = {}
        for sys in shared.bike_systems:
            stops, costs, legs = self.shared_router.bikeshare_egress(req, sys, self.links)
            for s, c in zip(stops.tolist(), costs.tolist(), strict=True):
                if s not in best or c < best[s][0]:
                    best[s] = (c, False)
                    builders[s] = legs
        keys = sorted(best)
        return _Access(np.array(keys, np.int32), np.array([best[k][0] for k in keys], np.int32),
                       np.array([best[k][1] for k in keys], np.bool_), egr.node,
                       egr.node_cost_s, egr.state, builders)

    def _shared_egress_legs(self, leg: EgressLeg, egr: _Access) -> list[PlanLeg]:
        """The bike-share legs of ``leg`` (empty when it walks), the first anchored on the
        stop."""
        build = egr.shared_legs.get(leg.from_stop)
        chain = build(leg.from_stop, leg.dep_s) if build is not None else []
        if chain:
            stop = self.resolve_stop(leg.from_stop)
            first = chain[0]
            geom = np.vstack([[stop.lon, stop.lat], first.geometry])
            chain[0] = replace(first, from_lat=stop.lat, from_lon=stop.lon, geometry=geom,
                               distance_m=round(_polyline_m(geom), 1))
        return chain

    def _itinerary(self, w: _Worker, req: PlanRequest, j: Journey, acc: _Access,
                   egr: _Access) -> Itinerary:
        legs: list[PlanLeg] = []
        walk_m = 0.0
        prev_arr = j.dep_s
        for leg in j.legs:
            if isinstance(leg, AccessLeg):
                if req.origin.stop >= 0 or leg.arr_s == leg.dep_s:
                    continue
                build = acc.shared_legs.get(leg.to_stop)
                if build is not None:
                    chain = build(leg.to_stop, leg.dep_s)
                    if chain:
                        last = chain[-1]
                        stop_place = self.resolve_stop(leg.to_stop)
                        chain[-1] = replace(last, arr_s=leg.arr_s, to_lat=stop_place.lat,
                                            to_lon=stop_place.lon)
                        legs.extend(chain)
                        walk_m += chain[0].distance_m + chain[-1].distance_m
                        prev_arr = leg.arr_s
                        continue
                pl = self._walk_leg(req.origin, self.resolve_stop(leg.to_stop), leg.dep_s,
                                    leg.arr_s, acc, to_stop=leg.to_stop)
            elif isinstance(leg, EgressLeg):
                if req.destination.stop >= 0 or leg.arr_s == leg.dep_s:
                    continue
                chain = self._shared_egress_legs(leg, egr)
                if chain:
                    legs.extend(chain)
                    walk_m += chain[0].distance_m + chain[-1].distance_m
                    prev_arr = chain[-1].arr_s
                    continue
                pl = self._walk_leg(self.resolve_stop(leg.from_stop), req.destination,
                                    leg.dep_s, leg.arr_s, egr, from_stop=leg.from_stop)
            elif isinstance(leg, TransferLeg):
                if leg.from_stop == leg.to_stop:
                    continue
                pl = self._footpath_leg(w, leg, req, prev_arr)
            else:
                pl = self._transit_leg(leg)
            prev_arr = pl.arr_s
            if pl.mode == "WALK":
                walk_m += pl.distance_m
            legs.append(pl)
        return Itinerary(day=j.day, dep_s=j.dep_s, arr_s=j.arr_s, transfers=j.transfers,
                         walk_s=j.walk_s, walk_m=round(walk_m, 1), legs=tuple(legs),
                         penalty_s=j.penalty_s)

    def _walk_leg(self, a: Place, b: Place, dep_s: int, arr_s: int, side: _Access, *,
                  from_stop: int = -1, to_stop: int = -1) -> PlanLeg:
        """Walking leg origin->stop (access) or stop->destination (egress) with geometry."""
        stop = to_stop if to_stop >= 0 else from_stop
        path = None
        idx = np.searchsorted(side.stops, stop)
        crow = bool(side.crow[idx]) if idx < side.stops.size and side.stops[idx] == stop else True
        if not crow and side.state is not None and self.router is not None and self.links:
            path = self._link_path(side.state, stop)
        if path is None or path.lat.size == 0:
            geom = np.array([[a.lon, a.lat], [b.lon, b.lat]])
            dist = haversine_m(a.lat, a.lon, b.lat, b.lon) * (CROW_FLY_DETOUR if crow else 1)
        else:
            line = np.column_stack([path.lon, path.lat])
            if to_stop >= 0:  # forward labels: path runs from the origin's node to the stop
                geom = np.vstack([[a.lon, a.lat], line, [b.lon, b.lat]])
            else:  # reverse labels: path runs from the stop's node to the destination's node
                geom = np.vstack([[a.lon, a.lat], line, [b.lon, b.lat]])
            dist = _polyline_m(geom)
        return PlanLeg(mode="WALK", dep_s=dep_s, arr_s=arr_s, distance_m=round(dist, 1),
                       from_lat=a.lat, from_lon=a.lon, to_lat=b.lat, to_lon=b.lon,
                       geometry=geom, from_stop=from_stop, to_stop=to_stop)

    def _link_path(self, state: StreetSearchState, stop: int) -> StreetPath | None:
        """Street path (from the last search in ``state``) to the better link end of ``stop``."""
        assert self.router is not None and self.links is not None
        na, nb = int(self.links.node_a[stop]), int(self.links.node_b[stop])
        if na < 0:
            return None
        da = float(state.dist[na]) + float(self.links.dist_a_m[stop])
        db = float(state.dist[nb]) + float(self.links.dist_b_m[stop]) if nb >= 0 else math.inf
        node = na if da <= db else nb
        return self.router.path_to(state, node)

    def _footpath_leg(self, w: _Worker, leg: TransferLeg, req: PlanRequest,
                      dep_s: int) -> PlanLeg:
        a, b = self.resolve_stop(leg.from_stop), self.resolve_stop(leg.to_stop)
        geom = np.array([[a.lon, a.lat], [b.lon, b.lat]])
        links, router = self.links, self.router
        if links is not None and router is not None and w.aux is not None:
            na, nb = int(links.node_a[leg.from_stop]), int(links.node_a[leg.to_stop])
            if na >= 0 and nb >= 0:
                path = router.shortest_path(self._walk_profile(req), na, nb, state=w.aux)
                if path is not None and path.lat.size:
                    geom = np.vstack([[a.lon, a.lat], np.column_stack([path.lon, path.lat]),
                                      [b.lon, b.lat]])
        walk_s = leg.walk_s or leg.duration_s
        return PlanLeg(mode="WALK", dep_s=dep_s, arr_s=dep_s + walk_s,
                       distance_m=float(leg.length_m), from_lat=a.lat, from_lon=a.lon,
                       to_lat=b.lat, to_lon=b.lon, geometry=geom, from_stop=leg.from_stop,
                       to_stop=leg.to_stop, extra={"transfer_s": leg.duration_s})

    def _transit_leg(self, leg: TransitLeg) -> PlanLeg:
        tt = self.network.timetable
        p = int(np.searchsorted(tt.pattern_trip_start, leg.trip, side="right") - 1)
        route = int(self.pattern_route[p])
        s0 = int(tt.pattern_stop_start[p])
        stops = [int(s) for s in tt.pattern_stops[s0 + leg.board_pos: s0 + leg.alight_pos + 1]]
        ia = tt.stop_time_index(leg.trip, leg.board_pos)
        ib = ia + (leg.alight_pos - leg.board_pos)
        sa, sb = int(tt.st_shape_pos[ia]), int(tt.st_shape_pos[ib])
        if sa >= 0 and sb >= sa:
            geom = np.column_stack([tt.shape_lon[sa:sb + 1], tt.shape_lat[sa:sb + 1]])
        else:
            geom = np.column_stack([tt.stop_lon[stops], tt.stop_lat[stops]])
        a, b = stops[0], stops[-1]
        return PlanLeg(
            mode=self.route_modes[route], dep_s=leg.dep_s, arr_s=leg.arr_s,
            distance_m=round(_polyline_m(geom), 1),
            from_lat=float(tt.stop_lat[a]), from_lon=float(tt.stop_lon[a]),
            to_lat=float(tt.stop_lat[b]), to_lon=float(tt.stop_lon[b]), geometry=geom,
            from_stop=a, to_stop=b, trip=leg.trip, route=route,
            service_day=leg.service_day, board_pos=leg.board_pos, alight_pos=leg.alight_pos,
            intermediate_stops=tuple(stops[1:-1]),
        )

    # -- direct street options --------------------------------------------------------------
    def _direct(self, w: _Worker, req: PlanRequest, mode: Mode, profile: StreetProfile,
                limit_s: int) -> Itinerary | None:
        o, d = req.origin, req.destination
        router, g = self.router, self.network.streets
        if router is None or g is None or w.aux is None:
            if mode != Mode.WALK:
                return None
            dist = haversine_m(o.lat, o.lon, d.lat, d.lon) * CROW_FLY_DETOUR
            dur = math.ceil(dist / req.walk_speed_mps)
            if dur > limit_s:
                return None
            geom = np.array([[o.lon, o.lat], [d.lon, d.lat]])
            return self._single(req, "WALK", dur, dist, geom, walk=True)
        # snapped to nodes this profile can use (a car never starts on a footway)
        na = router.nearest_node(o.lat, o.lon, max_m=MAX_SNAP_M, profile=profile)
        nb = router.nearest_node(d.lat, d.lon, max_m=MAX_SNAP_M, profile=profile)
        if na is None or nb is None:
            return None
        ca = haversine_m(o.lat, o.lon, float(g.node_lat[na]), float(g.node_lon[na]))
        cb = haversine_m(d.lat, d.lon, float(g.node_lat[nb]), float(g.node_lon[nb]))
        crow_m = haversine_m(o.lat, o.lon, d.lat, d.lon)
        if crow_m > limit_s * profile_max_speed_mps(profile, req.walk_speed_mps):
            return None  # even a straight line at the top speed takes longer than the limit
        path = router.shortest_path(profile, na, nb, state=w.aux)
        if path is None:
            return None
        link_s = math.ceil((ca + cb) / req.walk_speed_mps)
        dur = math.ceil(path.duration_s) + link_s
        if dur > limit_s:
            return None
        geom = np.vstack([[o.lon, o.lat], np.column_stack([path.lon, path.lat]),
                          [d.lon, d.lat]])
        return self._single(req, mode.value, dur, path.length_m + ca + cb, geom,
                            walk=mode == Mode.WALK)

    def _single(self, req: PlanRequest, mode: str, dur: int, dist: float,
                geom: npt.NDArray[np.float64], *, walk: bool) -> Itinerary:
        o, d = req.origin, req.destination
        dep = req.time_s - dur if req.arrive_by else req.time_s
        leg = PlanLeg(mode=mode, dep_s=dep, arr_s=dep + dur, distance_m=round(dist, 1),
                      from_lat=o.lat, from_lon=o.lon, to_lat=d.lat, to_lon=d.lon,
                      geometry=geom, from_stop=o.stop, to_stop=d.stop)
        return Itinerary(day=req.day, dep_s=dep, arr_s=dep + dur, transfers=0,
                         walk_s=dur if walk else 0, walk_m=round(dist, 1) if walk else 0.0,
                         legs=(leg,))


def _journey_front(journeys: list[Journey], *, arrive_by: bool) -> list[Journey]:
    """Journeys not dominated on (later departure, earlier arrival, fewer transfers, less
    walking), in the order the itineraries are returned."""
    keys = [(-j.dep_s, j.arr_s, j.transfers, j.walk_s) for j in journeys]
    front = [
        j for j, ka in zip(journeys, keys, strict=True)
        if not any(kb != ka and all(x <= y for x, y in zip(kb, ka, strict=True)) for kb in keys)
    ]
    if arrive_by:
        return sorted(front, key=lambda j: (-j.dep_s, j.arr_s, j.transfers, j.walk_s))
    return sorted(front, key=lambda j: (j.arr_s, -j.dep_s, j.transfers, j.walk_s))


def _journey_key(j: Journey) -> tuple[object, ...]:
    legs = tuple(
        (type(leg).__name__, getattr(leg, "trip", -1), getattr(leg, "dep_s", 0)) for leg in j.legs
    )
    return (*legs, j.dep_s, j.arr_s)


def _polyline_m(geom: npt.NDArray[np.float64]) -> float:
    if geom.shape[0] < 2:
        return 0.0
    lat = np.radians(geom[:, 1])
    dlat = np.diff(lat)
    dlon = np.radians(np.diff(geom[:, 0]))
    a = np.sin(dlat / 2) ** 2 + np.cos(lat[:-1]) * np.cos(lat[1:]) * np.sin(dlon / 2) ** 2
    return float(np.sum(2 * 6_371_008.8 * np.arcsin(np.minimum(1.0, np.sqrt(a)))))


def _dominates(a: Itinerary, b: Itinerary) -> bool:
    ka = (-a.dep_s, a.arr_s, a.transfers, a.walk_s)
    kb = (-b.dep_s, b.arr_s, b.transfers, b.walk_s)
    return all(x <= y for x, y in zip(ka, kb, strict=True)) and ka != kb


def _pareto(items: list[Itinerary], *, arrive_by: bool = False) -> list[Itinerary]:
    """Drop duplicates and dominated itineraries; order by arrival (arrive-by: by departure,
    latest first), then transfers and walking."""
    uniq: dict[tuple[object, ...], Itinerary] = {}
    for it in items:
        uniq.setdefault(it.signature(), it)
    cands = list(uniq.values())
    kept = [a for a in cands if not any(_dominates(b, a) for b in cands if b is not a)]
    if arrive_by:
        return sorted(kept, key=lambda i: (-i.dep_s, i.arr_s, i.transfers, i.walk_s,
                                           [leg.mode for leg in i.legs]))
    return sorted(kept, key=lambda i: (i.arr_s, -i.dep_s, i.transfers, i.walk_s,
                                       [leg.mode for leg in i.legs]))
