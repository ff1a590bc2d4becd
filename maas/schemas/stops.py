"""Response models of ``/v1/stops`` and ``/v1/stops/{stop_id}/departures``."""

from __future__ import annotations

from pydantic import BaseModel, Field


class StopOut(BaseModel):
    """A transit stop (or station) of the network."""

    stop_id: str = Field(examples=["2734"], description="GTFS stop_id (namespaced with feeds).")
    name: str = Field(examples=["Piața Maria"])
    lat: float
    lon: float
    routes: list[str] = Field(description="Short names of the routes serving the stop.")
    wheelchair_boarding: int = Field(
        description="GTFS wheelchair_boarding: 0 unknown, 1 accessible, 2 not accessible."
    )
    parent_station: str | None = Field(None, description="stop_id of the parent station.")
    distance_m: float | None = Field(None, description="Distance from `near`, metres.")


class StopsOut(BaseModel):
    """Response of ``/v1/stops``."""

    stops: list[StopOut]
    network_version: str


class DepartureOut(BaseModel):
    """One scheduled departure, with realtime fields when a realtime overlay is live."""

    stop_id: str = Field(description="The stop (platform) the vehicle departs from.")
    trip_id: str
    route_id: str
    route_short_name: str
    headsign: str | None = None
    service_date: str = Field(examples=["2026-11-24"], description="GTFS service date.")
    scheduled_time: str = Field(examples=["2026-11-24T08:05:00+02:00"])
    realtime_time: str | None = Field(None, description="Predicted time (realtime only).")
    delay_s: int | None = Field(None, description="Predicted minus scheduled, seconds.")
    cancelled: bool = False
    skipped: bool = Field(False, description="The vehicle passes without stopping.")


class DeparturesOut(BaseModel):
    """Response of ``/v1/stops/{stop_id}/departures``."""

    stop: StopOut
    time: str = Field(description="Start of the window, ISO-8601 with offset.")
    window_s: int
    realtime: bool = Field(description="Whether a realtime overlay was applied.")
    departures: list[DepartureOut]
    network_version: str
