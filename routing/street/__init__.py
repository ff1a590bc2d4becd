"""Street search: travel profiles, Dijkstra / A* / bounded one-to-many over the CSR graph.

Build one :class:`~routing.street.search.StreetRouter` per street graph (it caches the compiled
profile costs, the reversed graph and the node kd-tree) and one
:class:`~routing.street.search.StreetSearchState` per worker; every query takes the state.
Costs are integer seconds per edge (see :mod:`routing.street.profiles`), or float metres for
distance searches.
"""

from routing.street.path import StreetPath
from routing.street.profiles import (
    BikeProfile,
    CarProfile,
    StreetProfile,
    WalkProfile,
    WheelchairProfile,
    profile_for_mode,
)
from routing.street.search import (
    Reached,
    StreetRouter,
    StreetSearchState,
    get_router,
    nearest_node,
    one_to_many,
    shortest_path,
    stops_within,
)

__all__ = [
    "BikeProfile",
    "CarProfile",
    "Reached",
    "StreetPath",
    "StreetProfile",
    "StreetRouter",
    "StreetSearchState",
    "WalkProfile",
    "WheelchairProfile",
    "get_router",
    "nearest_node",
    "one_to_many",
    "profile_for_mode",
    "shortest_path",
    "stops_within",
]
