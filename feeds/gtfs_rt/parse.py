"""Decode a GTFS-Realtime FeedMessage (protobuf bytes) into typed records.

Entities that cannot be used (no position, empty trip descriptor, ...) are counted in the
:class:`~feeds.report.IngestReport` under the file name ``"feed"`` and skipped; only bytes that
are not a FeedMessage at all raise :class:`~feeds.errors.FeedError`.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

from google.protobuf.message import DecodeError
from google.transit import gtfs_realtime_pb2 as pb

from feeds.errors import FeedError
from feeds.gtfs_rt.records import (
    Alert,
    EntitySelector,
    FeedHeader,
    RealtimeFeed,
    StopTimeEvent,
    StopTimeUpdate,
    TripDescriptor,
    TripUpdate,
    VehiclePosition,
)
from feeds.report import IngestReport

log = logging.getLogger("feeds.gtfs_rt")

#: The name under which parse problems are counted in the report.
FEED_FILE = "feed"


def _opt(msg: Any, name: str) -> Any:
    return getattr(msg, name) if msg.HasField(name) else None


def _enum_name(msg: Any, name: str) -> str | None:
    if not msg.HasField(name):
        return None
    return str(msg.DESCRIPTOR.fields_by_name[name].enum_type.values_by_number[
        getattr(msg, name)].name)


def _trip(msg: Any) -> TripDescriptor:
    rel = _enum_name(msg, "schedule_relationship") or "SCHEDULED"
    return TripDescriptor(
        trip_id=_opt(msg, "trip_id") or None, route_id=_opt(msg, "route_id") or None,
        direction_id=_opt(msg, "direction_id"), start_date=_opt(msg, "start_date") or None,
        start_time=_opt(msg, "start_time") or None, schedule_relationship=rel,
    )


def _event(msg: Any) -> StopTimeEvent:
    return StopTimeEvent(delay=_opt(msg, "delay"), time=_opt(msg, "time"),
                         uncertainty=_opt(msg, "uncertainty"))


def _translations(msg: Any) -> dict[str, str]:
    return {t.language if t.HasField("language") else "": t.text for t in msg.translation}


def _trip_update(eid: str, tu: Any) -> TripUpdate:
    stus = tuple(
        StopTimeUpdate(
            stop_sequence=_opt(s, "stop_sequence"), stop_id=_opt(s, "stop_id") or None,
            arrival=_event(s.arrival) if s.HasField("arrival") else None,
            departure=_event(s.departure) if s.HasField("departure") else None,
            schedule_relationship=_enum_name(s, "schedule_relationship") or "SCHEDULED",
        )
        for s in tu.stop_time_update
    )
    vid = tu.vehicle.id if tu.HasField("vehicle") and tu.vehicle.HasField("id") else None
    return TripUpdate(eid, _trip(tu.trip), stus, vid, _opt(tu, "timestamp"), _opt(tu, "delay"))


def _vehicle(eid: str, v: Any) -> VehiclePosition | None:
    if not v.HasField("position"):
        return None
    p = v.position
    lat, lon = float(p.latitude), float(p.longitude)
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90
            and -180 <= lon <= 180) or (lat == 0.0 and lon == 0.0):
        return None
    vd = v.vehicle if v.HasField("vehicle") else None
    return VehiclePosition(
        entity_id=eid, lat=lat, lon=lon, timestamp=_opt(v, "timestamp"),
        trip=_trip(v.trip) if v.HasField("trip") else None,
        vehicle_id=(_opt(vd, "id") or None) if vd is not None else None,
        vehicle_label=(_opt(vd, "label") or None) if vd is not None else None,
        bearing_deg=_opt(p, "bearing"), speed_mps=_opt(p, "speed"),
        current_stop_sequence=_opt(v, "current_stop_sequence"),
        stop_id=_opt(v, "stop_id") or None,
        current_status=_enum_name(v, "current_status"),
        congestion_level=_enum_name(v, "congestion_level"),
        occupancy_status=_enum_name(v, "occupancy_status"),
    )


def _alert(eid: str, a: Any) -> Alert:
    periods = tuple((_opt(r, "start"), _opt(r, "end")) for r in a.active_period)
    ents = tuple(
        EntitySelector(
            agency_id=_opt(e, "agency_id") or None, route_id=_opt(e, "route_id") or None,
            route_type=_opt(e, "route_type"), direction_id=_opt(e, "direction_id"),
            trip=_trip(e.trip) if e.HasField("trip") else None,
            stop_id=_opt(e, "stop_id") or None,
        )
        for e in a.informed_entity
    )
    return Alert(
        entity_id=eid, active_periods=periods, informed_entities=ents,
        cause=_enum_name(a, "cause"), effect=_enum_name(a, "effect"),
        header_text=_translations(a.header_text) if a.HasField("header_text") else {},
        description_text=(_translations(a.description_text)
                          if a.HasField("description_text") else {}),
        url=_translations(a.url) if a.HasField("url") else {},
    )


def parse_feed(data: bytes, report: IngestReport) -> RealtimeFeed:
    """Decode FeedMessage bytes into a :class:`RealtimeFeed`.

    Raises
    ------
    FeedError
        The bytes are not a FeedMessage (or lack its required header).
    """
    msg = pb.FeedMessage()
    try:
        msg.ParseFromString(data)
    except DecodeError as exc:
        raise FeedError(f"not a GTFS-Realtime FeedMessage: {exc}", file=FEED_FILE) from exc
    if not msg.HasField("header") or not msg.header.gtfs_realtime_version:
        raise FeedError("FeedMessage without header.gtfs_realtime_version", file=FEED_FILE)
    h = msg.header
    header = FeedHeader(h.gtfs_realtime_version,
                        _enum_name(h, "incrementality") or "FULL_DATASET", _opt(h, "timestamp"))
    tus: list[TripUpdate] = []
    vps: list[VehiclePosition] = []
    alerts: list[Alert] = []
    report.read(FEED_FILE, len(msg.entity))
    for i, ent in enumerate(msg.entity):
        eid = ent.id
        if ent.is_deleted:
            report.skip(FEED_FILE, "deleted_entity", row=i, value=eid)
            continue
        used = False
        if ent.HasField("trip_update"):
            tus.append(_trip_update(eid, ent.trip_update))
            used = True
        if ent.HasField("vehicle"):
            vp = _vehicle(eid, ent.vehicle)
            if vp is None:
                report.skip(FEED_FILE, "vehicle_without_valid_position", row=i, value=eid)
            else:
                vps.append(vp)
            used = True
        if ent.HasField("alert"):
            alerts.append(_alert(eid, ent.alert))
            used = True
        if not used:
            report.skip(FEED_FILE, "empty_entity", row=i, value=eid)
    report.info.update(trip_updates=len(tus), vehicle_positions=len(vps), alerts=len(alerts),
                       incrementality=header.incrementality)
    log.debug("parsed %d entities: %d trip updates, %d vehicles, %d alerts",
              len(msg.entity), len(tus), len(vps), len(alerts))
    return RealtimeFeed(header, tuple(tus), tuple(vps), tuple(alerts))


def read_feed(path: Path, report: IngestReport) -> RealtimeFeed:
    """Read and decode a ``.pb`` file (see :func:`parse_feed`)."""
    return parse_feed(Path(path).read_bytes(), report)
