"""Feature: linear referencing of stops and vehicle positions on a shape (metres along it)."""

from __future__ import annotations

import numpy as np
import shapely

from feeds.stpt.linear_ref import (
    LocalPlane,
    ShapeLine,
    monotone_envelope,
    time_at_position,
)


def _line(xy: list[tuple[float, float]]) -> ShapeLine:
    a = np.array(xy, dtype=np.float64)
    cum = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(a, axis=0).T))])
    return ShapeLine(a[:, 0].copy(), a[:, 1].copy(), cum)


def test_local_plane_distances_match_haversine() -> None:
    plane = LocalPlane(45.75, 21.23)
    x, y = plane.to_xy(np.array([45.75, 45.76]), np.array([21.23, 21.24]))
    d = float(np.hypot(x[1] - x[0], y[1] - y[0]))
    # haversine between the two points: 1,358.6 m (computed independently)
    lat1, lat2, dlon = np.radians([45.75, 45.76, 0.01])
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin(dlon / 2) ** 2
    hav = 2 * 6_371_008.8 * np.arcsin(np.sqrt(a))
    assert abs(d - hav) < 1.0


def test_sequence_projection_equals_shapely_on_a_simple_line() -> None:
    line = _line([(0, 0), (1000, 0), (1000, 500), (2000, 500)])
    px = np.array([10.0, 400.0, 990.0, 1020.0, 1500.0, 1990.0])
    py = np.array([5.0, -8.0, 100.0, 300.0, 510.0, 490.0])
    s, d = line.project_sequence(px, py)
    oracle_line = line.line
    pts = shapely.points(px, py)
    np.testing.assert_allclose(s, shapely.line_locate_point(oracle_line, pts), atol=1e-6)
    np.testing.assert_allclose(d, shapely.distance(oracle_line, pts), atol=1e-6)


def test_sequence_projection_keeps_order_on_a_line_that_comes_back() -> None:
    # Out along y=0 and back along y=20: a stop on the way back at x=100 is nearer to the
    # outbound pass (y=0) when it lies at y=8, but must be placed on the return pass.
    line = _line([(0, 0), (1000, 0), (1000, 20), (0, 20)])
    s, _ = line.project_sequence(np.array([100.0, 900.0, 500.0, 100.0]),
                                 np.array([0.0, 0.0, 22.0, 8.0]))
    assert list(np.round(s)) == [100.0, 900.0, 1520.0, 1920.0]


def test_track_projection_follows_the_vehicle_not_the_nearest_pass() -> None:
    line = _line([(0, 0), (1000, 0), (1000, 20), (0, 20)])
    # A vehicle on the return pass, with GPS noise pulling it towards the outbound pass.
    px = np.array([800.0, 600.0, 400.0, 200.0])
    py = np.array([12.0, 9.0, 12.0, 9.0])
    t = np.array([0.0, 20.0, 40.0, 60.0])
    s, _ = line.project_track(np.array([990.0, *px]), np.array([15.0, *py]),
                              np.array([-20.0, *t]))
    assert np.all(np.diff(s) > 0)
    assert s[-1] > 1500


def test_monotone_envelope_is_non_decreasing_and_exact_on_monotone_input() -> None:
    s = np.array([0.0, 10.0, 5.0, 30.0, 25.0, 40.0])
    env = monotone_envelope(s)
    assert np.all(np.diff(env) >= 0)
    ok = np.array([0.0, 1.0, 1.0, 7.0])
    np.testing.assert_array_equal(monotone_envelope(ok), ok)


def test_time_at_position_interpolates_first_crossing() -> None:
    s = np.array([0.0, 100.0, 100.0, 300.0])
    t = np.array([0.0, 10.0, 50.0, 70.0])
    assert time_at_position(s, t, 50.0) == 5.0
    assert time_at_position(s, t, 100.0) == 10.0  # arrival, not the end of the dwell
    assert time_at_position(s, t, 200.0) == 60.0
    assert time_at_position(s, t, 301.0) is None
    assert time_at_position(s[1:], t[1:], 50.0) is None
