"""Normalised GBFS records (versions 2.x and 3.0 read into one shape).

Units: coordinates in WGS84 degrees, distances in metres, times in Unix seconds (UTC), ttl in
seconds, speeds in km/h.  Where 2.x and 3.0 name a field differently the 3.0 meaning is kept
(``num_vehicles_available`` for 2.x ``num_bikes_available``, ``vehicle_id`` for ``bike_id``,
``ride_end_allowed`` for 2.x ``ride_allowed``); localised 3.0 strings are reduced to one
language.

Geofencing decision (GBFS 3.0 §geofencing_zones, applied to 2.x too): at a point, each zone that
contains it and is active contributes the *first* of its rules that applies to the vehicle type;
overlapping zones combine to the most restrictive answer; where no zone applies, the first
applicable global rule decides (3.0), and with none a ride may end anywhere (2.x semantics).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import shapely
from shapely.geometry.base import BaseGeometry


@dataclass(frozen=True)
class FileMeta:
    """Freshness of one GBFS file as published."""

    name: str
    version: str
    last_updated_s: int | None
    """Unix seconds of the publisher's last update (None when absent or unreadable)."""
    ttl_s: int
    """Seconds the publisher promises the file stays current (0 = refresh every time)."""
    source: str
    """Local path or URL the document came from."""

    def age_s(self, now_s: int) -> int | None:
        """Seconds since ``last_updated_s`` at ``now_s`` (None when unknown)."""
        return None if self.last_updated_s is None else now_s - self.last_updated_s

    def is_stale(self, now_s: int) -> bool:
        """True when ``now_s`` is past ``last_updated_s + ttl_s`` (unknown times are stale)."""
        return self.last_updated_s is None or now_s > self.last_updated_s + self.ttl_s


@dataclass(frozen=True)
class SystemInformation:
    """``system_information``: who runs the system and where."""

    system_id: str
    name: str
    timezone: str | None
    languages: tuple[str, ...] = ()
    operator: str | None = None
    url: str | None = None
    license_url: str | None = None
    attribution_organization_name: str | None = None
    attribution_url: str | None = None
    opening_hours: str | None = None


@dataclass(frozen=True)
class Station:
    """``station_information`` entry: a dock or a virtual station (metres-free: degrees)."""

    station_id: str
    name: str
    lat: float
    lon: float
    capacity: int | None = None
    """Total docks/spaces (None when not published)."""
    is_virtual: bool = False
    short_name: str | None = None
    address: str | None = None
    region_id: str | None = None
    is_charging_station: bool = False
    vehicle_type_capacity: tuple[tuple[str, int], ...] = ()
    """(vehicle_type_id, spaces) pairs, from 2.x ``vehicle_type_capacity`` or 3.0
    ``vehicle_type_area_capacity``/``vehicle_type_dock_capacity``."""


@dataclass(frozen=True)
class StationStatus:
    """``station_status`` entry: availability at one station."""

    station_id: str
    num_vehicles_available: int
    num_docks_available: int | None
    is_installed: bool = True
    is_renting: bool = True
    is_returning: bool = True
    last_reported_s: int | None = None
    """Unix seconds of the station's last report."""
    vehicle_types_available: tuple[tuple[str, int], ...] = ()
    """(vehicle_type_id, count) pairs."""
    num_vehicles_disabled: int = 0
    num_docks_disabled: int = 0


@dataclass(frozen=True)
class Vehicle:
    """``free_bike_status`` (2.x) / ``vehicle_status`` (3.0) entry."""

    vehicle_id: str
    lat: float | None
    """Degrees; None for a vehicle parked at a station without its own position."""
    lon: float | None
    is_reserved: bool = False
    is_disabled: bool = False
    vehicle_type_id: str | None = None
    current_range_meters: float | None = None
    """Distance in metres the vehicle can go with its current charge or fuel."""
    station_id: str | None = None
    last_reported_s: int | None = None
    pricing_plan_id: str | None = None

    @property
    def is_available(self) -> bool:
        """Rentable now: neither reserved nor disabled."""
        return not (self.is_reserved or self.is_disabled)


@dataclass(frozen=True)
class VehicleType:
    """``vehicle_types`` entry."""

    vehicle_type_id: str
    form_factor: str
    """bicycle, cargo_bicycle, car, moped, scooter (2.x), scooter_standing, scooter_seated or
    other."""
    propulsion_type: str
    """human, electric_assist, electric, combustion, combustion_diesel, hybrid, ..."""
    name: str | None = None
    max_range_meters: float | None = None
    return_constraint: str | None = None
    """free_floating, roundtrip_station, any_station or hybrid (None = not published)."""
    default_pricing_plan_id: str | None = None
    pricing_plan_ids: tuple[str, ...] = ()
    g_co2_km: float | None = None
    """Grams of CO2 emitted per km (3.0 ``g_CO2_km``)."""
    rider_capacity: int | None = None
    max_permitted_speed_kph: float | None = None

    @property
    def is_motorised(self) -> bool:
        """True unless propelled by the rider alone."""
        return self.propulsion_type != "human"


@dataclass(frozen=True)
class PricingSegment:
    """One ``per_km_pricing`` / ``per_min_pricing`` segment: ``rate`` per ``interval`` units
    (km or minutes) from ``start`` to ``end`` (None = open)."""

    start: float
    rate: float
    interval: float
    end: float | None = None


@dataclass(frozen=True)
class PricingPlan:
    """``system_pricing_plans`` entry (prices in ``currency`` units)."""

    plan_id: str
    name: str
    currency: str
    price: float
    is_taxable: bool = False
    description: str | None = None
    per_km_pricing: tuple[PricingSegment, ...] = ()
    per_min_pricing: tuple[PricingSegment, ...] = ()
    surge_pricing: bool = False


@dataclass(frozen=True)
class GeofencingRule:
    """One rule of a zone (or a global rule), 2.x ``ride_allowed`` mapped to start and end."""

    vehicle_type_ids: tuple[str, ...] = ()
    """Types the rule applies to; empty = every type."""
    ride_start_allowed: bool = True
    ride_end_allowed: bool = True
    ride_through_allowed: bool = True
    maximum_speed_kph: int | None = None
    station_parking: bool | None = None
    """True: the vehicle must be returned to a station inside the zone."""

    def applies_to(self, vehicle_type_id: str | None) -> bool:
        """True when the rule covers ``vehicle_type_id`` (None = any vehicle)."""
        return not self.vehicle_type_ids or vehicle_type_id is None or (
            vehicle_type_id in self.vehicle_type_ids
        )


@dataclass(frozen=True)
class GeofencingZone:
    """A geofencing zone: a (multi)polygon in lon/lat degrees and its rules."""

    name: str | None
    geometry: BaseGeometry
    rules: tuple[GeofencingRule, ...]
    start_s: int | None = None
    """Unix seconds from which the zone applies (None = always)."""
    end_s: int | None = None

    def __post_init__(self) -> None:
        shapely.prepare(self.geometry)

    def is_active(self, at_s: int | None) -> bool:
        """True when the zone applies at ``at_s`` (None = ignore start/end)."""
        if at_s is None:
            return True
        return (self.start_s is None or at_s >= self.start_s) and (
            self.end_s is None or at_s < self.end_s
        )

    def contains(self, lat: float, lon: float) -> bool:
        """True when the point (degrees) lies inside or on the zone."""
        return bool(shapely.intersects_xy(self.geometry, lon, lat))

    def rule_for(self, vehicle_type_id: str | None) -> GeofencingRule | None:
        """The first rule that applies to the type (GBFS: earlier rules take precedence)."""
        for rule in self.rules:
            if rule.applies_to(vehicle_type_id):
                return rule
        return None


@dataclass(frozen=True)
class GbfsSnapshot:
    """Everything read from one GBFS system at one time, keyed by the feed's own ids."""

    version: str
    language: str | None
    system: SystemInformation | None
    stations: Mapping[str, Station] = field(default_factory=dict)
    station_status: Mapping[str, StationStatus] = field(default_factory=dict)
    vehicles: Mapping[str, Vehicle] = field(default_factory=dict)
    vehicle_types: Mapping[str, VehicleType] = field(default_factory=dict)
    pricing_plans: Mapping[str, PricingPlan] = field(default_factory=dict)
    geofencing_zones: tuple[GeofencingZone, ...] = ()
    global_rules: tuple[GeofencingRule, ...] = ()
    files: Mapping[str, FileMeta] = field(default_factory=dict)

    @property
    def free_vehicles(self) -> list[Vehicle]:
        """Vehicles not parked at a station (free-floating), in feed order."""
        return [v for v in self.vehicles.values() if v.station_id is None]

    def oldest_update_s(self) -> int | None:
        """The oldest ``last_updated`` over the files read (Unix s; None when none is known)."""
        times = [m.last_updated_s for m in self.files.values() if m.last_updated_s is not None]
        return min(times) if times else None

    def rules_at(
        self, lat: float, lon: float, vehicle_type_id: str | None = None, *, at_s: int | None = None
    ) -> list[GeofencingRule]:
        """The rules in force at a point: one per active zone containing it, else the global
        rule that applies (see the module docstring); empty = unrestricted."""
        rules: list[GeofencingRule] = []
        for zone in self.geofencing_zones:
            if zone.is_active(at_s) and zone.contains(lat, lon):
                rule = zone.rule_for(vehicle_type_id)
                if rule is not None:
                    rules.append(rule)
        if rules:
            return rules
        for rule in self.global_rules:
            if rule.applies_to(vehicle_type_id):
                return [rule]
        return []

    def can_end_ride(
        self, lat: float, lon: float, vehicle_type_id: str | None = None, *, at_s: int | None = None
    ) -> bool:
        """True when a ride of the given type may end (be parked) at the point."""
        rules = self.rules_at(lat, lon, vehicle_type_id, at_s=at_s)
        return all(r.ride_end_allowed for r in rules)

    def can_start_ride(
        self, lat: float, lon: float, vehicle_type_id: str | None = None, *, at_s: int | None = None
    ) -> bool:
        """True when a ride of the given type may start at the point."""
        return all(
            r.ride_start_allowed for r in self.rules_at(lat, lon, vehicle_type_id, at_s=at_s)
        )
