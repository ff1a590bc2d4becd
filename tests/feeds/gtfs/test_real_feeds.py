"""Acceptance: every real feed of the shared data folder compiles to a Timetable whose stop,
trip and stop-time counts match an independent count (gtfs-kit, plain CSV where gtfs-kit cannot
type a feed), with frequency runs counted from frequencies.txt; plus service-day checks."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from feeds.gtfs import compile_timetable, read_gtfs
from routing.timetable import Timetable
from tests.conftest import require_shared
from tests.feeds.gtfs.feeds_text import trip_times

FEEDS = [
    ("edge-gtfs", "otp_simple_frequencies_pathways_transfers.zip"),
    ("edge-gtfs", "otp_interlining_block_id.zip"),
    ("edge-gtfs", "otp_caltrain_gtfs.zip"),
    ("edge-gtfs", "google_transitfeed_sample_feed.zip"),
    ("edge-gtfs", "google_transitfeed_only_calendar_dates.zip"),
    ("edge-gtfs", "usf_bullrunner_gtfs.zip"),
    ("benchmark", "porto-alegre", "poa_eptc_gtfs.zip"),
    ("benchmark", "porto-alegre", "poa_trensurb_gtfs.zip"),
    ("benchmark", "kaunas", "kaunas_autobusai_gtfs_2018-05.zip"),
    ("gtfs-rt", "king-county-metro", "kcm_gtfs.zip"),
]

#: Trips a feed ships broken on purpose (the OTP test feed's "18.bogus" runs backwards in time).
KNOWN_BAD_TRIPS = {"otp_simple_frequencies_pathways_transfers.zip": {"18.bogus"}}


def _oracle_tables(path: Path) -> dict[str, pd.DataFrame]:
    """stops, trips, stop_times, frequencies as plain text tables, read without our code."""
    out = {}
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        for t in ("stops", "trips", "stop_times", "frequencies"):
            if f"{t}.txt" in names:
                df = pd.read_csv(io.BytesIO(zf.read(f"{t}.txt")), dtype=str,
                                 keep_default_na=False, encoding="utf-8-sig")
                out[t] = df.rename(columns=str.strip)
            else:
                out[t] = pd.DataFrame({"trip_id": [], "start_time": [], "end_time": [],
                                       "headway_secs": []}, dtype=str)
    return out


def _secs(text: str) -> int:
    h, m, s = (int(x) for x in text.strip().split(":"))
    return h * 3600 + m * 60 + s


def _gtfs_kit_counts(path: Path) -> tuple[int, int, int] | None:
    import gtfs_kit

    try:
        gk = gtfs_kit.read_feed(path, dist_units="km")
    except (ValueError, TypeError):
        return None
    return len(gk.stops), len(gk.trips), len(gk.stop_times)


@pytest.mark.shared_data
@pytest.mark.parametrize("parts", FEEDS, ids=lambda p: p[-1])
def test_counts_match_independent_read(parts: tuple[str, ...]) -> None:
    path = require_shared(*parts)
    feed, report = read_gtfs(path)
    tt = compile_timetable(feed, report=report)

    t = _oracle_tables(path)
    gk = _gtfs_kit_counts(path)
    if gk is not None:  # gtfs-kit agrees with the plain read on the raw counts
        assert gk == (len(t["stops"]), len(t["trips"]), len(t["stop_times"]))
    bad = KNOWN_BAD_TRIPS.get(path.name, set())
    trips = t["trips"][~t["trips"]["trip_id"].isin(bad)]
    st = t["stop_times"][~t["stop_times"]["trip_id"].isin(bad)]
    st_per_trip = st.groupby("trip_id").size()
    freq = t["frequencies"]
    freq_trips = set(freq["trip_id"])
    runs = [
        (row.trip_id, len(range(_secs(row.start_time), _secs(row.end_time),
                                int(row.headway_secs))))
        for row in freq.itertuples()
    ]
    plain = trips[~trips["trip_id"].isin(freq_trips)]
    expected_trips = len(plain) + sum(n for _, n in runs)
    expected_st = int(st_per_trip.reindex(plain["trip_id"]).sum()) + sum(
        n * int(st_per_trip[trip]) for trip, n in runs
    )

    assert tt.n_stops == len(t["stops"])
    assert tt.n_trips == expected_trips
    assert tt.n_stop_times == expected_st
    assert len(tt.names.trip_ids) == len(trips)
    assert report.info["timetable"]["frequency_runs"] == sum(n for _, n in runs)
    _assert_times_non_decreasing(tt)
    assert report.info["timetable"]["array_bytes"] <= 64 * tt.n_stop_times + 200_000


def _assert_times_non_decreasing(tt: Timetable) -> None:
    for p in range(tt.n_patterns):
        length = int(tt.pattern_stop_start[p + 1] - tt.pattern_stop_start[p])
        n = int(tt.pattern_trip_start[p + 1] - tt.pattern_trip_start[p])
        a = int(tt.pattern_st_start[p])
        arr = tt.arrival_s[a : a + n * length].reshape(n, length)
        dep = tt.departure_s[a : a + n * length].reshape(n, length)
        assert np.all(dep >= arr)
        assert np.all(arr[:, 1:] >= dep[:, :-1])


def _day(y: int, m: int, d: int) -> int:
    return dt.date(y, m, d).toordinal()


@pytest.mark.shared_data
def test_calendar_dates_only_feed() -> None:
    feed, report = read_gtfs(require_shared("edge-gtfs",
                                            "google_transitfeed_only_calendar_dates.zip"))
    tt = compile_timetable(feed, report=report)
    sid = tt.names.service_ids
    assert tt.first_day == _day(2007, 6, 4) and tt.n_days == 2
    assert tt.is_active(sid.index("FULLW"), _day(2007, 6, 4))
    assert not tt.is_active(sid.index("FULLW"), _day(2007, 6, 5))
    assert tt.is_active(sid.index("WE"), _day(2007, 6, 5))
    assert not tt.is_active(sid.index("WE"), _day(2007, 6, 4))


@pytest.mark.shared_data
def test_caltrain_trips_past_midnight() -> None:
    path = require_shared("edge-gtfs", "otp_caltrain_gtfs.zip")
    feed, report = read_gtfs(path)
    tt = compile_timetable(feed, report=report)
    raw = _oracle_tables(path)["stop_times"]
    late = raw[raw["arrival_time"].str.strip().str.split(":").str[0].astype(int) >= 24]
    assert len(late) > 0
    assert int(tt.arrival_s.max()) == max(_secs(x) for x in raw["arrival_time"])
    assert int((tt.arrival_s >= 86_400).sum()) == len(late)


@pytest.mark.shared_data
def test_frequency_feeds_exact_times_0_and_1() -> None:
    # usf_bullrunner: exact_times=0; otp simple: exact_times=1 (15.1 runs 06:00..10:00 hourly).
    feed, report = read_gtfs(require_shared("edge-gtfs", "usf_bullrunner_gtfs.zip"))
    tt = compile_timetable(feed, report=report)
    assert set(feed.frequencies["exact_times"].tolist()) == {0}
    runs = trip_times(tt, "1")
    starts = sorted(r[0][1] for r in runs)
    assert starts == list(range(7 * 3600, 24 * 3600, 600))
    feed, report = read_gtfs(require_shared("edge-gtfs",
                                            "otp_simple_frequencies_pathways_transfers.zip"))
    tt = compile_timetable(feed, report=report)
    starts = sorted(r[0][1] for r in trip_times(tt, "15.1"))
    assert starts == [h * 3600 for h in (6, 7, 8, 9, 10, 14, 15, 16, 17, 18)]
    # its blank stop time (9.1 at D) was interpolated between C and E
    (t91,) = trip_times(tt, "9.1")
    assert t91[0][1] < t91[1][0] < t91[2][0]


@pytest.mark.shared_data
def test_interpolation_on_real_geometry(tmp_path: Path) -> None:
    """USF Bull Runner with every intermediate time blanked: straight-line interpolation
    lands near the published times (the shuttle runs at a roughly even speed)."""
    src = require_shared("edge-gtfs", "usf_bullrunner_gtfs.zip")
    dst = tmp_path / "usf_blanked.zip"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for name in zin.namelist():
            data = zin.read(name)
            if name == "stop_times.txt":
                st = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
                seq = st["stop_sequence"].astype(int)
                grp = seq.groupby(st["trip_id"])
                inner = (seq != grp.transform("min")) & (seq != grp.transform("max"))
                st.loc[inner, ["arrival_time", "departure_time"]] = ""
                data = st.to_csv(index=False).encode()
            zout.writestr(name, data)
    original, _ = read_gtfs(src)
    blanked, report = read_gtfs(dst)
    a = original.stop_times["arrival_s"].to_numpy()
    b = blanked.stop_times["arrival_s"].to_numpy()
    assert len(a) == len(b) and not np.array_equal(a, b)
    assert np.median(np.abs(a - b)) < 120
    tt = compile_timetable(blanked, report=report)
    _assert_times_non_decreasing(tt)


@pytest.mark.shared_data
def test_interlining_feed() -> None:
    feed, report = read_gtfs(require_shared("edge-gtfs", "otp_interlining_block_id.zip"))
    tt = compile_timetable(feed, report=report)
    assert tt.n_trips == 7 and tt.first_day == _day(2014, 1, 1) and tt.n_days == 1
    assert all(tt.is_active(int(s), _day(2014, 1, 1)) for s in tt.trip_service)
    assert (feed.trips["block_id"] != "").sum() > 0  # block ids kept for stay-seated logic
    # its trip-to-trip transfer row is reported, not silently dropped
    assert report.skipped[("transfers.txt", "unsupported_route_or_trip_specific_transfer")] >= 1
