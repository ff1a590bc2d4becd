"""``GET /v1/isochrone``: areas reachable within travel-time cutoffs (GeoJSON polygons)."""

from __future__ import annotations

from typing import Annotated

import anyio.to_thread
from fastapi import APIRouter, Query, Request

from maas.deps import NetworkDep
from maas.lifespan import WARMUPS
from maas.schemas.isochrone import IsochroneOut
from maas.services.isochrone import IsochroneParams, isochrone_service
from maas.state import AppState

router = APIRouter(prefix="/v1", tags=["isochrone"])


def _warm(state: AppState) -> None:
    isochrone_service(state.holder.network).warm()


if _warm not in WARMUPS:
    WARMUPS.append(_warm)


@router.get(
    "/isochrone",
    response_model=IsochroneOut,
    summary="Isochrone polygons",
    responses={400: {"description": "Invalid parameters or over the cost limits"},
               404: {"description": "Origin outside the network"},
               422: {"description": "Malformed parameters (problem+json)"}},
)
async def isochrone(
    request: Request,
    network: NetworkDep,
    from_: Annotated[str, Query(alias="from", max_length=100, examples=["45.7537,21.2257"],
                                description="LAT,LON of the origin")],
    time: Annotated[str | None, Query(max_length=64, examples=["2026-11-24T08:00"],
                                      description="Departure, ISO-8601; local city time "
                                                  "without offset; default now")] = None,
    modes: Annotated[str, Query(max_length=50, examples=["WALK,TRANSIT"],
                                description="WALK, or WALK,TRANSIT")] = "WALK,TRANSIT",
    cutoffs_s: Annotated[str, Query(max_length=50, examples=["600,1200,1800"],
                                    description="1 to 3 travel-time limits, 60..5400 s")]
    = "600,1200,1800",
) -> IsochroneOut:
    """One GeoJSON polygon per cutoff: everywhere reachable from ``from`` departing at
    ``time`` by walking (and transit) within the cutoff; see ``method`` in the response."""
    svc = isochrone_service(network)
    req, cutoffs, mode_set = svc.build_request(
        IsochroneParams(from_=from_, time=time, modes=modes, cutoffs_s=cutoffs_s)
    )
    limiter = request.app.state.routing_limiter
    out: IsochroneOut = await anyio.to_thread.run_sync(svc.isochrone, req, cutoffs, mode_set,
                                                       limiter=limiter)
    return out
