"""Group trip instances into patterns: same route, stop sequence and pickup/drop-off rules,
sorted by departure, and split so that no trip overtakes another at any stop (FIFO)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
I8 = npt.NDArray[np.int8]


@dataclass(frozen=True)
class Patterns:
    """Pattern grouping of trip instances.

    Attributes
    ----------
    template:
        Per pattern, a GTFS trip code whose stop sequence is the pattern's.
    route:
        Per pattern, the route code.
    trip_start:
        CSR offsets, shape ``(n_patterns + 1,)``, into ``instances``.
    instances:
        Instance ids in final trip order (grouped by pattern, sorted by departure).
    """

    template: I64
    route: I64
    trip_start: I64
    instances: I64


def build_patterns(
    trip_route: I64, st_start: I64, *, stop: I32, pickup: I8, drop_off: I8, arrival_s: I32,
    departure_s: I32, inst_gtfs: I64, inst_shift: I64,
) -> Patterns:
    """Group instances by (route, stops, pickup, drop-off), sort and split into FIFO patterns.

    Parameters
    ----------
    trip_route:
        Route code per GTFS trip.
    st_start:
        Offsets of each GTFS trip's stop times (shape ``(n_gtfs_trips + 1,)``).
    stop, pickup, drop_off, arrival_s, departure_s:
        Template stop-time columns (seconds for times), sorted by trip then sequence.
    inst_gtfs, inst_shift:
        Per trip instance: GTFS trip code and time shift in seconds.
    """
    used = np.unique(inst_gtfs)
    key_of: dict[bytes, int] = {}
    trip_key = np.full(len(trip_route), -1, dtype=np.int64)
    for g in used.tolist():
        a, b = int(st_start[g]), int(st_start[g + 1])
        k = b"".join((int(trip_route[g]).to_bytes(8, "little", signed=True), stop[a:b].tobytes(),
                      pickup[a:b].tobytes(), drop_off[a:b].tobytes()))
        trip_key[g] = key_of.setdefault(k, len(key_of))
    inst_key = trip_key[inst_gtfs]
    order = np.argsort(inst_key, kind="stable")
    bounds = np.flatnonzero(np.diff(inst_key[order])) + 1
    templates: list[int] = []
    out: list[I64] = []
    for group in np.split(order, bounds):
        g0 = int(inst_gtfs[group[0]])
        length = int(st_start[g0 + 1] - st_start[g0])
        rows = st_start[inst_gtfs[group]][:, None] + np.arange(length)[None, :]
        shift = inst_shift[group][:, None]
        arr = arrival_s[rows] + shift
        dep = departure_s[rows] + shift
        srt = np.lexsort(dep.T[::-1])
        members, arr, dep = group[srt], arr[srt], dep[srt]
        for part in _fifo_split(arr, dep):
            templates.append(g0)
            out.append(members[part])
    sizes = np.array([len(m) for m in out], dtype=np.int64)
    template = np.array(templates, dtype=np.int64)
    return Patterns(
        template=template,
        route=trip_route[template].astype(np.int64),
        trip_start=np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
        instances=np.concatenate(out) if out else np.zeros(0, dtype=np.int64),
    )


def _fifo_split(arr: npt.NDArray[np.int64], dep: npt.NDArray[np.int64]) -> list[I64]:
    """Split departure-sorted trips into runs where no trip overtakes another at any stop.

    Greedy first fit: each trip joins the first group whose last trip it does not overtake
    (arrival and departure at every stop no earlier), else opens a new group.
    """
    n = arr.shape[0]
    if n == 1 or (np.all(np.diff(arr, axis=0) >= 0) and np.all(np.diff(dep, axis=0) >= 0)):
        return [np.arange(n, dtype=np.int64)]
    groups: list[list[int]] = []
    last: list[int] = []
    for i in range(n):
        for g, j in enumerate(last):
            if np.all(arr[i] >= arr[j]) and np.all(dep[i] >= dep[j]):
                groups[g].append(i)
                last[g] = i
                break
        else:
            groups.append([i])
            last.append(i)
    return [np.array(g, dtype=np.int64) for g in groups]
