"""Feature: the headway rule, the speed model's fallbacks and the deterministic GTFS writer."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from feeds.stpt.estimator import SpeedModel, headway_s
from feeds.stpt.gtfs_writer import GtfsTable, format_gtfs_time, write_gtfs_zip


def test_headway_is_round_trip_over_vehicles() -> None:
    assert headway_s(60 * 60, 4) == 15 * 60


def test_headway_is_clamped_and_rounded_to_minutes() -> None:
    assert headway_s(60 * 60, 30) == 6 * 60  # 2 min -> clamped up to 6
    assert headway_s(3 * 3600, 1) == 60 * 60  # 180 min -> clamped down to 60
    assert headway_s(50 * 60 + 20, 2) == 25 * 60  # 25 min 10 s -> 25 min
    assert headway_s(60 * 60, 2.5) == 24 * 60  # a line's vehicles shared between variants


def test_headway_default_when_no_vehicle_seen() -> None:
    assert headway_s(60 * 60, 0, default_s=1800) == 1800
    assert headway_s(60 * 60, 0, default_s=1200) == 1200


def test_speed_model_falls_back_to_nearest_hour_then_all_modes() -> None:
    m = SpeedModel({("tram", 8): [4.0, 6.0, 5.0], ("bus", 8): [7.0], ("bus", 20): [9.0]}, 3.0)
    assert m.speed_mps("tram", 8) == 5.0  # median
    assert m.speed_mps("tram", 23) == 5.0  # nearest tram hour
    assert m.speed_mps("bus", 15) == 9.0  # 20 is 5 h away, 8 is 7 h away
    assert m.speed_mps("bus", 1) == 9.0  # 20 is 5 h away across midnight, 8 is 7 h away
    assert m.speed_mps("bus", 2) == 7.0  # a tie (6 h each way) goes to the earlier hour
    assert m.speed_mps("trolleybus", 8) == 5.5  # all modes at 08: median(4, 5, 6, 7)
    assert SpeedModel({}, 3.0).speed_mps("bus", 8) == 3.0


def test_gtfs_time_format_passes_midnight() -> None:
    assert format_gtfs_time(0) == "00:00:00"
    assert format_gtfs_time(25 * 3600 + 61) == "25:01:01"
    with pytest.raises(ValueError, match="negative"):
        format_gtfs_time(-1)


def test_writer_is_byte_deterministic(tmp_path: Path) -> None:
    tables = [GtfsTable("b.txt", ("x", "y"), [("1", "a,b")]), GtfsTable("a.txt", ("z",), [])]
    write_gtfs_zip(tmp_path / "1.zip", tables)
    write_gtfs_zip(tmp_path / "2.zip", list(reversed(tables)))
    assert (tmp_path / "1.zip").read_bytes() == (tmp_path / "2.zip").read_bytes()
    with zipfile.ZipFile(tmp_path / "1.zip") as zf:
        assert zf.namelist() == ["a.txt", "b.txt"]
        assert zf.read("b.txt") == b'x,y\n1,"a,b"\n'
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_writer_rejects_ragged_rows(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="2 fields"):
        write_gtfs_zip(tmp_path / "x.zip", [GtfsTable("a.txt", ("z",), [("1", "2")])])
