"""City bundles: city.toml parsing, GeoJSON road layers as streets, missing sources."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from feeds.bundle import build_network, input_hash, read_city_config
from feeds.errors import BundleError
from tests.maas.conftest import TINY_GTFS, make_bundle


def _roads(path: Path) -> None:
    """An east-west street along the tiny city's stops and a north-south one crossing it."""
    features = [
        {"type": "Feature", "properties": {"highway": "residential", "name": "Strada A"},
         "geometry": {"type": "LineString",
                      "coordinates": [[21.1990, 45.7501], [21.2115, 45.7501],
                                      [21.2240, 45.7501]]}},
        {"type": "Feature", "properties": {"highway": "residential", "name": "Strada B"},
         "geometry": {"type": "LineString",
                      "coordinates": [[21.2115, 45.7450], [21.2115, 45.7501],
                                      [21.2115, 45.7550]]}},
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))


def test_geojson_road_layers_give_streets(tmp_path: Path) -> None:
    bundle = make_bundle(tmp_path, TINY_GTFS)
    (bundle / "osm").mkdir()
    _roads(bundle / "osm" / "roads.geojson")
    net, reports = build_network(bundle)
    assert net.streets is not None and net.stop_links is not None
    assert net.streets.n_nodes == 5  # 4 line ends + the shared crossing vertex
    assert all(int(a) >= 0 for a in net.stop_links.node_a)  # every stop linked (within 300 m)
    assert any(r.source == "osm:geojson" for r in reports)


def test_missing_listed_source_is_a_clear_error(tmp_path: Path) -> None:
    bundle = make_bundle(tmp_path, TINY_GTFS)
    (bundle / "city.toml").write_text('name = "x"\n[osm]\nsources = ["osm/none.osm.pbf"]\n')
    with pytest.raises(BundleError, match=r"none\.osm\.pbf"):
        build_network(bundle)


def test_input_hash_changes_with_inputs(tmp_path: Path) -> None:
    bundle = make_bundle(tmp_path, TINY_GTFS)
    cfg = read_city_config(bundle)
    h1 = input_hash(bundle, cfg)
    assert input_hash(bundle, cfg) == h1
    (bundle / "city.toml").write_text('name = "renamed"\n')
    assert input_hash(bundle, read_city_config(bundle)) != h1


def test_city_toml_values(tmp_path: Path) -> None:
    bundle = make_bundle(tmp_path, TINY_GTFS)
    (bundle / "city.toml").write_text(
        'name = "T"\ntimezone = "Europe/Bucharest"\nbbox = [21.0, 45.0, 22.0, 46.0]\n'
        "[routing]\nmax_footpath_m = 250\n"
    )
    cfg = read_city_config(bundle)
    assert cfg.name == "T" and cfg.timezone == "Europe/Bucharest"
    assert cfg.bbox == (21.0, 45.0, 22.0, 46.0) and cfg.max_footpath_m == 250
    (bundle / "city.toml").write_text("bbox = [1, 2]\n")
    with pytest.raises(BundleError, match="bbox"):
        read_city_config(bundle)
