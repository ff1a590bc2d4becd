"""Feature: multi-criteria search on (arrival, transfers, walking) returns every
non-dominated journey, with access/egress offsets counted as walking."""

from routing.raptor import RaptorState, pareto_search
from routing.request import StopTime, TransitRequest
from tests.support.timetable_factory import (
    DAY,
    TripSpec,
    build_timetable,
    footpath,
    hms,
    journey_str,
)

TT = build_timetable(
    ["A", "B", "C", "D", "E"],
    [
        TripSpec("R1", ["A", "D"], ["08:00", "09:00"]),
        TripSpec("R2", ["A", "B"], ["08:00", "08:10"]),
        TripSpec("R3", ["B", "D"], ["08:15", "08:30"]),
        TripSpec("R4", ["C", "D"], ["08:14", "08:20"]),
        TripSpec("R5", ["E", "D"], ["08:03", "08:08"]),
    ],
    transfers=footpath("B", "C", 120),
)


def test_three_criteria_front() -> None:
    req = TransitRequest.between_stops(0, 3, DAY, hms("08:00"))
    got = [journey_str(TT, j) for j in pareto_search(RaptorState(TT), req)]
    assert got == [
        "R2 A 08:00 B 08:10 ~ walk B-C 120s ~ R4 C 08:14 D 08:20 [08:00 08:20 1tr walk 120s]",
        "R2 A 08:00 B 08:10 ~ R3 B 08:15 D 08:30 [08:00 08:30 1tr walk 0s]",
        "R1 A 08:00 D 09:00 [08:00 09:00 0tr walk 0s]",
    ]


def test_multiple_sources_with_access_walk() -> None:
    req = TransitRequest(
        (StopTime(0), StopTime(4, offset_s=180, walk_s=180)), (StopTime(3),), DAY, hms("08:00")
    )
    got = [journey_str(TT, j) for j in pareto_search(RaptorState(TT), req)]
    assert got[0] == "access 180s ~ R5 E 08:03 D 08:08 [08:00 08:08 0tr walk 180s]"
    assert "R1 A 08:00 D 09:00 [08:00 09:00 0tr walk 0s]" in got
