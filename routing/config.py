"""Deployment tuning of the router: frozen, defaults in code, one object per process."""

from __future__ import annotations

from dataclasses import dataclass

from routing.constants import MAX_FOOTPATH_M, MAX_ROUNDS
from routing.errors import InvalidRequestError


@dataclass(frozen=True)
class RoutingConfig:
    """Tuning shared by every query of a deployment.

    Attributes
    ----------
    max_rounds : int
        Upper bound on RAPTOR rounds (vehicles per journey); requests may ask for fewer.
    default_min_transfer_s : int
        Slack between alighting one vehicle and boarding another at the same stop, seconds,
        when the request does not set one and transfers.txt has no rule for the stop.
    default_max_transfer_walk_m : int
        Longest footpath between two different stops a transfer may use, metres.
    max_travel_s : int
        Search horizon after the departure time, seconds; nothing arriving later is returned.
    wheelchair_unknown_penalty_s : int
        Ranking penalty per boarding on a trip or at a stop of unknown accessibility when a
        wheelchair request is not strict, seconds (reported on the journey, not a criterion).
    max_pareto_labels : int
        Initial size of the multi-criteria label pool (grown on demand).
    """

    max_rounds: int = MAX_ROUNDS
    default_min_transfer_s: int = 60
    default_max_transfer_walk_m: int = MAX_FOOTPATH_M
    max_travel_s: int = 2 * 86_400
    wheelchair_unknown_penalty_s: int = 600
    max_pareto_labels: int = 1 << 16

    def __post_init__(self) -> None:
        """Reject values the kernels cannot honour, naming the field and value."""
        if not 1 <= self.max_rounds <= 32:
            raise InvalidRequestError(f"max_rounds={self.max_rounds!r}: must be in 1..32")
        for name in (
            "default_min_transfer_s",
            "default_max_transfer_walk_m",
            "wheelchair_unknown_penalty_s",
        ):
            value = getattr(self, name)
            if value < 0:
                raise InvalidRequestError(f"{name}={value!r}: must be >= 0")
        if not 3_600 <= self.max_travel_s <= 7 * 86_400:
            raise InvalidRequestError(
                f"max_travel_s={self.max_travel_s!r}: must be in 3600..604800"
            )
        if self.max_pareto_labels < 16:
            raise InvalidRequestError(
                f"max_pareto_labels={self.max_pareto_labels!r}: must be >= 16"
            )
