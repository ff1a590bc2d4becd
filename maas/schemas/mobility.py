"""Response models of ``/v1/bikeshare/stations``, ``/v1/carsharing/vehicles`` and
``/v1/charging/locations``: GeoJSON FeatureCollections with live availability."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class PointGeometry(BaseModel):
    """GeoJSON Point, coordinates [lon, lat] degrees."""

    type: str = "Point"
    coordinates: list[float]


class Feature(BaseModel):
    """One station, vehicle or charging location."""

    type: str = "Feature"
    id: str
    geometry: PointGeometry
    properties: dict[str, Any]


class LiveFeedInfo(BaseModel):
    """Freshness of the feed the features come from."""

    feed: str = Field(examples=["gbfs:velotm"])
    version: int
    last_update: str = Field(examples=["2026-11-24T08:00:00Z"])
    age_s: float = Field(description="Seconds since the feed's timestamp.")
    stale: bool = Field(description="True: too old (or store unreachable); not used in plans.")
    label: str = Field("", description="'demo' for generated demo data.")


class FeatureCollection(BaseModel):
    """GeoJSON FeatureCollection with the freshness of every feed it merges."""

    type: str = "FeatureCollection"
    features: list[Feature]
    feeds: list[LiveFeedInfo]
    age_s: float | None = Field(None, description="Age of the oldest feed, seconds.")
    stale: bool = Field(False, description="True when any feed shown is stale.")
    label: str = Field("", description="'demo' when any feed is demo data.")
