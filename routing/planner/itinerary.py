"""Planner results: legs with exact times (seconds since the query date's midnight), metres,
int ids and geometry (lon/lat arrays).  Names and ISO times are resolved by the service."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True)
class PlanLeg:
    """One leg.  ``mode`` is WALK, BIKE, CAR, BIKESHARE, CARSHARE or a transit mode (BUS, ...).

    ``from_stop``/``to_stop`` are stop indices (-1 for a coordinate); ``trip``/``route`` are set
    for transit legs; ``geometry`` is an ``(n, 2)`` array of (lon, lat) degrees.
    """

    mode: str
    dep_s: int
    arr_s: int
    distance_m: float
    from_lat: float
    from_lon: float
    to_lat: float
    to_lon: float
    geometry: npt.NDArray[np.float64]
    from_stop: int = -1
    to_stop: int = -1
    trip: int = -1
    route: int = -1
    service_day: int = 0
    board_pos: int = -1
    alight_pos: int = -1
    intermediate_stops: tuple[int, ...] = ()
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def duration_s(self) -> int:
        """Leg duration, seconds."""
        return self.arr_s - self.dep_s


@dataclass(frozen=True)
class Itinerary:
    """A door-to-door plan; ``dep_s``/``arr_s`` are seconds since ``day`` midnight."""

    day: int
    dep_s: int
    arr_s: int
    transfers: int
    walk_s: int
    walk_m: float
    legs: tuple[PlanLeg, ...]
    penalty_s: int = 0

    @property
    def duration_s(self) -> int:
        """Door-to-door duration, seconds."""
        return self.arr_s - self.dep_s

    def signature(self) -> tuple[object, ...]:
        """Identity used to drop duplicates: modes, trips, stops and times of every leg."""
        return tuple((leg.mode, leg.trip, leg.from_stop, leg.to_stop, leg.dep_s, leg.arr_s)
                     for leg in self.legs)
