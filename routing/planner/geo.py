"""Small geodesy for the planner: local metric projection and straight-line distances."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

EARTH_RADIUS_M = 6_371_008.8


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance between two points, metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def haversine_many_m(
    lat: float, lon: float, lats: npt.NDArray[np.float64], lons: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Great-circle distances from one point to many, metres."""
    p1, p2 = math.radians(lat), np.radians(lats)
    dp, dl = p2 - p1, np.radians(lons - lon)
    a = np.sin(dp / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(a)))


class LocalProjection:
    """Equirectangular projection around a reference latitude (metres; < 0.1 % error in a city)."""

    def __init__(self, lat0: float) -> None:
        self.kx = math.radians(1) * EARTH_RADIUS_M * math.cos(math.radians(lat0))
        self.ky = math.radians(1) * EARTH_RADIUS_M

    def xy(
        self, lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.float64]:
        """``(n, 2)`` array of (x, y) metres."""
        return np.column_stack([np.asarray(lon) * self.kx, np.asarray(lat) * self.ky])


class StopIndex:
    """Stops in a local metric plane with a KD-tree, built once per network (metres)."""

    def __init__(self, lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64]) -> None:
        lat = np.asarray(lat, dtype=np.float64)
        lon = np.asarray(lon, dtype=np.float64)
        self.proj = LocalProjection(float(np.mean(lat)) if lat.size else 0.0)
        self.xy = self.proj.xy(lat, lon)
        self.tree = cKDTree(self.xy)
