"""OCPI 2.2.1 Location parsing: list / single / envelope documents, every EVSE status, connector
standards and power types, unknown (newer-version) keys tolerated and counted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from feeds.errors import FeedError
from feeds.ocpi import (
    ConnectorFormat,
    ConnectorStandard,
    EvseStatus,
    PowerType,
    load_locations_file,
    read_locations,
)
from feeds.report import IngestReport


def location(loc_id: str = "L1", **extra: Any) -> dict[str, Any]:
    return {
        "country_code": "RO", "party_id": "TMS", "id": loc_id, "publish": True,
        "address": "Piața Victoriei 1", "city": "Timișoara", "country": "ROU",
        "coordinates": {"latitude": "45.753700", "longitude": "21.225700"},
        "time_zone": "Europe/Bucharest", "last_updated": "2024-05-01T10:00:00Z",
        "evses": [
            {"uid": f"{loc_id}-{i}", "status": status, "last_updated": "2024-05-01T10:00:00Z",
             "connectors": [{"id": "1", "standard": "IEC_62196_T2", "format": "SOCKET",
                             "power_type": "AC_3_PHASE", "max_voltage": 230,
                             "max_amperage": 32, "last_updated": "2024-05-01T10:00:00Z"}]}
            for i, status in enumerate(s.value for s in EvseStatus)
        ],
        **extra,
    }


def test_every_evse_status_is_read() -> None:
    report = IngestReport("ocpi:test")
    [loc] = read_locations([location()], report)
    assert [e.status for e in loc.evses] == list(EvseStatus)
    assert len(EvseStatus) == 9
    assert loc.count_status(EvseStatus.CHARGING) == 1 and loc.n_available == 1
    assert (loc.lat, loc.lon) == (45.7537, 21.2257)
    assert loc.last_updated_s == 1_714_557_600
    assert report.total_skipped == 0 and not report.warnings


@pytest.mark.parametrize("standard", list(ConnectorStandard))
def test_connector_standards_round_trip(standard: ConnectorStandard) -> None:
    doc = location()
    doc["evses"] = doc["evses"][:1]
    doc["evses"][0]["connectors"][0]["standard"] = standard.value
    [loc] = read_locations(doc, IngestReport("t"))
    assert loc.evses[0].connectors[0].standard is standard


def test_power_types_formats_and_power() -> None:
    doc = location()
    doc["evses"] = [{"uid": "e", "status": "AVAILABLE", "last_updated": "2024-05-01T10:00:00Z",
                     "connectors": [
        {"id": str(i), "standard": "IEC_62196_T2_COMBO", "format": "CABLE", "power_type": p.value,
         "max_voltage": 400, "max_amperage": 125, "last_updated": "2024-05-01T10:00:00Z"}
        for i, p in enumerate(PowerType)]}]
    [loc] = read_locations(doc, IngestReport("t"))
    conns = loc.evses[0].connectors
    assert [c.power_type for c in conns] == list(PowerType)
    assert all(c.format is ConnectorFormat.CABLE for c in conns)
    dc = conns[-1]
    assert dc.power_w == 400 * 125
    ac3 = conns[3]
    assert ac3.power_type is PowerType.AC_3_PHASE and ac3.power_w == 3 * 400 * 125


def test_envelope_single_and_list_documents() -> None:
    envelope = {"data": [location("A"), location("B")], "status_code": 1000,
                "timestamp": "2024-05-01T10:00:00Z"}
    assert [x.location_id for x in read_locations(envelope, IngestReport("t"))] == ["A", "B"]
    assert [x.location_id for x in read_locations(location("C"), IngestReport("t"))] == ["C"]
    single_env = {"data": location("D"), "status_code": 1000, "timestamp": "x"}
    assert [x.location_id for x in read_locations(single_env, IngestReport("t"))] == ["D"]
    with pytest.raises(FeedError, match="status_code 2001"):
        read_locations({"data": None, "status_code": 2001, "status_message": "Invalid",
                        "timestamp": "x"}, IngestReport("t"))


def test_unknown_keys_tolerated_as_warnings_and_bad_entities_dropped() -> None:
    doc = location(parking_places=[{"id": "p1"}], help_phone="+40")
    doc["evses"] = [
        {"uid": "ok", "status": "PAUSED_BY_EV", "accessibility": "x",
         "last_updated": "2024-05-01T10:00:00Z",
         "connectors": [{"id": "1", "standard": "NACS", "format": "CABLE", "power_type": "DC",
                         "max_voltage": 500, "max_amperage": 300, "capabilities": ["x"],
                         "last_updated": "2024-05-01T10:00:00Z"},
                        {"standard": "IEC_62196_T2"}]},
        {"status": "AVAILABLE"},
    ]
    bad = {"id": "no-coords", "evses": []}
    report = IngestReport("t")
    [loc] = read_locations([doc, bad], report)
    assert report.info["unknown_keys"] == {"location.parking_places": 1,
                                           "location.help_phone": 1,
                                           "evse.accessibility": 1,
                                           "connector.capabilities": 1}
    [evse] = loc.evses
    assert evse.status is EvseStatus.UNKNOWN
    [conn] = evse.connectors
    assert conn.standard == "NACS"
    assert report.skipped[("locations", "invalid_coordinates")] == 1
    assert report.skipped[("evse", "missing_evse_uid")] == 1
    assert report.skipped[("connector", "missing_connector_id")] == 1


def test_load_file_reports_counts(tmp_path: Path) -> None:
    path = tmp_path / "locations.json"
    path.write_text(json.dumps([location("A"), location("B", future_field=1)]), encoding="utf-8")
    _, report = load_locations_file(path)
    assert report.info["ocpi"] == {"locations": 2, "evses": 18, "connectors": 18}
    assert any("location.future_field" in w for w in report.warnings)
    path.write_text("[", encoding="utf-8")
    with pytest.raises(FeedError, match="unreadable JSON"):
        load_locations_file(path)
