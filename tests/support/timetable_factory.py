"""Build a :class:`routing.timetable.Timetable` directly from small Python descriptions.

Stops are named by strings; times are ``"HH:MM"``/``"HH:MM:SS"`` strings (may pass 24:00) or
int seconds.  Trips of one route with the same stop sequence and pickup/drop-off rules are
grouped into patterns and, like the real compiler, split into several patterns where trips
overtake each other, so every pattern is FIFO.

Example::

    tt = build_timetable(
        stops=["A", "B", "C"],
        trips=[TripSpec("R1", ["A", "B", "C"], ["08:00", "08:05", "08:10"])],
        day=DAY,
    )
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from routing.constants import TRANSFER_FOOTPATH
from routing.timetable import Timetable, TimetableNames

#: A Monday (2018-10-01) used as the default service date of the tests.
DAY = 736_968


def hms(value: str | int) -> int:
    """``"HH:MM[:SS]"`` (hours may exceed 23) or int seconds -> seconds."""
    if isinstance(value, int):
        return value
    parts = [int(p) for p in value.split(":")]
    while len(parts) < 3:
        parts.append(0)
    return parts[0] * 3600 + parts[1] * 60 + parts[2]


@dataclass(frozen=True)
class TripSpec:
    """One trip: route name, stop names, times (one per stop, or (arr, dep) pairs).

    ``pickup``/``drop_off`` are per-stop GTFS pickup_type/drop_off_type (default all 0).
    """

    route: str
    stops: Sequence[str]
    times: Sequence[str | int | tuple[str | int, str | int]]
    service: str = "daily"
    pickup: Sequence[int] | None = None
    drop_off: Sequence[int] | None = None
    wheelchair: int = 0
    name: str = ""


@dataclass(frozen=True)
class TransferSpec:
    """A transfer row: GTFS kind 0..3 or ``TRANSFER_FOOTPATH`` (walking ``seconds``)."""

    from_stop: str
    to_stop: str
    kind: int
    seconds: int = 0
    metres: int = 0


def footpath(a: str, b: str, seconds: int, metres: int | None = None) -> list[TransferSpec]:
    """Footpath rows both ways between two stops (``metres`` defaults to ``seconds``)."""
    m = seconds if metres is None else metres
    return [
        TransferSpec(a, b, TRANSFER_FOOTPATH, seconds, m),
        TransferSpec(b, a, TRANSFER_FOOTPATH, seconds, m),
    ]


@dataclass
class _Trip:
    spec: TripSpec
    arr: list[int]
    dep: list[int]
    pick: list[int]
    drop: list[int]
    index: int = 0
    extra: dict[str, int] = field(default_factory=dict)


def _expand(spec: TripSpec, k: int) -> _Trip:
    arr: list[int] = []
    dep: list[int] = []
    for t in spec.times:
        if isinstance(t, tuple):
            arr.append(hms(t[0]))
            dep.append(hms(t[1]))
        else:
            arr.append(hms(t))
            dep.append(hms(t))
    n = len(spec.stops)
    if len(arr) != n:
        raise ValueError(f"trip {k}: {n} stops but {len(arr)} times")
    pick = list(spec.pickup) if spec.pickup is not None else [0] * n
    drop = list(spec.drop_off) if spec.drop_off is not None else [0] * n
    return _Trip(spec, arr, dep, pick, drop, k)


def _overtakes(a: _Trip, b: _Trip) -> bool:
    """Whether ``b`` (sorted after ``a``) fails to stay behind ``a`` at some position."""
    return any(x > y for x, y in zip(a.dep, b.dep, strict=True)) or any(
        x > y for x, y in zip(a.arr, b.arr, strict=True)
    )


def build_timetable(
    stops: Sequence[str],
    trips: Sequence[TripSpec],
    *,
    day: int = DAY,
    services: dict[str, Sequence[int]] | None = None,
    transfers: Sequence[TransferSpec] = (),
    stop_wheelchair: dict[str, int] | None = None,
    first_day: int | None = None,
    n_days: int = 7,
) -> Timetable:
    """Compile a timetable from descriptions.

    Parameters
    ----------
    stops : names of the stops, in index order.
    trips : the trips; trip indices of the result follow pattern order (see ``trip_gtfs``
        for the index of each trip in ``trips``).
    day : default service date (ISO ordinal) for the ``"daily"`` service.
    services : service name -> active ISO date ordinals; ``"daily"`` defaults to every day of
        the covered range.
    transfers : transfers.txt rows and footpaths.
    stop_wheelchair : per-stop wheelchair_boarding (default 0).
    first_day, n_days : the day range covered by the service bitsets.
    """
    stop_idx = {name: i for i, name in enumerate(stops)}
    fd = day - 1 if first_day is None else first_day
    svc = dict(services or {})
    svc.setdefault("daily", list(range(fd, fd + n_days)))
    service_names = sorted(svc)
    service_idx = {name: i for i, name in enumerate(service_names)}
    n_words = (n_days + 63) // 64
    bits = np.zeros((len(service_names), n_words), dtype=np.uint64)
    for name, days in svc.items():
        for d in days:
            off = d - fd
            if 0 <= off < n_days:
                bits[service_idx[name], off >> 6] |= np.uint64(1) << np.uint64(off & 63)

    route_names = sorted({t.route for t in trips})
    route_idx = {r: i for i, r in enumerate(route_names)}
    expanded = [_expand(spec, k) for k, spec in enumerate(trips)]
    groups: dict[tuple[object, ...], list[_Trip]] = {}
    for tr in expanded:
        key = (tr.spec.route, tuple(tr.spec.stops), tuple(tr.pick), tuple(tr.drop))
        groups.setdefault(key, []).append(tr)
    patterns: list[list[_Trip]] = []
    for key in sorted(groups, key=repr):
        members = sorted(groups[key], key=lambda t: (t.dep, t.arr, t.index))
        chains: list[list[_Trip]] = []
        for tr in members:
            for chain in chains:
                if not _overtakes(chain[-1], tr):
                    chain.append(tr)
                    break
            else:
                chains.append([tr])
        patterns.extend(chains)

    pattern_route, pattern_stop_start, pattern_stops = [], [0], []
    pattern_trip_start, pattern_st_start = [0], [0]
    trip_service, trip_gtfs, trip_wheelchair = [], [], []
    arrival, departure, pickup, drop_off = [], [], [], []
    for chain in patterns:
        first = chain[0]
        pattern_route.append(route_idx[first.spec.route])
        pattern_stops.extend(stop_idx[s] for s in first.spec.stops)
        pattern_stop_start.append(len(pattern_stops))
        for tr in chain:
            trip_service.append(service_idx[tr.spec.service])
            trip_gtfs.append(tr.index)
            trip_wheelchair.append(tr.spec.wheelchair)
            arrival.extend(tr.arr)
            departure.extend(tr.dep)
            pickup.extend(tr.pick)
            drop_off.extend(tr.drop)
        pattern_trip_start.append(len(trip_service))
        pattern_st_start.append(len(arrival))

    n_stops = len(stops)
    sp: list[list[tuple[int, int]]] = [[] for _ in range(n_stops)]
    for p in range(len(patterns)):
        for pos, s in enumerate(pattern_stops[pattern_stop_start[p] : pattern_stop_start[p + 1]]):
            sp[s].append((p, pos))
    stop_pattern_start = np.zeros(n_stops + 1, dtype=np.int32)
    stop_pattern_start[1:] = np.cumsum([len(x) for x in sp])
    flat = [pp for x in sp for pp in x]

    rows = sorted(
        (stop_idx[t.from_stop], stop_idx[t.to_stop], t.seconds, t.metres, t.kind) for t in transfers
    )
    transfer_start = np.zeros(n_stops + 1, dtype=np.int32)
    for r in rows:
        transfer_start[r[0] + 1] += 1
    transfer_start = np.cumsum(transfer_start).astype(np.int32)
    n_st = len(arrival)
    wc = stop_wheelchair or {}
    i32 = np.int32
    names = TimetableNames(
        stop_ids=list(stops),
        stop_names=list(stops),
        route_ids=route_names,
        route_short_names=route_names,
        route_long_names=route_names,
        route_agency=["agency"] * len(route_names),
        trip_ids=[t.name or f"t{k}" for k, t in enumerate(trips)],
        trip_headsigns=[t.stops[-1] for t in trips],
        service_ids=service_names,
    )
    return Timetable(
        stop_lat=np.linspace(45.70, 45.80, n_stops, dtype=np.float64),
        stop_lon=np.full(n_stops, 21.2, dtype=np.float64),
        stop_parent=np.full(n_stops, -1, dtype=i32),
        stop_wheelchair=np.array([wc.get(s, 0) for s in stops], dtype=np.int8),
        route_type=np.full(len(route_names), 3, dtype=np.int16),
        pattern_route=np.array(pattern_route, dtype=i32),
        pattern_stop_start=np.array(pattern_stop_start, dtype=i32),
        pattern_stops=np.array(pattern_stops, dtype=i32),
        pattern_trip_start=np.array(pattern_trip_start, dtype=i32),
        pattern_st_start=np.array(pattern_st_start, dtype=i32),
        trip_service=np.array(trip_service, dtype=i32),
        trip_gtfs=np.array(trip_gtfs, dtype=i32),
        trip_wheelchair=np.array(trip_wheelchair, dtype=np.int8),
        trip_shape=np.full(len(trip_service), -1, dtype=i32),
        arrival_s=np.array(arrival, dtype=i32),
        departure_s=np.array(departure, dtype=i32),
        pickup_type=np.array(pickup, dtype=np.int8),
        drop_off_type=np.array(drop_off, dtype=np.int8),
        st_shape_pos=np.full(n_st, -1, dtype=i32),
        first_day=fd,
        n_days=n_days,
        service_bits=bits,
        transfer_start=transfer_start,
        transfer_to=np.array([r[1] for r in rows], dtype=i32),
        transfer_s=np.array([r[2] for r in rows], dtype=i32),
        transfer_m=np.array([r[3] for r in rows], dtype=i32),
        transfer_kind=np.array([r[4] for r in rows], dtype=np.int8),
        stop_pattern_start=stop_pattern_start,
        stop_patterns=np.array([x[0] for x in flat], dtype=i32),
        stop_pattern_pos=np.array([x[1] for x in flat], dtype=i32),
        shape_start=np.zeros(1, dtype=i32),
        shape_lat=np.zeros(0, dtype=np.float64),
        shape_lon=np.zeros(0, dtype=np.float64),
        names=names,
    )


def clock(t: int) -> str:
    """Seconds of the query day -> ``HH:MM`` (or ``HH:MM:SS`` when not whole minutes)."""
    sign = "-" if t < 0 else ""
    t = abs(t)
    h, m, s = t // 3600, t // 60 % 60, t % 60
    return f"{sign}{h:02d}:{m:02d}" + (f":{s:02d}" if s else "")


def journey_str(tt: Timetable, journey: object) -> str:
    """Compact one-line journey: ``R1 A 08:00 B 08:05 ~ walk B-C 120s ~ R2 C 08:10 D 08:20
    [08:00 08:20 1tr walk 120s]``; same-stop changes are implicit."""
    from routing.path import AccessLeg, EgressLeg, Journey, TransferLeg, TransitLeg

    assert isinstance(journey, Journey)
    names = tt.names.stop_ids
    trip_pattern = tt.trip_pattern()
    parts: list[str] = []
    for leg in journey.legs:
        if isinstance(leg, TransitLeg):
            route = tt.names.route_short_names[int(tt.pattern_route[trip_pattern[leg.trip]])]
            parts.append(
                f"{route} {names[leg.board_stop]} {clock(leg.dep_s)} "
                f"{names[leg.alight_stop]} {clock(leg.arr_s)}"
            )
        elif isinstance(leg, TransferLeg) and leg.from_stop != leg.to_stop:
            parts.append(f"walk {names[leg.from_stop]}-{names[leg.to_stop]} {leg.duration_s}s")
        elif isinstance(leg, AccessLeg):
            parts.append(f"access {leg.arr_s - leg.dep_s}s")
        elif isinstance(leg, EgressLeg):
            parts.append(f"egress {leg.arr_s - leg.dep_s}s")
    return (
        " ~ ".join(parts)
        + f" [{clock(journey.dep_s)} {clock(journey.arr_s)} {journey.transfers}tr"
        + f" walk {journey.walk_s}s]"
    )
