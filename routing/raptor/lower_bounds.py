"""Per-query lower bounds on the remaining travel time to the targets (goal-directed RAPTOR).

Before an earliest-arrival search, one backward Dijkstra from the targets over the *stop graph*
gives ``lb[s]``: no journey that stands at stop ``s`` at time ``t`` reaches a target before
``t + lb[s]`` (egress included).  The RAPTOR kernel then drops every label with
``t + lb[s] >= best arrival at a target so far`` - the classic target pruning, made
goal-directed.  MOTIS computes the same kind of bound on its station graph.

The stop graph has an edge ``u -> v`` per consecutive pair of stops of a pattern, weighted by
the least ride time ``arrival(v) - departure(u)`` over the pattern's trips (dwell times and
waiting only add to it), and an edge per resolved transfer/footpath with its duration.  Any
journey's remaining part is a path in this graph whose weight is at most its duration, so the
bound is admissible.  Under realtime delays the ride times are those of the delayed stop
times (a late trip catching up shortens a segment), recomputed per delay array.

The Dijkstra itself is :func:`routing.raptor.kernels.lower_bounds` (kernels that call each
other live in one module: numba's disk cache only notices changes to a kernel's own file).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from routing.raptor import kernels
from routing.raptor.kernels import Tup

I32 = npt.NDArray[np.int32]
#: ``(in_start, in_from, in_w)``: the stop graph's ride edges as a CSR by head stop.
RideGraph = tuple[I32, I32, I32]


def ride_graph(net: Tup, n_stops: int, delay_s: I32 | None = None) -> RideGraph | None:
    """The ride edges of ``net`` (forward or time-reversed; stop times moved by ``delay_s``
    when given) as a CSR by head stop, one edge per (tail, head) pair with the least weight;
    ``None`` when realtime data gives some segment a negative ride time (no valid bound)."""
    u, v, w = kernels.ride_edges(net, np.zeros(0, np.int32) if delay_s is None else delay_s)
    if w.shape[0] and int(w.min()) < 0:
        return None
    order = np.lexsort((w, u, v))
    u, v, w = u[order], v[order], w[order]
    first = np.ones(u.shape[0], dtype=bool)
    first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    u, v, w = u[first], v[first], w[first]
    start = np.zeros(n_stops + 1, dtype=np.int32)
    start[1:] = np.cumsum(np.bincount(v, minlength=n_stops))
    return start, np.ascontiguousarray(u, np.int32), np.ascontiguousarray(w, np.int32)
