"""Feature: GeoJSON road layers -> street graph, noded at shared coordinates."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from feeds.errors import FeedError
from feeds.osm import read_geojson_roads
from routing.constants import ACCESS_CAR, ACCESS_WALK
from tests.conftest import require_shared
from tests.feeds.osm.osm_xml import grid_lat_lon


def _line(points: list[tuple[float, float]], **props: Any) -> dict[str, Any]:
    coords = [list(reversed(grid_lat_lon(r, c))) for r, c in points]  # GeoJSON is [lon, lat]
    return {"type": "Feature", "geometry": {"type": "LineString", "coordinates": coords},
            "properties": props}


def _write(path: Path, features: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def test_lines_sharing_a_vertex_are_noded(tmp_path: Path) -> None:
    path = _write(tmp_path / "roads.geojson", [
        _line([(0, 0), (0, 1), (0, 2)], highway="primary", osmId=7, name="A", maxspeed="RO:urban"),
        _line([(-1, 1), (0, 1), (1, 1)], highway="residential", osmId=8, name="B"),
    ])
    g, report = read_geojson_roads([path])
    g.check_invariants()
    assert g.n_nodes == 5
    assert g.n_edges == 8  # 4 pieces, each both ways
    assert sorted(g.edge_way.tolist()) == [7, 7, 7, 7, 8, 8, 8, 8]
    assert {g.names[i] for i in g.edge_name.tolist()} == {"A", "B"}
    np.testing.assert_allclose(g.car_speed_mps[g.edge_way == 7], 50 / 3.6, rtol=1e-6)
    centre = grid_lat_lon(0, 1)
    degree = np.diff(g.first_out)
    hub = int(np.argmax(degree))
    assert degree[hub] == 4
    assert (g.node_lat[hub], g.node_lon[hub]) == pytest.approx(centre)
    assert report.rows_read["roads.geojson"] == 2


def test_oneway_multilinestring_and_bad_features(tmp_path: Path) -> None:
    ring = [(0, 0), (0, 1), (1, 1), (1, 0), (0, 0)]
    multi = _line(ring[:3], highway="residential", oneway="yes")
    multi["geometry"] = {
        "type": "MultiLineString",
        "coordinates": [multi["geometry"]["coordinates"],
                        [list(reversed(grid_lat_lon(r, c))) for r, c in ring[2:]]],
    }
    path = _write(tmp_path / "roads.geojson", [
        multi,
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [21.2, 45.7]},
         "properties": {"highway": "bus_stop"}},
        _line([(5, 5), (5, 6)], building="yes"),
        _line([(0, 0), (-1, 0)], highway="construction"),
    ])
    g, report = read_geojson_roads([path])
    car = (g.access & ACCESS_CAR) != 0
    walk = (g.access & ACCESS_WALK) != 0
    assert car.sum() == 2 and walk.sum() == 4  # the car ring is one-way, walking both ways
    skipped = {reason: n for (_, reason), n in report.skipped.items()}
    assert skipped == {"not_a_line": 1, "no_highway": 1, "not_routable": 1}


def test_no_roads_is_a_feed_error(tmp_path: Path) -> None:
    path = _write(tmp_path / "empty.geojson", [_line([(0, 0), (0, 1)], building="yes")])
    with pytest.raises(FeedError, match="no highways"):
        read_geojson_roads([path])
    bad = tmp_path / "bad.geojson"
    bad.write_text("{not json")
    with pytest.raises(FeedError, match=r"bad\.geojson"):
        read_geojson_roads([bad])


@pytest.mark.shared_data
def test_timisoara_major_roads() -> None:
    path = require_shared("timisoara", "osm", "roads-major.geojson")
    g, report = read_geojson_roads([path])
    g.check_invariants()
    assert report.rows_read["roads-major.geojson"] == 2656
    assert g.n_nodes > 1000
    assert np.all(g.length_m > 0)
    # noding worked: the major roads form one network, pruning removed almost nothing
    assert report.info["car_edges_pruned"] < 0.05 * g.n_edges
    assert np.count_nonzero(np.diff(g.first_out) >= 3) > 500  # junctions of 3+ street arms
