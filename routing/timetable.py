"""The transit timetable as an immutable struct-of-arrays.

Layout (all ids dense int32, all times int32 seconds relative to the *service day*; a GTFS time
of 25:10:00 is 90_600 and belongs to the previous calendar day's service):

* stops ``0..n_stops-1``: ``stop_lat``/``stop_lon`` (degrees), ``stop_parent`` (station stop
  or -1), ``stop_wheelchair`` (GTFS wheelchair_boarding 0/1/2).
* patterns ``0..n_patterns-1``: trips of one GTFS route with an identical stop sequence (and
  identical pickup/drop-off rules) that never overtake each other.  The stops of pattern ``p``
  are ``pattern_stops[pattern_stop_start[p]:pattern_stop_start[p+1]]``.
* trips ``0..n_trips-1`` are grouped by pattern: the trips of ``p`` are
  ``pattern_trip_start[p] .. pattern_trip_start[p+1]-1``, sorted by departure, and FIFO at every
  stop (no overtaking), so a binary search at any stop position finds the earliest trip.
* stop times are trip-major inside a pattern: trip ``t`` (``k = t - pattern_trip_start[p]``)
  at stop position ``i`` has index ``pattern_st_start[p] + k * L_p + i`` with ``L_p`` the
  number of stops of ``p``.  ``arrival_s``/``departure_s``/``pickup_type``/``drop_off_type``
  are indexed that way.
* services: ``service_bits[s, w]`` is a uint64 bitset over days since ``first_day`` (an ISO
  date ordinal, ``datetime.date.toordinal()``); bit ``d`` of the set is day ``first_day + d``.
* transfers are a CSR from stop: ``transfer_start[s]..transfer_start[s+1]`` index
  ``transfer_to``/``transfer_s``/``transfer_m``/``transfer_kind``.  Kinds are GTFS
  transfer_type values (0..3) for transfers.txt rows and ``TRANSFER_FOOTPATH`` for walking
  footpaths computed at build (``transfer_s`` is then the walking time at the build's speed).
  A row with ``to == from`` and kind 2 is a stop's own minimum transfer time.
* stop -> patterns: ``stop_pattern_start[s]..`` index ``stop_patterns``/``stop_pattern_pos``
  (the position of the stop in the pattern; a loop pattern may list a stop twice).
* shapes: ``st_shape_pos`` gives, per stop time, the index into ``shape_lat``/``shape_lon`` of
  the point nearest the stop on the trip's shape (-1 without a shape), so the geometry of a ride
  between positions i and j is ``shape_lat[st_shape_pos[a]:st_shape_pos[b]+1]``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from routing.errors import SnapshotError

I32 = npt.NDArray[np.int32]
I16 = npt.NDArray[np.int16]
I8 = npt.NDArray[np.int8]
U64 = npt.NDArray[np.uint64]
F64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class TimetableNames:
    """External string ids and display names, used only at the boundary (never in a query)."""

    stop_ids: list[str]
    stop_names: list[str]
    route_ids: list[str]
    route_short_names: list[str]
    route_long_names: list[str]
    route_agency: list[str]
    trip_ids: list[str]
    """GTFS trip_id per *GTFS* trip; frequency copies share one (see ``Timetable.trip_gtfs``)."""
    trip_headsigns: list[str]
    service_ids: list[str]
    feed_ids: list[str] = field(default_factory=list)
    timezone: str = "UTC"


@dataclass(frozen=True)
class Timetable:
    """Immutable transit timetable (see module docstring for the layout)."""

    # stops
    stop_lat: F64
    stop_lon: F64
    stop_parent: I32
    stop_wheelchair: I8
    # routes
    route_type: I16
    # patterns
    pattern_route: I32
    pattern_stop_start: I32
    pattern_stops: I32
    pattern_trip_start: I32
    pattern_st_start: I32
    # trips
    trip_service: I32
    trip_gtfs: I32
    trip_wheelchair: I8
    trip_shape: I32
    # stop times
    arrival_s: I32
    departure_s: I32
    pickup_type: I8
    drop_off_type: I8
    st_shape_pos: I32
    # services
    first_day: int
    n_days: int
    service_bits: U64
    # transfers (CSR by from-stop)
    transfer_start: I32
    transfer_to: I32
    transfer_s: I32
    transfer_m: I32
    transfer_kind: I8
    # stop -> patterns (CSR)
    stop_pattern_start: I32
    stop_patterns: I32
    stop_pattern_pos: I32
    # shapes (CSR)
    shape_start: I32
    shape_lat: F64
    shape_lon: F64

    names: TimetableNames

    @property
    def n_stops(self) -> int:
        """Number of stops."""
        return int(self.stop_lat.shape[0])

    @property
    def n_patterns(self) -> int:
        """Number of patterns."""
        return int(self.pattern_route.shape[0])

    @property
    def n_trips(self) -> int:
        """Number of trips (frequency-based trips counted once per expanded run)."""
        return int(self.trip_service.shape[0])

    @property
    def n_stop_times(self) -> int:
        """Number of stop times (after frequency expansion)."""
        return int(self.arrival_s.shape[0])

    @property
    def n_routes(self) -> int:
        """Number of GTFS routes."""
        return int(self.route_type.shape[0])

    def trip_pattern(self) -> I32:
        """Pattern index of every trip, shape ``(n_trips,)``."""
        counts = np.diff(self.pattern_trip_start)
        return np.repeat(np.arange(self.n_patterns, dtype=np.int32), counts).astype(np.int32)

    def stop_time_index(self, trip: int, pos: int) -> int:
        """Index into the stop-time arrays of ``trip`` at stop position ``pos``."""
        p = int(np.searchsorted(self.pattern_trip_start, trip, side="right") - 1)
        length = int(self.pattern_stop_start[p + 1] - self.pattern_stop_start[p])
        return int(self.pattern_st_start[p] + (trip - self.pattern_trip_start[p]) * length + pos)

    def is_active(self, service: int, day: int) -> bool:
        """Whether ``service`` runs on ``day`` (an ISO date ordinal)."""
        d = day - self.first_day
        if d < 0 or d >= self.n_days:
            return False
        word = int(self.service_bits[service, d >> 6])
        return bool((word >> (d & 63)) & 1)

    def array_fields(self) -> dict[str, np.ndarray]:
        """All numpy array fields by name (for snapshots and hashing)."""
        out: dict[str, np.ndarray] = {}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if isinstance(v, np.ndarray):
                out[f.name] = v
        return out

    def check_invariants(self) -> None:
        """Check the layout; raise :class:`SnapshotError` listing *every* violation."""
        problems: list[str] = []
        n_s, n_p, n_t = self.n_stops, self.n_patterns, self.n_trips

        def need(cond: bool, msg: str) -> None:
            if not cond:
                problems.append(msg)

        for name, arr in self.array_fields().items():
            if name in {"stop_lat", "stop_lon", "shape_lat", "shape_lon"}:
                need(arr.dtype == np.float64, f"{name} dtype {arr.dtype} != float64")
        for name in ("pattern_stop_start", "pattern_trip_start", "pattern_st_start"):
            arr = getattr(self, name)
            need(arr.shape == (n_p + 1,), f"{name} has shape {arr.shape}, want ({n_p + 1},)")
            need(bool(np.all(np.diff(arr) >= 0)) if arr.size else True, f"{name} not monotone")
        for name, n in (("transfer_start", n_s), ("stop_pattern_start", n_s)):
            arr = getattr(self, name)
            need(arr.shape == (n + 1,), f"{name} has shape {arr.shape}, want ({n + 1},)")
            need(bool(np.all(np.diff(arr) >= 0)), f"{name} not monotone")
        if problems:
            raise SnapshotError("timetable invariants violated: " + "; ".join(problems))
        need(int(self.pattern_trip_start[-1]) == n_t, "pattern_trip_start[-1] != n_trips")
        need(int(self.pattern_stop_start[-1]) == self.pattern_stops.shape[0], "pattern_stops size")
        lengths = np.diff(self.pattern_stop_start)
        trips = np.diff(self.pattern_trip_start)
        need(bool(np.all(lengths >= 2)), "a pattern has fewer than 2 stops")
        need(bool(np.all(trips >= 1)), "a pattern has no trips")
        st_sizes = np.diff(self.pattern_st_start)
        need(bool(np.array_equal(st_sizes, lengths * trips)), "pattern_st_start sizes != L*trips")
        need(int(self.pattern_st_start[-1]) == self.n_stop_times, "stop-time arrays size")
        for name in ("departure_s", "pickup_type", "drop_off_type", "st_shape_pos"):
            need(getattr(self, name).shape[0] == self.n_stop_times, f"{name} size")
        for name in ("trip_gtfs", "trip_wheelchair", "trip_shape"):
            need(getattr(self, name).shape[0] == n_t, f"{name} size")
        if self.pattern_stops.size:
            need(
                int(self.pattern_stops.min()) >= 0 and int(self.pattern_stops.max()) < n_s,
                "pattern_stops out of range",
            )
        if self.transfer_to.size:
            need(
                int(self.transfer_to.min()) >= 0 and int(self.transfer_to.max()) < n_s,
                "transfer_to out of range",
            )
            need(bool(np.all(self.transfer_s >= 0)), "negative transfer_s")
        if n_t:
            need(
                int(self.trip_service.min()) >= 0
                and int(self.trip_service.max()) < self.service_bits.shape[0],
                "trip_service out of range",
            )
        need(bool(np.all(self.departure_s >= self.arrival_s)), "departure before arrival")
        problems.extend(_check_trip_times(self))
        if problems:
            raise SnapshotError("timetable invariants violated: " + "; ".join(problems[:20]))


def _check_trip_times(tt: Timetable) -> list[str]:
    """Times non-decreasing along every trip and FIFO (no overtaking) inside every pattern."""
    problems: list[str] = []
    for p in range(tt.n_patterns):
        length = int(tt.pattern_stop_start[p + 1] - tt.pattern_stop_start[p])
        n = int(tt.pattern_trip_start[p + 1] - tt.pattern_trip_start[p])
        a = int(tt.pattern_st_start[p])
        arr = np.asarray(tt.arrival_s[a : a + n * length]).reshape(n, length)
        dep = np.asarray(tt.departure_s[a : a + n * length]).reshape(n, length)
        if np.any(arr[:, 1:] < dep[:, :-1]):
            problems.append(f"pattern {p}: a trip arrives before it departs the previous stop")
        if n > 1 and (np.any(np.diff(dep, axis=0) < 0) or np.any(np.diff(arr, axis=0) < 0)):
            problems.append(f"pattern {p}: trips overtake (not FIFO)")
    return problems
