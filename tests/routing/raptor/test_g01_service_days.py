"""Feature: service days -- trips of yesterday still running after midnight, tomorrow's trips,
and services not running on the query day."""

from routing.raptor import RaptorState, earliest_arrival
from routing.request import TransitRequest
from tests.support.timetable_factory import DAY, TripSpec, build_timetable, hms, journey_str

TT = build_timetable(
    ["A", "B"],
    [
        TripSpec("N", ["A", "B"], ["24:30", "25:00"], service="daily"),
        TripSpec("W", ["A", "B"], ["06:00", "06:20"], service="weekdays"),
    ],
    services={"weekdays": [DAY, DAY + 1]},
)


def _ea(day: int, t: str) -> list[str]:
    req = TransitRequest.between_stops(0, 1, day, hms(t))
    return [journey_str(TT, j) for j in earliest_arrival(RaptorState(TT), req)]


def test_yesterdays_trip_after_midnight() -> None:
    (j,) = earliest_arrival(RaptorState(TT), TransitRequest.between_stops(0, 1, DAY, hms("00:10")))
    assert journey_str(TT, j) == "N A 00:30 B 01:00 [00:30 01:00 0tr walk 0s]"
    assert j.transit_legs[0].service_day == DAY - 1


def test_tomorrows_trip() -> None:
    assert _ea(DAY, "23:00") == ["N A 24:30 B 25:00 [24:30 25:00 0tr walk 0s]"]


def test_inactive_service_is_skipped() -> None:
    # DAY + 2 has no weekday service: the next trip is the night one
    assert _ea(DAY + 2, "05:00") == ["N A 24:30 B 25:00 [24:30 25:00 0tr walk 0s]"]
    assert _ea(DAY + 1, "05:00") == ["W A 06:00 B 06:20 [06:00 06:20 0tr walk 0s]"]
