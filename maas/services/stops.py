"""Stop look-ups for ``/v1/stops``: nearest stops and accent-insensitive name prefixes.

Built once per network (:func:`stops_service`) from the timetable: a kd-tree of the stops in a
local metric projection, the folded names, and the routes serving every stop.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from maas.schemas.stops import StopOut
from routing.errors import InvalidRequestError, UnknownPlaceError
from routing.network import Network
from routing.planner.geo import LocalProjection, haversine_many_m

#: Limits on the cost of one query (clear 4xx beyond them).
MAX_RADIUS_M = 5_000
MAX_LIMIT = 200
MAX_QUERY_CHARS = 100

_LATLON = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$")


def fold(text: str) -> str:
    """Case- and accent-insensitive form of a name (``"Piața"`` -> ``"piata"``)."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join("".join(c if c.isalnum() else " " for c in bare).split())


def parse_latlon(value: str, *, field: str) -> tuple[float, float]:
    """``LAT,LON`` -> floats in range (raises :class:`InvalidRequestError` naming ``field``)."""
    m = _LATLON.match(value or "")
    if not m:
        raise InvalidRequestError(f"{field}={value!r}: expected LAT,LON")
    lat, lon = float(m.group(1)), float(m.group(2))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InvalidRequestError(f"{field}={value!r}: latitude or longitude out of range")
    return lat, lon


def _natural_key(name: str) -> tuple[object, ...]:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name))


@dataclass(frozen=True)
class StopQuery:
    """Validated ``/v1/stops`` parameters (``near`` as degrees, ``radius_m`` metres)."""

    near: tuple[float, float] | None = None
    radius_m: int = 500
    q: str | None = None
    limit: int = 20


class StopsService:
    """Stop search on one network (immutable after construction; thread-safe)."""

    def __init__(self, network: Network) -> None:
        self.network = network
        tt = network.timetable
        names = tt.names
        self.index = {sid: i for i, sid in enumerate(names.stop_ids)}
        self.folded = [fold(n) for n in names.stop_names]
        lat0 = float(np.mean(tt.stop_lat)) if tt.n_stops else 0.0
        self.proj = LocalProjection(lat0)
        self.tree = cKDTree(self.proj.xy(np.asarray(tt.stop_lat), np.asarray(tt.stop_lon)))
        # routes serving each stop (short name, else long name, else route_id), natural order
        pattern_route = np.asarray(tt.pattern_route)
        route_label = [
            s or ln or rid for s, ln, rid in zip(names.route_short_names,
                                                 names.route_long_names, names.route_ids,
                                                 strict=True)
        ]
        starts = np.asarray(tt.stop_pattern_start)
        pats = np.asarray(tt.stop_patterns)
        self.routes: list[list[str]] = []
        for s in range(tt.n_stops):
            rs = {route_label[int(pattern_route[p])] for p in pats[starts[s]:starts[s + 1]]}
            self.routes.append(sorted(rs, key=_natural_key))
        parent = np.asarray(tt.stop_parent)
        self.children: dict[int, list[int]] = {}
        for s in np.flatnonzero(parent >= 0).tolist():
            self.children.setdefault(int(parent[s]), []).append(int(s))

    def stop_index(self, stop_id: str) -> int:
        """Internal index of a GTFS stop_id (raises :class:`UnknownPlaceError`)."""
        idx = self.index.get(stop_id)
        if idx is None:
            raise UnknownPlaceError(f"stop_id={stop_id!r}: unknown stop")
        return idx

    def stop_out(self, s: int, distance_m: float | None = None) -> StopOut:
        """API representation of stop index ``s``."""
        tt = self.network.timetable
        names = tt.names
        p = int(tt.stop_parent[s])
        return StopOut(
            stop_id=names.stop_ids[s], name=names.stop_names[s],
            lat=float(tt.stop_lat[s]), lon=float(tt.stop_lon[s]),
            routes=self.routes[s], wheelchair_boarding=int(tt.stop_wheelchair[s]),
            parent_station=names.stop_ids[p] if p >= 0 else None,
            distance_m=None if distance_m is None else round(distance_m, 1),
        )

    def search(self, query: StopQuery) -> list[StopOut]:
        """Stops near a point (nearest first) and/or whose name starts with a prefix.

        With ``near``, stops within ``radius_m`` metres sorted by distance; with ``q``, stops
        whose folded name, or a word of it, starts with the folded prefix (whole-name matches
        first, then alphabetical); both filter together.
        """
        if query.near is None and not query.q:
            raise InvalidRequestError("give near=LAT,LON (with radius_m) or q=PREFIX")
        if not 1 <= query.limit <= MAX_LIMIT:
            raise InvalidRequestError(f"limit={query.limit!r}: must be in 1..{MAX_LIMIT}")
        if not 1 <= query.radius_m <= MAX_RADIUS_M:
            raise InvalidRequestError(f"radius_m={query.radius_m!r}: must be in 1..{MAX_RADIUS_M}")
        tt = self.network.timetable
        cand: list[int]
        dist: dict[int, float] = {}
        if query.near is not None:
            lat, lon = query.near
            xy = self.proj.xy(np.array([lat]), np.array([lon]))[0]
            # the projection's scale error is far below 1 %: widen a little, then filter exactly
            got = np.array(self.tree.query_ball_point(xy, query.radius_m * 1.01 + 1), np.int64)
            d = haversine_many_m(lat, lon, np.asarray(tt.stop_lat)[got],
                                 np.asarray(tt.stop_lon)[got])
            ok = d <= query.radius_m
            order = np.lexsort((got[ok], d[ok]))
            cand = [int(got[ok][i]) for i in order]
            dist = {int(s): float(x) for s, x in zip(got[ok], d[ok], strict=True)}
        else:
            cand = list(range(tt.n_stops))
        if query.q:
            prefix = fold(query.q)
            if not prefix:
                raise InvalidRequestError(f"q={query.q!r}: empty after removing accents/spaces")
            rank: dict[int, int] = {}
            for s in cand:
                name = self.folded[s]
                if name.startswith(prefix):
                    rank[s] = 0
                elif f" {prefix}" in f" {name}":  # a later word starts with the prefix
                    rank[s] = 1
            cand = [s for s in cand if s in rank]
            if query.near is None:
                cand.sort(key=lambda s: (rank[s], self.folded[s], tt.names.stop_ids[s]))
        return [self.stop_out(s, dist.get(s)) for s in cand[: query.limit]]


_CACHE: OrderedDict[int, StopsService] = OrderedDict()
_LOCK = threading.Lock()


def stops_service(network: Network) -> StopsService:
    """The cached :class:`StopsService` of ``network`` (built on first use)."""
    with _LOCK:
        got = _CACHE.get(id(network))
        if got is not None and got.network is network:
            return got
        svc = StopsService(network)
        _CACHE[id(network)] = svc
        while len(_CACHE) > 4:
            _CACHE.popitem(last=False)
        return svc
