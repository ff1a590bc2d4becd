"""``GET /v1/stops`` (near a point, or by name prefix) and ``GET /v1/stops/{id}/departures``."""

from __future__ import annotations

import importlib
from typing import Annotated

from fastapi import APIRouter, Path, Query

from maas.deps import NetworkDep, StateDep
from maas.schemas.stops import DeparturesOut, StopsOut
from maas.services.departures import MAX_DEPARTURES, MAX_WINDOW_S, departures_service
from maas.services.places import parse_time
from maas.services.stops import MAX_LIMIT, MAX_RADIUS_M, StopQuery, parse_latlon, stops_service
from maas.state import AppState
from routing.realtime import RealtimeOverlay

router = APIRouter(prefix="/v1", tags=["stops"])

_ERRORS: dict[int | str, dict[str, str]] = {
    400: {"description": "Invalid parameters (problem+json)"},
    404: {"description": "Unknown stop (problem+json)"},
    422: {"description": "Malformed parameters (problem+json)"},
}


def current_overlay(state: AppState) -> RealtimeOverlay | None:
    """The live realtime overlay, via ``maas.realtime[.hub].current_overlay`` when it exists."""
    hook = None
    for name in ("maas.realtime", "maas.realtime.hub"):
        try:
            hook = getattr(importlib.import_module(name), "current_overlay", None)
        except ImportError:
            continue
        if hook is not None:
            break
    if hook is None:
        return None
    got = hook(state)
    return got if isinstance(got, RealtimeOverlay) else None


@router.get("/stops", response_model=StopsOut, summary="Find stops", responses=_ERRORS)
async def stops(
    network: NetworkDep,
    near: Annotated[str | None, Query(max_length=100, examples=["45.7537,21.2257"],
                                      description="LAT,LON: stops around it, nearest first")]
    = None,
    radius_m: Annotated[int, Query(ge=1, le=MAX_RADIUS_M, description="Metres")] = 500,
    q: Annotated[str | None, Query(max_length=100, examples=["piata"],
                                   description="Name prefix (case- and accent-insensitive)")]
    = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
) -> StopsOut:
    """Stops within ``radius_m`` of ``near`` (with their distance) and/or whose name (or a
    word of it) starts with ``q``; each with the routes serving it."""
    query = StopQuery(
        near=parse_latlon(near, field="near") if near is not None else None,
        radius_m=radius_m, q=q, limit=limit,
    )
    found = stops_service(network).search(query)
    return StopsOut(stops=found, network_version=network.meta.version)


@router.get("/stops/{stop_id}/departures", response_model=DeparturesOut,
            summary="Next departures at a stop", responses=_ERRORS)
async def departures(
    state: StateDep,
    stop_id: Annotated[str, Path(max_length=200, description="GTFS stop_id")],
    time: Annotated[str | None, Query(max_length=64, examples=["2026-11-24T08:00"],
                                      description="ISO-8601; local city time without offset; "
                                                  "default now")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_DEPARTURES)] = 10,
    window_s: Annotated[int, Query(ge=60, le=MAX_WINDOW_S, description="Seconds")] = 7_200,
) -> DeparturesOut:
    """Scheduled departures from ``time`` for ``window_s`` seconds (earliest first), with the
    realtime prediction, cancellation and skipped-stop flags when realtime is live."""
    svc = departures_service(state.holder.network)
    day, secs = parse_time(time, svc.tz)
    return svc.departures(stop_id, day, secs, limit=limit, window_s=window_s,
                          overlay=current_overlay(state))
