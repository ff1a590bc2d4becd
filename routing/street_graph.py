"""The street graph as an immutable CSR (compressed sparse row) of directed edges.

Nodes ``0..n_nodes-1`` carry coordinates (degrees).  The out-edges of node ``u`` are
``first_out[u] .. first_out[u+1]-1``; edge ``e`` goes to ``head[e]`` and is ``length_m[e]``
metres long.  ``access[e]`` holds ``ACCESS_WALK | ACCESS_BIKE | ACCESS_CAR`` bits for travel
*in the edge's direction* (a one-way street has the car bit on one direction only).
``car_speed_mps[e]`` is the free-flow car speed (metres per second) from maxspeed or the highway
class; ``bike_factor[e]`` scales the cyclist's speed (pushing on footways, slower on steps).
``edge_flags[e]`` marks wheelchair-relevant facts (``FLAG_STEPS``, ``FLAG_UNKNOWN_SURFACE``,
``FLAG_BAD_SURFACE``).  The geometry of edge ``e`` (including both end nodes, in travel order)
is ``geom_lat/geom_lon[geom_start[e]:geom_start[e+1]]``.  ``edge_way`` is the OSM way id (or the
GeoJSON feature index) for closures and congestion; ``edge_name`` indexes ``names``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from routing.errors import SnapshotError

FLAG_STEPS = 1
FLAG_UNKNOWN_SURFACE = 2
FLAG_BAD_SURFACE = 4
FLAG_KERB_UNKNOWN = 8


@dataclass(frozen=True)
class StreetGraph:
    """Immutable directed street graph in CSR form (see module docstring)."""

    node_lat: npt.NDArray[np.float64]
    node_lon: npt.NDArray[np.float64]
    first_out: npt.NDArray[np.int32]
    head: npt.NDArray[np.int32]
    length_m: npt.NDArray[np.float64]
    access: npt.NDArray[np.uint8]
    car_speed_mps: npt.NDArray[np.float32]
    bike_factor: npt.NDArray[np.float32]
    edge_flags: npt.NDArray[np.uint8]
    edge_way: npt.NDArray[np.int64]
    edge_name: npt.NDArray[np.int32]
    geom_start: npt.NDArray[np.int32]
    geom_lat: npt.NDArray[np.float64]
    geom_lon: npt.NDArray[np.float64]
    names: list[str] = field(default_factory=list)

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.node_lat.shape[0])

    @property
    def n_edges(self) -> int:
        """Number of directed edges."""
        return int(self.head.shape[0])

    def tail(self) -> npt.NDArray[np.int32]:
        """Source node of every edge, shape ``(n_edges,)``."""
        return np.repeat(
            np.arange(self.n_nodes, dtype=np.int32), np.diff(self.first_out)
        ).astype(np.int32)

    def array_fields(self) -> dict[str, np.ndarray]:
        """All numpy array fields by name."""
        return {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if isinstance(getattr(self, f.name), np.ndarray)
        }

    def check_invariants(self) -> None:
        """Check the CSR layout; raise :class:`SnapshotError` listing every violation."""
        problems: list[str] = []
        n, m = self.n_nodes, self.n_edges
        if self.first_out.shape != (n + 1,):
            problems.append(f"first_out shape {self.first_out.shape} != ({n + 1},)")
        elif int(self.first_out[0]) != 0 or int(self.first_out[-1]) != m:
            problems.append("first_out must start at 0 and end at n_edges")
        elif np.any(np.diff(self.first_out) < 0):
            problems.append("first_out not monotone")
        for name in ("length_m", "access", "car_speed_mps", "bike_factor", "edge_flags",
                     "edge_way", "edge_name"):
            if getattr(self, name).shape != (m,):
                problems.append(f"{name} shape != ({m},)")
        if m and (int(self.head.min()) < 0 or int(self.head.max()) >= n):
            problems.append("head out of range")
        if m and not np.all(self.length_m >= 0):
            problems.append("negative length_m")
        if self.geom_start.shape != (m + 1,):
            problems.append("geom_start shape != (n_edges+1,)")
        if problems:
            raise SnapshotError("street graph invariants violated: " + "; ".join(problems))


@dataclass(frozen=True)
class StopLinks:
    """Link of every stop to the walk network: the nearest walkable edge ``u -> v``.

    A stop sits ``dist_a_m`` metres (along the street, plus the perpendicular offset) from node
    ``node_a`` and ``dist_b_m`` from ``node_b``.  ``node_a == -1`` when the stop is farther than
    the snapping limit from any walkable street (straight-line fallback).
    """

    node_a: npt.NDArray[np.int32]
    node_b: npt.NDArray[np.int32]
    dist_a_m: npt.NDArray[np.float64]
    dist_b_m: npt.NDArray[np.float64]
    snap_m: npt.NDArray[np.float64]
    """Perpendicular distance from the stop to the street, metres."""

    def array_fields(self) -> dict[str, np.ndarray]:
        """All numpy array fields by name."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
