"""GBFS discovery and local-folder loading: URLs resolved by file name, manifest, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from feeds.errors import FeedError, MissingFileError
from feeds.gbfs import latest_supported, load_gbfs_folder, parse_discovery, parse_manifest
from feeds.gbfs.folder import local_candidates
from feeds.gbfs.values import note_count


def write(folder: Path, name: str, doc: object) -> None:
    (folder / name).write_text(json.dumps(doc), encoding="utf-8")


def test_local_candidates_cover_file_urls_and_extensionless_endpoints() -> None:
    assert local_candidates("station_status", "file:src/x/station_status.json")[0] == (
        "station_status.json")
    assert local_candidates("station_information", "https://e.com/gbfs/1/station_information"
                            ) == ["station_information", "station_information.json"]
    assert local_candidates("system_information", "https://e.com/en/sysinfo.json") == [
        "sysinfo.json", "system_information.json"]


def test_discovery_v2_language_and_v3_flat() -> None:
    v2 = parse_discovery({"version": "2.3", "ttl": 30, "data": {
        "en": {"feeds": [{"name": "station_status", "url": "https://x/en/ss.json"}]},
        "fr": {"feeds": [{"name": "station_status", "url": "https://x/fr/ss.json"}]}}},
        language="fr")
    assert (v2.version, v2.language, v2.ttl_s) == ("2.3", "fr", 30)
    assert v2.url_of("station_status") == "https://x/fr/ss.json"
    v3 = parse_discovery({"version": "3.0", "data": {"feeds": [
        {"name": "vehicle_status", "url": "https://x/vs"}]}})
    assert v3.language is None and v3.url_of("vehicle_status") == "https://x/vs"
    with pytest.raises(FeedError, match="no feeds list"):
        parse_discovery({"version": "2.3", "data": {}})


def test_manifest_picks_newest_supported_version() -> None:
    entries = parse_manifest({"data": {"datasets": [
        {"system_id": "a", "versions": [{"version": "2.3", "url": "u23"},
                                        {"version": "3.0", "url": "u30"},
                                        {"version": "9.9", "url": "u99"}]},
        {"system_id": "b", "versions": [{"version": "2.2", "url": "b22"}]},
        {"versions": []}]}})
    assert len(entries) == 4
    best = latest_supported(entries)
    assert {k: v.url for k, v in best.items()} == {"a": "u30", "b": "b22"}


def test_folder_resolves_listed_files_and_notes_unlisted(tmp_path: Path) -> None:
    env = {"last_updated": 1_700_000_000, "ttl": 10, "version": "2.3"}
    write(tmp_path, "gbfs.json", {**env, "data": {"en": {"feeds": [
        {"name": "station_information", "url": "file:/elsewhere/stations.json"},
        {"name": "station_status", "url": "https://gone.example/station_status.json"}]}}})
    write(tmp_path, "stations.json", {**env, "data": {"stations": [
        {"station_id": "s", "name": "S", "lat": 45.0, "lon": 21.0}]}})
    write(tmp_path, "vehicle_types.json", {**env, "data": {"vehicle_types": [
        {"vehicle_type_id": "t", "form_factor": "bicycle", "propulsion_type": "human"}]}})
    snap, report = load_gbfs_folder(tmp_path)
    assert list(snap.stations) == ["s"]
    assert list(snap.vehicle_types) == ["t"]
    assert snap.files["station_information"].source == "stations.json"
    assert note_count(report, "vehicle_types", "file_not_listed_in_gbfs_json") == 1
    assert any("station_status: listed in gbfs.json but absent" in w for w in report.warnings)


def test_folder_errors(tmp_path: Path) -> None:
    with pytest.raises(MissingFileError):
        load_gbfs_folder(tmp_path / "absent")
    with pytest.raises(MissingFileError, match="no GBFS file"):
        load_gbfs_folder(tmp_path)
    (tmp_path / "station_status.json").write_text("{not json", encoding="utf-8")
    write(tmp_path, "station_information.json", {"last_updated": 1, "ttl": 0, "version": "2.2",
                                                 "data": {"stations": []}})
    snap, report = load_gbfs_folder(tmp_path)  # one broken file does not sink the feed
    assert snap.version == "2.2" and not snap.stations
    assert report.skipped[("station_status", "unreadable_json")] == 1
