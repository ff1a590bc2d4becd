"""Realtime overlay: per-stop-time delays, skipped stops and cancelled trips over a Timetable.

The overlay never edits the :class:`~routing.timetable.Timetable`.  It holds, per *service day*
(ISO date ordinal, the day the trip's GTFS times count from), four arrays indexed exactly like
the timetable's stop-time and trip arrays:

* ``arrival_delay_s[st]`` / ``departure_delay_s[st]`` (int32 seconds): the realtime time of
  stop time ``st`` is ``tt.arrival_s[st] + arrival_delay_s[st]`` (same for departures);
* ``skipped[st]``: the vehicle passes the stop without serving it (no boarding, no alighting);
* ``trip_cancelled[t]``: the whole trip does not run that day.

Days that carry no realtime data share one all-zero :class:`RealtimeDay`, so a query on them costs
nothing extra.  Delays are always *normalised* by :class:`OverlayBuilder`: along every trip the
realtime times are non-decreasing (``arr[i] <= dep[i] <= arr[i+1]``); violating input delays are
raised just enough (clamped) and counted.  Delays may break FIFO order *between* trips of a
pattern (a late trip overtaken by the next one); :attr:`RealtimeDay.fifo_broken_patterns` lists
those patterns so a trip search there scans all trips instead of binary searching.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import numpy.typing as npt

from routing.timetable import Timetable

I32 = npt.NDArray[np.int32]
Bool = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class RealtimeDay:
    """Realtime arrays of one service day (see module docstring); read-only numpy arrays."""

    service_day: int
    arrival_delay_s: I32
    departure_delay_s: I32
    skipped: Bool
    trip_cancelled: Bool
    fifo_broken_patterns: I32 = field(default_factory=lambda: np.zeros(0, dtype=np.int32))

    @property
    def is_empty(self) -> bool:
        """Whether the day carries no realtime change at all."""
        return not (
            self.arrival_delay_s.any() or self.departure_delay_s.any()
            or self.skipped.any() or self.trip_cancelled.any()
        )


def _frozen(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


def _zero_day(n_stop_times: int, n_trips: int, service_day: int) -> RealtimeDay:
    return RealtimeDay(
        service_day=service_day,
        arrival_delay_s=_frozen(np.zeros(n_stop_times, dtype=np.int32)),
        departure_delay_s=_frozen(np.zeros(n_stop_times, dtype=np.int32)),
        skipped=_frozen(np.zeros(n_stop_times, dtype=np.bool_)),
        trip_cancelled=_frozen(np.zeros(n_trips, dtype=np.bool_)),
    )


@dataclass(frozen=True)
class RealtimeOverlay:
    """Immutable realtime state over one timetable: a small map service day -> arrays.

    Attributes
    ----------
    days : service day (ISO ordinal) -> :class:`RealtimeDay`; days absent have no changes.
    service_day : the *primary* day (the feed's current service day), used by the
        single-day accessors ``arrival_delay_s`` etc.; -1 for an empty overlay.
    version : monotonically increasing version of the realtime state.
    feed_timestamp : Unix seconds of the feed header the state was built from (0 if none).
    n_stop_times, n_trips : sizes of the timetable the overlay belongs to.
    """

    days: Mapping[int, RealtimeDay]
    service_day: int
    version: int
    feed_timestamp: int
    n_stop_times: int
    n_trips: int
    _zero: RealtimeDay

    @classmethod
    def empty(cls, timetable: Timetable, *, service_day: int = -1, version: int = 0,
              feed_timestamp: int = 0) -> RealtimeOverlay:
        """An overlay with no delays, no skipped stops and no cancellations."""
        zero = _zero_day(timetable.n_stop_times, timetable.n_trips, -1)
        return cls(MappingProxyType({}), service_day, version, feed_timestamp,
                   timetable.n_stop_times, timetable.n_trips, zero)

    def day(self, service_day: int) -> RealtimeDay:
        """Arrays of ``service_day`` (all-zero when the day has no realtime data)."""
        return self.days.get(service_day, self._zero)

    def matches(self, timetable: Timetable) -> bool:
        """Whether the overlay's array sizes fit ``timetable``."""
        return (self.n_stop_times == timetable.n_stop_times
                and self.n_trips == timetable.n_trips)

    # Single-day accessors (the primary service day), the shape the RAPTOR kernels take.
    @property
    def arrival_delay_s(self) -> I32:
        """Arrival delays (seconds) of the primary service day, ``(n_stop_times,)``."""
        return self.day(self.service_day).arrival_delay_s

    @property
    def departure_delay_s(self) -> I32:
        """Departure delays (seconds) of the primary service day, ``(n_stop_times,)``."""
        return self.day(self.service_day).departure_delay_s

    @property
    def skipped(self) -> Bool:
        """Skipped stop times of the primary service day, ``(n_stop_times,)``."""
        return self.day(self.service_day).skipped

    @property
    def trip_cancelled(self) -> Bool:
        """Cancelled trips of the primary service day, ``(n_trips,)``."""
        return self.day(self.service_day).trip_cancelled

    def realtime_times(self, timetable: Timetable, service_day: int) -> tuple[I32, I32]:
        """Realtime ``(arrival_s, departure_s)`` of every stop time on ``service_day``.

        Seconds relative to the service day, like the timetable's own arrays.
        """
        d = self.day(service_day)
        arr = (timetable.arrival_s + d.arrival_delay_s).astype(np.int32)
        dep = (timetable.departure_s + d.departure_delay_s).astype(np.int32)
        return arr, dep


class OverlayBuilder:
    """Mutable builder of a :class:`RealtimeOverlay` (feeds write trips, then ``build()``).

    Parameters
    ----------
    timetable : the static timetable the overlay indexes.
    base : an existing overlay to start from (a DIFFERENTIAL update); ``None`` starts empty
        (a FULL_DATASET update replaces everything).
    """

    def __init__(self, timetable: Timetable, base: RealtimeOverlay | None = None) -> None:
        self.tt = timetable
        self._trip_pattern = timetable.trip_pattern()
        self._days: dict[int, dict[str, np.ndarray]] = {}
        self._touched: dict[int, set[int]] = {}
        if base is not None:
            if not base.matches(timetable):
                raise ValueError("base overlay does not match the timetable's sizes")
            for d, rd in base.days.items():
                self._days[d] = {
                    "arr": rd.arrival_delay_s.copy(), "dep": rd.departure_delay_s.copy(),
                    "skip": rd.skipped.copy(), "cancel": rd.trip_cancelled.copy(),
                }
                self._touched[d] = set()

    def _day(self, service_day: int) -> dict[str, np.ndarray]:
        if service_day not in self._days:
            n_st, n_t = self.tt.n_stop_times, self.tt.n_trips
            self._days[service_day] = {
                "arr": np.zeros(n_st, dtype=np.int32), "dep": np.zeros(n_st, dtype=np.int32),
                "skip": np.zeros(n_st, dtype=np.bool_), "cancel": np.zeros(n_t, dtype=np.bool_),
            }
            self._touched[service_day] = set()
        return self._days[service_day]

    def trip_slice(self, trip: int) -> slice:
        """Stop-time index range of ``trip`` (positions 0..L-1)."""
        p = int(self._trip_pattern[trip])
        length = int(self.tt.pattern_stop_start[p + 1] - self.tt.pattern_stop_start[p])
        a = int(self.tt.pattern_st_start[p] + (trip - self.tt.pattern_trip_start[p]) * length)
        return slice(a, a + length)

    def cancel_trip(self, service_day: int, trip: int) -> None:
        """Mark ``trip`` cancelled on ``service_day`` (its delays are reset)."""
        d = self._day(service_day)
        sl = self.trip_slice(trip)
        d["cancel"][trip] = True
        d["arr"][sl] = 0
        d["dep"][sl] = 0
        d["skip"][sl] = False
        self._touched[service_day].add(int(self._trip_pattern[trip]))

    def set_trip(self, service_day: int, trip: int, arrival_delay_s: npt.ArrayLike,
                 departure_delay_s: npt.ArrayLike, skipped: npt.ArrayLike) -> int:
        """Replace the realtime data of one trip; return the number of stop times clamped.

        Arrays have one entry per stop position of the trip.  Delays are raised where needed so
        that realtime times are non-decreasing along the trip (``arr <= dep <= next arr``);
        the trip is un-cancelled.
        """
        sl = self.trip_slice(trip)
        arr_d = np.asarray(arrival_delay_s, dtype=np.int64)
        dep_d = np.asarray(departure_delay_s, dtype=np.int64)
        skip = np.asarray(skipped, dtype=np.bool_)
        n = sl.stop - sl.start
        if arr_d.shape != (n,) or dep_d.shape != (n,) or skip.shape != (n,):
            raise ValueError(f"trip {trip}: arrays must have {n} entries")
        arr = self.tt.arrival_s[sl].astype(np.int64) + arr_d
        dep = self.tt.departure_s[sl].astype(np.int64) + dep_d
        clamped = _clamp_monotone(arr, dep)
        d = self._day(service_day)
        d["arr"][sl] = (arr - self.tt.arrival_s[sl]).astype(np.int32)
        d["dep"][sl] = (dep - self.tt.departure_s[sl]).astype(np.int32)
        d["skip"][sl] = skip
        d["cancel"][trip] = False
        self._touched[service_day].add(int(self._trip_pattern[trip]))
        return clamped

    def build(self, *, service_day: int, version: int, feed_timestamp: int) -> RealtimeOverlay:
        """Freeze into an overlay; days left without any change are dropped."""
        zero = _zero_day(self.tt.n_stop_times, self.tt.n_trips, -1)
        days: dict[int, RealtimeDay] = {}
        for day, d in sorted(self._days.items()):
            broken = [p for p in sorted(self._touched[day]) if not self._fifo_ok(p, d)]
            rd = RealtimeDay(
                service_day=day,
                arrival_delay_s=_frozen(d["arr"]), departure_delay_s=_frozen(d["dep"]),
                skipped=_frozen(d["skip"]), trip_cancelled=_frozen(d["cancel"]),
                fifo_broken_patterns=_frozen(np.array(broken, dtype=np.int32)),
            )
            if not rd.is_empty:
                days[day] = rd
        self._days = {}
        return RealtimeOverlay(MappingProxyType(days), service_day, version, feed_timestamp,
                               self.tt.n_stop_times, self.tt.n_trips, zero)

    def _fifo_ok(self, p: int, d: dict[str, np.ndarray]) -> bool:
        tt = self.tt
        length = int(tt.pattern_stop_start[p + 1] - tt.pattern_stop_start[p])
        t0, t1 = int(tt.pattern_trip_start[p]), int(tt.pattern_trip_start[p + 1])
        if t1 - t0 < 2:
            return True
        a = int(tt.pattern_st_start[p])
        sl = slice(a, a + (t1 - t0) * length)
        keep = ~d["cancel"][t0:t1]
        dep = (tt.departure_s[sl] + d["dep"][sl]).reshape(t1 - t0, length)[keep]
        arr = (tt.arrival_s[sl] + d["arr"][sl]).reshape(t1 - t0, length)[keep]
        return bool(np.all(np.diff(dep, axis=0) >= 0) and np.all(np.diff(arr, axis=0) >= 0))


def _clamp_monotone(arr: npt.NDArray[np.int64], dep: npt.NDArray[np.int64]) -> int:
    """Raise ``arr``/``dep`` in place so ``arr[i] <= dep[i] <= arr[i+1]``; count changed stops."""
    changed = 0
    prev = np.iinfo(np.int64).min
    for i in range(arr.shape[0]):
        hit = False
        if arr[i] < prev:
            arr[i] = prev
            hit = True
        if dep[i] < arr[i]:
            dep[i] = arr[i]
            hit = True
        prev = int(dep[i])
        changed += hit
    return changed
