"""Feature: arrive-by returns the latest departure that still arrives by the deadline (per
number of transfers), with the same transfer rules as forward search."""

from routing.raptor import RaptorState, latest_departure
from routing.request import TransitRequest
from tests.support.timetable_factory import DAY, TripSpec, build_timetable, hms, journey_str

TT = build_timetable(
    ["A", "B", "C"],
    [
        TripSpec("R1", ["A", "C"], ["07:00", "08:00"]),
        TripSpec("R1", ["A", "C"], ["07:30", "08:31"]),
        TripSpec("R2", ["A", "B"], ["07:40", "07:50"]),
        TripSpec("R3", ["B", "C"], ["07:52", "08:29"]),
        TripSpec("R3", ["B", "C"], ["07:50", "08:28"]),
    ],
)


def test_latest_departure_per_transfers() -> None:
    req = TransitRequest.between_stops(0, 2, DAY, hms("08:30"), arrive_by=True)
    got = [journey_str(TT, j) for j in latest_departure(RaptorState(TT), req)]
    assert got == [
        "R1 A 07:00 C 08:00 [07:00 08:00 0tr walk 0s]",
        "R2 A 07:40 B 07:50 ~ R3 B 07:52 C 08:29 [07:40 08:29 1tr walk 0s]",
    ]


def test_deadline_is_inclusive() -> None:
    req = TransitRequest.between_stops(0, 2, DAY, hms("08:31"), arrive_by=True, max_transfers=0)
    got = [journey_str(TT, j) for j in latest_departure(RaptorState(TT), req)]
    assert got == ["R1 A 07:30 C 08:31 [07:30 08:31 0tr walk 0s]"]
