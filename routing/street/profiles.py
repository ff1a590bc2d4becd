"""Travel profiles: how a mode turns street edges into integer costs.

A profile is a small frozen dataclass.  :meth:`StreetProfile.edge_cost_s` compiles it, once
per network, into one int32 cost per directed edge:

* cost ``= floor(length_m / speed_mps + 0.5)`` seconds (round half up), at least 1 s when
  ``length_m > 0``, plus any penalty.  Rounding (not ceiling) keeps the error of a path
  unbiased: each edge is off by at most 0.5 s, so a 30-edge walk is within a few seconds of
  ``length / speed`` (ceiling would add 0.5 s per edge on average, 10 % for a car);
* ``-1`` where the mode may not use the edge in its direction (missing access bit, steps for
  wheelchairs, a non-positive speed).  The search kernels skip negative costs.

:meth:`StreetProfile.edge_length_m` gives the same mask on ``length_m`` (float64 metres) for
distance searches (footpaths, oracle tests).  Compiled arrays are cached by
:class:`routing.street.search.StreetRouter`, never rebuilt per query.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from routing.constants import (
    ACCESS_BIKE,
    ACCESS_CAR,
    ACCESS_WALK,
    BIKE_SPEED_MPS,
    WALK_SPEED_MPS,
)
from routing.errors import InvalidRequestError
from routing.street_graph import (
    FLAG_BAD_SURFACE,
    FLAG_KERB_UNKNOWN,
    FLAG_STEPS,
    FLAG_UNKNOWN_SURFACE,
    StreetGraph,
)

#: Marks an edge the profile may not use (cost arrays).
NO_ACCESS: int = -1


def seconds_from_metres(length_m: npt.NDArray[np.float64], speed_mps: npt.ArrayLike) -> (
    npt.NDArray[np.int64]
):
    """Round ``length_m / speed_mps`` half up to whole seconds (the profiles' one rounding rule).

    Parameters
    ----------
    length_m
        Lengths, metres (non-negative).
    speed_mps
        Speed(s), metres per second (positive), broadcast against ``length_m``.

    Returns
    -------
    numpy.ndarray
        Durations, int64 seconds.
    """
    return np.floor(np.asarray(length_m, np.float64) / np.asarray(speed_mps, np.float64) + 0.5)\
        .astype(np.int64)


def _to_int32_costs(cost_s: npt.NDArray[np.int64], usable: npt.NDArray[np.bool_]) -> (
    npt.NDArray[np.int32]
):
    # 2**31 s is 68 years: any overflow means corrupt input, not a slow street.
    if cost_s.size and int(cost_s[usable].max(initial=0)) >= np.iinfo(np.int32).max:
        raise InvalidRequestError(f"edge cost overflows int32: max {int(cost_s.max())} s")
    out = np.where(usable, cost_s, NO_ACCESS).astype(np.int32)
    return out


@dataclass(frozen=True)
class StreetProfile:
    """Base of the travel profiles.

    Subclasses set :attr:`name` and override :meth:`_speed_and_mask` (and possibly
    :meth:`_penalty_s`).  Instances are hashable and used as cache keys.
    """

    @property
    def name(self) -> str:
        """Mode name (``walk``, ``bike``, ``car``, ``wheelchair``)."""
        raise NotImplementedError

    @property
    def link_speed_mps(self) -> float:
        """Speed used on the short links from a stop or snapped point to the graph, m/s."""
        raise NotImplementedError

    def _speed_and_mask(
        self, graph: StreetGraph
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
        """Per-edge speed (m/s) and the mask of edges the mode may use."""
        raise NotImplementedError

    def _penalty_s(self, graph: StreetGraph) -> npt.NDArray[np.int64] | None:
        """Per-edge extra seconds, or ``None`` for no penalty."""
        return None

    def usable(self, graph: StreetGraph) -> npt.NDArray[np.bool_]:
        """Mask of the edges this profile may traverse (in their direction)."""
        return self._speed_and_mask(graph)[1]

    def edge_cost_s(self, graph: StreetGraph) -> npt.NDArray[np.int32]:
        """Compile the profile: int32 seconds per edge, ``-1`` where it may not go.

        Rounding rule: see :func:`seconds_from_metres`; penalties are added after rounding.
        """
        speed, usable = self._speed_and_mask(graph)
        safe_speed = np.where(usable, speed, 1.0)
        cost = seconds_from_metres(graph.length_m, safe_speed)
        # A positive-length edge costs at least 1 s: a free edge between two distinct points
        # would void the straight-line A* bound (see routing.street.search).
        cost = np.where(np.asarray(graph.length_m) > 0, np.maximum(cost, 1), cost)
        penalty = self._penalty_s(graph)
        if penalty is not None:
            cost = cost + penalty
        return _to_int32_costs(cost, usable)

    def edge_length_m(self, graph: StreetGraph) -> npt.NDArray[np.float64]:
        """Float64 metres per usable edge, ``-1.0`` elsewhere (distance searches)."""
        return np.where(self.usable(graph), graph.length_m.astype(np.float64), -1.0)


def _check_speed(name: str, value: float) -> None:
    if not (value > 0 and np.isfinite(value)):
        raise InvalidRequestError(f"{name} must be a positive speed in m/s, got {value!r}")


@dataclass(frozen=True)
class WalkProfile(StreetProfile):
    """Walking at a constant speed on edges with the walk bit."""

    speed_mps: float = WALK_SPEED_MPS
    """Walking speed, metres per second."""

    def __post_init__(self) -> None:
        """Validate the speed."""
        _check_speed("speed_mps", self.speed_mps)

    @property
    def name(self) -> str:
        """``walk``."""
        return "walk"

    @property
    def link_speed_mps(self) -> float:
        """The walking speed, m/s."""
        return self.speed_mps

    def _speed_and_mask(
        self, graph: StreetGraph
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
        usable = (graph.access & ACCESS_WALK) != 0
        return np.full(graph.n_edges, self.speed_mps), usable


@dataclass(frozen=True)
class BikeProfile(StreetProfile):
    """Cycling at ``speed_mps * bike_factor[e]`` on edges with the bike bit."""

    speed_mps: float = BIKE_SPEED_MPS
    """Cruising speed on a plain street, metres per second."""

    def __post_init__(self) -> None:
        """Validate the speed."""
        _check_speed("speed_mps", self.speed_mps)

    @property
    def name(self) -> str:
        """``bike``."""
        return "bike"

    @property
    def link_speed_mps(self) -> float:
        """The cruising speed, m/s."""
        return self.speed_mps

    def _speed_and_mask(
        self, graph: StreetGraph
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
        speed = self.speed_mps * graph.bike_factor.astype(np.float64)
        usable = ((graph.access & ACCESS_BIKE) != 0) & (speed > 0)
        return speed, usable


@dataclass(frozen=True)
class CarProfile(StreetProfile):
    """Driving at each edge's free-flow ``car_speed_mps`` on edges with the car bit."""

    link_walk_speed_mps: float = WALK_SPEED_MPS
    """Speed on the links from a stop or a snapped point (walking to the car), m/s."""

    @property
    def name(self) -> str:
        """``car``."""
        return "car"

    @property
    def link_speed_mps(self) -> float:
        """Walking speed on the links, m/s."""
        return self.link_walk_speed_mps

    def _speed_and_mask(
        self, graph: StreetGraph
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
        speed = graph.car_speed_mps.astype(np.float64)
        usable = ((graph.access & ACCESS_CAR) != 0) & (speed > 0)
        return speed, usable


@dataclass(frozen=True)
class WheelchairProfile(StreetProfile):
    """Walk access without steps; uncertain or bad surfaces cost extra seconds per edge."""

    speed_mps: float = WALK_SPEED_MPS
    """Travel speed, metres per second."""
    unknown_penalty_s: int = 30
    """Added once per edge flagged unknown surface or unknown kerb, seconds."""
    bad_surface_penalty_s: int = 120
    """Added once per edge flagged bad surface, seconds (replaces the unknown penalty)."""

    def __post_init__(self) -> None:
        """Validate speed and penalties."""
        _check_speed("speed_mps", self.speed_mps)
        if self.unknown_penalty_s < 0 or self.bad_surface_penalty_s < 0:
            raise InvalidRequestError(
                "wheelchair penalties must be >= 0 s, got "
                f"unknown_penalty_s={self.unknown_penalty_s}, "
                f"bad_surface_penalty_s={self.bad_surface_penalty_s}"
            )

    @property
    def name(self) -> str:
        """``wheelchair``."""
        return "wheelchair"

    @property
    def link_speed_mps(self) -> float:
        """The travel speed, m/s."""
        return self.speed_mps

    def _speed_and_mask(
        self, graph: StreetGraph
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
        usable = ((graph.access & ACCESS_WALK) != 0) & ((graph.edge_flags & FLAG_STEPS) == 0)
        return np.full(graph.n_edges, self.speed_mps), usable

    def _penalty_s(self, graph: StreetGraph) -> npt.NDArray[np.int64] | None:
        flags = graph.edge_flags
        unknown = (flags & (FLAG_UNKNOWN_SURFACE | FLAG_KERB_UNKNOWN)) != 0
        bad = (flags & FLAG_BAD_SURFACE) != 0
        return np.where(
            bad, self.bad_surface_penalty_s, np.where(unknown, self.unknown_penalty_s, 0)
        ).astype(np.int64)


def profile_for_mode(mode: str, *, speed_mps: float | None = None) -> StreetProfile:
    """The default profile of a mode name (``walk``, ``bike``, ``car``, ``wheelchair``).

    Parameters
    ----------
    mode
        Mode name, case-insensitive.
    speed_mps
        Optional speed override (walk, bike, wheelchair), metres per second.
    """
    key = mode.lower()
    if key == "walk":
        return WalkProfile() if speed_mps is None else WalkProfile(speed_mps=speed_mps)
    if key == "bike":
        return BikeProfile() if speed_mps is None else BikeProfile(speed_mps=speed_mps)
    if key == "car":
        return CarProfile()
    if key == "wheelchair":
        return WheelchairProfile() if speed_mps is None else WheelchairProfile(speed_mps=speed_mps)
    raise InvalidRequestError(f"mode must be walk, bike, car or wheelchair, got {mode!r}")
