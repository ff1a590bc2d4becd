"""OCPI 2.2.1 Locations: records, file and paginated-endpoint readers, PUT/PATCH store."""

from feeds.ocpi.client import fetch_locations
from feeds.ocpi.model import (
    IN_SERVICE_STATUSES,
    USABLE_STATUSES,
    Connector,
    ConnectorFormat,
    ConnectorStandard,
    Evse,
    EvseStatus,
    Location,
    OpeningTimes,
    PowerType,
    RegularHours,
)
from feeds.ocpi.parse import (
    load_locations_file,
    parse_connector,
    parse_evse,
    parse_location,
    read_locations,
    unwrap_envelope,
)
from feeds.ocpi.store import LocationKey, LocationStore

__all__ = [
    "IN_SERVICE_STATUSES",
    "USABLE_STATUSES",
    "Connector",
    "ConnectorFormat",
    "ConnectorStandard",
    "Evse",
    "EvseStatus",
    "Location",
    "LocationKey",
    "LocationStore",
    "OpeningTimes",
    "PowerType",
    "RegularHours",
    "fetch_locations",
    "load_locations_file",
    "parse_connector",
    "parse_evse",
    "parse_location",
    "read_locations",
    "unwrap_envelope",
]
