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

Rules decided here (the oracles in ``tests/oracles`` implement the same):

* A change of vehicles at one stop takes the stop's own transfers.txt time (type 2), 0 (type 1)
  or ``min_transfer_s``; type 3 on (s, s) forbids changing there.  A change to another stop
  uses one transfer row (never two in a row): type 1 takes 0 s, type 2 its time, type 0 and
  footpaths ``max(walk_s, min_transfer_s)``; type 3 on (s, t) removes every row s -> t;
  transfers.txt rows win over footpaths; footpaths longer than ``max_transfer_walk_m`` are
  ignored, transfers.txt rows never.
* Sources and targets are used as given: no footpath before the first or after the last
  vehicle (the multimodal layer passes nearby stops with access/egress offsets instead).
* Range search: Pareto set on (later departure, earlier arrival, fewer transfers) among
  journeys whose first vehicle leaves inside the window.
* Wheelchair: not accessible (2) stops/trips are excluded; with ``ALLOW_UNKNOWN`` unknown (0)
  ones are allowed and ``Journey.penalty_s`` counts a penalty per unknown boarding (a ranking
  hint, not a search criterion); ``STRICT`` allows only accessible (1).

* Goal direction: earliest-arrival and arrive-by searches without realtime delays first run a
  backward Dijkstra from the targets over the stop graph (least ride times, transfers) and
  drop every label that cannot beat the best target arrival even at that bound
  (:mod:`routing.raptor.lower_bounds`).  :func:`earliest_arrival_time` answers the arrival
  time only, in one compiled call (:mod:`routing.raptor.context`).

References: Delling, Pajor, Werneck, "Round-Based Public Transit Routing" (2012/2015).
"""

from routing.raptor.search import (
    earliest_arrival,
    earliest_arrival_time,
    latest_departure,
    pareto_search,
    range_search,
)
from routing.raptor.state import RaptorState

__all__ = [
    "RaptorState",
    "earliest_arrival",
    "earliest_arrival_time",
    "latest_departure",
    "pareto_search",
    "range_search",
]
