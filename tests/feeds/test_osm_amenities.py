"""OSM amenities -> static GBFS 2.3 station list and OCPI Locations (feeds.osm_amenities)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from feeds.gbfs import load_gbfs_folder
from feeds.ocpi import (
    ConnectorStandard,
    EvseStatus,
    Location,
    PowerType,
    load_locations_file,
    read_locations,
)
from feeds.osm_amenities import (
    OsmAmenityNode,
    charging_location,
    derive_city_live_files,
    slug,
    station_information_entries,
)
from feeds.report import IngestReport
from tests.conftest import require_shared


def node(node_id: int, **tags: str) -> OsmAmenityNode:
    return OsmAmenityNode(node_id, 45.75, 21.23, tags, 1_700_000_000)


def test_sockets_become_connectors_dealt_over_capacity_evses() -> None:
    report = IngestReport("t")
    location = charging_location(node(
        7, amenity="charging_station", capacity="2", operator="Enel",
        **{"socket:type2": "2", "socket:type2:output": "22 kW", "socket:chademo": "1",
           "socket:unobtainium": "1", "opening_hours": "24/7"}),
        country_code="RO", party_id="OSM", time_zone="Europe/Bucharest", report=report)
    [loc] = _parse([location])
    assert loc.location_id == "osm-node-7" and loc.operator == "Enel"
    assert [len(e.connectors) for e in loc.evses] == [2, 1]  # 3 sockets over 2 EVSEs
    assert all(e.status is EvseStatus.UNKNOWN for e in loc.evses)
    standards = sorted(str(c.standard) for e in loc.evses for c in e.connectors)
    assert standards == ["CHADEMO", "IEC_62196_T2", "IEC_62196_T2"]
    t2 = next(c for e in loc.evses for c in e.connectors
              if c.standard is ConnectorStandard.IEC_62196_T2)
    assert t2.power_type is PowerType.AC_3_PHASE and t2.max_electric_power_w == 22_000
    assert loc.opening_times is not None and loc.opening_times.twentyfourseven
    assert report.skipped[("charging_station", "unknown_socket_type")] == 1


def test_no_capacity_no_socket_gives_one_evse_without_invented_connectors() -> None:
    location = charging_location(node(8, amenity="charging_station"), country_code="RO",
                                 party_id="OSM", time_zone=None, report=IngestReport("t"))
    [loc] = _parse([location])
    assert len(loc.evses) == 1 and loc.n_connectors == 0


def test_station_entries_and_slug() -> None:
    [st] = station_information_entries([node(9, ref="12", capacity="x")], "VeloTM")
    assert st == {"station_id": "osm-node-9", "name": "12", "lat": 45.75, "lon": 21.23,
                  "short_name": "12"}
    assert slug("VeloTM") == "velotm" and slug("Nextbike Timișoara!") == "nextbike_timi_oara"


def _parse(locations: list[dict[str, object]]) -> list[Location]:
    return read_locations(locations, IngestReport("t"))


@pytest.mark.shared_data
def test_timisoara_extract(tmp_path: Path) -> None:
    pbf = require_shared("timisoara", "osm", "timisoara.osm.pbf")
    (tmp_path / "city.toml").write_text('name = "T"\ntimezone = "Europe/Bucharest"\n',
                                        encoding="utf-8")
    report = derive_city_live_files(pbf, tmp_path, language="ro")
    assert report.info["derived"]["stations"] == 39
    assert report.info["derived"]["locations"] == 52
    assert (tmp_path / "city.toml").read_text(encoding="utf-8").startswith('name = "T"')

    snap, gbfs_report = load_gbfs_folder(tmp_path / "gbfs" / "velotm")
    assert len(snap.stations) == 39 and snap.version == "2.3"
    assert "findings" not in gbfs_report.info  # valid against the official 2.3 schemas
    assert gbfs_report.total_skipped == 0
    assert snap.system is not None and snap.system.timezone == "Europe/Bucharest"
    assert snap.system.license_url is not None and "odbl" in snap.system.license_url
    names = {s.name for s in snap.stations.values()}
    assert len(names) > 30  # real station names, not ids
    assert all(45.70 <= s.lat <= 45.80 and 21.10 <= s.lon <= 21.30
               for s in snap.stations.values())

    locations, ocpi_report = load_locations_file(tmp_path / "ocpi" / "locations.json")
    assert len(locations) == 52 and ocpi_report.total_skipped == 0
    assert all(e.status is EvseStatus.UNKNOWN for loc in locations for e in loc.evses)
    assert sum(len(loc.evses) for loc in locations) == report.info["derived"]["evses"]
    readme = (tmp_path / "gbfs" / "velotm" / "README.md").read_text(encoding="utf-8")
    assert "© OpenStreetMap contributors, ODbL" in readme
    # deterministic: a second run writes the same bytes
    first = (tmp_path / "ocpi" / "locations.json").read_bytes()
    derive_city_live_files(pbf, tmp_path, language="ro")
    assert (tmp_path / "ocpi" / "locations.json").read_bytes() == first
    assert json.loads(first)[0]["country_code"] == "ZZ"  # no addr:country, none in city.toml
