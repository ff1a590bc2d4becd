"""Synthetic street graphs built directly in numpy: edge lists and perfect grids.

A grid of ``n_rows x n_cols`` nodes has blocks of exactly ``block_m`` metres (``length_m``) and
node ``r * n_cols + c`` at row ``r`` (northwards) and column ``c`` (eastwards), so travel times
can be worked out by hand: corner to corner on a 10 x 10 grid of 100 m blocks is 1800 m.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from routing.constants import ACCESS_BIKE, ACCESS_CAR, ACCESS_WALK
from routing.street.search import EARTH_RADIUS_M
from routing.street_graph import StreetGraph

ALL_MODES = ACCESS_WALK | ACCESS_BIKE | ACCESS_CAR

#: Where synthetic grids are placed (central Timisoara), degrees.
ORIGIN_LAT = 45.75
ORIGIN_LON = 21.22


def build_street_graph(
    node_lat: npt.ArrayLike,
    node_lon: npt.ArrayLike,
    tail: npt.ArrayLike,
    head: npt.ArrayLike,
    length_m: npt.ArrayLike,
    *,
    access: npt.ArrayLike | int = ALL_MODES,
    car_speed_mps: npt.ArrayLike | float = 10.0,
    bike_factor: npt.ArrayLike | float = 1.0,
    edge_flags: npt.ArrayLike | int = 0,
    geometry: list[tuple[list[float], list[float]]] | None = None,
) -> StreetGraph:
    """A :class:`StreetGraph` from an edge list (any order; sorted into CSR by tail, stably).

    Parameters
    ----------
    node_lat, node_lon
        Node coordinates, degrees.
    tail, head, length_m
        Directed edges and their lengths, metres.
    access, car_speed_mps, bike_factor, edge_flags
        Per-edge attributes (scalars broadcast).
    geometry
        Optional per-edge ``(lats, lons)`` polylines including both ends; default: the straight
        segment between the end nodes.

    Notes
    -----
    Edge ``i`` of the input becomes CSR edge ``order[i]`` where ``order`` is the stable sort by
    tail; the returned graph's ``edge_way`` holds the input index, to map back.
    """
    lat = np.asarray(node_lat, dtype=np.float64)
    lon = np.asarray(node_lon, dtype=np.float64)
    t = np.asarray(tail, dtype=np.int32)
    h = np.asarray(head, dtype=np.int32)
    m = t.shape[0]
    order = np.argsort(t, kind="stable")

    def per_edge(value: npt.ArrayLike | float, dtype: type) -> np.ndarray:
        arr: np.ndarray = np.broadcast_to(np.asarray(value, dtype=dtype), (m,))
        return np.ascontiguousarray(arr[order])

    first_out = np.zeros(lat.shape[0] + 1, dtype=np.int32)
    np.add.at(first_out, t + 1, 1)
    first_out = np.cumsum(first_out).astype(np.int32)
    geom_lat: list[float] = []
    geom_lon: list[float] = []
    geom_start = [0]
    for i in order.tolist():
        if geometry is not None:
            glat, glon = geometry[i]
        else:
            glat = [float(lat[t[i]]), float(lat[h[i]])]
            glon = [float(lon[t[i]]), float(lon[h[i]])]
        geom_lat.extend(glat)
        geom_lon.extend(glon)
        geom_start.append(len(geom_lat))
    return StreetGraph(
        node_lat=lat,
        node_lon=lon,
        first_out=first_out,
        head=np.ascontiguousarray(h[order]),
        length_m=per_edge(length_m, np.float64),
        access=per_edge(access, np.uint8),
        car_speed_mps=per_edge(car_speed_mps, np.float32),
        bike_factor=per_edge(bike_factor, np.float32),
        edge_flags=per_edge(edge_flags, np.uint8),
        edge_way=order.astype(np.int64),
        edge_name=np.zeros(m, dtype=np.int32),
        geom_start=np.asarray(geom_start, dtype=np.int32),
        geom_lat=np.asarray(geom_lat, dtype=np.float64),
        geom_lon=np.asarray(geom_lon, dtype=np.float64),
        names=[],
    )


def grid_coordinates(
    n_rows: int, n_cols: int, block_m: float
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Latitudes and longitudes of the grid nodes (``block_m`` apart), degrees."""
    dlat = np.degrees(block_m / EARTH_RADIUS_M)
    dlon = np.degrees(block_m / (EARTH_RADIUS_M * np.cos(np.radians(ORIGIN_LAT))))
    r, c = np.divmod(np.arange(n_rows * n_cols), n_cols)
    return ORIGIN_LAT + r * dlat, ORIGIN_LON + c * dlon


def build_street_grid(
    n_rows: int,
    n_cols: int,
    block_m: float = 100.0,
    *,
    access: int = ALL_MODES,
    car_speed_mps: float = 10.0,
    midpoints: bool = True,
) -> StreetGraph:
    """A grid street graph with two-way edges of ``block_m`` metres between neighbours.

    Parameters
    ----------
    n_rows, n_cols
        Grid size in nodes.
    block_m
        Block length, metres (exact ``length_m`` of every edge).
    access, car_speed_mps
        Access bits and car speed (m/s) of every edge.
    midpoints
        Give each edge a 3-point geometry (through the block's midpoint), to exercise geometry
        concatenation.
    """
    lat, lon = grid_coordinates(n_rows, n_cols, block_m)
    idx = np.arange(n_rows * n_cols).reshape(n_rows, n_cols)
    east = np.column_stack([idx[:, :-1].ravel(), idx[:, 1:].ravel()])
    north = np.column_stack([idx[:-1, :].ravel(), idx[1:, :].ravel()])
    pairs = np.concatenate([east, north])
    tail = np.concatenate([pairs[:, 0], pairs[:, 1]])
    head = np.concatenate([pairs[:, 1], pairs[:, 0]])
    geometry = None
    if midpoints:
        geometry = [
            (
                [float(lat[a]), float((lat[a] + lat[b]) / 2), float(lat[b])],
                [float(lon[a]), float((lon[a] + lon[b]) / 2), float(lon[b])],
            )
            for a, b in zip(tail.tolist(), head.tolist(), strict=True)
        ]
    return build_street_graph(
        lat, lon, tail, head, np.full(tail.shape[0], block_m),
        access=access, car_speed_mps=car_speed_mps, geometry=geometry,
    )
