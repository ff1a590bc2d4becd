"""Integration: every OCPI 2.2.1 ``location_*.json`` spec example, full objects and fragments."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from feeds.ocpi import EvseStatus, LocationStore, load_locations_file
from feeds.report import IngestReport
from tests.conftest import require_shared

pytestmark = pytest.mark.shared_data

#: Full Location examples -> (EVSEs, connectors).
FULL = {
    "location_example.json": (2, 3),
    "location_example_parking_garage_opening_hours.json": (1, 1),
    "location_example_uc2_destination_charger.json": (1, 1),
    "location_example_uc3_destination_charger_not_published.json": (1, 1),
    "location_example_uc4_limited_visibility.json": (1, 1),
    "location_example_uc5_home_charge_point.json": (1, 1),
}
#: Fragments: how each is applied (level) and whether it is a bare Location field value.
LOCATION_PATCHES = ["location_patch_example_location.json", "location_regularhours_example.json",
                    "location_energymix_example_complete.json",
                    "location_energymix_example_energy_provider.json",
                    "location_energymix_example_simple.json"]
HOURS = ["location_hours_247_open_exception_closing.json",
         "location_hours_opening_hours_with_exceptional_closing.json",
         "location_hours_opening_hours_with_exceptional_opening.json"]
EVSE_PATCHES = ["location_patch_example_status.json", "location_patch_example_remove_evse.json"]
CONNECTOR_PATCHES = ["location_patch_example_tariff.json"]
EVSE_PUTS = ["location_put_example_add_evse.json"]
LATER = "2030-01-01T00:00:00Z"


def examples() -> Path:
    return require_shared("ev-charging", "ocpi-2.2.1")


def read(name: str) -> Any:
    return json.loads((examples() / name).read_text(encoding="utf-8"))


def test_every_example_file_is_classified() -> None:
    known = set(FULL) | set(LOCATION_PATCHES) | set(HOURS) | set(EVSE_PATCHES) | set(
        CONNECTOR_PATCHES) | set(EVSE_PUTS)
    assert {p.name for p in examples().glob("location_*.json")} == known


@pytest.mark.parametrize("name", sorted(FULL))
def test_full_locations(name: str) -> None:
    locations, report = load_locations_file(examples() / name)
    [loc] = locations
    assert (len(loc.evses), loc.n_connectors) == FULL[name]
    assert report.total_skipped == 0 and not report.warnings


def gent() -> tuple[LocationStore, IngestReport, tuple[str, str, str]]:
    store, report = LocationStore(), IngestReport("ocpi:examples")
    assert store.load(read("location_example.json"), report) == 1
    return store, report, ("BE", "BEC", "LOC1")


@pytest.mark.parametrize("name", LOCATION_PATCHES + HOURS)
def test_location_level_fragments_apply(name: str) -> None:
    store, report, key = gent()
    fragment = read(name)
    if name in HOURS:  # a bare Hours object: the value of a Location's opening_times
        fragment = {"opening_times": fragment}
    fragment.setdefault("last_updated", LATER)  # OCPI requires it; some examples omit it
    assert store.patch(key, fragment, report), report.format_text()
    loc = store.get(key)
    assert loc is not None and loc.last_updated_s is not None
    if "opening_times" in fragment:
        assert loc.opening_times is not None
        assert loc.opening_times.twentyfourseven == fragment["opening_times"].get(
            "twentyfourseven", False)
    if "energy_mix" in fragment:
        assert loc.is_green_energy == fragment["energy_mix"]["is_green_energy"]
    if "name" in fragment:
        assert loc.name == "Interparking Gent Zuid"
    assert len(loc.evses) == 2


def test_fragment_without_last_updated_is_refused() -> None:
    store, report, key = gent()
    assert not store.patch(key, read("location_energymix_example_simple.json"), report)
    assert report.skipped[("patch", "missing_last_updated")] == 1


@pytest.mark.parametrize(("name", "status"), [
    ("location_patch_example_status.json", EvseStatus.CHARGING),
    ("location_patch_example_remove_evse.json", EvseStatus.REMOVED),
])
def test_evse_status_patches(name: str, status: EvseStatus) -> None:
    store, report, key = gent()
    assert store.patch(key, read(name), report, evse_uid="3257")
    loc = store.get(key)
    assert loc is not None
    evse = loc.evse("3257")
    assert evse is not None and evse.status is status
    assert len(loc.evses) == 2  # REMOVED keeps the EVSE, flagged


def test_connector_tariff_patch() -> None:
    store, report, key = gent()
    assert store.patch(key, read("location_patch_example_tariff.json"), report,
                       evse_uid="3256", connector_id="2")
    loc = store.get(key)
    assert loc is not None
    evse = loc.evse("3256")
    assert evse is not None and evse.connectors[1].tariff_ids == ("15",)
    assert evse.connectors[0].tariff_ids == ("11",)


def test_put_evse_adds_to_other_location_and_replaces_same_uid() -> None:
    fragment = read("location_put_example_add_evse.json")
    store, report = LocationStore(), IngestReport("ocpi:examples")
    store.load(read("location_example_parking_garage_opening_hours.json"), report)
    key = ("SE", "EVC", "cbb0df21-d17d-40ba-a4aa-dc588c8f98cb")
    assert store.put_evse(key, fragment, report)
    loc = store.get(key)
    assert loc is not None and len(loc.evses) == 2 and loc.n_connectors == 2
    # the example's "floor" is not an OCPI 2.2.1 field: tolerated and counted
    assert report.info["unknown_keys"]["evse.floor"] >= 1
    gstore, greport, gkey = gent()
    assert gstore.put_evse(gkey, fragment, greport)  # uid 3256 exists in the Gent example
    gloc = gstore.get(gkey)
    assert gloc is not None and len(gloc.evses) == 2
    evse = gloc.evse("3256")
    assert evse is not None and evse.evse_id == "BE*BEC*E041503003"
