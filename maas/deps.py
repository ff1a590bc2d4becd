"""Typed FastAPI dependencies (``Annotated`` aliases).

Every dependency here only reads app state, so each is ``async def``: FastAPI runs a plain
``def`` dependency in its thread pool, a thread hop per dependency per request.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from maas.errors import ServiceUnavailableError
from maas.services.planning import PlanService
from maas.settings import Settings
from maas.state import AppState
from routing.network import Network


async def get_state(request: Request) -> AppState:
    """The application state created by the lifespan."""
    state: AppState | None = getattr(request.app.state, "maas", None)
    if state is None:
        raise ServiceUnavailableError("the network is not loaded yet")
    return state


async def get_settings(state: Annotated[AppState, Depends(get_state)]) -> Settings:
    """The deployment settings."""
    return state.settings


async def get_network(state: Annotated[AppState, Depends(get_state)]) -> Network:
    """The network in service."""
    return state.holder.network


StateDep = Annotated[AppState, Depends(get_state)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
NetworkDep = Annotated[Network, Depends(get_network)]


async def get_planner(state: Annotated[AppState, Depends(get_state)]) -> PlanService:
    """The plan service of the network in service."""
    return state.holder.planner


PlannerDep = Annotated[PlanService, Depends(get_planner)]
