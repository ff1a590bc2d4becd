"""Feature: changes between vehicles -- same-stop changes, footpaths (limited by
max_transfer_walk_m), and transfers.txt rules: 2 (min time), 3 (forbidden), 1 (timed)."""

from routing.constants import TRANSFER_FOOTPATH
from routing.raptor import RaptorState, earliest_arrival
from routing.request import TransitRequest
from tests.support.timetable_factory import (
    DAY,
    TransferSpec,
    TripSpec,
    build_timetable,
    footpath,
    hms,
    journey_str,
)

TRIPS = [
    TripSpec("R1", ["A", "B"], ["08:00", "08:10"]),
    TripSpec("R2", ["B", "D"], ["08:11", "08:20"]),
    TripSpec("R2", ["B", "D"], ["08:15", "08:24"]),
    TripSpec("R2", ["B", "D"], ["08:40", "08:50"]),
    TripSpec("R3", ["C", "D"], ["08:13", "08:18"]),
]


def _ea(transfers: list[TransferSpec], **kw: object) -> list[str]:
    tt = build_timetable(["A", "B", "C", "D"], TRIPS, transfers=transfers)
    req = TransitRequest.between_stops(0, 3, DAY, hms("07:55"), **kw)
    return [journey_str(tt, j) for j in earliest_arrival(RaptorState(tt), req)]


def test_same_stop_change_needs_default_slack() -> None:
    # 60 s default slack: 08:11 is caught, walking to C is not allowed (no footpath)
    assert _ea([]) == ["R1 A 08:00 B 08:10 ~ R2 B 08:11 D 08:20 [08:00 08:20 1tr walk 0s]"]


def test_footpath_to_another_stop() -> None:
    got = _ea(footpath("B", "C", 150), min_transfer_s=120)
    assert got == [
        "R1 A 08:00 B 08:10 ~ walk B-C 150s ~ R3 C 08:13 D 08:18 [08:00 08:18 1tr walk 150s]"
    ]


def test_footpath_beyond_max_walk_is_ignored() -> None:
    got = _ea(footpath("B", "C", 150, metres=400), max_transfer_walk_m=300)
    assert got == ["R1 A 08:00 B 08:10 ~ R2 B 08:11 D 08:20 [08:00 08:20 1tr walk 0s]"]


def test_footpath_takes_at_least_the_min_transfer_time() -> None:
    # walking 30 s, but a change needs 240 s: 08:14 is too early for R3 at 08:13
    got = _ea(footpath("B", "C", 30), min_transfer_s=240)
    assert got == ["R1 A 08:00 B 08:10 ~ R2 B 08:15 D 08:24 [08:00 08:24 1tr walk 0s]"]


def test_min_time_rule_overrides_stop_slack() -> None:
    got = _ea([TransferSpec("B", "B", 2, 300)])
    assert got == ["R1 A 08:00 B 08:10 ~ R2 B 08:15 D 08:24 [08:00 08:24 1tr walk 0s]"]


def test_forbidden_rule_blocks_change_at_stop_and_footpath() -> None:
    rules = [TransferSpec("B", "B", 3), *footpath("B", "C", 60), TransferSpec("B", "C", 3)]
    assert _ea(rules) == []


def test_timed_transfer_needs_no_slack() -> None:
    tt = build_timetable(
        ["A", "B", "D"],
        [
            TripSpec("R1", ["A", "B"], ["08:00", "08:10"]),
            TripSpec("R2", ["B", "D"], ["08:10", "08:20"]),
        ],
        transfers=[TransferSpec("B", "B", 1)],
    )
    req = TransitRequest.between_stops(0, 2, DAY, hms("08:00"), min_transfer_s=300)
    got = [journey_str(tt, j) for j in earliest_arrival(RaptorState(tt), req)]
    assert got == ["R1 A 08:00 B 08:10 ~ R2 B 08:10 D 08:20 [08:00 08:20 1tr walk 0s]"]


def test_footpath_kind_is_reported() -> None:
    tt = build_timetable(["A", "B", "C", "D"], TRIPS, transfers=footpath("B", "C", 150))
    req = TransitRequest.between_stops(0, 3, DAY, hms("07:55"), min_transfer_s=120)
    (j,) = earliest_arrival(RaptorState(tt), req)
    assert [leg.kind for leg in j.legs if hasattr(leg, "kind")] == [TRANSFER_FOOTPATH]
