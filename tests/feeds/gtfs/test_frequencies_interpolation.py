"""Feature: frequencies.txt runs (exact_times 0 and 1) and filling of blank stop times
(copy of a lone arrival/departure; interpolation by shape_dist_traveled or straight line)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.feeds.gtfs.feeds_text import basic_with, build, trip_times

FREQ_STOP_TIMES = (
    "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
    "T1,05:00:00,05:00:00,A,1\nT1,05:07:00,05:08:00,B,2\nT1,05:20:00,05:20:00,D,3\n"
    "T2,09:00:00,09:00:00,A,1\nT2,09:10:00,09:10:00,C,2\n"
)


def test_frequency_runs_exact_and_headway(tmp_path: Path) -> None:
    text = basic_with(
        stop_times=FREQ_STOP_TIMES,
        frequencies="trip_id,start_time,end_time,headway_secs,exact_times\n"
        "T1,06:00:00,07:00:00,1200,1\n"  # runs 06:00, 06:20, 06:40 (end exclusive)
        "T1,16:00:00,16:30:01,900,0\n",  # runs 16:00, 16:15, 16:30
    )
    _, report, tt = build(text, tmp_path)
    runs = trip_times(tt, "T1")
    starts = sorted(r[0][1] for r in runs)
    assert starts == [21_600, 22_800, 24_000, 57_600, 58_500, 59_400]
    for r in runs:  # each run keeps the template's running times (7 min, 1 min dwell, 12 min)
        d0 = r[0][1]
        assert r == [(d0, d0), (d0 + 420, d0 + 480), (d0 + 1200, d0 + 1200)]
    assert tt.n_trips == 6 + 1
    g = tt.names.trip_ids.index("T1")
    assert int(np.sum(tt.trip_gtfs == g)) == 6
    assert tt.names.trip_ids[g] == "T1"
    assert report.info["timetable"]["frequency_runs"] == 6


def test_lone_arrival_or_departure_is_copied(tmp_path: Path) -> None:
    text = basic_with(
        stop_times="trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
        "T1,,08:00:00,A,1\nT1,08:05:00,,B,2\nT1,08:10:00,,C,3\n"
        "T2,09:00:00,09:00:00,A,1\nT2,09:10:00,09:10:00,C,2\n"
    )
    _, _, tt = build(text, tmp_path)
    assert trip_times(tt, "T1") == [[(28_800, 28_800), (29_100, 29_100), (29_400, 29_400)]]


def test_interpolation_by_shape_dist_traveled(tmp_path: Path) -> None:
    text = basic_with(
        stop_times="trip_id,arrival_time,departure_time,stop_id,stop_sequence,"
        "shape_dist_traveled\n"
        "T1,08:00:00,08:00:00,A,1,0\nT1,,,B,2,100\nT1,,,C,3,300\nT1,08:10:00,08:10:00,D,4,1000\n"
        "T2,09:00:00,09:00:00,A,1,\nT2,09:10:00,09:10:00,C,2,\n"
    )
    _, _, tt = build(text, tmp_path)
    # 10 minutes over 1000 units: B at 100 -> +60 s, C at 300 -> +180 s
    assert trip_times(tt, "T1") == [
        [(28_800, 28_800), (28_860, 28_860), (28_980, 28_980), (29_400, 29_400)]
    ]


def test_interpolation_by_straight_line(tmp_path: Path) -> None:
    # A, B, C, D on one parallel at lon 21.20, 21.21, 21.22, 21.24: distances 1:1:2
    text = basic_with(
        stop_times="trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
        "T1,08:00:00,08:00:00,A,1\nT1,,,B,2\nT1,,,C,3\nT1,08:08:00,08:08:00,D,4\n"
        "T2,09:00:00,09:00:00,A,1\nT2,09:10:00,09:10:00,C,2\n"
    )
    _, _, tt = build(text, tmp_path)
    assert trip_times(tt, "T1") == [
        [(28_800, 28_800), (28_920, 28_920), (29_040, 29_040), (29_280, 29_280)]
    ]


def test_trip_with_untimed_last_stop_is_skipped(tmp_path: Path) -> None:
    text = basic_with(
        stop_times="trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
        "T1,08:00:00,08:00:00,A,1\nT1,08:05:00,08:05:00,B,2\nT1,,,C,3\n"
        "T2,09:00:00,09:00:00,A,1\nT2,09:10:00,09:10:00,C,2\n"
    )
    _, report, tt = build(text, tmp_path)
    assert tt.n_trips == 1 and tt.names.trip_ids == ["T2"]
    assert report.skipped[("trips.txt", "first_or_last_stop_untimed")] == 1
    assert report.skipped[("stop_times.txt", "trip_skipped_first_or_last_stop_untimed")] == 3
