"""Feature: STPT live vehicle JSON adapter and the AVL trace replayer (virtual clock)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from feeds.errors import FeedError
from feeds.report import IngestReport
from feeds.stpt_live import (
    AvlReplayer,
    VirtualClock,
    parse_vehicles_json,
    read_avl_positions,
    read_vehicles_json,
)
from feeds.stpt_live.replay import parse_recorded_at
from tests.conftest import require_shared


def test_inline_json_units_and_skips() -> None:
    doc = {"vehicles": [
        {"id": "7", "route": "E2 ", "lat": 45.75, "lng": 21.22, "bearing": 370, "speed": 36,
         "directionId": "1", "headsign": "X", "stop": "Y", "timestamp": 1778589098000,
         "isAccessible": True},
        {"id": "8", "route": "1", "lat": 0, "lng": 0, "timestamp": 1},
        {"id": "", "route": "1", "lat": 45.7, "lng": 21.2, "timestamp": 1},
        {"id": "9", "route": "1", "lat": 45.7, "lng": 21.2},
    ]}
    rep = IngestReport("stpt_live:test")
    (v,) = parse_vehicles_json(json.dumps(doc), rep)
    assert v.route_name == "E2" and v.speed_mps == pytest.approx(10.0)
    assert v.timestamp_s == 1778589098.0 and v.direction_id == 1 and v.accessible is True
    assert v.bearing_deg == pytest.approx(10.0)
    vp = v.to_vehicle_position()
    assert vp.speed_mps == pytest.approx(10.0) and vp.vehicle_label == "E2"
    assert rep.skipped[("vehicles.json", "bad_coordinates")] == 1
    assert rep.skipped[("vehicles.json", "vehicle_without_route_or_id")] == 1
    assert rep.skipped[("vehicles.json", "bad_timestamp")] == 1
    with pytest.raises(FeedError):
        parse_vehicles_json("{not json", rep)
    with pytest.raises(FeedError):
        parse_vehicles_json('{"x": 1}', rep)


def test_real_snapshots() -> None:
    folder = require_shared("timisoara", "stpt", "vehicles")
    counts = {}
    for path in sorted(folder.glob("*.json")):
        rep = IngestReport("stpt_live")
        vs = read_vehicles_json(path, rep)
        counts[path.name] = len(vs) + rep.total_skipped
        assert all(45.0 < v.lat < 46.5 and 20.5 < v.lon < 21.8 for v in vs)
        assert all(v.speed_mps is None or 0 <= v.speed_mps < 40 for v in vs)
        assert all(1.7e9 < v.timestamp_s < 1.9e9 for v in vs)
    assert counts == {"vehicles_2026-05-12T12-31-51Z.json": 141,
                      "vehicles_2026-05-14T19-57-47Z.json": 80}


def test_recorded_at_formats() -> None:
    a = parse_recorded_at("2026-05-13T01:40:10+0000")
    b = parse_recorded_at("2026-05-13T01:40:10.500Z")
    assert a is not None and b is not None and b - a == pytest.approx(0.5)
    assert parse_recorded_at("yesterday") is None


CSV = (
    "vehicle_id,route,direction_id,recorded_at,server_timestamp,lat,lng,bearing,speed,"
    "headsign,stop_name,is_accessible\n"
    """A,1,0,2026-05-13T10:00:05+0000,1778666400000,45.75,21.22,90,36.0,"H","S",1
B,1,1,2026-05-13T10:00:07+0000,1778666402000,45.76,21.23,90,,"H","S",0
A,1,0,2026-05-13T10:00:20.100Z,1778666416000,45.751,21.221,90,18.0,"H","S",1
A,1,0,2026-05-13T10:00:35.100Z,1778666416000,45.751,21.221,90,18.0,"H","S",1
B,1,1,2026-05-13T10:01:40.000Z,1778666497000,bad,21.23,90,5,"H","S",0
A,1,0,2026-05-13T10:01:50.000Z,1778666508000,45.752,21.222,90,18.0,"H","S",1
"""
)


def test_replayer_virtual_clock(tmp_path: Path) -> None:
    p = tmp_path / "2026-05-13__1-00.csv.gz"
    p.write_bytes(gzip.compress(CSV.encode()))
    rep = IngestReport("stpt_live:test")
    pos = read_avl_positions(p, rep)
    assert len(pos) == 4
    assert rep.skipped[(p.name, "duplicate_fix")] == 1
    assert rep.skipped[(p.name, "bad_coordinates")] == 1
    assert pos[0].timestamp_s == 1778666400.0 and pos[0].polled_s == 1778666405.0
    assert pos[1].speed_mps is None
    clock = VirtualClock()
    batches = list(AvlReplayer(pos, tick_s=15, speed=10, clock=clock))
    # ticks end 15 s after the first poll (10:00:05): the 3rd batch is the 7th tick
    assert [len(b.positions) for b in batches] == [2, 1, 1]
    assert [b.tick_end_s - batches[0].tick_end_s for b in batches] == pytest.approx([0, 15, 105])
    # at 10x, the virtual clock advanced the feed span / 10
    assert clock.now() == pytest.approx((batches[-1].tick_end_s - pos[0].polled_s) / 10, abs=1e-5)
    empty = list(AvlReplayer(pos, tick_s=15, speed=float("inf"), clock=VirtualClock(),
                             emit_empty=True))
    assert len(empty) == 8 and sum(len(b.positions) for b in empty) == 4
    with pytest.raises(ValueError):
        AvlReplayer(pos, tick_s=0)


def test_real_traces_replay_whole_day() -> None:
    folder = require_shared("timisoara", "stpt", "avl-traces")
    rep = IngestReport("stpt_live")
    pos = []
    for path in sorted(folder.glob("*.csv.gz")):
        pos.extend(read_avl_positions(path, rep))
    total_rows = sum(rep.rows_read.values())
    assert total_rows == 114_042  # 7 files, header excluded
    assert len(pos) + rep.total_skipped == total_rows
    n = 0
    clock = VirtualClock()
    last = 0.0
    for batch in AvlReplayer(pos, tick_s=60, speed=600, clock=clock):
        assert batch.tick_end_s > last
        assert all(last < (v.polled_s or 0) <= batch.tick_end_s for v in batch.positions)
        last = batch.tick_end_s
        n += len(batch.positions)
    assert n == len(pos)
    assert {v.route_name for v in pos} == {"1", "8", "14", "33", "40", "E2", "M14"}
