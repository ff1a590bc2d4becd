"""compile_timetable: a validated :class:`GtfsFeed` -> :class:`routing.timetable.Timetable`.

Builds the layout documented in :mod:`routing.timetable` with vectorised numpy: stops (all
location types; patterns reference only boarding stops), routes, service bitsets, frequency
runs, FIFO patterns, route-major stop times, transfers.txt CSR, stop->pattern CSR and shapes.
"""

from __future__ import annotations

import logging
import time

import numpy as np
import numpy.typing as npt
import pandas as pd

from feeds.errors import FeedError
from feeds.gtfs.calendar import date_range, pack_days, service_days
from feeds.gtfs.feed import GtfsFeed
from feeds.gtfs.frequencies import expand_runs
from feeds.gtfs.geo import haversine_m
from feeds.gtfs.patterns import build_patterns
from feeds.gtfs.shapes import stop_positions
from feeds.report import IngestReport
from routing.constants import TRANSFER_MIN_TIME
from routing.timetable import Timetable, TimetableNames

log = logging.getLogger("feeds.gtfs")

I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]


def compile_timetable(feed: GtfsFeed, *, report: IngestReport) -> Timetable:
    """Compile a feed into the routing timetable and check its invariants.

    Parameters
    ----------
    feed:
        A feed from :func:`~feeds.gtfs.reader.read_gtfs` or
        :func:`~feeds.gtfs.merge.merge_feeds` (read with a schedule).
    report:
        Receives compile statistics in ``report.info["timetable"]``.

    Raises
    ------
    FeedError
        The feed has no trips, or stop times without times.
    routing.errors.SnapshotError
        The compiled arrays violate the layout (a bug, not bad input).
    """
    t0 = time.perf_counter()
    if len(feed.trips) == 0:
        raise FeedError("no trips to compile", file="trips.txt")
    st = feed.stop_times
    if len(st) and int(st["arrival_s"].min()) < 0:
        raise FeedError("stop times without times cannot be compiled", file="stop_times.txt")

    # stops
    stops = feed.stops
    stop_index = pd.Index(stops["stop_id"])
    stop_parent = stop_index.get_indexer(stops["parent_station"]).astype(np.int32)
    wheel = stops["wheelchair_boarding"].to_numpy(np.int8).copy()
    inherit = (wheel == 0) & (stop_parent >= 0)
    wheel[inherit] = wheel[stop_parent[inherit]]
    stop_lat = stops["stop_lat"].to_numpy(np.float64)
    stop_lon = stops["stop_lon"].to_numpy(np.float64)

    # routes and services
    routes = feed.routes
    route_index = pd.Index(routes["route_id"])
    trips = feed.trips
    service_ids = list(dict.fromkeys([
        *feed.calendar["service_id"].tolist(), *feed.calendar_dates["service_id"].tolist(),
        *trips["service_id"].tolist(),
    ]))
    first_day, n_days = date_range(feed.calendar, feed.calendar_dates)
    service_bits = pack_days(service_days(feed.calendar, feed.calendar_dates, service_ids))

    # GTFS trips and template stop times
    n_gtfs = len(trips)
    trip_index = pd.Index(trips["trip_id"])
    trip_route = route_index.get_indexer(trips["route_id"]).astype(np.int64)
    trip_service = pd.Index(service_ids).get_indexer(trips["service_id"]).astype(np.int32)
    shape_ids = pd.unique(feed.shapes["shape_id"])
    trip_shape_g = pd.Index(shape_ids).get_indexer(trips["shape_id"]).astype(np.int32)
    code = trip_index.get_indexer(st["trip_id"]).astype(np.int64)
    if len(code) > 1 and np.any(np.diff(code) < 0):
        order = np.lexsort((st["stop_sequence"].to_numpy(), code))
        st, code = st.iloc[order].reset_index(drop=True), code[order]
    st_len = np.bincount(code, minlength=n_gtfs).astype(np.int64)
    st_start = np.concatenate([[0], np.cumsum(st_len)]).astype(np.int64)
    stop = stop_index.get_indexer(st["stop_id"]).astype(np.int32)
    arr = st["arrival_s"].to_numpy(np.int32)
    dep = st["departure_s"].to_numpy(np.int32)
    pick = st["pickup_type"].to_numpy(np.int8)
    drop = st["drop_off_type"].to_numpy(np.int8)

    inst_gtfs, inst_shift = expand_runs(n_gtfs, feed.frequencies, trip_index, dep[st_start[:-1]])
    pats = build_patterns(trip_route, st_start, stop=stop, pickup=pick, drop_off=drop,
                          arrival_s=arr, departure_s=dep, inst_gtfs=inst_gtfs,
                          inst_shift=inst_shift)

    # trips in final order and their stop times
    trip_g = inst_gtfs[pats.instances]
    shift = inst_shift[pats.instances]
    lengths = st_len[trip_g]
    rows = _ranges(st_start[trip_g], lengths)
    rep_shift = np.repeat(shift, lengths)
    arrival_s = (arr[rows] + rep_shift).astype(np.int32)
    departure_s = (dep[rows] + rep_shift).astype(np.int32)

    n_pat_trips = np.diff(pats.trip_start)
    pat_len = st_len[pats.template]
    pattern_stops = stop[_ranges(st_start[pats.template], pat_len)].astype(np.int32)
    pattern_stop_start = _offsets(pat_len)
    pattern_st_start = _offsets(pat_len * n_pat_trips)

    # shapes
    shp = feed.shapes
    shape_counts = shp.groupby("shape_id", sort=False).size().reindex(shape_ids).to_numpy()
    shape_start = _offsets(np.asarray(shape_counts, dtype=np.int64))
    shape_lat = shp["shape_pt_lat"].to_numpy(np.float64)
    shape_lon = shp["shape_pt_lon"].to_numpy(np.float64)
    trip_pattern = np.repeat(np.arange(len(pat_len), dtype=np.int64), n_pat_trips)
    trip_shape = trip_shape_g[trip_g]
    st_shape_pos = _shape_positions(
        trip_pattern, trip_shape, lengths, pattern_stops=pattern_stops,
        pattern_stop_start=pattern_stop_start, stop_lat=stop_lat, stop_lon=stop_lon,
        shape_start=shape_start, shape_lat=shape_lat, shape_lon=shape_lon,
    )

    transfer = _transfers(feed, stop_index, stop_parent,
                          location_type=stops["location_type"].to_numpy(np.int8),
                          stop_lat=stop_lat, stop_lon=stop_lon)
    sp_start, sp_patterns, sp_pos = _stop_patterns(pattern_stops, pattern_stop_start, len(stops))
    route_agency = routes["agency_id"].tolist()
    agencies = [a for a in feed.agency["agency_id"].tolist() if a]
    if len(agencies) == 1:
        route_agency = [a or agencies[0] for a in route_agency]

    tt = Timetable(
        stop_lat=stop_lat,
        stop_lon=stop_lon,
        stop_parent=stop_parent,
        stop_wheelchair=wheel,
        route_type=routes["route_type"].to_numpy().astype(np.int16),
        pattern_route=pats.route.astype(np.int32),
        pattern_stop_start=pattern_stop_start,
        pattern_stops=pattern_stops,
        pattern_trip_start=pats.trip_start.astype(np.int32),
        pattern_st_start=pattern_st_start,
        trip_service=trip_service[trip_g],
        trip_gtfs=trip_g.astype(np.int32),
        trip_wheelchair=trips["wheelchair_accessible"].to_numpy(np.int8)[trip_g],
        trip_shape=trip_shape.astype(np.int32),
        arrival_s=arrival_s,
        departure_s=departure_s,
        pickup_type=pick[rows],
        drop_off_type=drop[rows],
        st_shape_pos=st_shape_pos,
        first_day=first_day,
        n_days=n_days,
        service_bits=service_bits,
        transfer_start=transfer[0],
        transfer_to=transfer[1],
        transfer_s=transfer[2],
        transfer_m=transfer[3],
        transfer_kind=transfer[4],
        stop_pattern_start=sp_start,
        stop_patterns=sp_patterns,
        stop_pattern_pos=sp_pos,
        shape_start=shape_start,
        shape_lat=shape_lat,
        shape_lon=shape_lon,
        names=TimetableNames(
            stop_ids=stops["stop_id"].tolist(),
            stop_names=stops["stop_name"].tolist(),
            route_ids=routes["route_id"].tolist(),
            route_short_names=routes["route_short_name"].tolist(),
            route_long_names=routes["route_long_name"].tolist(),
            route_agency=route_agency,
            trip_ids=trips["trip_id"].tolist(),
            trip_headsigns=trips["trip_headsign"].tolist(),
            service_ids=service_ids,
            feed_ids=[f for f in feed.feed_ids if f],
            timezone=feed.timezone,
        ),
    )
    tt.check_invariants()
    nbytes = sum(a.nbytes for a in tt.array_fields().values())
    report.info["timetable"] = {
        "stops": tt.n_stops, "routes": tt.n_routes, "patterns": tt.n_patterns,
        "trips": tt.n_trips, "stop_times": tt.n_stop_times,
        "frequency_runs": int(tt.n_trips - np.sum(~np.isin(
            np.arange(n_gtfs), trip_index.get_indexer(feed.frequencies["trip_id"])))),
        "transfers": int(tt.transfer_to.shape[0]),
        "first_day": first_day, "n_days": n_days, "array_bytes": int(nbytes),
        "compile_s": round(time.perf_counter() - t0, 3),
    }
    return tt


def _offsets(sizes: npt.NDArray[np.integer]) -> I32:
    """CSR offsets ``[0, cumsum(sizes)...]`` as int32."""
    return np.concatenate([[0], np.cumsum(sizes, dtype=np.int64)]).astype(np.int32)


def _ranges(starts: I64, lengths: I64) -> I64:
    """Concatenation of ``arange(s, s + n)`` for every (start, length) pair."""
    total = int(lengths.sum())
    before = np.cumsum(lengths) - lengths
    return np.repeat(starts - before, lengths) + np.arange(total, dtype=np.int64)


def _shape_positions(
    trip_pattern: I64, trip_shape: I32, lengths: I64, *, pattern_stops: I32,
    pattern_stop_start: I32, stop_lat: npt.NDArray[np.float64],
    stop_lon: npt.NDArray[np.float64], shape_start: I32, shape_lat: npt.NDArray[np.float64],
    shape_lon: npt.NDArray[np.float64],
) -> I32:
    """Per stop time, the global shape-point index matched to its stop (-1 without shape)."""
    n_shapes = len(shape_start) - 1
    combo = trip_pattern * (n_shapes + 1) + (trip_shape.astype(np.int64) + 1)
    uniq, inverse = np.unique(combo, return_inverse=True)
    chunks: list[I64] = []
    sizes: list[int] = []
    for c in uniq.tolist():
        p, s = divmod(c, n_shapes + 1)
        s -= 1
        a, b = int(pattern_stop_start[p]), int(pattern_stop_start[p + 1])
        if s < 0 or shape_start[s + 1] == shape_start[s]:
            chunks.append(np.full(b - a, -1, dtype=np.int64))
        else:
            sa, sb = int(shape_start[s]), int(shape_start[s + 1])
            ps = pattern_stops[a:b]
            pos = stop_positions(stop_lat[ps], stop_lon[ps], shape_lat[sa:sb], shape_lon[sa:sb])
            chunks.append(pos + sa)
        sizes.append(b - a)
    flat = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int64)
    off = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    return flat[_ranges(off[inverse], lengths)].astype(np.int32)


def _transfers(
    feed: GtfsFeed, stop_index: pd.Index, stop_parent: I32, *,
    location_type: npt.NDArray[np.int8], stop_lat: npt.NDArray[np.float64],
    stop_lon: npt.NDArray[np.float64],
) -> tuple[I32, I32, I32, I32, npt.NDArray[np.int8]]:
    """transfers.txt as a CSR by from-stop; a station end expands to its boarding children.

    A row naming a stop directly wins over one reached by expanding a station.
    """
    n = len(stop_index)
    tr = feed.transfers
    f = stop_index.get_indexer(tr["from_stop_id"]).astype(np.int64)
    t = stop_index.get_indexer(tr["to_stop_id"]).astype(np.int64)
    kind = tr["transfer_type"].to_numpy(np.int8)
    secs = np.where(kind == TRANSFER_MIN_TIME, np.maximum(tr["min_transfer_time"], 0), 0)
    station = location_type == 1
    child = np.flatnonzero((stop_parent >= 0) & np.isin(location_type, (0, 4)))
    members = pd.DataFrame({
        "stop": np.concatenate([np.flatnonzero(~station), stop_parent[child]]),
        "member": np.concatenate([np.flatnonzero(~station), child]),
        "via": np.concatenate([np.zeros(int((~station).sum()), int), np.ones(len(child), int)]),
    })
    rows = pd.DataFrame({"f": f, "t": t, "kind": kind, "secs": secs, "order": np.arange(len(f))})
    rows = rows.merge(members.rename(columns={"stop": "f", "member": "fm", "via": "fv"}), on="f")
    rows = rows.merge(members.rename(columns={"stop": "t", "member": "tm", "via": "tv"}), on="t")
    rows["prio"] = rows["fv"] + rows["tv"]
    rows = rows.sort_values(["prio", "order"], kind="stable").drop_duplicates(["fm", "tm"])
    rows = rows.sort_values(["fm", "tm"], kind="stable")
    fm = rows["fm"].to_numpy(np.int64)
    tm = rows["tm"].to_numpy(np.int64)
    dist = haversine_m(stop_lat[fm], stop_lon[fm], stop_lat[tm], stop_lon[tm])
    start = _offsets(np.bincount(fm, minlength=n))
    return (start, tm.astype(np.int32), rows["secs"].to_numpy(np.int32),
            np.rint(dist).astype(np.int32), rows["kind"].to_numpy(np.int8))


def _stop_patterns(pattern_stops: I32, pattern_stop_start: I32, n_stops: int
                   ) -> tuple[I32, I32, I32]:
    """CSR stop -> (pattern, position of the stop in the pattern)."""
    lengths = np.diff(pattern_stop_start).astype(np.int64)
    pattern = np.repeat(np.arange(len(lengths), dtype=np.int32), lengths)
    pos = (np.arange(len(pattern_stops)) - np.repeat(pattern_stop_start[:-1], lengths))
    order = np.argsort(pattern_stops, kind="stable")
    start = _offsets(np.bincount(pattern_stops, minlength=n_stops))
    return start, pattern[order], pos[order].astype(np.int32)
