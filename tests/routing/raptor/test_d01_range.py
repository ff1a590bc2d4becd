"""Feature: range RAPTOR returns every Pareto-optimal (departure, arrival, transfers) journey
among those departing in the window, and drops journeys beaten by a later one in it."""

from routing.raptor import RaptorState, range_search
from routing.request import TransitRequest
from tests.support.timetable_factory import DAY, TripSpec, build_timetable, hms, journey_str

TT = build_timetable(
    ["A", "B", "C"],
    [
        TripSpec("R1", ["A", "C"], ["08:00", "08:30"]),
        TripSpec("R1", ["A", "C"], ["08:20", "08:40"]),
        TripSpec("R1", ["A", "C"], ["08:40", "09:30"]),  # slow: beaten by the 08:50 express
        TripSpec("X", ["A", "C"], ["08:50", "09:00"]),
        TripSpec("R2", ["A", "B"], ["08:05", "08:10"]),
        TripSpec("R3", ["B", "C"], ["08:12", "08:25"]),
    ],
)


def test_profile_over_window() -> None:
    req = TransitRequest.between_stops(0, 2, DAY, hms("08:00"), window_s=3600)
    got = [journey_str(TT, j) for j in range_search(RaptorState(TT), req)]
    assert got == [
        "R1 A 08:00 C 08:30 [08:00 08:30 0tr walk 0s]",
        "R2 A 08:05 B 08:10 ~ R3 B 08:12 C 08:25 [08:05 08:25 1tr walk 0s]",
        "R1 A 08:20 C 08:40 [08:20 08:40 0tr walk 0s]",
        "X A 08:50 C 09:00 [08:50 09:00 0tr walk 0s]",
    ]


def test_journeys_after_the_window_do_not_count() -> None:
    # the 08:50 express is outside [08:00, 08:45]: the slow 08:40 is then Pareto-optimal
    req = TransitRequest.between_stops(0, 2, DAY, hms("08:00"), window_s=2700)
    got = [journey_str(TT, j) for j in range_search(RaptorState(TT), req)]
    assert got[-1] == "R1 A 08:40 C 09:30 [08:40 09:30 0tr walk 0s]"


def test_window_end_is_inclusive() -> None:
    req = TransitRequest.between_stops(0, 2, DAY, hms("08:20"), window_s=0)
    got = [journey_str(TT, j) for j in range_search(RaptorState(TT), req)]
    assert got == ["R1 A 08:20 C 08:40 [08:20 08:40 0tr walk 0s]"]
