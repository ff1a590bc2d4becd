"""Ways (node keys + coordinates + routing attributes) -> :class:`routing.street_graph.StreetGraph`.

Steps, all vectorised with numpy:

1. Consecutive repeated node keys inside a way are merged; ways left with < 2 nodes are skipped.
2. **Graph nodes** are way endpoints and nodes used twice or more (by two ways, or twice by one
   way); every other node becomes geometry of the edge through it.  A closed way whose only
   graph node is its start is split at its middle node so that it is not a self-loop.
3. Each piece between two consecutive graph nodes of a way gives a forward and a backward edge
   (dropped when no mode may use that direction).  ``length_m`` is the haversine sum along the
   geometry (metres), at least :data:`MIN_EDGE_M` so that every edge has a positive length.
4. **Per-mode pruning**: an edge keeps a mode bit only if both of its ends lie in that mode's
   largest strongly connected component (scipy ``connected_components(connection="strong")``).
   Edges left without any bit, then nodes left without any edge, are dropped; ids are re-densified
   and edges sorted by tail into the CSR.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from feeds.errors import FeedError
from feeds.osm.tags import WayAttributes
from feeds.report import IngestReport
from routing.constants import ACCESS_BIKE, ACCESS_CAR, ACCESS_WALK
from routing.street_graph import StreetGraph

#: Mean Earth radius (IUGG), metres.
EARTH_RADIUS_M = 6_371_008.8
#: Floor on an edge length, metres: two distinct OSM nodes can share one position, and a zero
#: length would make the edge free.  One centimetre changes no route.
MIN_EDGE_M = 0.01

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

MODES = (("walk", ACCESS_WALK), ("bike", ACCESS_BIKE), ("car", ACCESS_CAR))


def haversine_m(lat1: F64, lon1: F64, lat2: F64, lon2: F64) -> F64:
    """Great-circle distance in metres between arrays of points given in degrees."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(lon2) - np.radians(lon1)
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))))


@dataclass
class WayCollector:
    """Accumulates routable ways before :func:`build_street_graph`.

    ``keys`` identify nodes (OSM node ids, or ids of rounded GeoJSON coordinates): two ways that
    share a key share a graph node.
    """

    way_ids: list[int] = field(default_factory=list)
    attrs: list[WayAttributes] = field(default_factory=list)
    name_idx: list[int] = field(default_factory=list)
    keys: list[I64] = field(default_factory=list)
    lats: list[F64] = field(default_factory=list)
    lons: list[F64] = field(default_factory=list)
    names: list[str] = field(default_factory=lambda: [""])
    _name_of: dict[str, int] = field(default_factory=lambda: {"": 0})

    def add(self, way_id: int, keys: I64, lat: F64, lon: F64, *, attrs: WayAttributes,
            name: str | None) -> None:
        """Add one way (its node keys and coordinates in way order)."""
        label = name or ""
        idx = self._name_of.get(label)
        if idx is None:
            idx = len(self.names)
            self.names.append(label)
            self._name_of[label] = idx
        self.way_ids.append(way_id)
        self.attrs.append(attrs)
        self.name_idx.append(idx)
        self.keys.append(keys)
        self.lats.append(lat)
        self.lons.append(lon)

    def __len__(self) -> int:
        return len(self.way_ids)


def _geometry_index(start: I64, end: I64) -> tuple[I64, I64]:
    """Positions ``start..end`` (inclusive, stepping towards ``end``) of every edge, and offsets."""
    step = np.where(end >= start, 1, -1)
    n_pts = np.abs(end - start) + 1
    offsets = np.zeros(n_pts.shape[0] + 1, dtype=np.int64)
    np.cumsum(n_pts, out=offsets[1:])
    k = np.arange(int(offsets[-1]), dtype=np.int64) - np.repeat(offsets[:-1], n_pts)
    idx = np.repeat(start, n_pts) + k * np.repeat(step, n_pts)
    return idx, offsets


def _largest_scc_mask(n: int, tail: I64, head: I64) -> npt.NDArray[np.bool_]:
    """Boolean node mask of the largest strongly connected component of the edges given."""
    if tail.size == 0:
        return np.zeros(n, dtype=bool)
    m = sp.csr_matrix((np.ones(tail.size, dtype=np.int8), (tail, head)), shape=(n, n))
    _, labels = connected_components(m, directed=True, connection="strong")
    touched = np.zeros(n, dtype=bool)
    touched[tail] = True
    touched[head] = True
    sizes = np.bincount(labels[touched])
    return np.asarray(labels == int(np.argmax(sizes)))


def build_street_graph(ways: WayCollector, report: IngestReport, *, file: str) -> StreetGraph:
    """Node, split, prune and pack the collected ways into a CSR street graph.

    Parameters
    ----------
    ways
        Routable ways with their attributes.
    report
        Receives skips (``too_few_nodes``) and ``info`` counts (nodes, edges per mode, pruning).
    file
        Source name used in the report and in errors.

    Raises
    ------
    FeedError
        When no routable edge remains.
    """
    if len(ways) == 0:
        raise FeedError("no routable highways", file=file)
    sizes = np.array([k.size for k in ways.keys], dtype=np.int64)
    keys = np.concatenate(ways.keys).astype(np.int64)
    lat = np.concatenate(ways.lats).astype(np.float64)
    lon = np.concatenate(ways.lons).astype(np.float64)
    way_of = np.repeat(np.arange(len(ways), dtype=np.int64), sizes)

    # 1. merge consecutive repeats inside a way, drop ways left with < 2 nodes
    keep = np.ones(keys.size, dtype=bool)
    keep[1:] = ~((keys[1:] == keys[:-1]) & (way_of[1:] == way_of[:-1]))
    counts = np.bincount(way_of[keep], minlength=len(ways))
    short = counts < 2
    if short.any():
        report.skip(file, "too_few_nodes", value=ways.way_ids[int(np.flatnonzero(short)[0])],
                    count=int(short.sum()))
        keep &= ~short[way_of]
    keys, lat, lon, way_of = keys[keep], lat[keep], lon[keep], way_of[keep]
    if keys.size == 0:
        raise FeedError("no routable highways", file=file)

    # 2. graph nodes: endpoints and shared nodes
    uniq, first_pos, node_of, uses = np.unique(
        keys, return_index=True, return_inverse=True, return_counts=True
    )
    new_way = np.ones(keys.size, dtype=bool)
    new_way[1:] = way_of[1:] != way_of[:-1]
    last_of_way = np.ones(keys.size, dtype=bool)
    last_of_way[:-1] = new_way[1:]
    is_graph = (uses[node_of] >= 2) | new_way | last_of_way
    for _ in range(2):  # split pieces that would be self-loops at a middle node
        gpos = np.flatnonzero(is_graph)
        a, b = gpos[:-1], gpos[1:]
        same = (way_of[a] == way_of[b]) & (node_of[a] == node_of[b]) & (b - a >= 2)
        if not same.any():
            break
        is_graph[(a[same] + b[same]) // 2] = True
    gpos = np.flatnonzero(is_graph)
    a, b = gpos[:-1], gpos[1:]
    piece = (way_of[a] == way_of[b]) & (node_of[a] != node_of[b])
    a, b = a[piece], b[piece]

    # 3. lengths and directed edges
    step_m = haversine_m(lat[:-1], lon[:-1], lat[1:], lon[1:])
    step_m[new_way[1:]] = 0.0
    cum = np.zeros(keys.size, dtype=np.float64)
    np.cumsum(step_m, out=cum[1:])
    piece_m = np.maximum(cum[b] - cum[a], MIN_EDGE_M)
    w = way_of[a]
    acc_f = np.array([x.access_fwd for x in ways.attrs], dtype=np.uint8)
    acc_b = np.array([x.access_bwd for x in ways.attrs], dtype=np.uint8)
    speed = np.array([x.car_speed_mps for x in ways.attrs], dtype=np.float32)
    bikef = np.array([x.bike_factor for x in ways.attrs], dtype=np.float32)
    flags = np.array([x.flags for x in ways.attrs], dtype=np.uint8)
    way_id = np.array(ways.way_ids, dtype=np.int64)
    name_idx = np.array(ways.name_idx, dtype=np.int32)

    tail = np.concatenate([node_of[a], node_of[b]]).astype(np.int64)
    head = np.concatenate([node_of[b], node_of[a]]).astype(np.int64)
    gs = np.concatenate([a, b]).astype(np.int64)
    ge = np.concatenate([b, a]).astype(np.int64)
    ew = np.concatenate([w, w])
    access = np.concatenate([acc_f[w], acc_b[w]])
    length = np.concatenate([piece_m, piece_m])

    # 4. per-mode largest strongly connected component
    n_all = int(uniq.size)
    info: dict[str, int] = {}
    for mode, bit in MODES:
        has = (access & bit) != 0
        inside = _largest_scc_mask(n_all, tail[has], head[has])
        drop = has & ~(inside[tail] & inside[head])
        access[drop] &= np.uint8(~bit & 0xFF)
        info[f"{mode}_edges_pruned"] = int(drop.sum())
    alive = access != 0
    tail, head, gs, ge, ew, access, length = (
        x[alive] for x in (tail, head, gs, ge, ew, access, length)
    )
    if tail.size == 0:
        raise FeedError("no routable highways", file=file)

    used = np.unique(np.concatenate([tail, head]))
    dense = np.full(n_all, -1, dtype=np.int64)
    dense[used] = np.arange(used.size)
    tail, head = dense[tail], dense[head]
    order = np.lexsort((head, tail))
    tail, head, gs, ge, ew, access, length = (
        x[order] for x in (tail, head, gs, ge, ew, access, length)
    )
    n = int(used.size)
    first_out = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(np.bincount(tail, minlength=n), out=first_out[1:])
    geom_idx, geom_start = _geometry_index(gs, ge)
    node_pos = first_pos[used]

    graph = StreetGraph(
        node_lat=lat[node_pos].copy(),
        node_lon=lon[node_pos].copy(),
        first_out=first_out,
        head=head.astype(np.int32),
        length_m=length.astype(np.float64),
        access=access.astype(np.uint8),
        car_speed_mps=speed[ew],
        bike_factor=bikef[ew],
        edge_flags=flags[ew],
        edge_way=way_id[ew],
        edge_name=name_idx[ew],
        geom_start=geom_start.astype(np.int32),
        geom_lat=lat[geom_idx],
        geom_lon=lon[geom_idx],
        names=list(ways.names),
    )
    graph.check_invariants()
    info["nodes"] = graph.n_nodes
    info["edges"] = graph.n_edges
    for mode, bit in MODES:
        info[f"{mode}_edges"] = int(np.count_nonzero(graph.access & bit))
    report.info.update(info)
    return graph
