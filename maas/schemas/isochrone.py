"""Response models of ``/v1/isochrone`` (GeoJSON)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class IsochroneProperties(BaseModel):
    """What one polygon means."""

    cutoff_s: int = Field(description="Travel-time limit, seconds.")
    time: str = Field(description="Departure, ISO-8601 with offset.")
    modes: str = Field(examples=["WALK,TRANSIT"])
    area_m2: float = Field(description="Area of the polygon, square metres.")
    stops_reached: int = Field(description="Stops reachable within the cutoff.")


class PolygonGeometry(BaseModel):
    """GeoJSON Polygon or MultiPolygon, coordinates as [lon, lat]."""

    type: Literal["Polygon", "MultiPolygon"]
    coordinates: list[Any]


class IsochroneFeature(BaseModel):
    """GeoJSON Feature: the area reachable within one cutoff."""

    type: Literal["Feature"] = "Feature"
    properties: IsochroneProperties
    geometry: PolygonGeometry


class IsochroneOut(BaseModel):
    """GeoJSON FeatureCollection, one feature per cutoff, smallest first."""

    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[IsochroneFeature]
    network_version: str
    method: str = Field(description="How the polygons were drawn.")
