"""``/v1/isochrone`` on the tiny city: the planner is the oracle of the polygons."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from fastapi.testclient import TestClient
from shapely.geometry import shape

T0 = "2026-03-10T07:58"
ORIGIN = "45.7500,21.2000"  # stop A


def _polygons(client: TestClient, **params: str) -> dict[int, shapely.Geometry]:
    r = client.get("/v1/isochrone", params={"from": ORIGIN, "time": T0, **params})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["type"] == "FeatureCollection" and body["method"]
    return {f["properties"]["cutoff_s"]: shape(f["geometry"]) for f in body["features"]}


def _planned_s(client: TestClient, lat: float, lon: float) -> int | None:
    r = client.get("/v1/plan", params={"from": ORIGIN, "to": f"{lat},{lon}", "time": T0,
                                       "num_itineraries": 1})
    if r.status_code == 404:
        return None
    its = r.json()["itineraries"]
    if not its:
        return None
    from datetime import datetime

    t0 = datetime.fromisoformat(T0 + ":00+02:00")
    return min(int((datetime.fromisoformat(i["end_time"]) - t0).total_seconds()) for i in its)


def test_polygons_nest_and_grow(tiny_client: TestClient) -> None:
    polys = _polygons(tiny_client, cutoffs_s="600,1200,1800")
    assert sorted(polys) == [600, 1200, 1800]
    assert polys[600].area < polys[1200].area < polys[1800].area
    assert polys[1200].buffer(1e-7).contains(polys[600])


def test_every_point_inside_is_reachable_by_the_planner(tiny_client: TestClient) -> None:
    """Oracle: stops and random points inside the 20-min polygon are reachable in <= 20 min by
    /v1/plan; and (spot check of the reverse) stops the planner reaches in <= 20 min lie inside."""
    poly = _polygons(tiny_client, cutoffs_s="1200")[1200]
    stops = tiny_client.get("/v1/stops", params={"near": "45.75,21.21", "radius_m": 3000})
    pts = [(s["lat"], s["lon"]) for s in stops.json()["stops"]]
    rng = np.random.default_rng(11)
    minx, miny, maxx, maxy = poly.bounds
    while len(pts) < 30:
        lon, lat = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if poly.contains(shapely.Point(lon, lat)):
            pts.append((lat, lon))
    inside = 0
    for lat, lon in pts:
        planned = _planned_s(tiny_client, lat, lon)
        if poly.contains(shapely.Point(lon, lat)):
            inside += 1
            assert planned is not None and planned <= 1200, (lat, lon, planned)
        elif planned is not None:
            # a stop outside the polygon is not reachable in 20 min (1 s rounding slack)
            assert planned >= 1200 - 1, (lat, lon, planned)
    assert inside >= 27  # stops A, B, C are inside (C at 12 min), and the random points


def test_walk_only_is_a_disk(tiny_client: TestClient) -> None:
    walk = _polygons(tiny_client, cutoffs_s="600", modes="WALK")[600]
    both = _polygons(tiny_client, cutoffs_s="600")[600]
    # 600 s x 1.33 m/s / 1.3 detour = 613.8 m radius, drawn as a 16-gon inside the circle
    r = 600 * 1.33 / 1.3
    assert walk.area * 111_195**2 * np.cos(np.radians(45.75)) == pytest.approx(
        8 * r * r * np.sin(2 * np.pi / 16), rel=0.02)
    assert both.area >= walk.area


@pytest.mark.parametrize(("query", "status"), [
    ("cutoffs_s=600,1200,1800,2400", 400), ("cutoffs_s=6000", 400), ("cutoffs_s=10", 400),
    ("cutoffs_s=abc", 400), ("cutoffs_s=", 400), ("modes=BIKE", 400), ("modes=", 400),
    ("time=yesterday", 400),
])
def test_limits_are_clear_problems(tiny_client: TestClient, query: str, status: int) -> None:
    r = tiny_client.get(f"/v1/isochrone?from={ORIGIN}&{query}")
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["detail"]


def test_origin_outside_the_network_is_404(tiny_client: TestClient) -> None:
    r = tiny_client.get("/v1/isochrone", params={"from": "44.0,26.0"})
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
