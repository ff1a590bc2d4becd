"""GTFS-Realtime: decode FeedMessages into typed records and map them onto a Timetable.

* :mod:`feeds.gtfs_rt.records` — typed TripUpdate / VehiclePosition / Alert records.
* :mod:`feeds.gtfs_rt.parse` — protobuf bytes -> :class:`RealtimeFeed` (bad entities counted).
* :mod:`feeds.gtfs_rt.apply` — trip updates -> :class:`routing.realtime.RealtimeOverlay`;
  vehicle positions and alerts -> int ids.
"""

from feeds.gtfs_rt.apply import (
    TripLookup,
    apply_feed,
    apply_trip_updates,
    match_vehicle_positions,
    resolve_alerts,
)
from feeds.gtfs_rt.parse import parse_feed, read_feed
from feeds.gtfs_rt.records import RealtimeFeed, TripUpdate, VehiclePosition

__all__ = [
    "RealtimeFeed", "TripLookup", "TripUpdate", "VehiclePosition", "apply_feed",
    "apply_trip_updates", "match_vehicle_positions", "parse_feed", "read_feed",
    "resolve_alerts",
]
