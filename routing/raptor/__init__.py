"""Transit search over :class:`routing.timetable.Timetable` (the RAPTOR family).

Concepts
--------
* Rounds: round ``k`` holds the best arrivals using at most ``k`` vehicles.  Two labels per
  round and stop: ``arr`` (arrival by a vehicle) and ``brd`` (ready to board after the change:
  the stop's own minimum transfer time, or a transfer row / footpath to another stop).
* Service days: trips of the query day's previous, same and next service day are candidates;
  each (pattern, day offset) is scanned as its own FIFO route, because trips of different
  service days can overtake each other once shifted by 86 400 s.
* The kernels (:mod:`routing.raptor.kernels`) take flat arrays only; :mod:`.search` is the typed
  API; :mod:`.state` holds the per-worker scratch arrays, reused across queries.
* Arrive-by runs the same earliest-arrival kernel on a time-reversed copy of the timetable
  (times negated, patterns and transfers reversed), built once per timetable.

References: Delling, Pajor, Werneck, "Round-Based Public Transit Routing" (2012/2015).
"""

from routing.raptor.search import (
    earliest_arrival,
    latest_departure,
    pareto_search,
    range_search,
)
from routing.raptor.state import RaptorState

__all__ = [
    "RaptorState",
    "earliest_arrival",
    "latest_departure",
    "pareto_search",
    "range_search",
]
