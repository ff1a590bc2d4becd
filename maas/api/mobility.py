"""Live availability: ``/v1/bikeshare/stations``, ``/v1/carsharing/vehicles``,
``/v1/charging/locations`` (GeoJSON, with each feed's age, ``stale`` flag and ``demo`` label)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request

from feeds.gbfs.model import GbfsSnapshot
from maas.errors import ServiceUnavailableError
from maas.live.codec import ChargerRecord
from maas.live.runtime import LiveRuntime
from maas.live.state import FeedView, LiveState
from maas.schemas.mobility import Feature, FeatureCollection, LiveFeedInfo, PointGeometry
from maas.schemas.plan import PlanOut
from maas.services.planning import PlanService
from routing.planner import Mode, PlanRequest
from routing.raptor.state import RealtimeArrays
from routing.shared_mobility import SharedMobility

router = APIRouter(prefix="/v1", tags=["mobility"])


async def get_live(request: Request) -> LiveState:
    """The live state opened by the lifespan."""
    rt: LiveRuntime | None = getattr(request.app.state, "live", None)
    if rt is None:
        raise ServiceUnavailableError("the live store is not open yet")
    return rt.state


LiveDep = Annotated[LiveState, Depends(get_live)]


def shared_for(app: FastAPI, req: PlanRequest) -> SharedMobility | None:
    """Live shared-mobility state when ``req`` asks for it (None: not asked or no store)."""
    wants = Mode.BIKESHARE in req.modes or Mode.CARSHARE in req.modes or (
        Mode.CAR in req.modes and req.ev_connector)
    rt: LiveRuntime | None = getattr(app.state, "live", None)
    return rt.state.shared() if wants and rt is not None else None


def plan_with_shared(app: FastAPI, service: PlanService, req: PlanRequest, *,
                     realtime: RealtimeArrays | None = None) -> PlanOut:
    """Plan with the live shared-mobility state (runs in a routing thread: store reads too)."""
    return service.plan(req, realtime=realtime, shared=shared_for(app, req))


def feed_info(feed: str, v: FeedView, now: float) -> LiveFeedInfo:
    """Freshness summary of one feed."""
    return LiveFeedInfo(
        feed=feed, version=v.meta.version,
        last_update=datetime.fromtimestamp(v.meta.feed_timestamp, UTC).strftime(
            "%Y-%m-%dT%H:%M:%SZ"),
        age_s=round(v.meta.age_s(now), 1), stale=not v.fresh(now), label=v.meta.label)


def _collection(features: list[Feature], infos: list[LiveFeedInfo]) -> FeatureCollection:
    return FeatureCollection(
        features=features, feeds=infos,
        age_s=max((i.age_s for i in infos), default=None),
        stale=any(i.stale for i in infos),
        label="demo" if any(i.label == "demo" for i in infos) else "")


def _point(lat: float, lon: float) -> PointGeometry:
    return PointGeometry(coordinates=[round(lon, 7), round(lat, 7)])


def _gbfs(live: LiveState, *, cars: bool) -> tuple[list[tuple[str, FeedView]], float]:
    now = time.time()
    out = []
    for feed, v in live.views("gbfs").items():
        snap = v.value
        if isinstance(snap, GbfsSnapshot) and (bool(snap.free_vehicles) and not snap.stations
                                               ) == cars:
            out.append((feed, v))
    return out, now


@router.get("/bikeshare/stations", response_model=FeatureCollection,
            summary="Bike-share stations with live availability")
def bikeshare_stations(live: LiveDep) -> FeatureCollection:
    """Every station of every bike-share system: bikes and docks available, renting and
    returning flags, plus the feed's age and ``stale`` flag (stale = not used in plans)."""
    feeds, now = _gbfs(live, cars=False)
    features, infos = [], []
    for feed, v in feeds:
        snap: GbfsSnapshot = v.value
        info = feed_info(feed, v, now)
        infos.append(info)
        for sid, st in snap.stations.items():
            s = snap.station_status.get(sid)
            props: dict[str, Any] = {
                "system": feed, "station_id": sid, "name": st.name, "capacity": st.capacity,
                "num_bikes_available": s.num_vehicles_available if s else None,
                "num_docks_available": s.num_docks_available if s else None,
                "is_renting": s.is_renting if s else False,
                "is_returning": s.is_returning if s else False,
                "age_s": info.age_s, "stale": info.stale, "label": info.label,
            }
            features.append(Feature(id=f"{feed}/{sid}", geometry=_point(st.lat, st.lon),
                                    properties=props))
    return _collection(features, infos)


@router.get("/carsharing/vehicles", response_model=FeatureCollection,
            summary="Car-share vehicles with live availability")
def carsharing_vehicles(
    live: LiveDep,
    available_only: Annotated[bool, Query(description="Only rentable vehicles")] = False,
) -> FeatureCollection:
    """Every free-floating car-share vehicle: availability, range (metres), type, price plan."""
    feeds, now = _gbfs(live, cars=True)
    features, infos = [], []
    for feed, v in feeds:
        snap: GbfsSnapshot = v.value
        info = feed_info(feed, v, now)
        infos.append(info)
        for veh in snap.free_vehicles:
            if veh.lat is None or veh.lon is None or (available_only and not veh.is_available):
                continue
            vt = snap.vehicle_types.get(veh.vehicle_type_id or "")
            props = {
                "system": feed, "vehicle_id": veh.vehicle_id, "available": veh.is_available,
                "is_reserved": veh.is_reserved, "is_disabled": veh.is_disabled,
                "current_range_meters": veh.current_range_meters,
                "vehicle_type": vt.name if vt else veh.vehicle_type_id,
                "propulsion_type": vt.propulsion_type if vt else None,
                "pricing_plan_id": veh.pricing_plan_id,
                "age_s": info.age_s, "stale": info.stale, "label": info.label,
            }
            features.append(Feature(id=f"{feed}/{veh.vehicle_id}",
                                    geometry=_point(veh.lat, veh.lon), properties=props))
    return _collection(features, infos)


@router.get("/charging/locations", response_model=FeatureCollection,
            summary="EV charging locations with live EVSE status")
def charging_locations(
    live: LiveDep,
    connector: Annotated[str | None, Query(max_length=40, examples=["IEC_62196_T2"],
                                           description="Only locations with this connector "
                                                       "standard")] = None,
    available_only: Annotated[bool, Query(description="Only locations with an AVAILABLE "
                                                      "EVSE (of ``connector``)")] = False,
) -> FeatureCollection:
    """OCPI locations: EVSE count per status, available connector types, max power (W)."""
    now = time.time()
    features, infos = [], []
    for feed, v in live.views("ocpi").items():
        info = feed_info(feed, v, now)
        infos.append(info)
        recs: list[ChargerRecord] = v.value
        for r in recs:
            evses = [e for e in r.evses if connector is None or connector in e.connectors]
            if connector is not None and not evses:
                continue
            avail = [e for e in evses if e.status == "AVAILABLE"]
            if available_only and not avail:
                continue
            status: dict[str, int] = {}
            for e in evses:
                status[e.status] = status.get(e.status, 0) + 1
            props = {
                "location_id": "/".join(r.key), "name": r.name, "address": r.address,
                "operator": r.operator, "evses": len(evses), "available": len(avail),
                "status": status,
                "connectors": sorted({c for e in evses for c in e.connectors}),
                "available_connectors": sorted({c for e in avail for c in e.connectors}),
                "max_power_w": max((e.max_power_w for e in evses if e.max_power_w), default=None),
                "age_s": info.age_s, "stale": info.stale, "label": info.label,
            }
            features.append(Feature(id="/".join(r.key), geometry=_point(r.lat, r.lon),
                                    properties=props))
    return _collection(features, infos)
