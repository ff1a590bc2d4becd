"""Typed records of a GTFS-Realtime feed (TripUpdates, VehiclePositions, Alerts).

Field names follow the GTFS-RT reference; times are Unix seconds, speeds metres per second,
delays seconds.  Optional protobuf fields that are absent are ``None`` (never a protobuf
default such as 0, which would be indistinguishable from a real value).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Schedule relationships, as the names of the protobuf enums.
SCHEDULED = "SCHEDULED"
SKIPPED = "SKIPPED"
NO_DATA = "NO_DATA"
CANCELED = "CANCELED"
ADDED = "ADDED"
UNSCHEDULED = "UNSCHEDULED"
DUPLICATED = "DUPLICATED"
DELETED = "DELETED"

FULL_DATASET = "FULL_DATASET"
DIFFERENTIAL = "DIFFERENTIAL"


@dataclass(frozen=True)
class TripDescriptor:
    """Which trip an entity is about (``start_date`` YYYYMMDD, ``start_time`` HH:MM:SS)."""

    trip_id: str | None = None
    route_id: str | None = None
    direction_id: int | None = None
    start_date: str | None = None
    start_time: str | None = None
    schedule_relationship: str = SCHEDULED


@dataclass(frozen=True)
class StopTimeEvent:
    """Arrival or departure prediction: a ``delay`` (s) and/or an absolute ``time`` (Unix s)."""

    delay: int | None = None
    time: int | None = None
    uncertainty: int | None = None


@dataclass(frozen=True)
class StopTimeUpdate:
    """Update of one stop of a trip, identified by ``stop_sequence`` and/or ``stop_id``."""

    stop_sequence: int | None = None
    stop_id: str | None = None
    arrival: StopTimeEvent | None = None
    departure: StopTimeEvent | None = None
    schedule_relationship: str = SCHEDULED


@dataclass(frozen=True)
class TripUpdate:
    """A TripUpdate entity."""

    entity_id: str
    trip: TripDescriptor
    stop_time_updates: tuple[StopTimeUpdate, ...] = ()
    vehicle_id: str | None = None
    timestamp: int | None = None
    delay: int | None = None


@dataclass(frozen=True)
class VehiclePosition:
    """A vehicle position (GTFS-RT VehiclePosition, or a normalised non-GTFS-RT source)."""

    entity_id: str
    lat: float
    lon: float
    timestamp: int | None = None
    trip: TripDescriptor | None = None
    vehicle_id: str | None = None
    vehicle_label: str | None = None
    bearing_deg: float | None = None
    speed_mps: float | None = None
    current_stop_sequence: int | None = None
    stop_id: str | None = None
    current_status: str | None = None
    congestion_level: str | None = None
    occupancy_status: str | None = None
    wheelchair_accessible: bool | None = None


@dataclass(frozen=True)
class EntitySelector:
    """An informed entity of an alert (any combination of the fields)."""

    agency_id: str | None = None
    route_id: str | None = None
    route_type: int | None = None
    direction_id: int | None = None
    trip: TripDescriptor | None = None
    stop_id: str | None = None


@dataclass(frozen=True)
class Alert:
    """A service alert; texts map a language code ("" when untagged) to the text."""

    entity_id: str
    active_periods: tuple[tuple[int | None, int | None], ...] = ()
    informed_entities: tuple[EntitySelector, ...] = ()
    cause: str | None = None
    effect: str | None = None
    header_text: dict[str, str] = field(default_factory=dict)
    description_text: dict[str, str] = field(default_factory=dict)
    url: dict[str, str] = field(default_factory=dict)

    def is_active(self, t: int) -> bool:
        """Whether the alert is active at Unix time ``t`` (no period = always active)."""
        if not self.active_periods:
            return True
        return any((a is None or a <= t) and (b is None or t <= b) for a, b in self.active_periods)

    def text(self, language: str = "en") -> str:
        """Header text in ``language``, else the untagged one, else any."""
        for k in (language, ""):
            if k in self.header_text:
                return self.header_text[k]
        return next(iter(self.header_text.values()), "")


@dataclass(frozen=True)
class FeedHeader:
    """Feed header: version, incrementality and timestamp (Unix s, None when absent)."""

    gtfs_realtime_version: str
    incrementality: str = FULL_DATASET
    timestamp: int | None = None


@dataclass(frozen=True)
class RealtimeFeed:
    """One decoded FeedMessage."""

    header: FeedHeader
    trip_updates: tuple[TripUpdate, ...] = ()
    vehicle_positions: tuple[VehiclePosition, ...] = ()
    alerts: tuple[Alert, ...] = ()
