"""Snapshots: save/load round trip by mmap, content hash, atomic CURRENT, corruption detected."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from feeds.bundle import build_network
from routing.errors import SnapshotError
from routing.network import Network
from routing.snapshot import content_hash, current_version, load_snapshot, save_snapshot
from tests.maas.conftest import TINY_GTFS, make_bundle


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Network:
    bundle = make_bundle(tmp_path_factory.mktemp("b"), TINY_GTFS)
    net, _ = build_network(bundle)
    return net


def test_round_trip_is_identical_and_memory_mapped(network: Network, tmp_path: Path) -> None:
    folder = save_snapshot(network, tmp_path)
    assert current_version(tmp_path) == folder.name == content_hash(network)
    loaded = load_snapshot(tmp_path, verify=True)
    for name, arr in network.timetable.array_fields().items():
        got = getattr(loaded.timetable, name)
        if got.size:  # a read-only view of the file mapping, not a copy
            assert isinstance(got.base, np.memmap) and not got.flags.writeable, name
        assert got.dtype == arr.dtype and np.array_equal(got, arr), name
    assert loaded.timetable.names == network.timetable.names
    assert loaded.meta.version == folder.name
    assert content_hash(loaded) == content_hash(network)
    loaded.check_invariants()


def test_same_content_same_version(network: Network, tmp_path: Path) -> None:
    a = save_snapshot(network, tmp_path / "x")
    b = save_snapshot(network, tmp_path / "y")
    assert a.name == b.name


def test_corruption_is_detected(network: Network, tmp_path: Path) -> None:
    folder = save_snapshot(network, tmp_path)
    target = folder / "timetable" / "departure_s.npy"
    data = bytearray(target.read_bytes())
    data[-1] ^= 0xFF
    target.write_bytes(bytes(data))
    with pytest.raises(SnapshotError, match="sha256"):
        load_snapshot(folder, verify=True)


def test_missing_manifest_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError, match="manifest"):
        load_snapshot(tmp_path)


def test_timetable_invariants_collect_every_problem(network: Network) -> None:
    import dataclasses

    tt = network.timetable
    bad = dataclasses.replace(
        tt,
        departure_s=np.asarray(tt.departure_s)[::-1].copy(),
        pattern_stops=np.full_like(np.asarray(tt.pattern_stops), 999),
    )
    with pytest.raises(SnapshotError) as err:
        bad.check_invariants()
    msg = str(err.value)
    assert "pattern_stops out of range" in msg
    assert "departure before arrival" in msg or "overtake" in msg or "arrives before" in msg
