"""Feature: projecting positions on a shape, segment speeds, ETA, delay and bunching."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from routing.probes import (
    LineShape,
    LocalPlane,
    crossing_times,
    delays_ahead,
    eta_ahead,
    fixed_boundaries,
    headway_ratios,
    schedule_delay,
    segment_speeds,
    split_on_restart,
    split_runs,
)

PLANE = LocalPlane(45.75, 21.22)


def zigzag() -> LineShape:
    """An L-shaped line: 1000 m east then 600 m north (built from local metres)."""
    lat, lon = PLANE.to_degrees(np.array([0.0, 1000.0, 1000.0]), np.array([0.0, 0.0, 600.0]))
    return LineShape.from_degrees(lat, lon, PLANE)


def test_projection_matches_shapely_oracle() -> None:
    rng = np.random.default_rng(1)
    xs = np.cumsum(rng.uniform(-50, 150, 60))
    ys = np.cumsum(rng.uniform(-80, 120, 60))
    lat, lon = PLANE.to_degrees(xs, ys)
    shape = LineShape.from_degrees(lat, lon, PLANE)
    px, py = rng.uniform(xs.min(), xs.max(), 3000), rng.uniform(ys.min(), ys.max(), 3000)
    plat, plon = PLANE.to_degrees(px, py)
    along, offset = shape.project(plat, plon)
    line = shapely.LineString(np.column_stack([shape.x, shape.y]))
    pts = shapely.points(np.column_stack([px, py]))
    want_off = shapely.distance(line, pts)
    assert np.allclose(offset, want_off, atol=1e-6)
    # along can differ only where two parts of the line are equally near; the point at
    # ``along`` must be at the nearest distance
    qlat, qlon = shape.point_at(along)
    qx, qy = PLANE.to_xy(qlat, qlon)
    assert np.allclose(np.hypot(qx - px, qy - py), want_off, atol=1e-6)
    assert shape.length_m == pytest.approx(line.length)


def test_l_shape_simple_values() -> None:
    s = zigzag()
    lat, lon = PLANE.to_degrees(np.array([500.0, 1010.0, 990.0]), np.array([20.0, 300.0, -5.0]))
    along, off = s.project(lat, lon)
    assert along == pytest.approx([500, 1300, 990], abs=1e-6)
    assert off == pytest.approx([20, 10, 5], abs=1e-6)
    assert fixed_boundaries(s.length_m, 200).tolist() == pytest.approx(
        [0, 200, 400, 600, 800, 1000, 1200, 1400, 1600])
    assert fixed_boundaries(1650, 200)[-2:].tolist() == [1400, 1650]


def test_constant_speed_vehicle_gives_exact_speed() -> None:
    t = np.arange(0, 200, 17.0)  # a fix every 17 s, 8 m/s
    along = 8.0 * t + 3.0
    b = fixed_boundaries(1600, 200)
    obs = segment_speeds(along, t + 1000, b)
    # first fix at 3 m: boundary 0 is not observed; segments 1..6 fully crossed
    assert obs.segment.tolist() == [1, 2, 3, 4, 5, 6]
    assert obs.speed_mps == pytest.approx([8.0] * 6)
    assert obs.travel_s == pytest.approx([25.0] * 6)
    ct = crossing_times(along, t, np.array([0.0, 403.0, 2000.0]))
    assert np.isnan(ct[0]) and ct[1] == pytest.approx(50.0) and np.isnan(ct[2])


def test_dwell_counts_in_its_segment_and_jitter_ignored() -> None:
    # 0..200 m in 20 s, waits 60 s at 200 m (with -5 m jitter), then 200..400 in 20 s
    t = np.array([0, 10, 20, 40, 60, 80, 90, 100.0])
    a = np.array([0, 100, 200, 195, 200, 200, 300, 400.0])
    obs = segment_speeds(a, t, np.array([0, 200, 400.0]), min_speed_mps=0.0)
    # boundary 200 is first reached at t=20: the dwell belongs to the second segment
    assert obs.travel_s.tolist() == pytest.approx([20.0, 80.0])
    # a gap over max_gap_s around a boundary hides that crossing
    t2 = t.copy()
    t2[7:] += 1000
    obs2 = segment_speeds(a, t2, np.array([0, 200, 400.0]), min_speed_mps=0.0)
    assert obs2.segment.tolist() == [0]


def test_runs_split() -> None:
    v = np.array([0, 0, 0, 1, 1, 1])
    t = np.array([0, 10, 900, 0, 10, 20.0])
    d = np.array([0, 0, 0, 0, 1, 1])
    assert split_runs(v, t, key=d) == [(0, 2), (2, 3), (3, 4), (4, 6)]
    a = np.array([0, 500, 1000, 990, 20, 300, 600.0])
    assert split_on_restart(a) == [(0, 4), (4, 7)]


def test_eta_delay_and_bunching() -> None:
    b = np.array([0, 1000, 2000.0])
    v = np.array([10.0, 5.0])  # 100 s then 200 s
    eta = eta_ahead(500.0, 1000.0, [1000.0, 1500.0, 2000.0, 100.0], b, v)
    assert eta.tolist() == pytest.approx([1050, 1150, 1250, 1000])
    assert schedule_delay(500.0, 1000.0, [0, 1000], [800, 900]) == pytest.approx(150)
    assert delays_ahead([1050, 1150], [1000, 1200]).tolist() == [50, -50]
    order, ratio = headway_ratios([100.0, 1500.0, 1000.0], b, v, planned_headway_s=300)
    assert order.tolist() == [1, 2, 0]
    # gaps: 1500->1000 = 100 s, 1000->100 = 90 s
    assert ratio.tolist() == pytest.approx([100 / 300, 90 / 300])
    with pytest.raises(ValueError):
        headway_ratios([1.0], b, v, planned_headway_s=0)
