"""Road closures as a car-edge mask: a closed street is never used by a CAR path, and the
path equals the shortest path on the graph without those edges (scipy oracle)."""

from __future__ import annotations

import numpy as np
import pytest

from routing.closures import apply_closures, closed_edge_mask
from routing.street import CarProfile, StreetRouter, WalkProfile
from tests.routing.street.oracle import scipy_dist
from tests.support.grid import build_street_grid, grid_coordinates

ROWS, COLS, BLOCK = 6, 6, 100.0


def _row_line(row: int, c0: int, c1: int) -> tuple[list[float], list[float]]:
    lat, lon = grid_coordinates(ROWS, COLS, BLOCK)
    a, b = row * COLS + c0, row * COLS + c1
    return [float(lat[a]), float(lat[b])], [float(lon[a]), float(lon[b])]


def test_mask_closes_edges_along_the_line_only() -> None:
    g = build_street_grid(ROWS, COLS, BLOCK)
    mask = closed_edge_mask(g, [_row_line(2, 1, 4)])
    tail, head = g.tail(), g.head
    closed = {(int(tail[e]), int(head[e])) for e in np.flatnonzero(mask)}
    want = set()
    for c in range(1, 4):
        a, b = 2 * COLS + c, 2 * COLS + c + 1
        want |= {(a, b), (b, a)}
    assert closed == want  # both directions of the 3 blocks, no crossing street


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_car_paths_avoid_closed_edges_and_are_optimal(seed: int) -> None:
    g = build_street_grid(ROWS, COLS, BLOCK)
    router = StreetRouter(g)
    rng = np.random.default_rng(seed)
    lines = [_row_line(int(r), 0, COLS - 2) for r in rng.choice(ROWS, 2, replace=False)]
    mask = closed_edge_mask(g, lines)
    assert apply_closures(router, mask) == int(mask.sum()) > 0
    car = CarProfile()
    base = CarProfile().edge_cost_s(g)
    oracle_cost = np.where(mask, -1, base)
    state = router.new_state()
    for _ in range(10):
        a, b = (int(x) for x in rng.choice(g.n_nodes, 2, replace=False))
        path = router.shortest_path(car, a, b, state=state)
        want = scipy_dist(g, oracle_cost, [a])[b]
        if not np.isfinite(want):
            assert path is None
            continue
        assert path is not None
        assert path.duration_s == pytest.approx(want)
        assert not mask[np.asarray(path.edge_idx)].any()
    # walking is not restricted, and lifting the closures restores the car costs
    assert (router.edge_cost_s(WalkProfile()) >= 0).all()
    apply_closures(router, None)
    assert np.array_equal(router.edge_cost_s(car), base)
