"""Feature: riding one route -- boarding at or after the departure time, no slack at the origin,
arrival when the vehicle arrives, and no result before the first or after the last stop."""

from routing.raptor import RaptorState, earliest_arrival
from routing.request import TransitRequest
from tests.support.timetable_factory import DAY, TripSpec, build_timetable, hms, journey_str

TT = build_timetable(
    ["A", "B", "C"],
    [
        TripSpec("R1", ["A", "B", "C"], ["08:00", "08:05", "08:10"]),
        TripSpec("R1", ["A", "B", "C"], ["08:30", ("08:35", "08:36"), "08:41"]),
    ],
)


def _ea(o: int, d: int, t: str) -> list[str]:
    state = RaptorState(TT)
    return [
        journey_str(TT, j)
        for j in earliest_arrival(state, TransitRequest.between_stops(o, d, DAY, hms(t)))
    ]


def test_boards_exactly_at_departure_time() -> None:
    assert _ea(0, 2, "08:00") == ["R1 A 08:00 C 08:10 [08:00 08:10 0tr walk 0s]"]


def test_one_second_late_takes_next_trip() -> None:
    assert _ea(0, 2, "08:00:01") == ["R1 A 08:30 C 08:41 [08:30 08:41 0tr walk 0s]"]


def test_intermediate_stop_uses_departure_after_dwell() -> None:
    assert _ea(1, 2, "08:35:30") == ["R1 B 08:36 C 08:41 [08:36 08:41 0tr walk 0s]"]


def test_no_backwards_riding() -> None:
    assert _ea(2, 0, "07:00") == []
