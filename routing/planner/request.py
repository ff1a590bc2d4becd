"""A multimodal plan request: frozen and validated once (names the bad field and value)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum

from routing.errors import InvalidRequestError


class Mode(StrEnum):
    """Travel modes of the API's ``modes`` parameter."""

    WALK = "WALK"
    TRANSIT = "TRANSIT"
    BIKE = "BIKE"
    BIKESHARE = "BIKESHARE"
    CARSHARE = "CARSHARE"
    CAR = "CAR"


@dataclass(frozen=True)
class Place:
    """A coordinate (degrees) or a stop (``stop >= 0``, with the stop's coordinates)."""

    lat: float
    lon: float
    stop: int = -1

    def __post_init__(self) -> None:
        """Validate the coordinate range."""
        if not (math.isfinite(self.lat) and -90 <= self.lat <= 90):
            raise InvalidRequestError(f"lat={self.lat!r}: must be in -90..90")
        if not (math.isfinite(self.lon) and -180 <= self.lon <= 180):
            raise InvalidRequestError(f"lon={self.lon!r}: must be in -180..180")


@dataclass(frozen=True)
class PlanRequest:
    """One journey-planning query.

    Attributes
    ----------
    origin, destination : Place
        Where from and to.
    day : int
        Service date, ISO ordinal (local date in the city's timezone).
    time_s : int
        Seconds since that date's midnight: departure time, or arrival deadline if ``arrive_by``.
    modes : frozenset[Mode]
        Allowed modes; WALK is implied for access, egress and transfers of TRANSIT.
    max_access_s : int
        Longest walk to the first stop (and from the last), seconds.
    max_direct_walk_s : int
        Longest walk-only itinerary offered, seconds.
    """

    origin: Place
    destination: Place
    day: int
    time_s: int
    arrive_by: bool = False
    modes: frozenset[Mode] = field(default_factory=lambda: frozenset({Mode.WALK, Mode.TRANSIT}))
    wheelchair: bool = False
    max_transfers: int | None = None
    min_transfer_s: int | None = None
    max_transfer_walk_m: int | None = None
    num_itineraries: int = 3
    walk_speed_mps: float = 1.33
    max_access_s: int = 900
    max_direct_walk_s: int = 5_400
    max_direct_bike_s: int = 5_400
    max_direct_car_s: int = 7_200
    ev_connector: str | None = None
    """OCPI connector standard (e.g. ``IEC_62196_T2``): CAR/CARSHARE options end at a charger
    with an AVAILABLE EVSE of this type near the destination (None = no EV option)."""

    def __post_init__(self) -> None:
        """Validate every field."""
        if not 1 <= self.day <= 3_652_059:
            raise InvalidRequestError(f"day={self.day!r}: not an ISO date ordinal")
        if not 0 <= self.time_s < 2 * 86_400:
            raise InvalidRequestError(f"time={self.time_s!r}: must be in 0..172799 seconds")
        if not self.modes:
            raise InvalidRequestError("modes: at least one mode is needed")
        if not 1 <= self.num_itineraries <= 10:
            raise InvalidRequestError(
                f"num_itineraries={self.num_itineraries!r}: must be in 1..10"
            )
        if not 0.3 <= self.walk_speed_mps <= 3.0:
            raise InvalidRequestError(f"walk_speed={self.walk_speed_mps!r}: must be 0.3..3 m/s")
        if self.max_transfers is not None and not 0 <= self.max_transfers <= 8:
            raise InvalidRequestError(f"max_transfers={self.max_transfers!r}: must be in 0..8")
        if self.min_transfer_s is not None and not 0 <= self.min_transfer_s <= 3_600:
            raise InvalidRequestError(f"min_transfer_s={self.min_transfer_s!r}: must be 0..3600")
        if self.max_transfer_walk_m is not None and not 0 <= self.max_transfer_walk_m <= 5_000:
            raise InvalidRequestError(
                f"max_transfer_walk_m={self.max_transfer_walk_m!r}: must be 0..5000"
            )
        if self.ev_connector is not None and not (
                0 < len(self.ev_connector) <= 40 and self.ev_connector.replace("_", "").isalnum()):
            raise InvalidRequestError(f"ev_connector={self.ev_connector!r}: not a connector type")
        if not 60 <= self.max_access_s <= 3_600:
            raise InvalidRequestError(f"max_access_s={self.max_access_s!r}: must be 60..3600")
