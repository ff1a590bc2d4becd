"""Isochrones (``/v1/isochrone``): one-to-all travel times drawn as GeoJSON polygons.

Polygon method (documented in the response's ``method`` too).  The travel times come from
:func:`routing.isochrone.OneToAllEngine.run` (walk access, one-to-all RAPTOR, walking on with
the remaining time).  For a cutoff ``c`` every reached point gets a disk:

* a street node reached at time ``t`` with walking budget ``b`` left: radius
  ``min(c - t, b) * walk_speed``, capped at :data:`NODE_RADIUS_M` (the disk stands for the
  blocks beside the street, not for walking on in a straight line, which the street search
  already did);
* a straight-line point (the origin without a street node, a stop without a street link, every
  stop of a bundle without streets): radius ``min(c - t, b) * walk_speed / CROW_FLY_DETOUR``,
  exactly the planner's straight-line walking rule.

Street nodes are first thinned to one per :data:`GRID_M` cell (keeping the largest disk), the
disks are drawn as 16-gons *inside* their circles (so the drawing never claims more than the
disks), unioned, and simplified by :data:`SIMPLIFY_M`.  All in a local metric projection;
output coordinates are [lon, lat] rounded to 1e-6 degree.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import mapping

from maas.schemas.isochrone import (
    IsochroneFeature,
    IsochroneOut,
    IsochroneProperties,
    PolygonGeometry,
)
from maas.services.places import format_time, parse_time
from maas.services.stops import parse_latlon
from routing.constants import CROW_FLY_DETOUR
from routing.errors import InvalidRequestError, UnknownPlaceError
from routing.isochrone import MAX_TIME_S, OneToAll, OneToAllEngine, OneToAllRequest
from routing.network import Network

#: Limits on the cost of one query (clear 4xx beyond them).
MAX_CUTOFFS = 3
MIN_CUTOFF_S = 60
MAX_CUTOFF_S = MAX_TIME_S
#: Largest disk drawn around a reached street node, metres.
NODE_RADIUS_M = 100.0
#: Street nodes are thinned to one per square cell of this size, metres.
GRID_M = 25.0
#: Simplification tolerance of the polygons, metres.
SIMPLIFY_M = 5.0
#: Allowed modes: walking only, or walking plus transit.
ALLOWED_MODES = frozenset({"WALK", "TRANSIT"})

METHOD = (
    "one-to-all walk+transit travel times; disks around reached street nodes (remaining "
    f"walking time x speed, at most {NODE_RADIUS_M:.0f} m) and straight-line disks (remaining "
    f"time x speed / {CROW_FLY_DETOUR}) around stops without streets, unioned and simplified "
    f"by {SIMPLIFY_M:.0f} m"
)

F64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class IsochroneParams:
    """Raw ``/v1/isochrone`` parameters as the HTTP layer received them."""

    from_: str
    time: str | None = None
    modes: str = "WALK,TRANSIT"
    cutoffs_s: str = "600,1200,1800"


def parse_cutoffs(value: str) -> list[int]:
    """Comma list of cutoffs (seconds) -> sorted distinct ints within the limits."""
    out: set[int] = set()
    for part in value.split(","):
        raw = part.strip()
        if not raw:
            continue
        try:
            c = int(raw)
        except ValueError:
            raise InvalidRequestError(f"cutoffs_s: {raw!r} is not an integer") from None
        if not MIN_CUTOFF_S <= c <= MAX_CUTOFF_S:
            raise InvalidRequestError(
                f"cutoffs_s: {c} out of range {MIN_CUTOFF_S}..{MAX_CUTOFF_S} seconds"
            )
        out.add(c)
    if not out:
        raise InvalidRequestError("cutoffs_s: give 1 to 3 comma-separated seconds")
    if len(out) > MAX_CUTOFFS:
        raise InvalidRequestError(f"cutoffs_s: at most {MAX_CUTOFFS} values, got {len(out)}")
    return sorted(out)


def parse_iso_modes(value: str) -> frozenset[str]:
    """``WALK``, ``TRANSIT`` or both (transit always walks to and from stops)."""
    modes = frozenset(m.strip().upper() for m in value.split(",") if m.strip())
    bad = modes - ALLOWED_MODES
    if bad or not modes:
        raise InvalidRequestError(
            f"modes={value!r}: isochrones support WALK and TRANSIT only"
            + (f" (not {', '.join(sorted(bad))})" if bad else "")
        )
    return modes


class IsochroneService:
    """Isochrones on one network; thread-safe (search state per thread)."""

    def __init__(self, network: Network) -> None:
        self.network = network
        self.engine = OneToAllEngine(network)
        self.tz = ZoneInfo(network.meta.timezone or "UTC")
        self.proj = self.engine.proj

    def warm(self) -> None:
        """Compile the kernels before the service reports ready."""
        self.engine.warm()

    def build_request(self, p: IsochroneParams) -> tuple[OneToAllRequest, list[int],
                                                          frozenset[str]]:
        """Validate and convert API parameters (raises InvalidRequestError/UnknownPlaceError)."""
        lat, lon = parse_latlon(p.from_, field="from")
        lo_lon, lo_lat, hi_lon, hi_lat = self.network.meta.bbox
        margin = 0.05
        if not (lo_lat - margin <= lat <= hi_lat + margin
                and lo_lon - margin <= lon <= hi_lon + margin):
            raise UnknownPlaceError(
                f"from={p.from_!r}: outside the network's area "
                f"(bbox {lo_lon},{lo_lat},{hi_lon},{hi_lat})"
            )
        cutoffs = parse_cutoffs(p.cutoffs_s)
        modes = parse_iso_modes(p.modes)
        day, secs = parse_time(p.time, self.tz)
        req = OneToAllRequest(lat, lon, day, secs, max(cutoffs), transit="TRANSIT" in modes)
        return req, cutoffs, modes

    def isochrone(self, req: OneToAllRequest, cutoffs: list[int],
                  modes: frozenset[str]) -> IsochroneOut:
        """Run the one-to-all search and draw one polygon per cutoff."""
        res = self.engine.run(req)
        time_iso = format_time(req.day, req.time_s, self.tz)
        mode_str = ",".join(sorted(modes))
        features = []
        for c in cutoffs:
            geom = self.polygon(res, c, req.walk_speed_mps)
            area = float(geom.area)
            geo = self._to_lonlat(geom)
            features.append(IsochroneFeature(
                properties=IsochroneProperties(
                    cutoff_s=c, time=time_iso, modes=mode_str, area_m2=round(area, 1),
                    stops_reached=int(np.count_nonzero(res.stop_time_s <= c)),
                ),
                geometry=PolygonGeometry.model_validate(geo),
            ))
        return IsochroneOut(features=features, network_version=self.network.meta.version,
                            method=METHOD)

    def polygon(self, res: OneToAll, cutoff_s: int, speed_mps: float) -> shapely.Geometry:
        """The reached area within ``cutoff_s`` in projected metres (see module docstring)."""
        parts = []
        g = self.network.streets
        if g is not None and res.node_idx.size:
            keep = res.node_time_s < cutoff_s
            nodes = res.node_idx[keep]
            left = np.minimum(cutoff_s - res.node_time_s[keep], res.node_budget_s[keep])
            r = np.minimum(left * speed_mps, NODE_RADIUS_M)
            xy = self.proj.xy(np.asarray(g.node_lat)[nodes], np.asarray(g.node_lon)[nodes])
            xy, r = _thin(xy, r)
            parts.append(shapely.buffer(shapely.points(xy), r, quad_segs=4))
        if res.crow_lat.size:
            keep = res.crow_time_s < cutoff_s
            left = np.minimum(cutoff_s - res.crow_time_s[keep], res.crow_budget_s[keep])
            r = left * speed_mps / CROW_FLY_DETOUR
            xy = self.proj.xy(res.crow_lat[keep], res.crow_lon[keep])
            parts.append(shapely.buffer(shapely.points(xy), r, quad_segs=4))
        if not parts:
            return shapely.Polygon()
        disks = np.concatenate(parts)
        merged = shapely.union_all(disks[~shapely.is_empty(disks)])
        return shapely.simplify(merged, SIMPLIFY_M)

    def _to_lonlat(self, geom: shapely.Geometry) -> dict[str, object]:
        scale = np.array([self.proj.kx, self.proj.ky])
        if geom.is_empty:
            return {"type": "MultiPolygon", "coordinates": []}
        lonlat = shapely.transform(geom, lambda c: np.round(c / scale, 6))
        if lonlat.geom_type not in ("Polygon", "MultiPolygon"):
            polys = [x for x in getattr(lonlat, "geoms", []) if x.geom_type == "Polygon"]
            lonlat = shapely.MultiPolygon(polys)
        return dict(mapping(lonlat))


def _thin(xy: F64, r: F64) -> tuple[F64, F64]:
    """One point per ``GRID_M`` cell: the one with the largest radius."""
    if xy.shape[0] == 0:
        return xy, r
    cell = np.floor(xy / GRID_M).astype(np.int64)
    key = cell[:, 0] * 1_000_003 + cell[:, 1]
    order = np.lexsort((-r, key))
    first = np.ones(order.size, dtype=np.bool_)
    first[1:] = key[order][1:] != key[order][:-1]
    pick = order[first]
    return xy[pick], r[pick]


_CACHE: OrderedDict[int, IsochroneService] = OrderedDict()
_LOCK = threading.Lock()


def isochrone_service(network: Network) -> IsochroneService:
    """The cached :class:`IsochroneService` of ``network`` (built on first use)."""
    with _LOCK:
        got = _CACHE.get(id(network))
        if got is not None and got.network is network:
            return got
        svc = IsochroneService(network)
        _CACHE[id(network)] = svc
        while len(_CACHE) > 4:
            _CACHE.popitem(last=False)
        return svc
