"""Decoded GBFS documents -> :class:`GbfsSnapshot`, with an IngestReport.

Per file: the document is validated against the official schema of its version (violations
are *noted*, see :mod:`feeds.gbfs.values`), then each entity is normalised.  An entity is
skipped (``report.skip``) only when it cannot be used: no id, no usable position, no geometry,
a duplicate id (the first one wins).  References to unknown ids (status of an unknown station,
vehicle of an unknown type or at an unknown station) are noted and the entity is kept: the
consumer joins by id and decides.  Rows in the report are entity indices (0-based) in the
file's list.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from feeds.gbfs.model import (
    FileMeta,
    GbfsSnapshot,
    GeofencingRule,
    GeofencingZone,
    PricingPlan,
    PricingSegment,
    Station,
    StationStatus,
    SystemInformation,
    Vehicle,
    VehicleType,
)
from feeds.gbfs.schema import ENTITY_PATHS, GbfsSchemas
from feeds.gbfs.values import (
    as_bool,
    as_float,
    as_int,
    as_str,
    as_timestamp,
    count_pairs,
    localised,
    note,
    summarise_notes,
)
from feeds.report import IngestReport

log = logging.getLogger("feeds.gbfs")

#: Files this reader turns into records.
MODELLED_FILES = (
    "system_information",
    "station_information",
    "station_status",
    "free_bike_status",
    "vehicle_status",
    "vehicle_types",
    "system_pricing_plans",
    "geofencing_zones",
)

T = TypeVar("T")


@dataclass(frozen=True)
class GbfsDocument:
    """One decoded GBFS file and where it came from."""

    name: str
    doc: dict[str, Any]
    source: str


def major_version(version: str) -> int:
    """2 for 1.x/2.x feeds, 3 for 3.x (the field names this reader switches on)."""
    head = version.strip().split(".", 1)[0]
    return 3 if head.isdigit() and int(head) >= 3 else 2


def file_meta(document: GbfsDocument, fallback_version: str) -> FileMeta:
    """Freshness fields of a document (``ttl`` defaults to 0 = always refresh)."""
    doc = document.doc
    version = as_str(doc.get("version")) or fallback_version
    ttl = as_int(doc.get("ttl"))
    return FileMeta(
        name=document.name,
        version=version,
        last_updated_s=as_timestamp(doc.get("last_updated")),
        ttl_s=ttl if ttl is not None and ttl >= 0 else 0,
        source=document.source,
    )


def _entities(document: GbfsDocument, report: IngestReport) -> list[Any]:
    node: Any = document.doc
    for key in ENTITY_PATHS.get(document.name, ()):
        node = node.get(key) if isinstance(node, dict) else None
    if not isinstance(node, list):
        report.warn(f"{document.name}: no {'.'.join(ENTITY_PATHS[document.name])} list")
        return []
    report.read(document.name, len(node))
    return node


def _collect(
    document: GbfsDocument,
    report: IngestReport,
    key_of: Callable[[T], str],
    build: Callable[[dict[str, Any], int], T | None],
    kind: str,
) -> dict[str, T]:
    out: dict[str, T] = {}
    for index, raw in enumerate(_entities(document, report)):
        if not isinstance(raw, dict):
            report.skip(document.name, "not_an_object", row=index, value=raw)
            continue
        item = build(raw, index)
        if item is None:
            continue
        key = key_of(item)
        if key in out:
            report.skip(document.name, f"duplicate_{kind}_id", row=index, value=key)
            continue
        out[key] = item
    return out


def _station(raw: dict[str, Any], index: int, file: str, language: str | None,
             report: IngestReport) -> Station | None:
    sid = as_str(raw.get("station_id"))
    if sid is None:
        report.skip(file, "missing_station_id", row=index, value=raw.get("station_id"))
        return None
    lat, lon = as_float(raw.get("lat")), as_float(raw.get("lon"))
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        report.skip(file, "invalid_coordinates", row=index, value=f"{sid}: {lat},{lon}")
        return None
    name = localised(raw.get("name"), language)
    if name is None:
        note(report, file, "name_missing_used_id", index=index, value=sid)
    capacity_pairs = (
        count_pairs(raw.get("vehicle_type_capacity"))
        or count_pairs(raw.get("vehicle_type_area_capacity"))
        or count_pairs(raw.get("vehicle_type_dock_capacity"))
    )
    return Station(
        station_id=sid,
        name=name or sid,
        lat=lat,
        lon=lon,
        capacity=as_int(raw.get("capacity")),
        is_virtual=as_bool(raw.get("is_virtual_station"), False),
        short_name=localised(raw.get("short_name"), language),
        address=as_str(raw.get("address")),
        region_id=as_str(raw.get("region_id")),
        is_charging_station=as_bool(raw.get("is_charging_station"), False),
        vehicle_type_capacity=capacity_pairs,
    )


def _station_status(raw: dict[str, Any], index: int, file: str, major: int,
                    report: IngestReport) -> StationStatus | None:
    sid = as_str(raw.get("station_id"))
    if sid is None:
        report.skip(file, "missing_station_id", row=index, value=raw.get("station_id"))
        return None
    keys = ("num_vehicles_available", "num_bikes_available")
    if major == 2:
        keys = keys[::-1]
    available = next((as_int(raw[k]) for k in keys if k in raw), None)
    if available is None or available < 0:
        report.skip(file, "invalid_num_vehicles_available", row=index, value=sid)
        return None
    docks = as_int(raw.get("num_docks_available"))
    disabled = as_int(raw.get("num_vehicles_disabled", raw.get("num_bikes_disabled")))
    return StationStatus(
        station_id=sid,
        num_vehicles_available=available,
        num_docks_available=docks if docks is not None and docks >= 0 else None,
        is_installed=as_bool(raw.get("is_installed"), True),
        is_renting=as_bool(raw.get("is_renting"), True),
        is_returning=as_bool(raw.get("is_returning"), True),
        last_reported_s=as_timestamp(raw.get("last_reported")),
        vehicle_types_available=count_pairs(raw.get("vehicle_types_available")),
        num_vehicles_disabled=max(0, disabled or 0),
        num_docks_disabled=max(0, as_int(raw.get("num_docks_disabled")) or 0),
    )


def _vehicle(raw: dict[str, Any], index: int, file: str, report: IngestReport) -> Vehicle | None:
    vid = as_str(raw.get("vehicle_id", raw.get("bike_id")))
    if vid is None:
        report.skip(file, "missing_vehicle_id", row=index, value=raw)
        return None
    lat, lon = as_float(raw.get("lat")), as_float(raw.get("lon"))
    station_id = as_str(raw.get("station_id"))
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        if station_id is None:
            report.skip(file, "no_position", row=index, value=vid)
            return None
        lat = lon = None
    range_m = as_float(raw.get("current_range_meters"))
    return Vehicle(
        vehicle_id=vid,
        lat=lat,
        lon=lon,
        is_reserved=as_bool(raw.get("is_reserved"), False),
        is_disabled=as_bool(raw.get("is_disabled"), False),
        vehicle_type_id=as_str(raw.get("vehicle_type_id")),
        current_range_meters=range_m if range_m is not None and range_m >= 0 else None,
        station_id=station_id,
        last_reported_s=as_timestamp(raw.get("last_reported")),
        pricing_plan_id=as_str(raw.get("pricing_plan_id")),
    )


def _vehicle_type(raw: dict[str, Any], index: int, file: str, language: str | None,
                  report: IngestReport) -> VehicleType | None:
    tid = as_str(raw.get("vehicle_type_id"))
    if tid is None:
        report.skip(file, "missing_vehicle_type_id", row=index, value=raw)
        return None
    form = as_str(raw.get("form_factor"))
    if form is None:
        note(report, file, "form_factor_missing_used_other", index=index, value=tid)
    plans = raw.get("pricing_plan_ids")
    return VehicleType(
        vehicle_type_id=tid,
        form_factor=form or "other",
        propulsion_type=as_str(raw.get("propulsion_type")) or "human",
        name=localised(raw.get("name"), language),
        max_range_meters=as_float(raw.get("max_range_meters")),
        return_constraint=as_str(raw.get("return_constraint")),
        default_pricing_plan_id=as_str(raw.get("default_pricing_plan_id")),
        pricing_plan_ids=tuple(p for p in (as_str(x) for x in plans) if p)
        if isinstance(plans, list) else (),
        g_co2_km=as_float(raw.get("g_CO2_km")),
        rider_capacity=as_int(raw.get("rider_capacity")),
        max_permitted_speed_kph=as_float(raw.get("max_permitted_speed")),
    )


def _segments(value: Any) -> tuple[PricingSegment, ...]:
    out: list[PricingSegment] = []
    if isinstance(value, list):
        for seg in value:
            if not isinstance(seg, dict):
                continue
            start, rate, interval = (as_float(seg.get(k)) for k in ("start", "rate", "interval"))
            if start is None or rate is None or interval is None:
                continue
            out.append(PricingSegment(start, rate, interval, as_float(seg.get("end"))))
    return tuple(out)


def _plan(raw: dict[str, Any], index: int, file: str, language: str | None,
          report: IngestReport) -> PricingPlan | None:
    pid = as_str(raw.get("plan_id"))
    price = as_float(raw.get("price"))
    if pid is None or price is None:
        report.skip(file, "missing_plan_id_or_price", row=index, value=raw.get("plan_id"))
        return None
    return PricingPlan(
        plan_id=pid,
        name=localised(raw.get("name"), language) or pid,
        currency=as_str(raw.get("currency")) or "",
        price=price,
        is_taxable=as_bool(raw.get("is_taxable"), False),
        description=localised(raw.get("description"), language),
        per_km_pricing=_segments(raw.get("per_km_pricing")),
        per_min_pricing=_segments(raw.get("per_min_pricing")),
        surge_pricing=as_bool(raw.get("surge_pricing"), False),
    )


def rule_from_json(raw: dict[str, Any]) -> GeofencingRule:
    """A geofencing rule from 3.0 (``ride_start/end_allowed``, ``vehicle_type_ids``) or 2.x
    (``ride_allowed`` = start and end, ``vehicle_type_id`` list) fields."""
    types = raw.get("vehicle_type_ids", raw.get("vehicle_type_id"))
    if isinstance(types, str):
        types = [types]
    ride = raw.get("ride_allowed")
    return GeofencingRule(
        vehicle_type_ids=tuple(t for t in (as_str(x) for x in types) if t)
        if isinstance(types, list) else (),
        ride_start_allowed=as_bool(raw.get("ride_start_allowed", ride), True),
        ride_end_allowed=as_bool(raw.get("ride_end_allowed", ride), True),
        ride_through_allowed=as_bool(raw.get("ride_through_allowed"), True),
        maximum_speed_kph=as_int(raw.get("maximum_speed_kph")),
        station_parking=None if raw.get("station_parking") is None
        else as_bool(raw.get("station_parking"), False),
    )


def _zone(raw: dict[str, Any], index: int, file: str, language: str | None,
          report: IngestReport) -> GeofencingZone | None:
    geometry_raw = raw.get("geometry")
    if not isinstance(geometry_raw, dict):
        report.skip(file, "no_geometry", row=index, value=geometry_raw)
        return None
    try:
        geometry: BaseGeometry = shape(geometry_raw)
    except (ValueError, TypeError, AttributeError, IndexError, shapely.errors.ShapelyError) as exc:
        report.skip(file, "invalid_geometry", row=index, value=exc)
        return None
    if geometry.is_empty or geometry.geom_type not in ("Polygon", "MultiPolygon"):
        report.skip(file, "invalid_geometry", row=index, value=geometry.geom_type)
        return None
    if not geometry.is_valid:
        # Overlapping or self-intersecting parts: union of the repaired parts, so a point
        # inside any published polygon stays inside the zone.
        parts = getattr(geometry, "geoms", [geometry])
        geometry = shapely.union_all([shapely.make_valid(p) for p in parts])
        note(report, file, "geometry_repaired", index=index)
    props = raw.get("properties") if isinstance(raw.get("properties"), dict) else {}
    assert isinstance(props, dict)
    rules_raw = props.get("rules")
    rules = tuple(rule_from_json(r) for r in rules_raw if isinstance(r, dict)) if isinstance(
        rules_raw, list) else ()
    return GeofencingZone(
        name=localised(props.get("name"), language),
        geometry=geometry,
        rules=rules,
        start_s=as_timestamp(props.get("start")),
        end_s=as_timestamp(props.get("end")),
    )


def _system(doc: dict[str, Any], file: str, language: str | None,
            report: IngestReport) -> SystemInformation | None:
    data = doc.get("data")
    if not isinstance(data, dict):
        report.skip(file, "no_data_object", value=doc)
        return None
    report.read(file, 1)
    languages = data.get("languages")
    if isinstance(languages, list):
        langs = tuple(x for x in (as_str(v) for v in languages) if x)
    else:
        lang = as_str(data.get("language"))
        langs = (lang,) if lang else ()
    system_id = as_str(data.get("system_id"))
    if system_id is None:
        note(report, file, "missing_system_id")
    return SystemInformation(
        system_id=system_id or "",
        name=localised(data.get("name"), language) or system_id or "",
        timezone=as_str(data.get("timezone")),
        languages=langs,
        operator=localised(data.get("operator"), language),
        url=as_str(data.get("url")),
        license_url=as_str(data.get("license_url")),
        attribution_organization_name=localised(
            data.get("attribution_organization_name"), language),
        attribution_url=as_str(data.get("attribution_url")),
        opening_hours=as_str(data.get("opening_hours")),
    )


def build_snapshot(
    documents: Mapping[str, GbfsDocument],
    *,
    version: str,
    language: str | None = None,
    schemas: GbfsSchemas | None = None,
    report: IngestReport | None = None,
) -> tuple[GbfsSnapshot, IngestReport]:
    """Validate and normalise decoded GBFS files into a snapshot.

    Parameters
    ----------
    documents
        File name (``station_status``, ...) -> decoded document.  Unknown names are ignored.
    version
        The feed's GBFS version (from ``gbfs.json``); a file declaring another version is
        validated against its own and the mismatch is noted.
    language
        Preferred language for 3.0 localised strings (else the first given).
    """
    report = report or IngestReport(source="gbfs")
    schemas = schemas or GbfsSchemas()
    major = major_version(version)
    if not schemas.has_version(version):
        report.warn(f"no vendored schema for GBFS version {version!r}: not validated")
    files: dict[str, FileMeta] = {}
    for name, document in documents.items():
        if name not in MODELLED_FILES:
            continue
        meta = file_meta(document, version)
        files[name] = meta
        if meta.version != version:
            note(report, name, f"version {meta.version} differs from gbfs.json {version}")
        for violation in schemas.violations(document.doc, meta.version, name):
            note(report, name, f"schema {violation.reason}", index=violation.index)

    def doc(name: str) -> GbfsDocument | None:
        return documents.get(name) if name in files else None

    system = None
    if (d := doc("system_information")) is not None:
        system = _system(d.doc, d.name, language, report)
    stations: dict[str, Station] = {}
    if (d := doc("station_information")) is not None:
        stations = _collect(d, report, lambda s: s.station_id, partial(
            _station, file=d.name, language=language, report=report), "station")
    status: dict[str, StationStatus] = {}
    if (d := doc("station_status")) is not None:
        status = _collect(d, report, lambda s: s.station_id, partial(
            _station_status, file=d.name, major=major, report=report), "station")
    types: dict[str, VehicleType] = {}
    if (d := doc("vehicle_types")) is not None:
        types = _collect(d, report, lambda t: t.vehicle_type_id, partial(
            _vehicle_type, file=d.name, language=language, report=report), "vehicle_type")
    vehicles: dict[str, Vehicle] = {}
    d = doc("vehicle_status") or doc("free_bike_status")
    if d is not None:
        vehicles = _collect(d, report, lambda v: v.vehicle_id, partial(
            _vehicle, file=d.name, report=report), "vehicle")
    plans: dict[str, PricingPlan] = {}
    if (d := doc("system_pricing_plans")) is not None:
        plans = _collect(d, report, lambda p: p.plan_id, partial(
            _plan, file=d.name, language=language, report=report), "plan")
    zones: list[GeofencingZone] = []
    global_rules: tuple[GeofencingRule, ...] = ()
    if (d := doc("geofencing_zones")) is not None:
        for index, raw in enumerate(_entities(d, report)):
            if not isinstance(raw, dict):
                report.skip(d.name, "not_an_object", row=index, value=raw)
            elif (zone := _zone(raw, index, d.name, language, report)) is not None:
                zones.append(zone)
        data = d.doc.get("data")
        rules_raw = data.get("global_rules") if isinstance(data, dict) else None
        if isinstance(rules_raw, list):
            global_rules = tuple(rule_from_json(r) for r in rules_raw if isinstance(r, dict))

    _check_references(stations, status, vehicles, types, plans, report, files)
    snapshot = GbfsSnapshot(
        version=version,
        language=language,
        system=system,
        stations=stations,
        station_status=status,
        vehicles=vehicles,
        vehicle_types=types,
        pricing_plans=plans,
        geofencing_zones=tuple(zones),
        global_rules=global_rules,
        files=files,
    )
    summarise_notes(report)
    report.info["gbfs"] = {
        "version": version,
        "stations": len(stations),
        "station_status": len(status),
        "vehicles": len(vehicles),
        "vehicle_types": len(types),
        "pricing_plans": len(plans),
        "geofencing_zones": len(zones),
    }
    log.info("gbfs %s: %s", version, report.info["gbfs"])
    return snapshot, report


def _check_references(
    stations: Mapping[str, Station],
    status: Mapping[str, StationStatus],
    vehicles: Mapping[str, Vehicle],
    types: Mapping[str, VehicleType],
    plans: Mapping[str, PricingPlan],
    report: IngestReport,
    files: Mapping[str, FileMeta],
) -> None:
    """Note references to ids the other files do not define (checked only when the defining
    file was read)."""
    if "station_information" in files:
        for sid in status:
            if sid not in stations:
                note(report, "station_status", "unknown_station_id", value=sid)
    vfile = "vehicle_status" if "vehicle_status" in files else "free_bike_status"
    for v in vehicles.values():
        if v.vehicle_type_id is not None and "vehicle_types" in files and (
            v.vehicle_type_id not in types
        ):
            note(report, vfile, "unknown_vehicle_type_id", value=v.vehicle_type_id)
        if v.station_id is not None and "station_information" in files and (
            v.station_id not in stations
        ):
            note(report, vfile, "unknown_station_id", value=v.station_id)
    if "vehicle_types" in files:
        for st in status.values():
            for tid, _ in st.vehicle_types_available:
                if tid not in types:
                    note(report, "station_status", "unknown_vehicle_type_id", value=tid)
    if "system_pricing_plans" in files:
        for t in types.values():
            if t.default_pricing_plan_id is not None and t.default_pricing_plan_id not in plans:
                note(report, "vehicle_types", "unknown_pricing_plan_id",
                     value=t.default_pricing_plan_id)
