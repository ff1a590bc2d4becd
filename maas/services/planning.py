"""PlanService: API parameters -> routing.PlanRequest -> API itineraries (names, ISO, GeoJSON)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np

from maas.schemas.plan import ItineraryOut, LegOut, LineString, PageOut, PlaceOut, PlanOut
from maas.services.co2 import CO2_G_PER_PKM, co2_g
from maas.services.places import format_time, parse_place, parse_time
from routing.errors import InvalidRequestError, UnknownPlaceError
from routing.network import Network
from routing.planner import Itinerary, Mode, Place, PlanLeg, Planner, PlanRequest
from routing.raptor.state import RealtimeArrays
from routing.shared_mobility import SharedMobility

#: Limits on the cost of one query (clear 4xx beyond them).
MAX_ITINERARIES = 10


@dataclass(frozen=True)
class PlanParams:
    """Raw ``/v1/plan`` parameters as the HTTP layer received them."""

    from_: str
    to: str
    time: str | None = None
    arrive_by: bool = False
    modes: str = "WALK,TRANSIT"
    wheelchair: bool = False
    max_transfers: int | None = None
    min_transfer_s: int | None = None
    max_transfer_walk_m: int | None = None
    num_itineraries: int = 3
    walk_speed_mps: float | None = None


def parse_modes(value: str) -> frozenset[Mode]:
    """Comma list of modes -> set (error names the bad one)."""
    out = set()
    for raw in value.split(","):
        name = raw.strip().upper()
        if not name:
            continue
        try:
            out.add(Mode(name))
        except ValueError:
            allowed = ", ".join(m.value for m in Mode)
            raise InvalidRequestError(f"modes: unknown mode {raw!r} (allowed: {allowed})") from None
    if not out:
        raise InvalidRequestError("modes: empty")
    return frozenset(out)


class PlanService:
    """Plans for one network; built once per loaded snapshot, shared by all requests."""

    def __init__(self, network: Network) -> None:
        self.network = network
        self.planner = Planner(network)
        tt = network.timetable
        self.tz = ZoneInfo(network.meta.timezone or "UTC")
        self.stop_index = {sid: i for i, sid in enumerate(tt.names.stop_ids)}
        self.pattern_route = np.asarray(tt.pattern_route)

    def warm(self) -> None:
        """Compile the kernels before the service reports ready."""
        self.planner.warm()

    def build_request(self, p: PlanParams, *, now: datetime | None = None) -> PlanRequest:
        """Validate and convert API parameters (raises InvalidRequestError/UnknownPlaceError)."""
        origin = parse_place(p.from_, self.stop_index, self.planner.resolve_stop, field="from")
        dest = parse_place(p.to, self.stop_index, self.planner.resolve_stop, field="to")
        self._check_inside(origin, "from")
        self._check_inside(dest, "to")
        day, secs = parse_time(p.time, self.tz, now=now)
        if p.num_itineraries > MAX_ITINERARIES or p.num_itineraries < 1:
            raise InvalidRequestError(
                f"num_itineraries={p.num_itineraries!r}: must be in 1..{MAX_ITINERARIES}"
            )
        kw: dict[str, object] = {}
        if p.walk_speed_mps is not None:
            kw["walk_speed_mps"] = p.walk_speed_mps
        return PlanRequest(
            origin=origin, destination=dest, day=day, time_s=secs, arrive_by=p.arrive_by,
            modes=parse_modes(p.modes), wheelchair=p.wheelchair, max_transfers=p.max_transfers,
            min_transfer_s=p.min_transfer_s, max_transfer_walk_m=p.max_transfer_walk_m,
            num_itineraries=p.num_itineraries, **kw,  # type: ignore[arg-type]
        )

    def _check_inside(self, place: Place, field: str) -> None:
        if place.stop >= 0:
            return
        lo_lon, lo_lat, hi_lon, hi_lat = self.network.meta.bbox
        margin = 0.05
        if not (lo_lat - margin <= place.lat <= hi_lat + margin
                and lo_lon - margin <= place.lon <= hi_lon + margin):
            raise UnknownPlaceError(
                f"{field}={place.lat},{place.lon}: outside the network's area "
                f"(bbox {lo_lon},{lo_lat},{hi_lon},{hi_lat})"
            )

    def plan(self, req: PlanRequest, *, realtime: RealtimeArrays | None = None,
             shared: SharedMobility | None = None) -> PlanOut:
        """Run the planner and format the response."""
        t0 = time.perf_counter()
        its = self.planner.plan(req, realtime=realtime, shared=shared)
        its = [i for i in its if i.legs][: req.num_itineraries]
        out = [self._itinerary(req, it) for it in its]
        page = PageOut()
        if its:
            if req.arrive_by:
                page.previous_time = format_time(req.day, min(i.arr_s for i in its) - 60, self.tz)
            else:
                page.next_time = format_time(req.day, min(i.dep_s for i in its) + 60, self.tz)
                page.previous_time = format_time(req.day, req.time_s - 3600, self.tz)
        _ = t0
        return PlanOut(itineraries=out, page=page, network_version=self.network.meta.version,
                       co2_factors_g_per_km=CO2_G_PER_PKM)

    # -- formatting -------------------------------------------------------------------------
    def _place(self, lat: float, lon: float, stop: int, fallback: str) -> PlaceOut:
        names = self.network.timetable.names
        if stop >= 0:
            return PlaceOut(name=names.stop_names[stop], lat=lat, lon=lon,
                            stop_id=names.stop_ids[stop])
        return PlaceOut(name=fallback, lat=round(lat, 7), lon=round(lon, 7), stop_id=None)

    def _leg(self, req: PlanRequest, leg: PlanLeg, i: int, n: int) -> LegOut:
        names = self.network.timetable.names
        tt = self.network.timetable
        from_name = "Origin" if i == 0 else "Street"
        to_name = "Destination" if i == n - 1 else "Street"
        route_id = short = trip_id = headsign = None
        if leg.trip >= 0:
            route_id = names.route_ids[leg.route]
            short = names.route_short_names[leg.route] or names.route_long_names[leg.route]
            g = int(tt.trip_gtfs[leg.trip])
            trip_id = names.trip_ids[g]
            headsign = names.trip_headsigns[g] if g < len(names.trip_headsigns) else None
        coords = np.round(np.asarray(leg.geometry, dtype=np.float64), 7).tolist()
        ex = leg.extra
        if ex.get("from_name"):
            from_name = str(ex["from_name"])
        if ex.get("to_name"):
            to_name = str(ex["to_name"])
        leg_co2 = co2_g(leg.mode, leg.distance_m)
        if ex.get("co2_g_km") is not None:
            leg_co2 = round(float(ex["co2_g_km"]) * leg.distance_m / 1000.0, 1)  # type: ignore[arg-type]
        return LegOut.model_validate({
            "mode": leg.mode,
            "from": self._place(leg.from_lat, leg.from_lon, leg.from_stop, from_name),
            "to": self._place(leg.to_lat, leg.to_lon, leg.to_stop, to_name),
            "start_time": format_time(req.day, leg.dep_s, self.tz),
            "end_time": format_time(req.day, leg.arr_s, self.tz),
            "duration_s": leg.arr_s - leg.dep_s,
            "distance_m": round(leg.distance_m, 1),
            "route_id": route_id, "route_short_name": short, "trip_id": trip_id,
            "headsign": headsign or None,
            "intermediate_stop_ids": [names.stop_ids[s] for s in leg.intermediate_stops],
            "co2_g": leg_co2,
            "geometry": LineString(coordinates=coords),
            "price": ex.get("price"), "currency": ex.get("currency"),
            "system": ex.get("system"), "vehicle_id": ex.get("vehicle_id"),
            "label": ex.get("label") or None,
        })

    def _itinerary(self, req: PlanRequest, it: Itinerary) -> ItineraryOut:
        legs = [self._leg(req, leg, i, len(it.legs)) for i, leg in enumerate(it.legs)]
        walk_s = sum(leg.duration_s for leg in legs if leg.mode == "WALK")
        return ItineraryOut(
            start_time=format_time(req.day, it.dep_s, self.tz),
            end_time=format_time(req.day, it.arr_s, self.tz),
            duration_s=it.arr_s - it.dep_s, transfers=it.transfers,
            walk_distance_m=round(sum(leg.distance_m for leg in legs if leg.mode == "WALK"), 1),
            walk_time_s=walk_s,
            co2_g=round(math.fsum(leg.co2_g for leg in legs), 1), legs=legs,
        )


__all__ = ["PlanParams", "PlanService", "UnknownPlaceError"]
