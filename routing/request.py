"""One transit query: a frozen, validated request (variations via ``dataclasses.replace``)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from routing.errors import InvalidRequestError


class Wheelchair(IntEnum):
    """Accessibility filter of a request (the ints are what the kernels receive)."""

    OFF = 0
    """No filter."""
    ALLOW_UNKNOWN = 1
    """Exclude trips/stops marked not accessible (2); unknown (0) allowed with a penalty."""
    STRICT = 2
    """Only trips/stops marked accessible (1)."""


@dataclass(frozen=True)
class StopTime:
    """A source or target of a transit search: a stop and a time offset.

    For a source, ``offset_s`` is added to the departure time (e.g. access walking) and
    ``walk_s`` is the walking part of it; for a target they are the egress cost.
    """

    stop: int
    offset_s: int = 0
    walk_s: int = 0


_MAX_DAY_S = 2 * 86_400


@dataclass(frozen=True)
class TransitRequest:
    """A transit search between sets of stops.

    Attributes
    ----------
    sources, targets : tuple[StopTime, ...]
        Origin stops (with access offsets) and destination stops (with egress costs).
    day : int
        Service date of the query, ISO date ordinal (``date.toordinal()``).
    time_s : int
        Departure time (or, with ``arrive_by``, the arrival deadline), seconds since the
        service date's midnight.
    arrive_by : bool
        Search the latest departure arriving by ``time_s``.
    window_s : int
        Departure window for range searches, seconds (0 = a single departure time).
    max_transfers : int | None
        At most this many vehicle changes (None = config's ``max_rounds - 1``).
    min_transfer_s : int | None
        Slack between two vehicles at a stop, seconds (None = config default).
    max_transfer_walk_m : int | None
        Longest footpath between stops, metres; 0 = only same-stop and transfers.txt.
    wheelchair : Wheelchair
        Accessibility filter.
    """

    sources: tuple[StopTime, ...]
    targets: tuple[StopTime, ...]
    day: int
    time_s: int
    arrive_by: bool = False
    window_s: int = 0
    max_transfers: int | None = None
    min_transfer_s: int | None = None
    max_transfer_walk_m: int | None = None
    wheelchair: Wheelchair = Wheelchair.OFF

    def __post_init__(self) -> None:
        """Validate every field; the error names the field and its value."""
        for name in ("sources", "targets"):
            value = getattr(self, name)
            if not isinstance(value, tuple) or not value:
                raise InvalidRequestError(f"{name}={value!r}: need a non-empty tuple of StopTime")
            for st in value:
                if not isinstance(st, StopTime) or st.stop < 0:
                    raise InvalidRequestError(f"{name}={value!r}: bad entry {st!r}")
                if st.offset_s < 0 or st.walk_s < 0 or st.walk_s > st.offset_s:
                    raise InvalidRequestError(
                        f"{name}={value!r}: offsets must satisfy 0 <= walk_s <= offset_s"
                    )
        if not 1 <= self.day <= 3_652_059:
            raise InvalidRequestError(f"day={self.day!r}: not an ISO date ordinal")
        if not 0 <= self.time_s < _MAX_DAY_S:
            raise InvalidRequestError(f"time_s={self.time_s!r}: must be in 0..172799 seconds")
        if not 0 <= self.window_s <= 86_400:
            raise InvalidRequestError(f"window_s={self.window_s!r}: must be in 0..86400")
        if self.arrive_by and self.window_s:
            raise InvalidRequestError(
                f"window_s={self.window_s!r}: range search is not supported with arrive_by"
            )
        if self.max_transfers is not None and not 0 <= self.max_transfers <= 31:
            raise InvalidRequestError(f"max_transfers={self.max_transfers!r}: must be in 0..31")
        if self.min_transfer_s is not None and not 0 <= self.min_transfer_s <= 3_600:
            raise InvalidRequestError(
                f"min_transfer_s={self.min_transfer_s!r}: must be in 0..3600 seconds"
            )
        if self.max_transfer_walk_m is not None and not 0 <= self.max_transfer_walk_m <= 10_000:
            raise InvalidRequestError(
                f"max_transfer_walk_m={self.max_transfer_walk_m!r}: must be in 0..10000 metres"
            )
        if not isinstance(self.wheelchair, Wheelchair):
            raise InvalidRequestError(f"wheelchair={self.wheelchair!r}: not a Wheelchair value")

    @classmethod
    def between_stops(
        cls, origin: int, destination: int, day: int, time_s: int, **kw: object
    ) -> TransitRequest:
        """A stop-to-stop request (no access or egress cost)."""
        return cls((StopTime(origin),), (StopTime(destination),), day, time_s, **kw)  # type: ignore[arg-type]
