"""Dense internal ids.  Every kind ranges over ``0..n-1`` and has one ``INVALID`` sentinel."""

from typing import NewType

StopIdx = NewType("StopIdx", int)
RouteIdx = NewType("RouteIdx", int)
PatternIdx = NewType("PatternIdx", int)
TripIdx = NewType("TripIdx", int)
ServiceIdx = NewType("ServiceIdx", int)
NodeIdx = NewType("NodeIdx", int)
EdgeIdx = NewType("EdgeIdx", int)

#: Sentinel for "no such index" in every int32 id array.
INVALID: int = -1
