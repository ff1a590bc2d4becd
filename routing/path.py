"""Result types of the transit search: ints and seconds only (names are resolved at the edge).

All ``*_s`` times of a :class:`Journey` are seconds since midnight of the query's service date
(``Journey.day``); a trip of service day ``service_day`` has GTFS time
``t - (service_day - day) * 86400``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AccessLeg:
    """Reaching the first stop from the origin (walking, etc.), ``duration_s`` seconds."""

    to_stop: int
    dep_s: int
    arr_s: int
    walk_s: int


@dataclass(frozen=True)
class EgressLeg:
    """Leaving the last stop for the destination, ``duration_s`` seconds."""

    from_stop: int
    dep_s: int
    arr_s: int
    walk_s: int


@dataclass(frozen=True)
class TransitLeg:
    """A ride on ``trip`` from pattern position ``board_pos`` to ``alight_pos``.

    ``dep_s``/``arr_s`` are the timetable's departure at the board stop and arrival at the
    alight stop, shifted to the query day.
    """

    trip: int
    board_pos: int
    alight_pos: int
    board_stop: int
    alight_stop: int
    dep_s: int
    arr_s: int
    service_day: int


@dataclass(frozen=True)
class TransferLeg:
    """A change between vehicles: a footpath or a transfers.txt rule (``kind``).

    ``duration_s`` is the time the change takes in the search (footpath walking time or the
    transfer rule's time, at least the minimum transfer slack), ``walk_s`` the walking part,
    ``length_m`` the footpath length in metres (0 for a same-stop change).
    """

    from_stop: int
    to_stop: int
    duration_s: int
    length_m: int
    kind: int
    walk_s: int = 0


Leg = AccessLeg | TransitLeg | TransferLeg | EgressLeg


@dataclass(frozen=True)
class Journey:
    """One itinerary of a transit search.

    Attributes
    ----------
    day : int
        Query service date (ISO ordinal) the times are relative to.
    dep_s, arr_s : int
        Departure from the origin (start of the access leg) and arrival at the destination
        (end of the egress leg), seconds since ``day`` midnight.
    transfers : int
        Vehicle changes (number of transit legs minus one).
    walk_s : int
        Total walking time: access, footpaths between stops, egress, seconds.
    penalty_s : int
        Ranking penalty (e.g. unknown wheelchair accessibility), seconds.
    legs : tuple[Leg, ...]
        Access leg, transit legs with transfer legs between them, egress leg.
    """

    day: int
    dep_s: int
    arr_s: int
    transfers: int
    walk_s: int
    legs: tuple[Leg, ...]
    penalty_s: int = 0

    @property
    def duration_s(self) -> int:
        """Door-to-door duration, seconds."""
        return self.arr_s - self.dep_s

    @property
    def transit_legs(self) -> tuple[TransitLeg, ...]:
        """The transit legs in order."""
        return tuple(leg for leg in self.legs if isinstance(leg, TransitLeg))

    def criteria(self) -> tuple[int, int, int]:
        """(arrival, transfers, walking) -- the multi-criteria objective, all minimised."""
        return (self.arr_s, self.transfers, self.walk_s)
