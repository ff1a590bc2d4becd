"""Multimodal journey planning: access/egress street searches + transit search + direct options.

``Planner(network)`` is built once per network and shared; each worker thread gets its own
search states (allocated once, reset per query).  :meth:`Planner.plan` is the pure function
``plan(network, live, request) -> list[Itinerary]`` of the architecture.
"""

from routing.planner.itinerary import Itinerary, PlanLeg
from routing.planner.planner import Planner
from routing.planner.request import Mode, Place, PlanRequest

__all__ = ["Itinerary", "Mode", "Place", "PlanLeg", "PlanRequest", "Planner"]
