"""Feature: the realtime overlay passed to the kernels -- delays shift a trip's times and
cancelled trips are skipped; the timetable itself is never edited."""

import numpy as np

from routing.raptor import RaptorState, earliest_arrival
from routing.raptor.state import RealtimeArrays
from routing.request import TransitRequest
from tests.support.timetable_factory import DAY, TripSpec, build_timetable, hms, journey_str

TT = build_timetable(
    ["A", "B"],
    [
        TripSpec("R1", ["A", "B"], ["08:00", "08:10"]),
        TripSpec("R1", ["A", "B"], ["08:30", "08:40"]),
    ],
)
REQ = TransitRequest.between_stops(0, 1, DAY, hms("08:00"))


def test_cancelled_trip_skipped() -> None:
    rt = RealtimeArrays(np.zeros(0, np.int32), np.array([True, False]))
    (j,) = earliest_arrival(RaptorState(TT), REQ, realtime=rt)
    assert journey_str(TT, j) == "R1 A 08:30 B 08:40 [08:30 08:40 0tr walk 0s]"


def test_delay_shifts_times() -> None:
    delay = np.zeros(TT.n_stop_times, np.int32)
    delay[0:2] = 120
    before = TT.arrival_s.copy()
    (j,) = earliest_arrival(RaptorState(TT), REQ, realtime=RealtimeArrays(delay, np.zeros(0, bool)))
    assert journey_str(TT, j) == "R1 A 08:02 B 08:12 [08:02 08:12 0tr walk 0s]"
    assert np.array_equal(TT.arrival_s, before)
