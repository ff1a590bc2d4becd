"""Feature: the bundled Timisoara city ships only redistributable files, with attribution."""

from __future__ import annotations

import tomllib

from tests.conftest import REPO

BUNDLE = REPO / "bundles" / "timisoara"


def test_bundle_holds_no_raw_stpt_data() -> None:
    names = {p.name for p in BUNDLE.rglob("*") if p.is_file()}
    forbidden = [n for n in names if n.startswith("vehicles_") or ".csv" in n
                 or n in {"lines-config.json", "stations-index.json"}]
    assert forbidden == []


def test_city_toml_points_at_the_estimated_feed_and_the_official_one() -> None:
    cfg = tomllib.loads((BUNDLE / "city.toml").read_text(encoding="utf-8"))
    assert cfg["timezone"] == "Europe/Bucharest"
    assert cfg["gtfs"]["sources"] == ["gtfs/stpt_estimated.zip"]
    assert cfg["gtfs"]["official_url"].startswith("https://")
    for rel in cfg["gtfs"]["sources"] + cfg["osm"]["sources"]:
        assert (BUNDLE / rel).is_file()


def test_attribution_names_every_source() -> None:
    text = (BUNDLE / "README.md").read_text(encoding="utf-8")
    assert "© OpenStreetMap contributors" in text
    assert "ESTIMATED" in text and "Tranzy" in text
    assert (BUNDLE / "ATTRIBUTION").is_file() and (BUNDLE / "LICENSE-ODbL").is_file()
