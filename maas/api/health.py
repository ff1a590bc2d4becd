"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from maas.deps import StateDep

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness: the process answers")
def healthz() -> dict[str, str]:
    """Always 200 while the process runs."""
    return {"status": "ok"}


@router.get("/readyz", summary="Readiness: network loaded and warm",
            responses={503: {"description": "Not ready yet"}})
def readyz(state: StateDep) -> JSONResponse:
    """200 once the network is loaded and the kernels are compiled, else 503."""
    body = {
        "ready": state.ready.is_set(),
        "network_version": state.holder.network.meta.version,
        "warmup_s": state.warmup_s,
    }
    return JSONResponse(body, status_code=200 if state.ready.is_set() else 503)
