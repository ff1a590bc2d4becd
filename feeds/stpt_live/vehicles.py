"""STPT live vehicles (live.stpt.ro ``gtfs-vehicles.php`` JSON, and AVL trace CSV rows).

The JSON is *not* GTFS-RT: one object per vehicle with ``route`` (the public line name, e.g.
"E2", not a GTFS route_id), ``speed`` in km/h, ``timestamp`` in milliseconds and
``directionId`` as a string.  Records are normalised to SI units and Unix seconds.
© STPT/Tranzy: the data is read at run time and never copied into the repository.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from feeds.errors import FeedError
from feeds.gtfs_rt.records import TripDescriptor, VehiclePosition
from feeds.report import IngestReport

KMH_TO_MPS = 1000.0 / 3600.0


@dataclass(frozen=True)
class StptVehicle:
    """One STPT vehicle position.

    Attributes
    ----------
    vehicle_id : operator vehicle id (fleet number or plate).
    route_name : public line name ("1", "E2", "M14"), stripped.
    lat, lon : WGS84 degrees.
    timestamp_s : Unix seconds of the vehicle's fix.
    bearing_deg : heading in degrees clockwise from north, None when unknown.
    speed_mps : speed in metres per second (feed gives km/h), None when unknown.
    direction_id : 0/1 as the feed reports it, None when unknown.
    headsign, stop_name : as reported (stop_name is the last/next stop, not a matched stop).
    accessible : wheelchair accessible vehicle, None when unknown.
    polled_s : Unix seconds when the position was polled (AVL ``recorded_at``), else
        ``timestamp_s``.
    """

    vehicle_id: str
    route_name: str
    lat: float
    lon: float
    timestamp_s: float
    bearing_deg: float | None = None
    speed_mps: float | None = None
    direction_id: int | None = None
    headsign: str = ""
    stop_name: str = ""
    accessible: bool | None = None
    polled_s: float | None = None

    def to_vehicle_position(self) -> VehiclePosition:
        """As a GTFS-RT-shaped record (route name in ``vehicle_label``; no trip id known)."""
        return VehiclePosition(
            entity_id=self.vehicle_id, lat=self.lat, lon=self.lon,
            timestamp=int(self.timestamp_s),
            trip=TripDescriptor(direction_id=self.direction_id),
            vehicle_id=self.vehicle_id, vehicle_label=self.route_name,
            bearing_deg=self.bearing_deg, speed_mps=self.speed_mps,
            wheelchair_accessible=self.accessible,
        )


def _num(v: Any) -> float | None:
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _flag(v: Any) -> bool | None:
    if isinstance(v, bool):
        return v
    s = str(v).strip().lower()
    if s in {"1", "true", "yes"}:
        return True
    if s in {"0", "false", "no"}:
        return False
    return None


def vehicle_from_fields(
    *, vehicle_id: Any, route: Any, lat: Any, lon: Any, timestamp_s: float | None,
    bearing: Any = None, speed_kmh: Any = None, direction: Any = None, headsign: Any = "",
    stop_name: Any = "", accessible: Any = None, polled_s: float | None = None,
) -> StptVehicle | str:
    """Normalise one vehicle; return the skip reason (a string) when it is unusable."""
    vid = str(vehicle_id or "").strip()
    rname = str(route or "").strip()
    if not vid or not rname:
        return "vehicle_without_route_or_id"
    la, lo = _num(lat), _num(lon)
    if la is None or lo is None or not (-90 <= la <= 90 and -180 <= lo <= 180) or (
            la == 0 and lo == 0):
        return "bad_coordinates"
    if timestamp_s is None:
        return "bad_timestamp"
    speed = _num(speed_kmh)
    bearing_v = _num(bearing)
    d = _num(direction)
    return StptVehicle(
        vehicle_id=vid, route_name=rname, lat=la, lon=lo, timestamp_s=timestamp_s,
        bearing_deg=bearing_v % 360.0 if bearing_v is not None else None,
        speed_mps=speed * KMH_TO_MPS if speed is not None and speed >= 0 else None,
        direction_id=int(d) if d is not None and d in (0.0, 1.0) else None,
        headsign=str(headsign or "").strip(), stop_name=str(stop_name or "").strip(),
        accessible=_flag(accessible), polled_s=polled_s if polled_s is not None else timestamp_s,
    )


def parse_vehicles_json(data: bytes | str, report: IngestReport, *,
                        file: str = "vehicles.json") -> list[StptVehicle]:
    """Parse a ``gtfs-vehicles.php`` snapshot (an object with ``vehicles``, or a bare list).

    Raises
    ------
    FeedError
        The text is not JSON or has no vehicle list.
    """
    try:
        doc = json.loads(data)
    except json.JSONDecodeError as exc:
        raise FeedError(f"not JSON: {exc}", file=file) from exc
    items = doc.get("vehicles") if isinstance(doc, dict) else doc
    if not isinstance(items, list):
        raise FeedError("no 'vehicles' list", file=file)
    report.read(file, len(items))
    out: list[StptVehicle] = []
    for i, v in enumerate(items):
        if not isinstance(v, dict):
            report.skip(file, "not_an_object", row=i, value=v)
            continue
        ts = _num(v.get("timestamp"))
        rec = vehicle_from_fields(
            vehicle_id=v.get("id"), route=v.get("route"), lat=v.get("lat"), lon=v.get("lng"),
            timestamp_s=ts / 1000.0 if ts is not None and ts > 0 else None,
            bearing=v.get("bearing"), speed_kmh=v.get("speed"), direction=v.get("directionId"),
            headsign=v.get("headsign"), stop_name=v.get("stop"),
            accessible=v.get("isAccessible"),
        )
        if isinstance(rec, str):
            report.skip(file, rec, row=i, value=v.get("id"))
        else:
            out.append(rec)
    return out


def read_vehicles_json(path: Path, report: IngestReport) -> list[StptVehicle]:
    """Read a snapshot file (see :func:`parse_vehicles_json`)."""
    p = Path(path)
    return parse_vehicles_json(p.read_bytes(), report, file=p.name)
