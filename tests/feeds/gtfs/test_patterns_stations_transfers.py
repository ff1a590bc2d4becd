"""Feature: trip patterns (route + stops + pickup/drop-off, FIFO split on overtaking), parent
stations and wheelchair fields, transfers.txt CSR, route types, shapes, merging feeds."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from feeds.gtfs import compile_timetable, merge_feeds, read_gtfs
from routing.constants import TRANSFER_FORBIDDEN, TRANSFER_MIN_TIME, TRANSFER_TIMED
from tests.feeds.gtfs.feeds_text import BASIC, basic_with, build
from tests.support.gtfs_text import gtfs_zip

HEADER = "trip_id,arrival_time,departure_time,stop_id,stop_sequence,pickup_type,drop_off_type\n"


def _trips_text(ids: list[str], route: str = "R1") -> str:
    return "route_id,service_id,trip_id,wheelchair_accessible\n" + "".join(
        f"{route},WK,{t},{i % 3}\n" for i, t in enumerate(ids)
    )


def _pattern_trip_ids(tt: object) -> list[list[str]]:
    out = []
    for p in range(tt.n_patterns):  # type: ignore[attr-defined]
        a, b = tt.pattern_trip_start[p], tt.pattern_trip_start[p + 1]  # type: ignore[attr-defined]
        out.append([tt.names.trip_ids[tt.trip_gtfs[t]] for t in range(a, b)])  # type: ignore[attr-defined]
    return out


def test_patterns_group_by_stops_and_pickup_and_sort_by_departure(tmp_path: Path) -> None:
    st = HEADER + (
        "S1,10:00:00,10:00:00,A,1,,\nS1,10:10:00,10:10:00,D,2,,\n"  # A-D
        "S2,08:00:00,08:00:00,A,1,,\nS2,08:10:00,08:10:00,D,2,,\n"  # A-D, earlier
        "S3,09:00:00,09:00:00,A,1,,\nS3,09:10:00,09:10:00,D,2,,1\n"  # A-D, no drop-off at D
        "S4,09:30:00,09:30:00,A,1,,\nS4,09:40:00,09:40:00,C,2,,\n"  # A-C
    )
    _, _, tt = build(basic_with(trips=_trips_text(["S1", "S2", "S3", "S4"]), stop_times=st),
                     tmp_path)
    groups = sorted(_pattern_trip_ids(tt))
    assert groups == [["S2", "S1"], ["S3"], ["S4"]]
    for p in range(tt.n_patterns):
        assert tt.names.stop_ids[tt.pattern_stops[tt.pattern_stop_start[p]]] == "A"
    s3 = tt.trip_gtfs.tolist().index(tt.names.trip_ids.index("S3"))
    assert int(tt.drop_off_type[tt.stop_time_index(s3, 1)]) == 1


def test_overtaking_trips_split_into_fifo_patterns(tmp_path: Path) -> None:
    st = HEADER + (
        "SLOW,08:00:00,08:00:00,A,1,,\nSLOW,08:30:00,08:30:00,B,2,,\nSLOW,09:00:00,09:00:00,D,3,,\n"
        "FAST,08:10:00,08:10:00,A,1,,\nFAST,08:20:00,08:20:00,B,2,,\nFAST,08:30:00,08:30:00,D,3,,\n"
        "NEXT,08:40:00,08:40:00,A,1,,\nNEXT,09:10:00,09:10:00,B,2,,\nNEXT,09:40:00,09:40:00,D,3,,\n"
    )
    _, _, tt = build(basic_with(trips=_trips_text(["SLOW", "FAST", "NEXT"]), stop_times=st),
                     tmp_path)
    # first fit in departure order: FAST overtakes SLOW, NEXT follows SLOW
    assert sorted(_pattern_trip_ids(tt)) == [["FAST"], ["SLOW", "NEXT"]]
    tt.check_invariants()  # FIFO inside every pattern


def test_parent_stations_and_wheelchair(tmp_path: Path) -> None:
    stops = (
        "stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station,wheelchair_boarding\n"
        "ST,Station,45.75,21.20,1,,1\n"
        "A,Alpha 1,45.7501,21.2001,0,ST,\n"
        "B,Bravo,45.75,21.21,,,2\n"
        "C,Charlie,45.75,21.22,,,\n"
        "D,Delta,45.75,21.24,,,\n"
        "E1,Entrance,45.7499,21.1999,2,ST,\n"
    )
    trips = "route_id,service_id,trip_id,wheelchair_accessible\nR1,WK,T1,1\nR1,WK,T2,2\n"
    _, _, tt = build(basic_with(stops=stops, trips=trips), tmp_path)
    ids = tt.names.stop_ids
    assert tt.n_stops == 6
    st_idx, a_idx, e_idx = ids.index("ST"), ids.index("A"), ids.index("E1")
    assert tt.stop_parent[a_idx] == st_idx and tt.stop_parent[e_idx] == st_idx
    assert tt.stop_parent[ids.index("B")] == -1
    assert tt.stop_wheelchair[a_idx] == 1  # inherited from the station
    assert tt.stop_wheelchair[ids.index("B")] == 2
    assert st_idx not in set(tt.pattern_stops.tolist())
    assert e_idx not in set(tt.pattern_stops.tolist())
    by_gtfs = {tt.names.trip_ids[g]: int(w) for g, w in zip(tt.trip_gtfs, tt.trip_wheelchair,
                                                            strict=True)}
    assert by_gtfs == {"T1": 1, "T2": 2}
    # stop -> pattern CSR lists B once at position 1
    a, b = tt.stop_pattern_start[ids.index("B")], tt.stop_pattern_start[ids.index("B") + 1]
    assert tt.stop_pattern_pos[a:b].tolist() == [1]


def test_stop_time_at_station_is_skipped(tmp_path: Path) -> None:
    stops = (
        "stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station\n"
        "ST,Station,45.75,21.20,1,\nA,Alpha,45.75,21.20,0,ST\nB,B,45.75,21.21,,\n"
        "C,C,45.75,21.22,,\nD,D,45.75,21.24,,\n"
    )
    st = HEADER + (
        "T1,08:00:00,08:00:00,ST,1,,\nT1,08:05:00,08:05:00,B,2,,\nT1,08:10:00,08:10:00,C,3,,\n"
        "T2,09:00:00,09:00:00,A,1,,\nT2,09:10:00,09:10:00,C,2,,\n"
    )
    _, report, tt = build(basic_with(stops=stops, stop_times=st), tmp_path)
    assert report.skipped[("stop_times.txt", "stop_is_not_boarding_location")] == 1
    assert tt.n_stop_times == 4


def test_transfers_csr(tmp_path: Path) -> None:
    stops = (
        "stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station\n"
        "ST,Station,45.75,21.20,1,\nA,Alpha,45.75,21.20,0,ST\nA2,Alpha 2,45.7501,21.2,0,ST\n"
        "B,B,45.75,21.21,,\nC,C,45.75,21.22,,\nD,D,45.75,21.24,,\n"
    )
    transfers = (
        "from_stop_id,to_stop_id,transfer_type,min_transfer_time\n"
        "B,B,2,120\nB,C,2,300\nC,D,3,\nD,C,1,\nST,D,0,\nA,D,2,60\nX,B,0,\n"
    )
    _, report, tt = build(basic_with(stops=stops, transfers=transfers), tmp_path)
    ids = tt.names.stop_ids
    got = {}
    for s in range(tt.n_stops):
        for k in range(tt.transfer_start[s], tt.transfer_start[s + 1]):
            kind, secs = int(tt.transfer_kind[k]), int(tt.transfer_s[k])
            got[(ids[s], ids[tt.transfer_to[k]])] = (kind, secs)
    assert got == {
        ("B", "B"): (TRANSFER_MIN_TIME, 120),
        ("B", "C"): (TRANSFER_MIN_TIME, 300),
        ("C", "D"): (TRANSFER_FORBIDDEN, 0),
        ("D", "C"): (TRANSFER_TIMED, 0),
        ("A", "D"): (TRANSFER_MIN_TIME, 60),  # the stop's own row wins over the station's
        ("A2", "D"): (0, 0),  # station row expanded to its child
    }
    k = tt.transfer_start[ids.index("B")] + 1
    assert abs(int(tt.transfer_m[k]) - 780) < 5  # 0.01 degree of longitude at 45.75 N
    assert report.skipped[("transfers.txt", "unknown_stop_id")] == 1


def test_route_types_basic_and_extended(tmp_path: Path) -> None:
    routes = (
        "route_id,agency_id,route_short_name,route_long_name,route_type\n"
        "R1,STPT,1,,3\nR2,STPT,2,,700\nR3,STPT,3,,11\nR4,STPT,4,,1501\n"
    )
    _, _, tt = build(basic_with(routes=routes), tmp_path)
    assert tt.route_type.tolist() == [3, 700, 11, 1501]
    assert tt.names.route_agency == ["STPT"] * 4


def test_shape_positions_are_nearest_and_monotone(tmp_path: Path) -> None:
    # Shape goes A -> D and back to A: stop A at the start must match point 0, not the end.
    shapes = "shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence\n" + "".join(
        f"SH,45.75,{lon:.3f},{i}\n"
        for i, lon in enumerate([21.2, 21.205, 21.21, 21.215, 21.22, 21.23, 21.24, 21.22, 21.2])
    )
    trips = "route_id,service_id,trip_id,shape_id\nR1,WK,T1,SH\nR1,WK,T2,\n"
    st = HEADER + (
        "T1,08:00:00,08:00:00,A,1,,\nT1,08:05:00,08:05:00,B,2,,\nT1,08:10:00,08:10:00,C,3,,\n"
        "T1,08:20:00,08:20:00,D,4,,\nT1,08:25:00,08:25:00,C,5,,\nT1,08:30:00,08:30:00,A,6,,\n"
        "T2,09:00:00,09:00:00,A,1,,\nT2,09:10:00,09:10:00,C,2,,\n"
    )
    _, _, tt = build(basic_with(shapes=shapes, trips=trips, stop_times=st), tmp_path)
    t1 = tt.trip_gtfs.tolist().index(tt.names.trip_ids.index("T1"))
    s = int(tt.trip_shape[t1])
    base = int(tt.shape_start[s])
    pos = [int(tt.st_shape_pos[tt.stop_time_index(t1, i)]) - base for i in range(6)]
    assert pos == [0, 2, 4, 6, 7, 8]
    t2 = tt.trip_gtfs.tolist().index(tt.names.trip_ids.index("T2"))
    assert tt.trip_shape[t2] == -1
    assert int(tt.st_shape_pos[tt.stop_time_index(t2, 0)]) == -1


def test_merge_namespaces_ids_only_for_several_feeds(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    fa, ra = read_gtfs(gtfs_zip(BASIC, tmp_path / "a"), feed_id="a")
    fb, _ = read_gtfs(gtfs_zip(BASIC, tmp_path / "b"), feed_id="b")
    single = compile_timetable(merge_feeds([fa]), report=ra)
    assert single.names.stop_ids == ["A", "B", "C", "D"]
    tt = compile_timetable(merge_feeds([fa, fb]), report=ra)
    assert tt.n_stops == 8 and tt.n_trips == 4 and tt.n_patterns == 2
    assert tt.names.stop_ids[:2] == ["a:A", "a:B"] and tt.names.stop_ids[4] == "b:A"
    assert sorted(tt.names.trip_ids) == ["a:T1", "a:T2", "b:T1", "b:T2"]
    assert tt.names.service_ids == ["a:WK", "b:WK"]
    assert tt.names.feed_ids == ["a", "b"]
    assert set(np.unique(tt.pattern_route).tolist()) == {0, 1}
