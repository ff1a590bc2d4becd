"""Street paths: parent labels -> edge sequence -> GeoJSON-ready geometry.

A search leaves, for every reached node, the edge it was reached by (``parent_edge``, ``-1`` at
a source).  A forward search traces from the target back to a source; a reverse search (run on
the reversed graph, as for egress) traces from a node *forward* to the search's source.  Either
way the result is the edge sequence in travel order, whose geometries are concatenated (each
edge geometry holds both end nodes, so the shared point is kept once).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from numba import njit

from routing.street_graph import StreetGraph


@dataclass(frozen=True)
class StreetPath:
    """One street path in travel order.

    Attributes
    ----------
    node_idx
        Nodes visited, int32, ``len(edge_idx) + 1`` of them.
    edge_idx
        Directed edges of :class:`~routing.street_graph.StreetGraph` traversed, int32.
    lat, lon
        Polyline of the path, degrees (the edges' geometries concatenated).
    length_m
        Sum of the edges' ``length_m``, metres.
    duration_s
        Cost label at the end of the path: the source's initial cost plus the edges' costs.
        Seconds for a time search; metres for a distance search.
    """

    node_idx: npt.NDArray[np.int32]
    edge_idx: npt.NDArray[np.int32]
    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    length_m: float
    duration_s: float

    @property
    def start_node(self) -> int:
        """First node of the path."""
        return int(self.node_idx[0])

    @property
    def end_node(self) -> int:
        """Last node of the path."""
        return int(self.node_idx[-1])

    def geojson(self) -> dict[str, Any]:
        """GeoJSON LineString (``[lon, lat]`` positions; a 0-edge path repeats its point)."""
        coords = [[float(x), float(y)] for x, y in zip(self.lon, self.lat, strict=True)]
        if len(coords) == 1:
            coords.append(list(coords[0]))
        return {"type": "LineString", "coordinates": coords}


@njit(cache=True)
def _trace_back(parent_edge: np.ndarray, edge_tail: np.ndarray, target: int) -> np.ndarray:
    """Edges from a source to ``target`` in travel order (forward search labels)."""
    n = 0
    v = target
    while parent_edge[v] >= 0:
        n += 1
        v = edge_tail[parent_edge[v]]
        if n > parent_edge.shape[0]:
            return np.full(1, -1, np.int32)  # a cycle: labels are not a search tree
    out = np.empty(n, np.int32)
    v = target
    i = n - 1
    while parent_edge[v] >= 0:
        out[i] = parent_edge[v]
        v = edge_tail[parent_edge[v]]
        i -= 1
    return out


def trace_edges(
    parent_edge: npt.NDArray[np.int32],
    edge_tail: npt.NDArray[np.int32],
    node: int,
) -> npt.NDArray[np.int32]:
    """Edges of the search tree from its root to ``node``, in travel order.

    Parameters
    ----------
    parent_edge
        Per node, the edge of the (forward) search tree entering it, ``-1`` at a root.
    edge_tail
        The tail node of every edge of the searched graph.
    node
        The end of the path.

    Raises
    ------
    ValueError
        If the labels contain a cycle.
    """
    out: npt.NDArray[np.int32] = _trace_back(parent_edge, edge_tail, node)
    if out.shape[0] == 1 and out[0] < 0:
        raise ValueError(f"parent labels from node {node} contain a cycle")
    return out


@njit(cache=True)
def _assemble_geometry(
    edges: np.ndarray, nodes: np.ndarray, geom_start: np.ndarray, geom_lat: np.ndarray,
    geom_lon: np.ndarray, node_lat: np.ndarray, node_lon: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Concatenated geometry of a path: the start node, then per edge its stored interior and
    end points (or just the head node when the edge stores no geometry), degrees."""
    n = 1
    for e in edges:
        k = geom_start[e + 1] - geom_start[e]
        n += k - 1 if k >= 2 else 1
    lat = np.empty(n, np.float64)
    lon = np.empty(n, np.float64)
    lat[0] = node_lat[nodes[0]]
    lon[0] = node_lon[nodes[0]]
    j = 1
    for i in range(edges.shape[0]):
        e = edges[i]
        a, b = geom_start[e], geom_start[e + 1]
        if b - a >= 2:
            for x in range(a + 1, b):
                lat[j] = geom_lat[x]
                lon[j] = geom_lon[x]
                j += 1
        else:
            v = nodes[i + 1]
            lat[j] = node_lat[v]
            lon[j] = node_lon[v]
            j += 1
    return lat, lon


def build_path(
    graph: StreetGraph,
    start_node: int,
    edge_idx: npt.NDArray[np.int32],
    duration_s: float,
) -> StreetPath:
    """Assemble a :class:`StreetPath` from an edge sequence in travel order.

    Parameters
    ----------
    graph
        The street graph the edges belong to.
    start_node
        First node (used for the geometry of a 0-edge path).
    edge_idx
        Edges in travel order; ``head[e_i]`` must be the tail of ``e_{i+1}``.
    duration_s
        Cost label at the end (seconds, or metres for distance searches).
    """
    edges = np.asarray(edge_idx, dtype=np.int32)
    nodes = np.empty(edges.shape[0] + 1, dtype=np.int32)
    nodes[0] = start_node
    if edges.shape[0]:
        nodes[1:] = graph.head[edges]
    lat, lon = _assemble_geometry(
        edges, nodes, np.asarray(graph.geom_start), np.asarray(graph.geom_lat),
        np.asarray(graph.geom_lon), np.asarray(graph.node_lat), np.asarray(graph.node_lon),
    )
    return StreetPath(
        node_idx=nodes,
        edge_idx=edges,
        lat=lat,
        lon=lon,
        length_m=float(np.sum(graph.length_m[edges], dtype=np.float64)),
        duration_s=float(duration_s),
    )
