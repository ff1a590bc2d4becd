"""Feature: pickup/drop-off bans and wheelchair filtering (not accessible excluded, unknown
allowed with a penalty unless strict)."""

from routing.raptor import RaptorState, earliest_arrival
from routing.request import TransitRequest, Wheelchair
from tests.support.timetable_factory import DAY, TripSpec, build_timetable, hms, journey_str

TT = build_timetable(
    ["A", "B", "C"],
    [
        TripSpec(
            "R1", ["A", "B", "C"], ["08:00", "08:05", "08:10"], drop_off=[0, 1, 0], wheelchair=0
        ),
        TripSpec(
            "R1", ["A", "B", "C"], ["08:20", "08:25", "08:30"], pickup=[1, 0, 0], wheelchair=2
        ),
        TripSpec("R1", ["A", "B", "C"], ["08:40", "08:45", "08:50"], wheelchair=1),
    ],
    stop_wheelchair={"A": 1, "B": 1, "C": 0},
)


def _ea(o: int, d: int, t: str, wc: Wheelchair = Wheelchair.OFF) -> list[str]:
    req = TransitRequest.between_stops(o, d, DAY, hms(t), wheelchair=wc)
    return [journey_str(TT, j) for j in earliest_arrival(RaptorState(TT), req)]


def test_no_drop_off() -> None:
    assert _ea(0, 1, "08:00") == ["R1 A 08:40 B 08:45 [08:40 08:45 0tr walk 0s]"]


def test_no_pickup() -> None:
    assert _ea(0, 2, "08:15") == ["R1 A 08:40 C 08:50 [08:40 08:50 0tr walk 0s]"]


def test_wheelchair_unknown_allowed_with_penalty() -> None:
    req = TransitRequest.between_stops(0, 2, DAY, hms("08:00"), wheelchair=Wheelchair.ALLOW_UNKNOWN)
    (j,) = earliest_arrival(RaptorState(TT), req)
    assert j.arr_s == hms("08:10") and j.penalty_s > 0


def test_wheelchair_strict_excludes_unknown_stop() -> None:
    assert _ea(0, 2, "08:00", Wheelchair.STRICT) == []
    assert _ea(0, 1, "08:00", Wheelchair.STRICT) == ["R1 A 08:40 B 08:45 [08:40 08:45 0tr walk 0s]"]
