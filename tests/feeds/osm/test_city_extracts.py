"""Feature: real city extracts build into valid, well-connected street graphs.

Uses the shared data folder (Timisoara and Porto Alegre ``.osm.pbf``, Timisoara stops);
skipped when absent.
"""

from __future__ import annotations

import csv
import io
import zipfile

import numpy as np
import pytest

from feeds.osm import read_osm_pbf
from feeds.osm.graph_build import haversine_m
from routing.constants import ACCESS_BIKE, ACCESS_CAR, ACCESS_WALK
from routing.footpaths import compute_footpaths
from routing.street.snapping import link_stops
from routing.street_graph import FLAG_STEPS
from tests.conftest import require_shared

pytestmark = pytest.mark.shared_data

EXTRACTS = [
    ("timisoara", "osm", "timisoara.osm.pbf"),
    ("benchmark", "porto-alegre", "poa_osm.pbf"),
]


@pytest.mark.parametrize("parts", EXTRACTS, ids=lambda p: p[-1])
def test_city_extract(parts: tuple[str, ...]) -> None:
    g, report = read_osm_pbf(require_shared(*parts))
    g.check_invariants()
    tail = g.tail()
    walk = (g.access & ACCESS_WALK) != 0
    walk_nodes = np.unique(np.concatenate([tail[walk], g.head[walk]]))
    assert walk_nodes.size >= 10_000
    assert np.all(g.length_m > 0)
    assert not np.any(tail == g.head)
    # pruning leaves strongly connected modes: every node has a way out; every edge a mode
    assert np.all(np.diff(g.first_out) > 0)
    assert np.all(g.access != 0)
    # walking is two-way: every walk edge has a walk edge back
    pairs = set(zip(tail[walk].tolist(), g.head[walk].tolist(), strict=True))
    assert all((b, a) in pairs for a, b in pairs)
    for bit in (ACCESS_BIKE, ACCESS_CAR):
        assert np.count_nonzero(g.access & bit) > 1000
    assert np.any(g.edge_flags & FLAG_STEPS)
    # geometry starts and ends at the edge's nodes
    first = g.geom_start[:-1]
    last = g.geom_start[1:] - 1
    np.testing.assert_array_equal(g.geom_lat[first], g.node_lat[tail])
    np.testing.assert_array_equal(g.geom_lon[last], g.node_lon[g.head])
    # length is at least the straight line between the ends
    chord = haversine_m(g.node_lat[tail], g.node_lon[tail], g.node_lat[g.head], g.node_lon[g.head])
    assert np.all(g.length_m >= chord - 1e-6)
    assert report.info["nodes"] == g.n_nodes
    assert report.rows_read[parts[-1]] > 10_000


def test_timisoara_stop_links_and_footpaths() -> None:
    """Real stops: most inside the extract link within metres; walks are never shorter than
    the straight line between the stops."""
    g, _ = read_osm_pbf(require_shared("timisoara", "osm", "timisoara.osm.pbf"))
    gtfs = require_shared("timisoara", "gtfs", "stpt_timisoara_tranzy_20260218.zip")
    with zipfile.ZipFile(gtfs) as z, z.open("stops.txt") as f:
        rows = list(csv.DictReader(io.TextIOWrapper(f, "utf-8-sig")))
    lat = np.array([float(r["stop_lat"]) for r in rows])
    lon = np.array([float(r["stop_lon"]) for r in rows])
    links = link_stops(g, lat, lon)
    inside = ((lat > g.node_lat.min()) & (lat < g.node_lat.max())
              & (lon > g.node_lon.min()) & (lon < g.node_lon.max()))
    linked = links.node_a >= 0
    assert linked[inside].mean() > 0.95
    assert np.median(links.snap_m[linked]) < 20.0
    f_stop, t_stop, length = compute_footpaths(g, links, lat, lon, max_m=500)
    assert f_stop.size > 1000
    assert np.all(f_stop != t_stop) and np.all(length <= 500)
    straight = haversine_m(lat[f_stop], lon[f_stop], lat[t_stop], lon[t_stop])
    assert np.all(length >= straight - 1.0)
