"""Feature: GTFS time parsing (hours past 24 kept) and service-day bitsets from calendar.txt
and calendar_dates.txt (including calendar_dates-only feeds)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from feeds.gtfs.times import BLANK_TIME, INVALID_TIME, parse_times
from tests.feeds.gtfs.feeds_text import basic_with, build, trip_times


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("08:05:00", 29_100),
        ("8:05:00", 29_100),  # single-digit hour is valid GTFS
        (" 25:10:00 ", 90_600),
        ("00:00:00", 0),
        ("", BLANK_TIME),
        (None, BLANK_TIME),
        ("25:61:00", INVALID_TIME),
        ("8:5", INVALID_TIME),
        ("abc", INVALID_TIME),
        ("08:05", INVALID_TIME),
    ],
)
def test_parse_times(text: str | None, seconds: int) -> None:
    assert parse_times(pd.Series([text, "07:00:00"], dtype=object)).tolist() == [seconds, 25_200]


def _day(y: int, m: int, d: int) -> int:
    return dt.date(y, m, d).toordinal()


def test_calendar_with_exceptions(tmp_path: Path) -> None:
    text = basic_with(
        calendar_dates="service_id,date,exception_type\nWK,20240106,1\nWK,20240110,2\n"
    )
    _, _, tt = build(text, tmp_path)
    s = tt.names.service_ids.index("WK")
    assert tt.first_day == _day(2024, 1, 1) and tt.n_days == 31
    active = {d for d in range(tt.first_day, tt.first_day + tt.n_days) if tt.is_active(s, d)}
    oracle = {
        _day(2024, 1, d) for d in range(1, 32) if dt.date(2024, 1, d).weekday() < 5
    } | {_day(2024, 1, 6)}
    oracle.discard(_day(2024, 1, 10))
    assert active == oracle
    assert not tt.is_active(s, _day(2024, 2, 1))
    assert not tt.is_active(s, _day(2023, 12, 29))


def test_calendar_dates_only(tmp_path: Path) -> None:
    text = basic_with(
        calendar=None,
        calendar_dates="service_id,date,exception_type\nWK,20240301,1\nWK,20240401,1\n",
    )
    _, _, tt = build(text, tmp_path)
    s = tt.names.service_ids.index("WK")
    assert tt.first_day == _day(2024, 3, 1)
    assert tt.n_days == 32
    days = [d for d in range(tt.first_day, tt.first_day + tt.n_days) if tt.is_active(s, d)]
    assert days == [_day(2024, 3, 1), _day(2024, 4, 1)]
    assert tt.service_bits.shape == (1, 1)


def test_long_range_uses_several_words(tmp_path: Path) -> None:
    text = basic_with(
        calendar="service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
        "start_date,end_date\nWK,0,0,0,0,0,0,1,20240101,20241231\n"
    )
    _, _, tt = build(text, tmp_path)
    assert tt.service_bits.shape == (1, 6)
    sundays = [d for d in range(tt.first_day, tt.first_day + tt.n_days) if tt.is_active(0, d)]
    assert len(sundays) == 52
    assert all(dt.date.fromordinal(d).weekday() == 6 for d in sundays)


def test_times_after_midnight_stay_on_service_day(tmp_path: Path) -> None:
    text = basic_with(
        stop_times="trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
        "T1,23:50:00,23:50:00,A,1\nT1,24:05:00,24:05:00,B,2\nT1,25:10:00,25:10:00,C,3\n"
        "T2,09:00:00,09:00:00,A,1\nT2,09:10:00,09:10:00,C,2\n"
    )
    _, _, tt = build(text, tmp_path)
    assert trip_times(tt, "T1") == [[(85_800, 85_800), (86_700, 86_700), (90_600, 90_600)]]
