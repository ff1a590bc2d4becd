"""GBFS 2.x (2.2, 2.3) and 3.0: discovery, schema validation, normalised records, polling.

Entry points: :func:`load_gbfs_folder` (a bundle's ``gbfs/<system>/``), :class:`GbfsPoller`
(live HTTP with ttl and conditional GET) and :func:`build_snapshot` (decoded documents).
"""

from feeds.gbfs.discovery import (
    Discovery,
    FeedLink,
    ManifestEntry,
    latest_supported,
    parse_discovery,
    parse_manifest,
)
from feeds.gbfs.folder import load_gbfs_folder
from feeds.gbfs.model import (
    FileMeta,
    GbfsSnapshot,
    GeofencingRule,
    GeofencingZone,
    PricingPlan,
    PricingSegment,
    Station,
    StationStatus,
    SystemInformation,
    Vehicle,
    VehicleType,
)
from feeds.gbfs.parse import GbfsDocument, build_snapshot
from feeds.gbfs.poller import GbfsPoller
from feeds.gbfs.schema import GbfsSchemas

__all__ = [
    "Discovery",
    "FeedLink",
    "FileMeta",
    "GbfsDocument",
    "GbfsPoller",
    "GbfsSchemas",
    "GbfsSnapshot",
    "GeofencingRule",
    "GeofencingZone",
    "ManifestEntry",
    "PricingPlan",
    "PricingSegment",
    "Station",
    "StationStatus",
    "SystemInformation",
    "Vehicle",
    "VehicleType",
    "build_snapshot",
    "latest_supported",
    "load_gbfs_folder",
    "parse_discovery",
    "parse_manifest",
]
