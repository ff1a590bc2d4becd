"""The compiled network: timetable + optional street graph + stop links + metadata."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from routing.street_graph import StopLinks, StreetGraph
from routing.timetable import Timetable


@dataclass(frozen=True)
class NetworkMeta:
    """Descriptive metadata of a network snapshot (JSON-serialisable)."""

    name: str
    timezone: str
    bbox: tuple[float, float, float, float]
    """(min_lon, min_lat, max_lon, max_lat), degrees."""
    version: str = ""
    """Content hash of the snapshot (filled by :func:`routing.snapshot.save_snapshot`)."""
    built_at: str = ""
    walk_speed_mps: float = 1.33
    max_footpath_m: int = 500
    feeds: list[dict[str, Any]] = field(default_factory=list)
    """Per source feed: kind, id, file, version/date range, ingest report summary."""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Network:
    """Everything a query needs; immutable and shared read-only by all workers."""

    meta: NetworkMeta
    timetable: Timetable
    streets: StreetGraph | None = None
    stop_links: StopLinks | None = None

    def check_invariants(self) -> None:
        """Check every component (raises :class:`routing.errors.SnapshotError`)."""
        self.timetable.check_invariants()
        if self.streets is not None:
            self.streets.check_invariants()
