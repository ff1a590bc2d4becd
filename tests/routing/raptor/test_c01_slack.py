"""Feature: min_transfer_s is the slack between two vehicles (request overrides config), and
staying on the same trip (even through a loop) is not a transfer."""

import pytest

from routing.config import RoutingConfig
from routing.raptor import RaptorState, earliest_arrival
from routing.request import TransitRequest
from tests.support.timetable_factory import DAY, TripSpec, build_timetable, hms, journey_str

TT = build_timetable(
    ["A", "B", "C", "D"],
    [
        TripSpec("R1", ["A", "B"], ["08:00", "08:10"]),
        TripSpec("R2", ["B", "C"], ["08:12", "08:20"]),
        TripSpec("R2", ["B", "C"], ["08:30", "08:38"]),
        TripSpec("L", ["A", "B", "D", "B", "C"], ["09:00", "09:05", "09:10", "09:15", "09:20"]),
    ],
)


@pytest.mark.parametrize(
    ("slack", "expected"),
    [
        (120, "R1 A 08:00 B 08:10 ~ R2 B 08:12 C 08:20 [08:00 08:20 1tr walk 0s]"),
        (121, "R1 A 08:00 B 08:10 ~ R2 B 08:30 C 08:38 [08:00 08:38 1tr walk 0s]"),
    ],
)
def test_request_slack(slack: int, expected: str) -> None:
    req = TransitRequest.between_stops(0, 2, DAY, hms("08:00"), min_transfer_s=slack)
    # the last journey arrives earliest; the first is the direct loop ride (0 transfers)
    got = [journey_str(TT, j) for j in earliest_arrival(RaptorState(TT), req)]
    assert got == ["L A 09:00 C 09:20 [09:00 09:20 0tr walk 0s]", expected]


def test_config_default_slack() -> None:
    state = RaptorState(TT, RoutingConfig(default_min_transfer_s=600))
    req = TransitRequest.between_stops(0, 2, DAY, hms("08:00"))
    assert journey_str(TT, earliest_arrival(state, req)[-1]) == (
        "R1 A 08:00 B 08:10 ~ R2 B 08:30 C 08:38 [08:00 08:38 1tr walk 0s]"
    )


def test_loop_trip_is_one_ride() -> None:
    req = TransitRequest.between_stops(0, 2, DAY, hms("08:50"))
    assert [journey_str(TT, j) for j in earliest_arrival(RaptorState(TT), req)] == [
        "L A 09:00 C 09:20 [09:00 09:20 0tr walk 0s]"
    ]


def test_max_transfers_zero_forbids_changes() -> None:
    req = TransitRequest.between_stops(0, 2, DAY, hms("08:00"), max_transfers=0)
    assert [journey_str(TT, j) for j in earliest_arrival(RaptorState(TT), req)] == [
        "L A 09:00 C 09:20 [09:00 09:20 0tr walk 0s]"
    ]
