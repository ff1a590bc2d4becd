"""Feature: congestion maths (binning, free-flow speed, TTI, corridor and city indices)."""

from __future__ import annotations

import numpy as np
import pytest

from routing.congestion import (
    bin_speeds,
    city_index,
    congestion_level,
    corridor_index,
    extra_time_percent,
    free_flow_speeds,
    is_night,
    merge_bins,
    percentile_by_group,
    travel_time_index,
)


def test_percentile_by_group_matches_numpy() -> None:
    rng = np.random.default_rng(3)
    g = rng.integers(0, 12, 500)
    v = rng.gamma(2.0, 4.0, 500)
    got, counts = percentile_by_group(g, v, 14, 85)
    for k in range(14):
        if (g == k).any():
            assert got[k] == pytest.approx(np.percentile(v[g == k], 85))
            assert counts[k] == (g == k).sum()
        else:
            assert np.isnan(got[k]) and counts[k] == 0


def test_bin_speeds_against_loop() -> None:
    rng = np.random.default_rng(5)
    n = 400
    seg = rng.integers(0, 5, n)
    t = rng.uniform(-1000, 8000, n)
    travel = rng.uniform(10, 100, n)
    lengths = np.array([200.0, 150.0, 300.0, 200.0, 100.0])
    b = bin_speeds(seg, t, travel, lengths, t0_s=0, n_bins=8)
    for s in range(5):
        for k in range(8):
            m = (seg == s) & (t >= k * 900) & (t < (k + 1) * 900)
            assert b.samples[s, k] == m.sum()
            if m.any():
                # space-mean speed = total distance / total time
                assert b.speed_mps[s, k] == pytest.approx(lengths[s] * m.sum() / travel[m].sum())
            else:
                assert np.isnan(b.speed_mps[s, k])
    h = merge_bins(b, 4)
    assert h.n_bins == 2 and h.bin_s == 3600
    assert h.samples.sum() == b.samples.sum()


def test_free_flow_night_with_fallback() -> None:
    night_t = 2 * 3600.0  # 02:00 UTC
    day_t = 12 * 3600.0
    seg = np.array([0] * 6 + [0] * 3 + [1] * 2 + [1] * 4)
    t = np.array([night_t] * 6 + [day_t] * 3 + [night_t] * 2 + [day_t] * 4)
    v = np.array([10, 11, 12, 13, 14, 15, 3, 3, 3, 9, 9, 4, 5, 6, 7.0])
    ff, from_night = free_flow_speeds(seg, v, t, 3)
    assert ff[0] == pytest.approx(np.percentile([10, 11, 12, 13, 14, 15], 85))
    assert ff[1] == pytest.approx(np.percentile([9, 9, 4, 5, 6, 7], 85))  # 2 night samples < 5
    assert from_night.tolist() == [True, False, False] and np.isnan(ff[2])
    # a UTC offset moves the night window: 02:00 UTC is 05:00 at +3 h (night), 12:00 is 15:00
    ff3, _ = free_flow_speeds(seg, v, t, 3, utc_offset_s=3 * 3600)
    assert ff3[0] == ff[0]
    assert is_night(np.arange(24)).sum() == 9


def test_tti_and_indices_by_hand() -> None:
    # two segments: 100 m (ff 10 m/s), 300 m (ff 5 m/s); one bin
    lengths = np.array([100.0, 300.0])
    ff = np.array([10.0, 5.0])
    # observed: seg0 one traversal of 20 s (5 m/s), seg1 two traversals of 60 s and 120 s
    b = bin_speeds([0, 1, 1], [10, 20, 30], [20, 60, 120], lengths, t0_s=0, n_bins=2)
    v = b.speed_mps[:, 0]
    assert v.tolist() == pytest.approx([5.0, 600 / 180])
    tti = travel_time_index(ff, b.speed_mps)[:, 0]
    assert tti.tolist() == pytest.approx([2.0, 1.5])
    assert extra_time_percent(tti).tolist() == pytest.approx([100.0, 50.0])
    # corridor: actual 20 + 90 = 110 s, free-flow 10 + 60 = 70 s
    ci = corridor_index(b, ff)
    assert ci[0] == pytest.approx(110 / 70) and np.isnan(ci[1])
    # city: length-weighted mean of TTIs: (100*2 + 300*1.5) / 400
    assert city_index(b, ff)[0] == pytest.approx(650 / 400)
    assert corridor_index(b, ff, [0])[0] == pytest.approx(2.0)
    assert congestion_level([1.0, 1.2, 1.5, 1.9, 2.5, np.nan]).tolist() == [0, 1, 2, 3, 4, -1]
