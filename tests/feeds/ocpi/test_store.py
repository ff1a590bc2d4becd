"""OCPI Receiver-side updates: object PUT (Location, EVSE, connector) and PATCH fragments with
``last_updated`` ordering, id protection and parent ``last_updated`` propagation."""

from __future__ import annotations

from typing import Any

from feeds.ocpi import EvseStatus, LocationStore
from feeds.report import IngestReport

KEY = ("RO", "TMS", "L1")


def base() -> dict[str, Any]:
    return {
        "country_code": "RO", "party_id": "TMS", "id": "L1", "name": "Iulius Town",
        "coordinates": {"latitude": "45.766", "longitude": "21.228"},
        "last_updated": "2024-05-01T10:00:00Z",
        "evses": [{"uid": "E1", "status": "AVAILABLE", "last_updated": "2024-05-01T10:00:00Z",
                   "connectors": [{"id": "1", "standard": "IEC_62196_T2", "format": "SOCKET",
                                   "power_type": "AC_3_PHASE", "max_voltage": 230,
                                   "max_amperage": 32, "tariff_ids": ["t1"],
                                   "last_updated": "2024-05-01T10:00:00Z"}]}],
    }


def store() -> tuple[LocationStore, IngestReport]:
    s, r = LocationStore(), IngestReport("ocpi:test")
    assert s.load([base()], r) == 1
    return s, r


def test_status_patch_updates_evse_and_parents() -> None:
    s, r = store()
    assert s.patch(KEY, {"status": "CHARGING", "last_updated": "2024-05-01T11:00:00Z"}, r,
                   evse_uid="E1")
    loc = s.get(KEY)
    assert loc is not None
    evse = loc.evse("E1")
    assert evse is not None and evse.status is EvseStatus.CHARGING
    assert evse.last_updated_s == loc.last_updated_s == 1_714_561_200
    assert evse.connectors[0].tariff_ids == ("t1",)  # untouched fields stay


def test_connector_and_location_patches() -> None:
    s, r = store()
    assert s.patch(KEY, {"tariff_ids": ["t2", "t3"], "last_updated": "2024-05-02T00:00:00Z"}, r,
                   evse_uid="E1", connector_id="1")
    assert s.patch(KEY, {"name": "Iulius Town P2", "last_updated": "2024-05-02T00:00:00Z"}, r)
    loc = s.get(KEY)
    assert loc is not None and loc.name == "Iulius Town P2"
    assert loc.evses[0].connectors[0].tariff_ids == ("t2", "t3")  # lists replaced whole


def test_put_adds_or_replaces_evse_and_connector() -> None:
    s, r = store()
    new_evse = {"uid": "E2", "status": "PLANNED", "last_updated": "2024-05-03T00:00:00Z",
                "connectors": [{"id": "1", "standard": "CHADEMO", "format": "CABLE",
                                "power_type": "DC", "max_voltage": 500, "max_amperage": 100}]}
    assert s.put_evse(KEY, new_evse, r)
    loc = s.get(KEY)
    assert loc is not None and [e.uid for e in loc.evses] == ["E1", "E2"]
    assert loc.last_updated_s == 1_714_694_400
    replaced = dict(new_evse, status="AVAILABLE", last_updated="2024-05-04T00:00:00Z")
    assert s.put_evse(KEY, replaced, r)
    assert s.put_connector(KEY, "E2", {"id": "2", "standard": "IEC_62196_T2_COMBO",
                                       "format": "CABLE", "power_type": "DC",
                                       "last_updated": "2024-05-05T00:00:00Z"}, r)
    loc = s.get(KEY)
    assert loc is not None
    e2 = loc.evse("E2")
    assert e2 is not None and e2.status is EvseStatus.AVAILABLE and len(e2.connectors) == 2
    assert len(loc.evses) == 2


def test_refusals_are_counted_not_raised() -> None:
    s, r = store()
    assert not s.patch(KEY, {"status": "CHARGING"}, r, evse_uid="E1")
    assert not s.patch(KEY, {"status": "CHARGING", "last_updated": "2020-01-01T00:00:00Z"}, r,
                       evse_uid="E1")
    assert not s.patch(KEY, {"uid": "E9", "last_updated": "2025-01-01T00:00:00Z"}, r,
                       evse_uid="E1")
    assert not s.patch(("RO", "TMS", "nope"), {"last_updated": "2025-01-01T00:00:00Z"}, r)
    assert not s.patch(KEY, {"status": "X", "last_updated": "2025-01-01T00:00:00Z"}, r,
                       evse_uid="E404")
    assert not s.patch(KEY, {"coordinates": {"latitude": "999", "longitude": "0"},
                             "last_updated": "2025-01-01T00:00:00Z"}, r)
    assert not s.put_evse(("RO", "TMS", "nope"), {"uid": "E", "last_updated":
                                                  "2025-01-01T00:00:00Z"}, r)
    skipped = {f"{file}:{reason}": n for (file, reason), n in r.skipped.items()}
    assert skipped == {"patch:missing_last_updated": 1, "patch:stale_update": 1,
                       "patch:id_change_refused": 1, "patch:unknown_location": 1,
                       "put:unknown_location": 1, "patch:unknown_evse": 1,
                       "patch:update_made_location_unusable": 1,
                       "patch:invalid_coordinates": 1}
    loc = s.get(KEY)
    assert loc is not None and loc.evses[0].status is EvseStatus.AVAILABLE  # nothing applied
    assert loc.lat == 45.766


def test_equal_timestamp_is_applied_and_older_location_put_refused() -> None:
    s, r = store()
    assert s.patch(KEY, {"status": "BLOCKED", "last_updated": "2024-05-01T10:00:00Z"}, r,
                   evse_uid="E1")
    older = dict(base(), name="old", last_updated="2023-01-01T00:00:00Z")
    assert not s.put_location(older, r)
    loc = s.get(KEY)
    assert loc is not None and loc.name == "Iulius Town"
