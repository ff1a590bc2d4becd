"""Walking footpaths between nearby stops, and their merge into the timetable's transfers.

:func:`compute_footpaths` finds every ordered pair of distinct stops at most ``max_m`` metres
apart on foot:

* **on the street graph**: a bounded Dijkstra (numba kernel :func:`_bounded_footpaths`) from each
  linked stop over the walkable edges, started at both ends of the stop's edge with their
  offsets; a stop on the same street piece is also reached directly along that piece;
* **straight-line fallback** for stops without a street link (no graph, or farther than the
  snapping limit): the crow-fly distance times :data:`routing.constants.CROW_FLY_DETOUR`.

:func:`with_footpaths` appends them to the transfer CSR of a :class:`Timetable` as rows of kind
``TRANSFER_FOOTPATH`` (the transfers.txt rows stay; the router handles precedence).
"""

from __future__ import annotations

import dataclasses
import heapq

import numpy as np
import numpy.typing as npt
from numba import njit
from scipy.spatial import cKDTree

from routing.constants import (
    ACCESS_WALK,
    CROW_FLY_DETOUR,
    MAX_FOOTPATH_M,
    TRANSFER_FOOTPATH,
    WALK_SPEED_MPS,
)
from routing.errors import InvalidRequestError
from routing.street.snapping import EARTH_RADIUS_M, link_stops
from routing.street_graph import StopLinks, StreetGraph
from routing.timetable import Timetable

I32 = npt.NDArray[np.int32]
F64 = npt.NDArray[np.float64]
Footpaths = tuple[I32, I32, I32]


@njit(cache=True)
def _bounded_footpaths(
    first_out: np.ndarray,
    head: np.ndarray,
    weight_m: np.ndarray,
    stop_a: np.ndarray,
    stop_b: np.ndarray,
    stop_da: np.ndarray,
    stop_db: np.ndarray,
    stop_snap: np.ndarray,
    att_start: np.ndarray,
    att_stop: np.ndarray,
    att_off: np.ndarray,
    max_m: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All ordered pairs of linked stops within ``max_m`` metres on the walk CSR.

    ``att_*`` is a CSR from node to the stops linked to it (``att_off`` = metres from the node to
    the stop, snap included).  Unlinked stops have ``stop_a == -1`` and are never sources or
    targets.  Returns ``(from, to, metres)`` with capacity-trimmed arrays.
    """
    n_nodes = first_out.shape[0] - 1
    n_stops = stop_a.shape[0]
    dist = np.full(n_nodes, np.inf)
    done = np.zeros(n_nodes, dtype=np.bool_)
    touched = np.empty(n_nodes, dtype=np.int64)
    best = np.full(n_stops, np.inf)
    hit = np.empty(n_stops, dtype=np.int64)
    cap = 1024
    out_from = np.empty(cap, dtype=np.int32)
    out_to = np.empty(cap, dtype=np.int32)
    out_m = np.empty(cap, dtype=np.float64)
    n_out = 0
    for s in range(n_stops):
        a = stop_a[s]
        if a < 0:
            continue
        b = stop_b[s]
        n_touched = 0
        n_hit = 0
        heap = [(stop_da[s], np.int64(a)), (stop_db[s], np.int64(b))]
        heapq.heapify(heap)
        for u0, d0 in ((a, stop_da[s]), (b, stop_db[s])):
            if d0 < dist[u0]:
                if dist[u0] == np.inf:
                    touched[n_touched] = u0
                    n_touched += 1
                dist[u0] = d0
        # same street piece: walk straight along it
        along_s = stop_da[s] - stop_snap[s]
        for k in range(att_start[a], att_start[a + 1]):
            t = att_stop[k]
            if t == s:
                continue
            along_t = -1.0
            if stop_a[t] == a and stop_b[t] == b:
                along_t = stop_da[t] - stop_snap[t]
            elif stop_a[t] == b and stop_b[t] == a:
                along_t = stop_db[t] - stop_snap[t]
            if along_t >= 0.0:
                d = abs(along_s - along_t) + stop_snap[s] + stop_snap[t]
                if d <= max_m and d < best[t]:
                    if best[t] == np.inf:
                        hit[n_hit] = t
                        n_hit += 1
                    best[t] = d
        while len(heap) > 0:
            d_u, u = heapq.heappop(heap)
            if done[u] or d_u > dist[u]:
                continue
            done[u] = True
            for k in range(att_start[u], att_start[u + 1]):
                t = att_stop[k]
                d = d_u + att_off[k]
                if t != s and d <= max_m and d < best[t]:
                    if best[t] == np.inf:
                        hit[n_hit] = t
                        n_hit += 1
                    best[t] = d
            for e in range(first_out[u], first_out[u + 1]):
                v = head[e]
                d = d_u + weight_m[e]
                if d <= max_m and d < dist[v]:
                    if dist[v] == np.inf:
                        touched[n_touched] = v
                        n_touched += 1
                    dist[v] = d
                    heapq.heappush(heap, (d, np.int64(v)))
        for i in range(n_touched):
            dist[touched[i]] = np.inf
            done[touched[i]] = False
        if n_out + n_hit > cap:
            while n_out + n_hit > cap:
                cap *= 2
            grown_from = np.empty(cap, dtype=np.int32)
            grown_to = np.empty(cap, dtype=np.int32)
            grown_m = np.empty(cap, dtype=np.float64)
            grown_from[:n_out] = out_from[:n_out]
            grown_to[:n_out] = out_to[:n_out]
            grown_m[:n_out] = out_m[:n_out]
            out_from, out_to, out_m = grown_from, grown_to, grown_m
        for i in range(n_hit):
            t = hit[i]
            out_from[n_out] = s
            out_to[n_out] = t
            out_m[n_out] = best[t]
            n_out += 1
            best[t] = np.inf
    return out_from[:n_out].copy(), out_to[:n_out].copy(), out_m[:n_out].copy()


def _unit_vectors(lat: F64, lon: F64) -> F64:
    """Points on the unit sphere, shape ``(n, 3)``."""
    p, lmb = np.radians(lat), np.radians(lon)
    return np.stack([np.cos(p) * np.cos(lmb), np.cos(p) * np.sin(lmb), np.sin(p)], axis=1)


def crow_fly_pairs(
    stop_lat: F64, stop_lon: F64, max_m: float, *, only: npt.NDArray[np.bool_] | None = None
) -> tuple[I32, I32, F64]:
    """Ordered pairs within ``max_m`` walking metres estimated as crow-fly x ``CROW_FLY_DETOUR``.

    With ``only``, a pair is kept only if at least one of its stops is marked.
    """
    n = stop_lat.shape[0]
    empty = (np.empty(0, np.int32), np.empty(0, np.int32), np.empty(0, np.float64))
    if n < 2 or (only is not None and not only.any()):
        return empty
    xyz = _unit_vectors(stop_lat, stop_lon)
    great_circle = max_m / CROW_FLY_DETOUR / EARTH_RADIUS_M  # radians
    chord = 2.0 * np.sin(min(great_circle, np.pi) / 2.0)
    pairs = cKDTree(xyz).query_pairs(chord * (1 + 1e-9), output_type="ndarray")
    if pairs.size == 0:
        return empty
    i, j = pairs[:, 0], pairs[:, 1]
    if only is not None:
        sel = only[i] | only[j]
        i, j = i[sel], j[sel]
    c = np.linalg.norm(xyz[i] - xyz[j], axis=1)
    walk_m = 2.0 * EARTH_RADIUS_M * np.arcsin(np.clip(c / 2.0, 0.0, 1.0)) * CROW_FLY_DETOUR
    sel = walk_m <= max_m
    i, j, walk_m = i[sel], j[sel], walk_m[sel]
    return (np.concatenate([i, j]).astype(np.int32), np.concatenate([j, i]).astype(np.int32),
            np.concatenate([walk_m, walk_m]))


def _walk_csr(streets: StreetGraph) -> tuple[I32, I32, F64]:
    """The walkable sub-graph as a CSR (first_out, head, length_m)."""
    walk = (streets.access & ACCESS_WALK) != 0
    tails = streets.tail()[walk]
    first_out = np.zeros(streets.n_nodes + 1, dtype=np.int32)
    np.cumsum(np.bincount(tails, minlength=streets.n_nodes), out=first_out[1:])
    return first_out, streets.head[walk].astype(np.int32), streets.length_m[walk].astype(np.float64)


def _attachments(n_nodes: int, links: StopLinks) -> tuple[I32, I32, F64]:
    """CSR from node to the stops linked to it and the metres between them."""
    linked = np.flatnonzero(links.node_a >= 0)
    nodes = np.concatenate([links.node_a[linked], links.node_b[linked]]).astype(np.int64)
    stops = np.concatenate([linked, linked]).astype(np.int32)
    off = np.concatenate([links.dist_a_m[linked], links.dist_b_m[linked]]).astype(np.float64)
    order = np.argsort(nodes, kind="stable")
    start = np.zeros(n_nodes + 1, dtype=np.int32)
    np.cumsum(np.bincount(nodes, minlength=n_nodes), out=start[1:])
    return start, stops[order], off[order]


def compute_footpaths(
    streets: StreetGraph | None,
    links: StopLinks | None,
    stop_lat: npt.ArrayLike,
    stop_lon: npt.ArrayLike,
    *,
    max_m: int = MAX_FOOTPATH_M,
    walk_speed_mps: float = WALK_SPEED_MPS,
) -> Footpaths:
    """Walking distances between all ordered pairs of distinct stops within ``max_m`` metres.

    Parameters
    ----------
    streets
        Street graph, or ``None`` for the straight-line fallback for every pair.
    links
        Stop links to ``streets`` (computed with :func:`link_stops` when ``None``).  Stops not
        linked use the straight-line fallback with every other stop.
    stop_lat, stop_lon
        Stop coordinates, degrees.
    max_m
        Longest footpath kept, metres.
    walk_speed_mps
        Walking speed, metres per second; validated only (lengths do not depend on it; the
        conversion to seconds is :func:`with_footpaths`'s).

    Returns
    -------
    ``(from_stop, to_stop, length_m)`` as int32 arrays sorted by ``(from_stop, to_stop)``;
    ``length_m`` is rounded to whole metres.
    """
    if max_m < 0:
        raise InvalidRequestError(f"max_m must be >= 0, got {max_m}")
    if not walk_speed_mps > 0:
        raise InvalidRequestError(f"walk_speed_mps must be > 0, got {walk_speed_mps}")
    lat = np.asarray(stop_lat, dtype=np.float64).reshape(-1)
    lon = np.asarray(stop_lon, dtype=np.float64).reshape(-1)
    parts_from: list[np.ndarray] = []
    parts_to: list[np.ndarray] = []
    parts_m: list[np.ndarray] = []
    unlinked: npt.NDArray[np.bool_] | None = None
    if streets is not None and streets.n_edges > 0:
        if links is None:
            links = link_stops(streets, lat, lon)
        if links.node_a.shape[0] != lat.shape[0]:
            raise InvalidRequestError(
                f"links cover {links.node_a.shape[0]} stops, coordinates {lat.shape[0]}"
            )
        first_out, head, weight = _walk_csr(streets)
        att_start, att_stop, att_off = _attachments(streets.n_nodes, links)
        f, t, m = _bounded_footpaths(
            first_out, head, weight,
            links.node_a.astype(np.int32), links.node_b.astype(np.int32),
            links.dist_a_m.astype(np.float64), links.dist_b_m.astype(np.float64),
            links.snap_m.astype(np.float64),
            att_start, att_stop, att_off, float(max_m),
        )
        parts_from.append(f)
        parts_to.append(t)
        parts_m.append(m)
        unlinked = links.node_a < 0
    f, t, m = crow_fly_pairs(lat, lon, float(max_m), only=unlinked)
    parts_from.append(f)
    parts_to.append(t)
    parts_m.append(m)
    from_stop = np.concatenate(parts_from).astype(np.int32)
    to_stop = np.concatenate(parts_to).astype(np.int32)
    length_m = np.rint(np.concatenate(parts_m)).astype(np.int32)
    order = np.lexsort((to_stop, from_stop))
    return from_stop[order], to_stop[order], length_m[order]


def with_footpaths(
    tt: Timetable,
    from_stop: npt.ArrayLike,
    to_stop: npt.ArrayLike,
    length_m: npt.ArrayLike,
    *,
    walk_speed_mps: float = WALK_SPEED_MPS,
) -> Timetable:
    """A copy of ``tt`` whose transfer CSR also holds the given footpaths.

    Each footpath becomes a row of kind ``TRANSFER_FOOTPATH`` with ``transfer_m = length_m`` and
    ``transfer_s = ceil(length_m / walk_speed_mps)`` seconds.  Existing rows (transfers.txt) are
    kept, before the footpaths of the same from-stop, even for the same pair.
    """
    if not walk_speed_mps > 0:
        raise InvalidRequestError(f"walk_speed_mps must be > 0, got {walk_speed_mps}")
    f = np.asarray(from_stop, dtype=np.int32).reshape(-1)
    t = np.asarray(to_stop, dtype=np.int32).reshape(-1)
    m = np.asarray(length_m, dtype=np.int32).reshape(-1)
    if not f.shape == t.shape == m.shape:
        raise InvalidRequestError("from_stop, to_stop and length_m must have one length")
    n = tt.n_stops
    if f.size and (min(int(f.min()), int(t.min())) < 0 or max(int(f.max()), int(t.max())) >= n):
        raise InvalidRequestError(f"footpath stop index outside 0..{n - 1}")
    old_from = np.repeat(np.arange(n, dtype=np.int32), np.diff(tt.transfer_start))
    all_from = np.concatenate([old_from, f])
    order = np.argsort(all_from, kind="stable")
    walk_s = np.ceil(m.astype(np.float64) / walk_speed_mps).astype(np.int32)
    start = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(np.bincount(all_from, minlength=n), out=start[1:])
    return dataclasses.replace(
        tt,
        transfer_start=start,
        transfer_to=np.concatenate([tt.transfer_to, t]).astype(np.int32)[order],
        transfer_s=np.concatenate([tt.transfer_s, walk_s]).astype(np.int32)[order],
        transfer_m=np.concatenate([tt.transfer_m, m]).astype(np.int32)[order],
        transfer_kind=np.concatenate(
            [tt.transfer_kind, np.full(f.size, TRANSFER_FOOTPATH, dtype=np.int8)]
        ).astype(np.int8)[order],
    )
