"""Exceptions of the routing core; ``maas.errors`` alone maps them to HTTP responses."""


class RoutingError(Exception):
    """Base class of routing errors."""


class InvalidRequestError(RoutingError, ValueError):
    """A request is malformed; the message names the field and the value."""


class NoRouteError(RoutingError):
    """No itinerary exists under the request's rules."""


class UnknownPlaceError(InvalidRequestError):
    """A ``stop:ID`` or coordinate does not resolve to a place of the network."""


class SnapshotError(RoutingError):
    """A network snapshot is missing, corrupt, or fails its invariants."""
