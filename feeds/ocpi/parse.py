"""OCPI 2.2.1 JSON -> :class:`Location` records, tolerant of dirty and newer-version input.

Rules:

* A document may be a list of Locations, one Location, or an OCPI response envelope
  ``{"data": ..., "status_code": 1000, "timestamp": ...}``; an envelope whose ``status_code`` is
  not 1xxx (success) makes the document unusable (:class:`FeedError`).
* A Location without ``id`` or readable ``coordinates`` is skipped; an EVSE without ``uid`` and
  a connector without ``id`` are dropped from their parent (counted, file ``evse`` /
  ``connector``).  An unknown EVSE status is read as UNKNOWN (counted).
* Keys this version does not define (e.g. fields of OCPI 2.3) are tolerated: counted per
  ``<object>.<key>`` in ``report.info["unknown_keys"]`` and reported as one warning per key by
  :func:`summarise_unknown_keys`; they never make an entity invalid.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from feeds.errors import FeedError
from feeds.ocpi.model import (
    Connector,
    ConnectorFormat,
    ConnectorStandard,
    Evse,
    EvseStatus,
    Location,
    OpeningTimes,
    PowerType,
    RegularHours,
)
from feeds.report import IngestReport

LOCATION_KEYS = frozenset({
    "country_code", "party_id", "id", "publish", "publish_allowed_to", "name", "address", "city",
    "postal_code", "state", "country", "coordinates", "related_locations", "parking_type",
    "evses", "directions", "operator", "suboperator", "owner", "facilities", "time_zone",
    "opening_times", "charging_when_closed", "images", "energy_mix", "last_updated",
})
EVSE_KEYS = frozenset({
    "uid", "evse_id", "status", "status_schedule", "capabilities", "connectors", "floor_level",
    "coordinates", "physical_reference", "directions", "parking_restrictions", "images",
    "last_updated",
})
CONNECTOR_KEYS = frozenset({
    "id", "standard", "format", "power_type", "max_voltage", "max_amperage",
    "max_electric_power", "tariff_ids", "terms_and_conditions", "last_updated",
})
STANDARDS = {s.value: s for s in ConnectorStandard}


def parse_datetime(value: Any) -> int | None:
    """Unix seconds from an OCPI ``DateTime`` (RFC 3339, UTC when no offset) or None."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp())


def _text(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str | int | float):
        return str(value).strip() or None
    return None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return int(number) if math.isfinite(number) else None


def _coordinates(value: Any) -> tuple[float, float] | None:
    if not isinstance(value, dict):
        return None
    try:
        lat, lon = float(value["latitude"]), float(value["longitude"])
    except (KeyError, TypeError, ValueError):
        return None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90
            and -180 <= lon <= 180):
        return None
    return lat, lon


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(t for t in (_text(v) for v in value) if t)


def _unknown_keys(raw: dict[str, Any], known: frozenset[str], kind: str,
                  report: IngestReport) -> None:
    for key in raw:
        if key not in known:
            counts: dict[str, int] = report.info.setdefault("unknown_keys", {})
            counts[f"{kind}.{key}"] = counts.get(f"{kind}.{key}", 0) + 1


def summarise_unknown_keys(report: IngestReport) -> None:
    """One warning per unknown ``<object>.<key>`` with its count (call once, at the end)."""
    for key, n in sorted(report.info.get("unknown_keys", {}).items()):
        report.warn(f"unknown OCPI 2.2.1 field {key} tolerated ({n}x): newer version?")


def parse_connector(raw: Any, report: IngestReport, *, row: int | None = None
                    ) -> Connector | None:
    """A connector, or None (counted) when it has no ``id``."""
    if not isinstance(raw, dict) or _text(raw.get("id")) is None:
        report.skip("connector", "missing_connector_id", row=row, value=raw)
        return None
    _unknown_keys(raw, CONNECTOR_KEYS, "connector", report)
    standard_raw = _text(raw.get("standard")) or ""
    standard: ConnectorStandard | str = STANDARDS.get(standard_raw, standard_raw)
    if not isinstance(standard, ConnectorStandard):
        report.warn(f"connector {raw.get('id')}: unknown standard {standard_raw!r} kept as text")
    fmt = _text(raw.get("format"))
    power = _text(raw.get("power_type"))
    return Connector(
        connector_id=str(_text(raw.get("id"))),
        standard=standard,
        format=ConnectorFormat(fmt) if fmt and fmt in ConnectorFormat.__members__ else None,
        power_type=PowerType(power) if power and power in PowerType.__members__ else None,
        max_voltage_v=_int(raw.get("max_voltage")),
        max_amperage_a=_int(raw.get("max_amperage")),
        max_electric_power_w=_int(raw.get("max_electric_power")),
        tariff_ids=_strings(raw.get("tariff_ids")),
        last_updated_s=parse_datetime(raw.get("last_updated")),
    )


def parse_evse(raw: Any, report: IngestReport, *, row: int | None = None) -> Evse | None:
    """An EVSE with its connectors, or None (counted) when it has no ``uid``."""
    if not isinstance(raw, dict) or _text(raw.get("uid")) is None:
        report.skip("evse", "missing_evse_uid", row=row, value=raw)
        return None
    _unknown_keys(raw, EVSE_KEYS, "evse", report)
    status_raw = _text(raw.get("status"))
    if status_raw and status_raw in EvseStatus.__members__:
        status = EvseStatus(status_raw)
    else:
        status = EvseStatus.UNKNOWN
        report.warn(f"evse {raw.get('uid')}: status {status_raw!r} read as UNKNOWN")
    connectors_raw = raw.get("connectors")
    connectors = tuple(
        c for i, r in enumerate(connectors_raw if isinstance(connectors_raw, list) else [])
        if (c := parse_connector(r, report, row=i)) is not None
    )
    coords = _coordinates(raw.get("coordinates"))
    return Evse(
        uid=str(_text(raw.get("uid"))),
        status=status,
        connectors=connectors,
        evse_id=_text(raw.get("evse_id")),
        capabilities=_strings(raw.get("capabilities")),
        floor_level=_text(raw.get("floor_level")),
        physical_reference=_text(raw.get("physical_reference")),
        lat=coords[0] if coords else None,
        lon=coords[1] if coords else None,
        parking_restrictions=_strings(raw.get("parking_restrictions")),
        last_updated_s=parse_datetime(raw.get("last_updated")),
    )


def parse_opening_times(raw: Any) -> OpeningTimes | None:
    """OCPI ``Hours`` (None when absent or not an object)."""
    if not isinstance(raw, dict):
        return None
    regular = []
    for h in raw.get("regular_hours") or []:
        if isinstance(h, dict) and _int(h.get("weekday")) is not None:
            regular.append(RegularHours(int(h["weekday"]), str(h.get("period_begin", "")),
                                        str(h.get("period_end", ""))))

    def periods(key: str) -> tuple[tuple[int, int], ...]:
        out = []
        for p in raw.get(key) or []:
            if isinstance(p, dict):
                b, e = parse_datetime(p.get("period_begin")), parse_datetime(p.get("period_end"))
                if b is not None and e is not None:
                    out.append((b, e))
        return tuple(out)

    return OpeningTimes(
        twentyfourseven=bool(raw.get("twentyfourseven", False)),
        regular_hours=tuple(regular),
        exceptional_openings=periods("exceptional_openings"),
        exceptional_closings=periods("exceptional_closings"),
    )


def parse_location(raw: Any, report: IngestReport, *, file: str = "locations",
                   row: int | None = None) -> Location | None:
    """A Location with its EVSEs, or None (counted in ``file``) when unusable."""
    if not isinstance(raw, dict):
        report.skip(file, "not_an_object", row=row, value=raw)
        return None
    location_id = _text(raw.get("id"))
    if location_id is None:
        report.skip(file, "missing_location_id", row=row, value=raw.get("name"))
        return None
    coords = _coordinates(raw.get("coordinates"))
    if coords is None:
        report.skip(file, "invalid_coordinates", row=row, value=location_id)
        return None
    _unknown_keys(raw, LOCATION_KEYS, "location", report)
    evses_raw = raw.get("evses")
    evses = tuple(
        e for i, r in enumerate(evses_raw if isinstance(evses_raw, list) else [])
        if (e := parse_evse(r, report, row=i)) is not None
    )
    operator = raw.get("operator")
    energy = raw.get("energy_mix")
    green = energy.get("is_green_energy") if isinstance(energy, dict) else None
    return Location(
        country_code=_text(raw.get("country_code")) or "",
        party_id=_text(raw.get("party_id")) or "",
        location_id=location_id,
        lat=coords[0],
        lon=coords[1],
        evses=evses,
        name=_text(raw.get("name")),
        address=_text(raw.get("address")),
        city=_text(raw.get("city")),
        postal_code=_text(raw.get("postal_code")),
        country=_text(raw.get("country")),
        publish=raw.get("publish") is not False,
        parking_type=_text(raw.get("parking_type")),
        operator=_text(operator.get("name")) if isinstance(operator, dict) else None,
        time_zone=_text(raw.get("time_zone")),
        opening_times=parse_opening_times(raw.get("opening_times")),
        charging_when_closed=raw.get("charging_when_closed")
        if isinstance(raw.get("charging_when_closed"), bool) else None,
        facilities=_strings(raw.get("facilities")),
        is_green_energy=green if isinstance(green, bool) else None,
        last_updated_s=parse_datetime(raw.get("last_updated")),
    )


def unwrap_envelope(doc: Any, *, file: str = "locations") -> Any:
    """The ``data`` of an OCPI response envelope (``doc`` itself when it is not one).

    Raises :class:`FeedError` when the envelope reports an error (``status_code`` not 1xxx).
    """
    if isinstance(doc, dict) and "status_code" in doc and "id" not in doc:
        code = _int(doc.get("status_code"))
        if code is None or not 1000 <= code < 2000:
            raise FeedError(f"OCPI status_code {doc.get('status_code')}: "
                            f"{doc.get('status_message', '')}", file=file)
        return doc.get("data")
    return doc


def location_dicts(doc: Any, *, file: str = "locations") -> list[Any]:
    """The raw Location objects of a document: a list, one Location or an envelope of either."""
    data = unwrap_envelope(doc, file=file)
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        return [data]
    if data is None:
        return []
    raise FeedError(f"expected Location objects, got {type(data).__name__}", file=file)


def read_locations(doc: Any, report: IngestReport, *, file: str = "locations"
                   ) -> list[Location]:
    """Parse every Location of a decoded document (see :func:`location_dicts`)."""
    raws = location_dicts(doc, file=file)
    report.read(file, len(raws))
    return [loc for i, r in enumerate(raws)
            if (loc := parse_location(r, report, file=file, row=i)) is not None]


def load_locations_file(path: Path) -> tuple[list[Location], IngestReport]:
    """Read an OCPI Locations JSON file (list, single Location or envelope).

    Raises :class:`FeedError` when the file is not JSON or not Locations at all.
    """
    report = IngestReport(source=f"ocpi:{path.name}")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FeedError(f"unreadable JSON ({exc})", file=path.name) from exc
    locations = read_locations(doc, report, file=path.name)
    summarise_unknown_keys(report)
    report.info["ocpi"] = {
        "locations": len(locations),
        "evses": sum(len(loc.evses) for loc in locations),
        "connectors": sum(loc.n_connectors for loc in locations),
    }
    return locations, report
