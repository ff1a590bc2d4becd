"""Feature: the RealtimeOverlay data type and its builder (clamping, days, FIFO, immutability)."""

from __future__ import annotations

import numpy as np
import pytest

from routing.realtime import OverlayBuilder, RealtimeOverlay
from routing.timetable import Timetable
from tests.support.timetable_factory import DAY, TripSpec, build_timetable, hms


def tt2() -> Timetable:
    return build_timetable(
        stops=["A", "B", "C"],
        trips=[TripSpec("R", ["A", "B", "C"], [("08:00", "08:01"), "08:05", "08:10"]),
               TripSpec("R", ["A", "B", "C"], ["08:20", "08:25", "08:30"])],
    )


def test_empty_overlay_shapes_and_zero_day() -> None:
    tt = tt2()
    ov = RealtimeOverlay.empty(tt)
    assert ov.version == 0 and ov.feed_timestamp == 0 and ov.service_day == -1
    for a in (ov.arrival_delay_s, ov.departure_delay_s, ov.skipped):
        assert a.shape == (tt.n_stop_times,)
    assert ov.arrival_delay_s.dtype == np.int32 and ov.skipped.dtype == np.bool_
    assert ov.trip_cancelled.shape == (tt.n_trips,)
    assert ov.day(DAY).is_empty and ov.matches(tt)
    arr, dep = ov.realtime_times(tt, DAY)
    assert np.array_equal(arr, tt.arrival_s) and np.array_equal(dep, tt.departure_s)


def _clamp_oracle(arr: list[int], dep: list[int]) -> tuple[list[int], list[int]]:
    arr, dep = list(arr), list(dep)
    for i in range(len(arr)):
        if i:
            arr[i] = max(arr[i], dep[i - 1])
        dep[i] = max(dep[i], arr[i])
    return arr, dep


def test_set_trip_clamps_like_oracle() -> None:
    tt = tt2()
    rng = np.random.default_rng(7)
    for _ in range(50):
        b = OverlayBuilder(tt)
        ad = rng.integers(-900, 900, 3)
        dd = rng.integers(-900, 900, 3)
        b.set_trip(DAY, 0, ad, dd, np.zeros(3, bool))
        ov = b.build(service_day=DAY, version=1, feed_timestamp=5)
        arr, dep = ov.realtime_times(tt, DAY)
        sl = slice(0, 3)
        want_a, want_d = _clamp_oracle(list(tt.arrival_s[sl] + ad), list(tt.departure_s[sl] + dd))
        assert arr[sl].tolist() == want_a and dep[sl].tolist() == want_d
        assert np.all(np.diff(np.ravel(np.column_stack([arr[sl], dep[sl]]))) >= 0)


def test_days_are_separate_and_fifo_break_detected() -> None:
    tt = tt2()
    b = OverlayBuilder(tt)
    b.set_trip(DAY, 0, [0, 1800, 1800], [0, 1800, 1800], [False, False, False])
    b.cancel_trip(DAY + 1, 1)
    ov = b.build(service_day=DAY, version=3, feed_timestamp=0)
    assert sorted(ov.days) == [DAY, DAY + 1]
    assert ov.day(DAY).fifo_broken_patterns.tolist() == [0]
    assert ov.day(DAY + 1).fifo_broken_patterns.tolist() == []
    assert ov.day(DAY + 1).trip_cancelled.tolist() == [False, True]
    assert not ov.trip_cancelled.any()  # primary day is DAY
    assert ov.arrival_delay_s[1] == 1800
    arr, _ = ov.realtime_times(tt, DAY)
    assert arr[2] == hms("08:40")
    with pytest.raises(ValueError, match="read-only"):
        ov.arrival_delay_s[0] = 5


def test_differential_base_is_copied_not_shared() -> None:
    tt = tt2()
    b = OverlayBuilder(tt)
    b.set_trip(DAY, 1, [60] * 3, [60] * 3, [False] * 3)
    first = b.build(service_day=DAY, version=1, feed_timestamp=0)
    b2 = OverlayBuilder(tt, first)
    b2.cancel_trip(DAY, 1)
    second = b2.build(service_day=DAY, version=2, feed_timestamp=0)
    assert first.arrival_delay_s[3:].tolist() == [60, 60, 60]
    assert second.trip_cancelled[1] and second.arrival_delay_s[3:].tolist() == [0, 0, 0]
    with pytest.raises(ValueError, match="arrays must have 3"):
        b2.set_trip(DAY, 0, [1], [1], [False])
