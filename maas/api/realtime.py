"""Realtime routes: congestion, segments, live vehicles, alerts, road closures.

Every route answers 200 with an empty collection and a ``note`` when there is no data.
"""

from __future__ import annotations

import math
import time
from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import numpy as np
from fastapi import APIRouter, FastAPI, Query

from maas.deps import StateDep
from maas.realtime.hub import RealtimeHub, current_hub
from maas.realtime.store_bridge import CONGESTION_FEED, VEHICLES_FEED
from maas.schemas.realtime import (
    AlertOut,
    AlertsOut,
    CongestionOut,
    Feature,
    FeatureCollectionOut,
    LineIndexOut,
    SeriesPointOut,
)
from routing.congestion import congestion_level, extra_time_percent, merge_bins, travel_time_index

router = APIRouter(prefix="/v1", tags=["realtime"])


def _iso(t: float | None, hub: RealtimeHub) -> str | None:
    if t is None or not math.isfinite(t):
        return None
    return datetime.fromtimestamp(t, ZoneInfo(hub.matcher.tz)).isoformat()


def _num(x: float, nd: int = 3) -> float | None:
    return round(float(x), nd) if math.isfinite(float(x)) else None


def _age(t: float | None) -> float | None:
    return None if t is None or not math.isfinite(t) else round(time.time() - t, 1)


def _store_age(hub: RealtimeHub, feed: str) -> float | None:
    """Seconds since the store's copy of ``feed`` was written (None: in-process state)."""
    meta = hub.follower.meta.get(feed) if hub.follower is not None else None
    return None if meta is None else round(meta.age_s(), 1)


@router.get("/congestion", response_model=CongestionOut, summary="City congestion index")
def congestion(state: StateDep) -> CongestionOut:
    """City Travel Time Index now (latest 15-min bin with data), per line and as a series."""
    hub = current_hub(state)
    tr = hub.congestion_source()
    series = tr.series()
    out = CongestionOut(bin_s=tr.bin_s, retention_s=tr.retention_s,
                        age_s=_store_age(hub, CONGESTION_FEED), stale=hub.stale(CONGESTION_FEED))
    if not series:
        out.note = "no probe data yet (no live vehicles matched to lines)"
        return out
    out.series = [SeriesPointOut(start=_iso(p.t0_s, hub) or "", tti=_num(p.tti),
                                 extra_time_percent=_num(float(extra_time_percent(p.tti)), 1),
                                 samples=p.samples) for p in series]
    with_data = [p for p in out.series if p.tti is not None]
    if with_data:
        out.now = with_data[-1]
        out.level = int(congestion_level([float(with_data[-1].tti or math.nan)])[0])
    b = tr.binned()
    ff = tr.free_flow()
    last = merge_bins(type(b)(b.t0_s, b.bin_s, b.length_m, b.travel_s[:, -4:],
                              b.samples[:, -4:]), min(4, b.n_bins))
    for line, idx in tr.line_index(last, ff).items():
        if idx.size and math.isfinite(float(idx[0])):
            out.lines.append(LineIndexOut(line=line, tti=round(float(idx[0]), 3),
                                          extra_time_percent=round(float(
                                              extra_time_percent(idx[0])), 1)))
    return out


@router.get("/congestion/segments", response_model=FeatureCollectionOut,
            summary="Segment congestion (GeoJSON)")
def congestion_segments(
    state: StateDep,
    window_bins: Annotated[int, Query(ge=1, le=96, description="15-min bins to aggregate")] = 4,
) -> FeatureCollectionOut:
    """Observed segments of the latest ``window_bins`` bins: level, speed, free flow, samples."""
    hub = current_hub(state)
    tr = hub.congestion_source()
    b = tr.binned()
    stale = hub.stale(CONGESTION_FEED)
    if b.n_bins == 0:
        return FeatureCollectionOut(note="no probe data yet (no live vehicles matched to lines)",
                                    stale=stale)
    k = min(window_bins, b.n_bins)
    travel = b.travel_s[:, -k:].sum(axis=1, keepdims=True)
    samples = b.samples[:, -k:].sum(axis=1, keepdims=True)
    win = type(b)(b.t0_s + (b.n_bins - k) * b.bin_s, b.bin_s * k, b.length_m, travel, samples)
    v = win.speed_mps[:, 0]
    ff = tr.free_flow()
    tti = travel_time_index(ff, v)
    lvl = congestion_level(tti)
    end = b.t0_s + b.n_bins * b.bin_s
    feats = []
    names = hub.network.timetable.names.route_short_names
    pr = np.asarray(hub.network.timetable.pattern_route)
    for s in np.flatnonzero(samples[:, 0] > 0).tolist():
        lat, lon = tr.segment_geometry(s)
        p = int(tr.seg_pattern[s])
        feats.append(Feature(
            geometry={"type": "LineString", "coordinates": [
                [round(x, 6), round(y, 6)] for x, y in zip(lon.tolist(), lat.tolist(),
                                                           strict=True)]},
            properties={
                "segment": s, "line": names[int(pr[p])], "length_m": round(float(
                    b.length_m[s]), 1),
                "speed_kmh": _num(v[s] * 3.6, 1), "free_flow_kmh": _num(ff[s] * 3.6, 1),
                "tti": _num(tti[s]), "level": int(lvl[s]), "samples": int(samples[s, 0]),
            }))
    return FeatureCollectionOut(features=feats, updated_at=_iso(end, hub), age_s=_age(end),
                                note="" if feats else "no segment observed in the window",
                                stale=stale)


@router.get("/vehicles", response_model=FeatureCollectionOut, summary="Live vehicles (GeoJSON)")
def vehicles(state: StateDep) -> FeatureCollectionOut:
    """Live transit vehicle positions with their matched trip and delay."""
    hub = current_hub(state)
    vs = hub.vehicles
    if not vs:
        st = [s.note for s in hub.statuses.values() if s.kind == "stpt_vehicles" and s.note]
        return FeatureCollectionOut(note=st[0] if st else "no live vehicle feed configured",
                                    stale=hub.stale(VEHICLES_FEED))
    names = hub.network.timetable.names
    tt = hub.network.timetable
    feats = []
    for v in vs:
        trip_id = names.trip_ids[int(tt.trip_gtfs[v.trip])] if v.trip >= 0 else None
        feats.append(Feature(
            geometry={"type": "Point", "coordinates": [round(v.lon, 6), round(v.lat, 6)]},
            properties={"vehicle_id": v.vehicle_id, "line": v.line, "headsign": v.headsign,
                        "timestamp": _iso(v.timestamp_s, hub), "bearing_deg": v.bearing_deg,
                        "speed_kmh": None if v.speed_mps is None else round(v.speed_mps * 3.6,
                                                                            1),
                        "trip_id": trip_id, "delay_s": v.delay_s}))
    latest = max(v.timestamp_s for v in vs)
    return FeatureCollectionOut(features=feats, updated_at=_iso(latest, hub), age_s=_age(latest),
                                stale=hub.stale(VEHICLES_FEED))


@router.get("/alerts", response_model=AlertsOut, summary="Service alerts")
def alerts(state: StateDep) -> AlertsOut:
    """GTFS-RT service alerts with the stop, route and trip ids they concern."""
    hub = current_hub(state)
    if not hub.alerts:
        return AlertsOut(note="no service alerts (no GTFS-RT alerts feed, or none active)")
    names = hub.network.timetable.names
    tt = hub.network.timetable
    out = []
    for ra in hub.alerts:
        a = ra.alert
        out.append(AlertOut(
            id=a.entity_id, header=a.text(), description=next(iter(
                a.description_text.values()), ""), cause=a.cause, effect=a.effect,
            stop_ids=[names.stop_ids[s] for s in ra.stops.tolist()],
            route_ids=[names.route_ids[r] for r in ra.routes.tolist()],
            trip_ids=sorted({names.trip_ids[int(tt.trip_gtfs[t])] for t in ra.trips.tolist()})))
    return AlertsOut(alerts=out)


@router.get("/closures", response_model=FeatureCollectionOut, summary="Road closures (GeoJSON)")
def closures(
    state: StateDep,
    edges: Annotated[bool, Query(description="Also list the closed car edges")] = False,
) -> FeatureCollectionOut:
    """Closures in force, applied to the car graph (with ``edges``: the closed edge ids)."""
    hub = current_hub(state)
    cs = hub.closures
    if cs is None:
        return FeatureCollectionOut(note=hub.closures_note)
    now = time.time()
    feats = [Feature(
        geometry={"type": "LineString", "coordinates": [
            [x, y] for x, y in zip(c.lon, c.lat, strict=True)]},
        properties={"id": c.closure_id, "road": c.road_name, "title": c.title, "url": c.url,
                    "from": _iso(c.start_s, hub), "to": _iso(c.end_s, hub)})
        for c in cs.active_at(now)]
    mask = hub.closed_edges
    if edges and mask is not None:
        feats.append(Feature(geometry={"type": "GeometryCollection", "geometries": []},
                             properties={"closed_car_edges": np.flatnonzero(mask).tolist()}))
    return FeatureCollectionOut(features=feats, note=hub.closures_note,
                                updated_at=_iso(cs.collected_at_s, hub),
                                age_s=_age(cs.collected_at_s))


def install_realtime(app: FastAPI) -> None:
    """Add the realtime routes to ``app`` (idempotent)."""
    if not getattr(app.state, "realtime_routes", False):
        app.include_router(router)
        app.state.realtime_routes = True
