"""Feature: the estimated STPT timetable built from the real shared inputs.

Integration tests on the shared data folder (skipped with a clear message without it): the
output is a valid GTFS feed, observed trips agree with the raw AVL positions they come from,
the output is byte-deterministic and the zip shipped in the bundle is a fresh run's output.
"""

from __future__ import annotations

import csv
import gzip
import io
import math
import zipfile
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import gtfs_kit as gk
import pytest

from feeds.report import IngestReport
from feeds.stpt.estimator import (
    BUNDLE_GTFS_NAME,
    DEFAULT_SERVICE_END,
    DEFAULT_SERVICE_START,
    estimate_timetable,
)
from tests.conftest import REPO, require_shared

BUNDLE = REPO / "bundles" / "timisoara"
TRACED_LINES = {"1", "8", "14", "33", "40", "E2", "M14"}


def _inputs() -> tuple[Path, Path]:
    stpt = require_shared("timisoara", "stpt")
    export = require_shared("timisoara", "gtfs", "stpt_timisoara_tranzy_20260218.zip")
    return stpt, export


def _run(out: Path) -> IngestReport:
    stpt, export = _inputs()
    return estimate_timetable(stpt, export, out, service_start=DEFAULT_SERVICE_START,
                              service_end=DEFAULT_SERVICE_END)


@pytest.fixture(scope="module")
def estimated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, IngestReport]:
    out = tmp_path_factory.mktemp("stpt") / BUNDLE_GTFS_NAME
    return out, _run(out)


def _secs(hms: str) -> int:
    h, m, s = (int(x) for x in hms.split(":"))
    return h * 3600 + m * 60 + s


def test_output_is_a_valid_gtfs_feed(estimated: tuple[Path, IngestReport]) -> None:
    out, _ = estimated
    feed = gk.read_feed(out, dist_units="m")
    st, trips, stops = feed.stop_times, feed.trips, feed.stops
    assert trips["trip_id"].is_unique
    assert set(st["trip_id"]) == set(trips["trip_id"])
    assert set(st["stop_id"]) <= set(stops["stop_id"])
    assert set(trips["route_id"]) <= set(feed.routes["route_id"])
    assert set(trips["shape_id"]) <= set(feed.shapes["shape_id"])
    assert set(trips["service_id"]) <= set(feed.calendar["service_id"])
    assert feed.routes["route_short_name"].is_unique
    assert (st.groupby("trip_id").size() >= 2).all()
    for _, g in st.sort_values(["trip_id", "stop_sequence"]).groupby("trip_id"):
        arr = [_secs(x) for x in g["arrival_time"]]
        dep = [_secs(x) for x in g["departure_time"]]
        assert all(a <= d for a, d in zip(arr, dep, strict=True))
        assert all(d0 <= a1 for d0, a1 in zip(dep, arr[1:], strict=False))
        assert g["stop_sequence"].is_monotonic_increasing
    # Service on the demo day (a Tuesday) and on a weekend day.
    cal = feed.calendar.iloc[0]
    assert cal["start_date"] <= "20261124" <= cal["end_date"]
    assert cal["tuesday"] == 1 and cal["sunday"] == 1
    assert date(2026, 11, 24).weekday() == 1
    agency = feed.agency.iloc[0]
    assert agency["agency_url"] == "https://www.stpt.ro"
    assert agency["agency_timezone"] == "Europe/Bucharest"
    assert "ESTIMATED" in feed.feed_info.iloc[0]["feed_publisher_name"]


def test_report_counts_observed_and_estimated_lines(
    estimated: tuple[Path, IngestReport],
) -> None:
    out, report = estimated
    info = report.info
    assert set(info["observed_lines"]) == TRACED_LINES
    with zipfile.ZipFile(out) as zf:
        n_routes = len(zf.read("routes.txt").decode().splitlines()) - 1
        n_trips = len(zf.read("trips.txt").decode().splitlines()) - 1
    assert info["observed_line_count"] + info["estimated_line_count"] == n_routes
    assert info["trips"] == n_trips == info["observed_trips"] + info["estimated_trips"]
    assert info["observed_trips"] > 300  # 7 lines, one day, a trip every ~15 min per direction
    assert any("M37" in w for w in report.warnings)  # the trailing-space fix is reported


def _trace_positions(stpt: Path, line_file: str) -> dict[str, list[tuple[float, float, float]]]:
    raw = gzip.decompress((stpt / "avl-traces" / line_file).read_bytes()).decode()
    out: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
    for r in csv.DictReader(io.StringIO(raw)):
        t = datetime.fromisoformat(r["recorded_at"]).timestamp()
        out[r["vehicle_id"]].append((t, float(r["lat"]), float(r["lng"])))
    return out


def _metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(a))


def test_line_1_observed_stop_times_match_the_trace(
    estimated: tuple[Path, IngestReport],
) -> None:
    """Each stop time lies within the time the tram was reported at that stop (±45 s).

    Oracle: the tram's raw reports within 25 m of the stop, during the trip; positions come
    every 15-20 s, so the interpolated passage must fall inside the reports' window widened
    by 45 s.  Stops with no report that close are not compared.
    """
    out, _ = estimated
    stpt, _ = _inputs()
    feed = gk.read_feed(out, dist_units="m")
    route_1 = set(feed.routes.loc[feed.routes["route_short_name"] == "1", "route_id"])
    trips = feed.trips[feed.trips["route_id"].isin(route_1)
                       & feed.trips["trip_id"].str.contains("_obs_")]
    assert len(trips) >= 40
    stops = feed.stops.set_index("stop_id")
    positions = _trace_positions(stpt, "2026-05-13__1-00.csv.gz")
    midnight = datetime(2026, 5, 13, tzinfo=ZoneInfo("Europe/Bucharest")).timestamp()
    st = feed.stop_times[feed.stop_times["trip_id"].isin(set(trips["trip_id"]))]
    checked, outside = 0, []
    for trip_id, g in st.groupby("trip_id"):
        first = midnight + _secs(g["departure_time"].iloc[0]) - 60
        last = midnight + _secs(g["arrival_time"].iloc[-1]) + 60
        track = [p for p in positions[str(trip_id).rsplit("_v", 1)[1]] if first <= p[0] <= last]
        for row in g.itertuples():
            if row.timepoint != 1:
                continue
            t_stop = midnight + _secs(row.arrival_time)
            lat, lon = stops.loc[row.stop_id, ["stop_lat", "stop_lon"]]
            at_stop = [t for t, la, lo in track if _metres(lat, lon, la, lo) <= 25.0]
            if not at_stop:
                continue
            checked += 1
            if not min(at_stop) - 45 <= t_stop <= max(at_stop) + 45:
                outside.append((trip_id, row.stop_id))
    assert checked > 400
    assert len(outside) / checked <= 0.02, f"{len(outside)} of {checked}: {outside[:5]}"


def test_output_is_byte_deterministic(estimated: tuple[Path, IngestReport],
                                      tmp_path: Path) -> None:
    out, _ = estimated
    _run(tmp_path / "again.zip")
    assert (tmp_path / "again.zip").read_bytes() == out.read_bytes()


def test_shipped_zip_is_a_fresh_run(estimated: tuple[Path, IngestReport]) -> None:
    out, _ = estimated
    shipped = BUNDLE / "gtfs" / BUNDLE_GTFS_NAME
    assert shipped.read_bytes() == out.read_bytes(), (
        "bundles/timisoara/gtfs/stpt_estimated.zip is stale: regenerate it with "
        "`python -m feeds.stpt` (or `maas estimate-timetable`)")
