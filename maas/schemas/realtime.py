"""Response models of the realtime routes (congestion, vehicles, alerts, closures)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Feature(BaseModel):
    """A GeoJSON Feature (geometry as GeoJSON, properties free-form)."""

    type: str = "Feature"
    geometry: dict[str, Any]
    properties: dict[str, Any] = Field(default_factory=dict)


class FeatureCollectionOut(BaseModel):
    """A GeoJSON FeatureCollection with a note (why it may be empty) and the data's age."""

    type: str = "FeatureCollection"
    features: list[Feature] = Field(default_factory=list)
    note: str = ""
    updated_at: str | None = Field(default=None, description="Feed time of the data, ISO-8601.")
    age_s: float | None = Field(default=None,
                                description="Seconds between now and the data's time.")
    stale: bool | None = Field(default=None, description=(
        "True when the shared live store's copy is too old or the store was unreachable "
        "(last state served); None when computed in-process."))


class SeriesPointOut(BaseModel):
    """City index of one 15-minute bin."""

    start: str = Field(description="Bin start, ISO-8601 with the city's offset.")
    tti: float | None = Field(default=None, description="Travel Time Index (None = no data).")
    extra_time_percent: float | None = None
    samples: int = 0


class LineIndexOut(BaseModel):
    """Index of one line over the last hour of data."""

    line: str
    tti: float
    extra_time_percent: float


class CongestionOut(BaseModel):
    """``/v1/congestion``: the city index now (latest bin with data) and the series."""

    now: SeriesPointOut | None = None
    level: int | None = Field(default=None,
                              description="0 free .. 4 severe (TTI bands), None = no data.")
    lines: list[LineIndexOut] = Field(default_factory=list)
    series: list[SeriesPointOut] = Field(default_factory=list)
    bin_s: int = 900
    retention_s: float = 0.0
    free_flow_rule: str = (
        "85th percentile of segment speeds at night (21:00-06:00), else of all samples")
    note: str = ""
    age_s: float | None = Field(default=None, description=(
        "Seconds since the shared live store's copy was written (None: computed in-process)."))
    stale: bool | None = Field(default=None, description=(
        "True when the shared live store's copy is too old or the store was unreachable."))


class AlertOut(BaseModel):
    """A service alert with the GTFS ids it concerns."""

    id: str
    header: str = ""
    description: str = ""
    cause: str | None = None
    effect: str | None = None
    stop_ids: list[str] = Field(default_factory=list)
    route_ids: list[str] = Field(default_factory=list)
    trip_ids: list[str] = Field(default_factory=list)


class AlertsOut(BaseModel):
    """``/v1/alerts``."""

    alerts: list[AlertOut] = Field(default_factory=list)
    note: str = ""
