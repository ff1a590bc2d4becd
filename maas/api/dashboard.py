"""The operator dashboard: ``GET /dashboard`` (a static page), ``/static/*`` and the map base.

The page (``maas/static/``) has no build step and loads nothing from outside the service (no
CDN, tiles or fonts): the map is drawn in SVG from coordinates of the API responses.
``GET /dashboard/network.geojson`` gives it the static network to draw under the live layers:
one Point per stop and one LineString per pattern (its shape when the feed has one).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np
from fastapi import APIRouter
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse

from maas.deps import NetworkDep
from routing.network import Network

router = APIRouter(tags=["dashboard"])

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
#: The files ``/static/`` serves, with their media types (nothing else is reachable).
STATIC_FILES = {
    "dashboard.html": "text/html; charset=utf-8",
    "dashboard.js": "text/javascript; charset=utf-8",
    "dashboard.css": "text/css; charset=utf-8",
}
#: Most points kept per pattern line (metres-level detail is not needed on an overview map).
MAX_LINE_POINTS = 200
#: Decimal places of coordinates sent to the page (5 -> about 1 m).
COORD_DECIMALS = 5

_cache_lock = threading.Lock()
_cache: dict[str, dict[str, Any]] = {}


@router.get("/dashboard", include_in_schema=False)
def dashboard_page() -> FileResponse:
    """The operator dashboard page."""
    return FileResponse(STATIC_DIR / "dashboard.html", media_type=STATIC_FILES["dashboard.html"],
                        headers={"Cache-Control": "no-cache"})


@router.get("/dashboard/", include_in_schema=False)
def dashboard_slash() -> RedirectResponse:
    """``/dashboard/`` -> ``/dashboard``."""
    return RedirectResponse("/dashboard", status_code=308)


def _static_route(name: str, media_type: str) -> None:
    """Register ``GET /static/<name>`` (one route per file: no request path reaches the disk)."""

    def serve_file() -> FileResponse:
        return FileResponse(STATIC_DIR / name, media_type=media_type,
                            headers={"Cache-Control": "no-cache"})

    router.add_api_route(f"/static/{name}", serve_file, methods=["GET"],
                         include_in_schema=False, name=f"static:{name}")


for _name, _media_type in STATIC_FILES.items():
    _static_route(_name, _media_type)


@router.get("/dashboard/network.geojson", include_in_schema=False)
def network_geojson(network: NetworkDep) -> JSONResponse:
    """Stops (Points) and pattern lines (LineStrings) of the network in service, GeoJSON."""
    version = network.meta.version
    with _cache_lock:
        body = _cache.get(version)
    if body is None:
        body = network_features(network)
        with _cache_lock:
            _cache.clear()  # only the network in service is worth keeping
            _cache[version] = body
    return JSONResponse(body, headers={"Cache-Control": "max-age=300"})


def network_features(network: Network) -> dict[str, Any]:
    """GeoJSON FeatureCollection of the network's stops and pattern lines.

    Parameters
    ----------
    network
        The compiled network.

    Returns
    -------
    dict
        Stops as ``Point`` features (``kind="stop"``, ``stop_id``, ``name``) and one
        ``LineString`` per pattern (``kind="line"``, ``route_id``, ``short_name``,
        ``route_type``), coordinates ``[lon, lat]`` in degrees.
    """
    tt = network.timetable
    names = tt.names
    nd = COORD_DECIMALS
    features: list[dict[str, Any]] = []
    seen: set[tuple[tuple[float, float], ...]] = set()
    for p in range(tt.n_patterns):
        coords = _pattern_coords(network, p)
        key = tuple(coords)
        if len(coords) < 2 or key in seen:
            continue
        seen.add(key)
        r = int(tt.pattern_route[p])
        features.append({
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": [list(c) for c in coords]},
            "properties": {"kind": "line", "route_id": names.route_ids[r],
                           "short_name": names.route_short_names[r],
                           "route_type": int(tt.route_type[r])},
        })
    lat = np.round(tt.stop_lat, nd)
    lon = np.round(tt.stop_lon, nd)
    for s in range(tt.n_stops):
        features.append({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [float(lon[s]), float(lat[s])]},
            "properties": {"kind": "stop", "stop_id": names.stop_ids[s],
                           "name": names.stop_names[s], "station": int(tt.stop_parent[s]) < 0},
        })
    return {"type": "FeatureCollection", "network_version": network.meta.version,
            "features": features}


def _pattern_coords(network: Network, p: int) -> list[tuple[float, float]]:
    """``(lon, lat)`` points of pattern ``p``: its first trip's shape, else its stops."""
    tt = network.timetable
    stops = tt.pattern_stops[tt.pattern_stop_start[p]:tt.pattern_stop_start[p + 1]]
    t0 = int(tt.pattern_trip_start[p])
    lat: np.ndarray = tt.stop_lat[stops]
    lon: np.ndarray = tt.stop_lon[stops]
    if t0 < tt.n_trips and int(tt.trip_shape[t0]) >= 0:
        sh = int(tt.trip_shape[t0])
        a, b = int(tt.shape_start[sh]), int(tt.shape_start[sh + 1])
        if b - a >= 2:
            lat, lon = tt.shape_lat[a:b], tt.shape_lon[a:b]
    if len(lat) > MAX_LINE_POINTS:
        keep = np.unique(np.linspace(0, len(lat) - 1, MAX_LINE_POINTS).round().astype(np.int64))
        lat, lon = lat[keep], lon[keep]
    nd = COORD_DECIMALS
    return [(round(float(x), nd), round(float(y), nd)) for x, y in zip(lon, lat, strict=True)]
