"""STPT (Timisoara) live vehicles: the live.stpt.ro JSON adapter and an AVL trace replayer.

* :mod:`feeds.stpt_live.vehicles` — JSON snapshot -> :class:`StptVehicle` (SI units, Unix s).
* :mod:`feeds.stpt_live.replay` — recorded AVL traces played back as a live feed.
"""

from feeds.stpt_live.replay import (
    AvlReplayer,
    PositionBatch,
    VirtualClock,
    WallClock,
    read_avl_positions,
)
from feeds.stpt_live.vehicles import StptVehicle, parse_vehicles_json, read_vehicles_json

__all__ = [
    "AvlReplayer", "PositionBatch", "StptVehicle", "VirtualClock", "WallClock",
    "parse_vehicles_json", "read_avl_positions", "read_vehicles_json",
]
