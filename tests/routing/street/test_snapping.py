"""Feature: linking stops to the nearest walkable street edge (vs a brute-force oracle)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
from scipy.spatial import Delaunay

from routing.constants import ACCESS_BIKE, ACCESS_CAR, ACCESS_WALK
from routing.street.snapping import link_stops
from routing.street_graph import StreetGraph
from tests.support.grid import build_street_graph

R = 6_371_008.8
LAT0, LON0 = 45.75, 21.22
M_PER_DEG_LAT = np.pi / 180 * R
M_PER_DEG_LON = M_PER_DEG_LAT * np.cos(np.radians(LAT0))


def offset_m(x_m: npt.ArrayLike, y_m: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates ``x_m`` metres east and ``y_m`` metres north of the origin."""
    return LAT0 + np.asarray(y_m) / M_PER_DEG_LAT, LON0 + np.asarray(x_m) / M_PER_DEG_LON


def _polyline_m(lat: np.ndarray, lon: np.ndarray) -> float:
    p1, p2 = np.radians(lat[:-1]), np.radians(lat[1:])
    dl = np.radians(lon[1:] - lon[:-1])
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return float(np.sum(2 * R * np.arcsin(np.sqrt(h))))


def random_streets(seed: int, n_nodes: int = 60, size_m: float = 1500.0) -> StreetGraph:
    """Delaunay streets with bent 3-point geometries; a third of the streets are car-only."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, size_m, (n_nodes, 2))
    tri = Delaunay(xy)
    pairs = {tuple(sorted((int(s[i]), int(s[j])))) for s in tri.simplices
             for i, j in ((0, 1), (1, 2), (0, 2))}
    lat, lon = offset_m(xy[:, 0], xy[:, 1])
    tail, head, length, access, geometry = [], [], [], [], []
    for u, v in sorted(pairs):
        mid = (xy[u] + xy[v]) / 2 + rng.normal(0, 30, 2)
        glat, glon = offset_m([xy[u, 0], mid[0], xy[v, 0]], [xy[u, 1], mid[1], xy[v, 1]])
        acc = ACCESS_CAR if rng.random() < 0.33 else ACCESS_WALK | ACCESS_BIKE | ACCESS_CAR
        for a, b, gla, glo in ((u, v, glat, glon), (v, u, glat[::-1], glon[::-1])):
            tail.append(a)
            head.append(b)
            length.append(_polyline_m(gla, glo))
            access.append(acc)
            geometry.append((list(gla), list(glo)))
    return build_street_graph(lat, lon, tail, head, length, access=np.array(access),
                              geometry=geometry)


def _brute_force(g: StreetGraph, lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, list]:
    """Min planar distance (local projection at the nodes' mean latitude) to each walk edge."""
    lat0 = np.radians(np.mean(g.node_lat))
    kx, ky = np.pi / 180 * R * np.cos(lat0), np.pi / 180 * R
    px, py = lon * kx, lat * ky
    best = np.full(lat.shape, np.inf)
    per_edge: list[np.ndarray] = []
    for e in range(g.n_edges):
        lo, hi = g.geom_start[e], g.geom_start[e + 1]
        gx, gy = g.geom_lon[lo:hi] * kx, g.geom_lat[lo:hi] * ky
        d_e = np.full(lat.shape, np.inf)
        for k in range(hi - lo - 1):
            ax, ay, dx, dy = gx[k], gy[k], gx[k + 1] - gx[k], gy[k + 1] - gy[k]
            t = np.clip(((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy), 0, 1)
            d_e = np.minimum(d_e, np.hypot(px - ax - t * dx, py - ay - t * dy))
        per_edge.append(d_e)
        if g.access[e] & ACCESS_WALK:
            best = np.minimum(best, d_e)
    return best, per_edge


def test_hand_computed_offsets() -> None:
    lat, lon = offset_m([0.0, 100.0], [0.0, 0.0])
    g = build_street_graph(lat, lon, [0, 1], [1, 0], [100.0, 100.0], access=ACCESS_WALK)
    slat, slon = offset_m([30.0], [10.0])
    links = link_stops(g, slat, slon)
    a, b = int(links.node_a[0]), int(links.node_b[0])
    assert {a, b} == {0, 1}
    west, east = (links.dist_a_m[0], links.dist_b_m[0]) if a == 0 else (
        links.dist_b_m[0], links.dist_a_m[0])
    assert links.snap_m[0] == pytest.approx(10.0, abs=0.01)
    assert west == pytest.approx(40.0, abs=0.01)
    assert east == pytest.approx(80.0, abs=0.01)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_nearest_walkable_edge_matches_brute_force(seed: int) -> None:
    g = random_streets(seed)
    rng = np.random.default_rng(100 + seed)
    x = rng.uniform(-400, 1900, 300)
    y = rng.uniform(-400, 1900, 300)
    lat, lon = offset_m(x, y)
    max_snap = 150.0
    links = link_stops(g, lat, lon, max_snap_m=max_snap)
    best, per_edge = _brute_force(g, lat, lon)
    linked = links.node_a >= 0
    np.testing.assert_array_equal(linked, best <= max_snap)
    assert 0 < linked.sum() < lat.size  # the test covers both outcomes
    assert np.all(links.snap_m[~linked] == -1)
    np.testing.assert_allclose(links.snap_m[linked], best[linked], atol=1e-6)
    tail = g.tail()
    for i in np.flatnonzero(linked):
        a, b = int(links.node_a[i]), int(links.node_b[i])
        edges = [e for e in range(g.first_out[a], g.first_out[a + 1])
                 if g.head[e] == b and g.access[e] & ACCESS_WALK]
        assert edges, "node_a -> node_b is a walkable edge"
        e = edges[0]
        assert tail[e] == a
        assert per_edge[e][i] == pytest.approx(best[i], abs=1e-6)
        length = g.length_m[e]
        assert links.dist_a_m[i] + links.dist_b_m[i] == pytest.approx(
            length + 2 * links.snap_m[i], abs=1e-6)
        assert links.dist_a_m[i] >= links.snap_m[i] - 1e-9
        assert links.dist_b_m[i] >= links.snap_m[i] - 1e-9


def test_foot_point_position_along_a_bent_edge() -> None:
    # an L-shaped street 0 -> (100, 0) -> (100, 100): a stop 5 m east of (100, 50) is 150 m along
    nlat, nlon = offset_m([0.0, 100.0], [0.0, 100.0])
    glat, glon = offset_m([0.0, 100.0, 100.0], [0.0, 0.0, 100.0])
    length = _polyline_m(glat, glon)
    g = build_street_graph(nlat, nlon, [0, 1], [1, 0], [length, length], access=ACCESS_WALK,
                           geometry=[(list(glat), list(glon)),
                                     (list(glat[::-1]), list(glon[::-1]))])
    slat, slon = offset_m([105.0], [50.0])
    links = link_stops(g, slat, slon)
    along_from_0 = (links.dist_a_m[0] if links.node_a[0] == 0 else links.dist_b_m[0]) - 5.0
    assert links.snap_m[0] == pytest.approx(5.0, abs=0.01)
    assert along_from_0 == pytest.approx(150.0, abs=0.05)


def test_no_walkable_edge_or_no_stop() -> None:
    lat, lon = offset_m([0.0, 100.0], [0.0, 0.0])
    cars_only = build_street_graph(lat, lon, [0, 1], [1, 0], [100.0, 100.0], access=ACCESS_CAR)
    links = link_stops(cars_only, *offset_m([50.0], [1.0]))
    assert links.node_a.tolist() == [-1] and links.node_b.tolist() == [-1]
    empty = link_stops(cars_only, np.empty(0), np.empty(0))
    assert empty.node_a.shape == (0,)
