"""Road closures as an overlay on the street graph: a closed-edge mask for the car profile.

A closure is a polyline (WGS84 degrees) drawn along the closed road.  A directed street edge is
*closed* when it runs along a closure: its two end nodes and the midpoint of its geometry all
lie within ``tolerance_m`` (15 m by default: half a two-lane road plus GPS/digitising error) of
the closure line.  Requiring the midpoint as well keeps a crossing street (which touches the
closure at one node only) open.  Only edges the car may use are closed; walking and cycling
are not restricted (municipal notices close roads to traffic, not to pedestrians).

The graph is never edited: :func:`apply_closures` hands the mask to the
:class:`~routing.street.search.StreetRouter`, which recompiles the car costs with ``-1`` on the
closed edges; :func:`apply_closures` with an empty list lifts every closure.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from routing.constants import ACCESS_CAR
from routing.probes import LocalPlane
from routing.street.search import StreetRouter
from routing.street_graph import StreetGraph

F64 = npt.NDArray[np.float64]
Bool = npt.NDArray[np.bool_]

#: Distance (m) within which an edge's ends and midpoint must lie to count as on the closure.
CLOSURE_TOLERANCE_M = 15.0
#: Closure lines are densified to points this far apart (m) before the nearest-point search.
_STEP_M = 2.0

#: A closure line: ``(lat, lon)`` arrays of its vertices, degrees.
ClosureLine = tuple[npt.ArrayLike, npt.ArrayLike]


def _densify(x: F64, y: F64, step_m: float) -> tuple[F64, F64]:
    xs: list[F64] = [x[:1]]
    ys: list[F64] = [y[:1]]
    for i in range(x.size - 1):
        seg = float(np.hypot(x[i + 1] - x[i], y[i + 1] - y[i]))
        n = max(1, int(np.ceil(seg / step_m)))
        f = np.arange(1, n + 1) / n
        xs.append(x[i] + f * (x[i + 1] - x[i]))
        ys.append(y[i] + f * (y[i + 1] - y[i]))
    return np.concatenate(xs), np.concatenate(ys)


def edge_midpoints(graph: StreetGraph, edges: npt.ArrayLike | None = None,
                   ) -> tuple[F64, F64]:
    """``(lat, lon)`` of the point halfway along the geometry of ``edges`` (default all)."""
    sel = np.arange(graph.n_edges) if edges is None else np.asarray(edges, dtype=np.int64)
    m = sel.size
    lat = np.empty(m)
    lon = np.empty(m)
    gs = np.asarray(graph.geom_start)
    glat, glon = np.asarray(graph.geom_lat), np.asarray(graph.geom_lon)
    plane = LocalPlane(float(np.mean(glat)) if glat.size else 0.0,
                       float(np.mean(glon)) if glon.size else 0.0)
    gx, gy = plane.to_xy(glat, glon)
    for k, e in enumerate(sel.tolist()):
        a, b = int(gs[e]), int(gs[e + 1])
        if b - a < 2:
            lat[k], lon[k] = (glat[a], glon[a]) if b > a else (np.nan, np.nan)
            continue
        x, y = gx[a:b], gy[a:b]
        cum = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(x), np.diff(y)))])
        half = cum[-1] / 2.0
        mx, my = np.interp(half, cum, x), np.interp(half, cum, y)
        la, lo = plane.to_degrees(mx, my)
        lat[k], lon[k] = float(la), float(lo)
    return lat, lon


def closed_edge_mask(graph: StreetGraph, closures: Sequence[ClosureLine], *,
                     tolerance_m: float = CLOSURE_TOLERANCE_M) -> Bool:
    """Mask of the car edges running along any closure line (rule: module docstring).

    Parameters
    ----------
    graph : the street graph (read only).
    closures : closure polylines as ``(lat, lon)`` vertex arrays, degrees.
    tolerance_m : distance (m) from the closure within which an edge counts as on it.
    """
    m = graph.n_edges
    mask = np.zeros(m, dtype=np.bool_)
    lines = [(np.asarray(a, np.float64), np.asarray(b, np.float64)) for a, b in closures]
    lines = [(a, b) for a, b in lines if a.size >= 2 and a.shape == b.shape]
    if m == 0 or not lines:
        return mask
    nlat, nlon = np.asarray(graph.node_lat), np.asarray(graph.node_lon)
    plane = LocalPlane(float(np.mean(nlat)), float(np.mean(nlon)))
    px: list[F64] = []
    py: list[F64] = []
    for la, lo in lines:
        x, y = plane.to_xy(la, lo)
        dx, dy = _densify(x, y, _STEP_M)
        px.append(dx)
        py.append(dy)
    tree = cKDTree(np.column_stack([np.concatenate(px), np.concatenate(py)]))
    # step/2 is the worst gap between a point on the line and its nearest densified point
    r = tolerance_m + _STEP_M / 2.0
    car = (np.asarray(graph.access) & ACCESS_CAR) != 0
    node_x, node_y = plane.to_xy(nlat, nlon)
    near_node, _ = tree.query(np.column_stack([node_x, node_y]), distance_upper_bound=r)
    node_on = np.isfinite(near_node)
    tail = graph.tail()
    head = np.asarray(graph.head)
    cand = car & node_on[tail] & node_on[head]
    if not bool(cand.any()):
        return mask
    idx = np.flatnonzero(cand)
    mid_lat, mid_lon = edge_midpoints(graph, idx)
    mx, my = plane.to_xy(mid_lat, mid_lon)
    dmid, _ = tree.query(np.column_stack([mx, my]), distance_upper_bound=r)
    mask[idx[np.isfinite(dmid)]] = True
    return mask


def apply_closures(router: StreetRouter, closed: Bool | None, *, profile_name: str = "car",
                   ) -> int:
    """Install ``closed`` as the router's closed-edge overlay for ``profile_name``.

    Returns the number of closed edges (0 lifts every closure).
    """
    router.set_closed_edges(profile_name, closed)
    return 0 if closed is None else int(np.count_nonzero(closed))


__all__ = ["CLOSURE_TOLERANCE_M", "ClosureLine", "apply_closures", "closed_edge_mask",
           "edge_midpoints"]
