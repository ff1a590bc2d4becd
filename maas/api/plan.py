"""``GET /v1/plan``: multimodal journey plans."""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from time import perf_counter
from typing import Annotated

import anyio.to_thread
from fastapi import APIRouter, Query, Request, Response

from maas.api.mobility import plan_with_shared
from maas.deps import PlannerDep
from maas.observability.metrics import metrics_of
from maas.realtime.hub import current_hub
from maas.schemas.plan import PlanOut
from maas.services.planning import PlanParams

router = APIRouter(prefix="/v1", tags=["plan"])

_EXAMPLE_FROM = "45.7537,21.2257"
_EXAMPLE_TO = "45.7472,21.2616"


@router.get(
    "/plan",
    response_model=PlanOut,
    response_model_by_alias=True,
    summary="Plan a journey",
    responses={400: {"description": "Invalid parameters (problem+json)"},
               404: {"description": "Unknown stop or place outside the network"},
               422: {"description": "Malformed parameters (problem+json)"}},
)
async def plan(
    request: Request,
    service: PlannerDep,
    from_: Annotated[str, Query(alias="from", max_length=200, examples=[_EXAMPLE_FROM],
                                description="LAT,LON or stop:STOP_ID")],
    to: Annotated[str, Query(max_length=200, examples=[_EXAMPLE_TO],
                             description="LAT,LON or stop:STOP_ID")],
    time: Annotated[str | None, Query(max_length=64, examples=["2026-11-24T08:00"],
                                      description="ISO-8601; local city time without offset; "
                                                  "default now")] = None,
    arrive_by: bool = False,
    modes: Annotated[str, Query(max_length=100, examples=["WALK,TRANSIT"],
                                description="Comma list of WALK, TRANSIT, BIKE, BIKESHARE, "
                                            "CARSHARE, CAR")] = "WALK,TRANSIT",
    wheelchair: bool = False,
    max_transfers: Annotated[int | None, Query(ge=0, le=8)] = None,
    min_transfer_s: Annotated[int | None, Query(ge=0, le=3600)] = None,
    max_transfer_walk_m: Annotated[int | None, Query(ge=0, le=5000)] = None,
    num_itineraries: Annotated[int, Query(ge=1, le=10)] = 3,
    walk_speed_mps: Annotated[float | None, Query(ge=0.3, le=3.0)] = None,
    ev_connector: Annotated[str | None, Query(
        max_length=40, examples=["IEC_62196_T2"],
        description="With CAR or CARSHARE: end the drive at a charger with an AVAILABLE EVSE "
                    "of this OCPI connector type near the destination")] = None,
) -> Response:
    """Itineraries from ``from`` to ``to``: earliest arrival first, Pareto-filtered on
    arrival, departure, transfers and walking; times ISO-8601 with the city's offset."""
    params = PlanParams(
        from_=from_, to=to, time=time, arrive_by=arrive_by, modes=modes, wheelchair=wheelchair,
        max_transfers=max_transfers, min_transfer_s=min_transfer_s,
        max_transfer_walk_m=max_transfer_walk_m, num_itineraries=num_itineraries,
        walk_speed_mps=walk_speed_mps,
    )
    req = service.build_request(params)
    limiter = request.app.state.routing_limiter
    realtime = current_hub(request.app.state.maas).realtime_arrays(req.day)
    t0 = perf_counter()
    if ev_connector:
        req = replace(req, ev_connector=ev_connector)
    out = await anyio.to_thread.run_sync(
        partial(plan_with_shared, request.app, service, req, realtime=realtime),
        limiter=limiter)
    metrics_of(request.app).observe_plan(",".join(sorted(m.value for m in req.modes)),
                                         perf_counter() - t0)
    # serialised once by pydantic-core (the models were built by the service from checked
    # values); FastAPI would otherwise validate the whole body a second time
    return Response(out.model_dump_json(by_alias=True), media_type="application/json")
