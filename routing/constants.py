"""Constants shared by the routing core, each with why it has its value."""

import numpy as np

#: Label of an unreached stop or node, in seconds.  ``2**30`` (about 34 years) leaves room to
#: add any realistic leg duration without overflowing int32/int64 arithmetic in the kernels.
UNREACHED: int = 1 << 30

#: Seconds in a day; GTFS service days are shifted by this amount.
DAY_S: int = 86_400

#: Upper bound on RAPTOR rounds (one round per boarded vehicle).  Journeys in a city never need
#: more than 8 vehicles; the bound keeps label arrays small.
MAX_ROUNDS: int = 10

#: Default walking speed in metres per second (1.33 m/s = 4.8 km/h, the usual planner default).
WALK_SPEED_MPS: float = 1.33

#: Default cycling speed in metres per second (15 km/h).
BIKE_SPEED_MPS: float = 4.17

#: Straight-line walking fallback when a bundle has no streets: the crow-fly distance is
#: multiplied by this detour factor (a typical urban circuity).
CROW_FLY_DETOUR: float = 1.3

#: Default maximum footpath length between two stops, metres.
MAX_FOOTPATH_M: int = 500

#: Transfer kinds kept in the transfer arrays (values of GTFS transfer_type, plus our footpaths).
TRANSFER_RECOMMENDED: int = 0
TRANSFER_TIMED: int = 1
TRANSFER_MIN_TIME: int = 2
TRANSFER_FORBIDDEN: int = 3
#: A walking footpath between two different stops computed on the street graph (or crow-fly).
TRANSFER_FOOTPATH: int = 100

#: Wheelchair accessibility values (GTFS: 0 unknown, 1 accessible, 2 not accessible).
WHEELCHAIR_UNKNOWN: int = 0
WHEELCHAIR_YES: int = 1
WHEELCHAIR_NO: int = 2

#: Per-mode access bits of street edges.
ACCESS_WALK: int = 1
ACCESS_BIKE: int = 2
ACCESS_CAR: int = 4

INT32 = np.int32
