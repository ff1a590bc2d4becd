"""Response models of ``/v1/plan``."""

from __future__ import annotations

from pydantic import BaseModel, Field


class PlaceOut(BaseModel):
    """An end of a leg."""

    name: str = Field(examples=["Piata Maria"])
    lat: float = Field(examples=[45.7537])
    lon: float = Field(examples=[21.2257])
    stop_id: str | None = Field(None, examples=["2734"])


class LineString(BaseModel):
    """GeoJSON LineString, coordinates as [lon, lat]."""

    type: str = "LineString"
    coordinates: list[list[float]]


class LegOut(BaseModel):
    """One leg of an itinerary."""

    mode: str = Field(examples=["TRAM"], description="WALK, BIKE, CAR or a transit mode.")
    from_: PlaceOut = Field(alias="from")
    to: PlaceOut
    start_time: str = Field(examples=["2026-11-24T08:05:00+02:00"])
    end_time: str = Field(examples=["2026-11-24T08:19:00+02:00"])
    duration_s: int
    distance_m: float
    route_id: str | None = None
    route_short_name: str | None = None
    trip_id: str | None = None
    headsign: str | None = None
    intermediate_stop_ids: list[str] = Field(default_factory=list)
    co2_g: float
    geometry: LineString
    price: float | None = Field(None, description="Shared-vehicle leg price (pricing plan).")
    currency: str | None = None
    system: str | None = Field(None, description="Live feed of a shared-vehicle leg.")
    vehicle_id: str | None = None
    label: str | None = Field(None, description="'demo' when the leg uses demo data.")

    model_config = {"populate_by_name": True}


class ItineraryOut(BaseModel):
    """A door-to-door plan."""

    start_time: str
    end_time: str
    duration_s: int
    transfers: int
    walk_distance_m: float
    walk_time_s: int
    co2_g: float
    legs: list[LegOut]


class PageOut(BaseModel):
    """Times to ask for the next or previous page of itineraries."""

    next_time: str | None = None
    previous_time: str | None = None


class PlanOut(BaseModel):
    """Response of ``/v1/plan``."""

    itineraries: list[ItineraryOut]
    page: PageOut = Field(default_factory=PageOut)
    network_version: str
    co2_factors_g_per_km: dict[str, float]
