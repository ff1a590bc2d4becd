"""Payloads of the live store: JSON bytes, decoded once per version by the readers.

- GBFS feeds (``gbfs:<system>``): the system's documents ``{"version", "language",
  "documents": {file name: GBFS document}}``, decoded with the normal GBFS parser.
- OCPI (``ocpi:<name>``): compact charger records ``[{"key", "name", "lat", "lon",
  "address", "evses": [[uid, status, [connector standards], max power W]]}]``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from feeds.gbfs.model import GbfsSnapshot
from feeds.gbfs.parse import GbfsDocument, build_snapshot
from feeds.ocpi.model import Location
from feeds.report import IngestReport


def encode_gbfs(documents: Mapping[str, Mapping[str, Any]], *, version: str,
                language: str | None = None) -> bytes:
    """Payload of one GBFS system from its documents (file name -> decoded JSON)."""
    return json.dumps({"version": version, "language": language,
                       "documents": dict(documents)}, separators=(",", ":")).encode()


def decode_gbfs(payload: bytes) -> GbfsSnapshot:
    """:class:`GbfsSnapshot` of a :func:`encode_gbfs` payload."""
    obj = json.loads(payload)
    docs = {n: GbfsDocument(n, d, "live") for n, d in obj["documents"].items() if n != "gbfs"}
    snap, _ = build_snapshot(docs, version=str(obj["version"]), language=obj.get("language"),
                             report=IngestReport(source="live"))
    return snap


@dataclass(frozen=True)
class EvseRecord:
    """One EVSE: OCPI uid, status and the connector standards it offers."""

    uid: str
    status: str
    connectors: tuple[str, ...]
    max_power_w: int | None


@dataclass(frozen=True)
class ChargerRecord:
    """One OCPI Location reduced to what plans and ``/v1/charging/locations`` show."""

    key: tuple[str, str, str]
    name: str
    lat: float
    lon: float
    address: str | None
    evses: tuple[EvseRecord, ...]
    operator: str | None = None


def encode_ocpi(locations: Iterable[Location]) -> bytes:
    """Payload of OCPI Locations (REMOVED EVSEs dropped)."""
    out = []
    for loc in locations:
        evses = []
        for e in loc.evses:
            if e.status.value == "REMOVED":
                continue
            powers = [p for c in e.connectors if (p := c.power_w) is not None]
            evses.append([e.uid, e.status.value, [str(c.standard) for c in e.connectors],
                          max(powers) if powers else None])
        out.append({"key": list(loc.key), "name": loc.name or loc.location_id, "lat": loc.lat,
                    "lon": loc.lon, "address": loc.address, "operator": loc.operator,
                    "evses": evses})
    return json.dumps(out, separators=(",", ":")).encode()


def decode_ocpi(payload: bytes) -> list[ChargerRecord]:
    """Charger records of an :func:`encode_ocpi` payload."""
    return [ChargerRecord(
        key=(str(r["key"][0]), str(r["key"][1]), str(r["key"][2])), name=str(r["name"]),
        lat=float(r["lat"]), lon=float(r["lon"]), address=r.get("address"),
        operator=r.get("operator"),
        evses=tuple(EvseRecord(str(u), str(s), tuple(str(c) for c in cs),
                               None if p is None else int(p)) for u, s, cs, p in r["evses"]),
    ) for r in json.loads(payload)]
