"""Feature: dirty and hostile input -- FeedError for unusable feeds, counted skips (file, row,
value) for bad rows, byte repairs (BOM, NUL, non-UTF-8), unsafe archives."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from feeds.errors import FeedError, MissingFileError, UnsafeArchiveError
from feeds.gtfs import ArchiveLimits, read_gtfs
from tests.conftest import require_shared
from tests.feeds.gtfs.feeds_text import BASIC, basic_with, build
from tests.support.gtfs_text import gtfs_dir, gtfs_zip, parse_sections


def _examples(report: object, file: str, reason: str) -> list[tuple[int | None, str]]:
    return [(e.row, e.value) for e in report.examples  # type: ignore[attr-defined]
            if e.file == file and e.reason == reason]


def test_missing_stop_times_is_a_feed_error(tmp_path: Path) -> None:
    with pytest.raises(MissingFileError, match=r"stop_times\.txt"):
        read_gtfs(gtfs_zip(basic_with(stop_times=None), tmp_path))


def test_unknown_references_are_skipped(tmp_path: Path) -> None:
    st = (
        "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
        "T1,08:00:00,08:00:00,A,1\nT1,08:05:00,08:05:00,NOPE,2\nT1,08:10:00,08:10:00,C,3\n"
        "GHOST,08:00:00,08:00:00,A,1\nT2,09:00:00,09:00:00,A,1\nT2,09:10:00,09:10:00,C,2\n"
    )
    trips = "route_id,service_id,trip_id\nR1,WK,T1\nR1,WK,T2\nRX,WK,T3\nR1,NOSVC,T4\n"
    _, report, tt = build(basic_with(stop_times=st, trips=trips), tmp_path)
    assert _examples(report, "stop_times.txt", "unknown_stop_id") == [(3, "NOPE")]
    assert _examples(report, "stop_times.txt", "unknown_trip_id") == [(5, "GHOST")]
    assert _examples(report, "trips.txt", "unknown_route_id") == [(4, "RX")]
    assert _examples(report, "trips.txt", "unknown_service_id") == [(5, "NOSVC")]
    assert tt.n_trips == 2 and tt.n_stop_times == 4


def test_unparsable_times_are_skipped(tmp_path: Path) -> None:
    st = (
        "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
        "T1,8:00:00,8:00:00,A,1\nT1,25:61:00,25:61:00,B,2\nT1,8:5,8:5,C,3\n"
        "T1,abc,08:20:00,D,4\nT1,08:30:00,08:30:00,C,5\n"
        "T2,09:00:00,09:00:00,A,1\nT2,09:10:00,09:10:00,C,2\n"
    )
    _, report, tt = build(basic_with(stop_times=st), tmp_path)
    assert _examples(report, "stop_times.txt", "invalid_arrival_time") == [
        (3, "25:61:00"), (4, "8:5"), (5, "abc")
    ]
    # T1 keeps A (single-digit hour 8:00:00 is valid) and C at 08:30
    assert tt.n_stop_times == 4
    assert sorted(tt.departure_s.tolist()) == [28_800, 30_600, 32_400, 33_000]


def test_duplicate_keys_keep_first(tmp_path: Path) -> None:
    stops = "stop_id,stop_name,stop_lat,stop_lon\nA,A,45.75,21.2\nA,A again,1,1\n" \
        "B,B,45.75,21.21\nC,C,45.75,21.22\nD,D,45.75,21.24\n"
    st = (
        "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
        "T1,08:00:00,08:00:00,A,1\nT1,08:05:00,08:05:00,B,1\nT1,08:10:00,08:10:00,C,2\n"
        "T2,09:00:00,09:00:00,A,1\nT2,09:10:00,09:10:00,C,2\n"
    )
    feed, report, tt = build(basic_with(stops=stops, stop_times=st), tmp_path)
    assert _examples(report, "stops.txt", "duplicate_key") == [(3, "A")]
    assert _examples(report, "stop_times.txt", "duplicate_key") == [(3, "T1")]
    assert feed.stops["stop_name"].tolist()[0] == "A"
    assert tt.n_stop_times == 4


def test_bom_nul_and_cp1252_are_repaired(tmp_path: Path) -> None:
    files = parse_sections(BASIC)
    stops = files["stops.txt"].replace("Alpha", "Piața Libertății").replace("Bravo", "Café")
    raw = {
        "stops.txt": b"\xef\xbb\xbf" + stops.replace("Piața Libertății", "Pia\x00ta").encode(),
        "routes.txt": files["routes.txt"].replace("Alpha-Delta", "Café Crème").encode("cp1252"),
    }
    feed, report = read_gtfs(gtfs_zip(BASIC, tmp_path, raw=raw))
    assert feed.stops["stop_id"].tolist() == ["A", "B", "C", "D"]  # BOM not in the header
    assert feed.stops["stop_name"].tolist()[:2] == ["Piata", "Café"]
    assert report.info["nul_bytes_stripped"] == {"stops.txt": 1}
    assert feed.routes["route_long_name"].tolist() == ["Café Crème"]
    assert report.info["non_utf8_files"] == {"routes.txt": "cp1252"}
    assert any("routes.txt: not UTF-8" in w for w in report.warnings)


def test_bad_integer_cells_fall_back_to_row_validation(tmp_path: Path) -> None:
    routes = "route_id,agency_id,route_short_name,route_long_name,route_type\n" \
        "R1,STPT,1,,3\nR2,STPT,2,,bus\n"
    _, report, tt = build(basic_with(routes=routes), tmp_path)
    assert _examples(report, "routes.txt", "invalid_route_type") == [(3, "bus")]
    assert tt.n_routes == 1


def test_empty_feed_is_a_feed_error(tmp_path: Path) -> None:
    with pytest.raises(FeedError, match=r"trips\.txt.*no usable trips"):
        read_gtfs(gtfs_zip(basic_with(trips="route_id,service_id,trip_id\nRX,WK,T1\n"), tmp_path))


def test_feed_without_schedule_is_a_clear_feed_error(tmp_path: Path) -> None:
    text = basic_with(
        calendar=None,
        trips="route_id,trip_id\nR1,T1\n",
        stop_times="trip_id,stop_id,stop_sequence\nT1,A,1\nT1,B,2\n",
    )
    with pytest.raises(FeedError, match=r"no usable timetable.*calendar.*arrival_time"):
        read_gtfs(gtfs_zip(text, tmp_path))
    feed, _ = read_gtfs(gtfs_zip(text, tmp_path, name="again.zip"), require_schedule=False)
    assert feed.stop_times["arrival_s"].tolist() == [-1, -1]


def test_timisoara_tranzy_feed_is_rejected_clearly() -> None:
    path = require_shared("timisoara", "gtfs", "stpt_timisoara_tranzy_20260218.zip")
    with pytest.raises(FeedError, match="no usable timetable"):
        read_gtfs(path)


def test_zip_bomb_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, body in parse_sections(BASIC).items():
            zf.writestr(name, body)
        zf.writestr("shapes.txt", b"shape_id\n" + b" " * (8 << 20))
    with pytest.raises(UnsafeArchiveError, match="compression ratio"):
        read_gtfs(path)


def test_size_limit(tmp_path: Path) -> None:
    with pytest.raises(UnsafeArchiveError, match="size"):
        read_gtfs(gtfs_zip(BASIC, tmp_path), limits=ArchiveLimits(max_entry_bytes=100))


def test_path_traversal_entry_is_rejected(tmp_path: Path) -> None:
    path = gtfs_zip(BASIC, tmp_path, raw={"../evil.txt": b"x"})
    with pytest.raises(UnsafeArchiveError, match="path traversal"):
        read_gtfs(path)


def test_folder_and_nested_zip(tmp_path: Path) -> None:
    feed, _ = read_gtfs(gtfs_dir(BASIC, tmp_path))
    assert len(feed.trips) == 2
    nested = tmp_path / "nested.zip"
    with zipfile.ZipFile(nested, "w") as zf:
        for name, body in parse_sections(BASIC).items():
            zf.writestr(f"gtfs/{name}", body)
    feed, report = read_gtfs(nested)
    assert len(feed.stop_times) == 8
    assert any("sub-folder" in w for w in report.warnings)
