"""Feature: request validation names the field and value; a state is reused across queries
and gives the same answers as a fresh one."""

import dataclasses

import pytest

from routing.errors import InvalidRequestError
from routing.raptor import RaptorState, earliest_arrival, latest_departure, pareto_search
from routing.request import StopTime, TransitRequest
from tests.support.timetable_factory import DAY, TripSpec, build_timetable, hms

TT = build_timetable(
    ["A", "B", "C"],
    [TripSpec("R1", ["A", "B", "C"], ["08:00", "08:05", "08:10"]),
     TripSpec("R2", ["C", "A"], ["08:20", "08:30"])],
)  # fmt: skip


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"time_s": -1}, "time_s"),
        ({"min_transfer_s": -5}, "min_transfer_s"),
        ({"max_transfers": 99}, "max_transfers"),
        ({"window_s": 90_000}, "window_s"),
        ({"sources": ()}, "sources"),
        ({"targets": (StopTime(1, offset_s=5, walk_s=10),)}, "targets"),
    ],
)
def test_invalid_request_names_field(kw: dict[str, object], field: str) -> None:
    base = TransitRequest.between_stops(0, 2, DAY, hms("08:00"))
    with pytest.raises(InvalidRequestError, match=field):
        dataclasses.replace(base, **kw)  # type: ignore[arg-type]


def test_unknown_stop_rejected() -> None:
    with pytest.raises(InvalidRequestError, match="stop=7"):
        earliest_arrival(RaptorState(TT), TransitRequest.between_stops(0, 7, DAY, 0))


def test_reused_state_matches_fresh_state() -> None:
    shared = RaptorState(TT)
    queries = [
        TransitRequest.between_stops(o, d, DAY, hms(t))
        for o, d, t in [(0, 2, "08:00"), (2, 0, "08:00"), (1, 0, "07:00"), (0, 2, "08:01")]
    ]
    for q in queries * 2:
        fresh = RaptorState(TT)
        assert earliest_arrival(shared, q) == earliest_arrival(fresh, q)
        assert pareto_search(shared, q) == pareto_search(fresh, q)
        back = dataclasses.replace(q, time_s=q.time_s + 3600, arrive_by=True)
        assert latest_departure(shared, back) == latest_departure(fresh, back)
