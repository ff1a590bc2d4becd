"""Static shared-mobility and charging files derived from OpenStreetMap amenities.

* ``amenity=bicycle_rental`` nodes (optionally of one ``network``, e.g. VeloTM) become a GBFS 2.3
  system: ``gbfs.json``, ``system_information``, ``station_information``, ``vehicle_types``,
  ``system_pricing_plans``.  Live availability is not in OSM; a demo one is made at run time by
  :mod:`feeds.demo_live`.
* ``amenity=charging_station`` nodes become OCPI 2.2.1 Locations: one EVSE per ``capacity``
  (else one per tagged socket, else one), connectors from ``socket:<type>=<count>`` tags dealt
  round-robin over the EVSEs, every EVSE status ``UNKNOWN``.

Decisions: ids are ``osm-node-<id>``; ``last_updated`` is the newest OSM edit of the nodes used
(so the output only changes when the data does); nothing is invented: fields OSM does not give
(prices, voltages without tags) are left out.  The output is © OpenStreetMap contributors, ODbL
1.0; the attribution is written into ``system_information`` and a README next to the files.
"""

from __future__ import annotations

import json
import logging
import re
import tomllib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import osmium

from feeds.errors import MissingFileError
from feeds.report import IngestReport

log = logging.getLogger("feeds.osm_amenities")

ODBL_URL = "https://opendatacommons.org/licenses/odbl/1-0/"
OSM_COPYRIGHT_URL = "https://www.openstreetmap.org/copyright"
ATTRIBUTION = "© OpenStreetMap contributors, ODbL"
#: Seconds a static derived file stays current (it changes only with a new OSM extract).
STATIC_TTL_S = 86_400
MAX_EVSES_PER_LOCATION = 64

#: OSM ``socket:<key>`` -> (OCPI standard, format, power type).
SOCKETS: dict[str, tuple[str, str, str]] = {
    "type2": ("IEC_62196_T2", "SOCKET", "AC_3_PHASE"),
    "type2_cable": ("IEC_62196_T2", "CABLE", "AC_3_PHASE"),
    "type2_combo": ("IEC_62196_T2_COMBO", "CABLE", "DC"),
    "type1": ("IEC_62196_T1", "CABLE", "AC_1_PHASE"),
    "type1_combo": ("IEC_62196_T1_COMBO", "CABLE", "DC"),
    "chademo": ("CHADEMO", "CABLE", "DC"),
    "type3a": ("IEC_62196_T3A", "SOCKET", "AC_1_PHASE"),
    "type3c": ("IEC_62196_T3C", "SOCKET", "AC_3_PHASE"),
    "schuko": ("DOMESTIC_F", "SOCKET", "AC_1_PHASE"),
    "typee": ("DOMESTIC_E", "SOCKET", "AC_1_PHASE"),
    "cee_blue": ("IEC_60309_2_single_16", "SOCKET", "AC_1_PHASE"),
    "cee_red_16a": ("IEC_60309_2_three_16", "SOCKET", "AC_3_PHASE"),
    "cee_red_32a": ("IEC_60309_2_three_32", "SOCKET", "AC_3_PHASE"),
    "cee_red_63a": ("IEC_60309_2_three_64", "SOCKET", "AC_3_PHASE"),
    "cee_red_64a": ("IEC_60309_2_three_64", "SOCKET", "AC_3_PHASE"),
    "tesla_supercharger": ("TESLA_S", "CABLE", "DC"),
    "tesla_supercharger_ccs": ("IEC_62196_T2_COMBO", "CABLE", "DC"),
    "tesla_destination": ("IEC_62196_T2", "CABLE", "AC_3_PHASE"),
    "gb_ac": ("GBT_AC", "CABLE", "AC_3_PHASE"),
    "gb_dc": ("GBT_DC", "CABLE", "DC"),
}


@dataclass(frozen=True)
class OsmAmenityNode:
    """One tagged OSM node (degrees, Unix seconds of its last edit)."""

    node_id: int
    lat: float
    lon: float
    tags: dict[str, str]
    timestamp_s: int


def read_amenity_nodes(pbf: Path, amenities: Iterable[str]) -> dict[str, list[OsmAmenityNode]]:
    """Nodes of a ``.osm.pbf`` whose ``amenity`` is one of ``amenities``, by amenity, in file
    order."""
    wanted = set(amenities)
    out: dict[str, list[OsmAmenityNode]] = {a: [] for a in wanted}
    processor = osmium.FileProcessor(str(pbf), osmium.osm.NODE).with_filter(
        osmium.filter.KeyFilter("amenity"))
    for obj in processor:
        if not isinstance(obj, osmium.osm.Node):
            continue
        amenity = obj.tags.get("amenity")
        if amenity not in wanted or not obj.location.valid():
            continue
        out[amenity].append(OsmAmenityNode(
            node_id=int(obj.id),
            lat=float(obj.location.lat),
            lon=float(obj.location.lon),
            tags={t.k: t.v for t in obj.tags},
            timestamp_s=int(obj.timestamp.timestamp()),
        ))
    return out


def slug(text: str) -> str:
    """Lower-case ``[a-z0-9_]`` id made from a name (``"VeloTM"`` -> ``"velotm"``)."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "system"


def _int_tag(value: str | None) -> int | None:
    if value is None:
        return None
    m = re.fullmatch(r"\s*(\d+)\s*", value)
    return int(m.group(1)) if m else None


def _quantity(value: str | None, unit: str) -> float | None:
    """``"22 kW"``, ``"22"``, ``"400 V"`` -> number in ``unit`` (kW, V or A)."""
    if value is None:
        return None
    m = re.fullmatch(r"\s*(\d+(?:[.,]\d+)?)\s*([a-zA-Z]*)\s*", value.split(";")[0])
    if not m:
        return None
    number = float(m.group(1).replace(",", "."))
    given = m.group(2).lower()
    if unit == "kW" and given == "w":
        number /= 1000.0
    return number


def _address(tags: dict[str, str]) -> str | None:
    street, number = tags.get("addr:street"), tags.get("addr:housenumber")
    if street and number:
        return f"{street} {number}"
    return street or None


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def station_information_entries(nodes: Sequence[OsmAmenityNode], network: str | None
                                ) -> list[dict[str, Any]]:
    """GBFS 2.3 ``station_information`` station objects for bicycle-rental nodes."""
    stations = []
    for n in nodes:
        name = n.tags.get("name") or n.tags.get("ref") or f"{network or 'Station'} {n.node_id}"
        station: dict[str, Any] = {
            "station_id": f"osm-node-{n.node_id}",
            "name": name,
            "lat": round(n.lat, 7),
            "lon": round(n.lon, 7),
        }
        if (ref := n.tags.get("ref")) is not None:
            station["short_name"] = ref
        if (address := _address(n.tags)) is not None:
            station["address"] = address
        if (capacity := _int_tag(n.tags.get("capacity"))) is not None:
            station["capacity"] = capacity
        stations.append(station)
    return stations


def _connectors(tags: dict[str, str], stamp: str, report: IngestReport, node_id: int
                ) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for key, value in sorted(tags.items()):
        parts = key.split(":")
        if len(parts) != 2 or parts[0] != "socket":
            continue
        kind = parts[1]
        count = _int_tag(value) or (1 if value.strip().lower() == "yes" else 0)
        if kind not in SOCKETS:
            report.skip("charging_station", "unknown_socket_type", row=node_id, value=kind)
            continue
        standard, fmt, power = SOCKETS[kind]
        base: dict[str, Any] = {"standard": standard, "format": fmt, "power_type": power}
        if (kw := _quantity(tags.get(f"{key}:output"), "kW")) is not None:
            base["max_electric_power"] = round(kw * 1000)
        if (volts := _quantity(tags.get(f"{key}:voltage"), "V")) is not None:
            base["max_voltage"] = int(volts)
        if (amps := _quantity(tags.get(f"{key}:current"), "A")) is not None:
            base["max_amperage"] = int(amps)
        base["last_updated"] = stamp
        out.extend(dict(base) for _ in range(count))
    return out


def charging_location(node: OsmAmenityNode, *, country_code: str, party_id: str,
                      time_zone: str | None, report: IngestReport) -> dict[str, Any]:
    """An OCPI 2.2.1 Location object for one ``amenity=charging_station`` node."""
    tags = node.tags
    stamp = _iso(node.timestamp_s)
    location_id = f"osm-node-{node.node_id}"
    connectors = _connectors(tags, stamp, report, node.node_id)
    capacity = _int_tag(tags.get("capacity"))
    n_evse = capacity if capacity else (len(connectors) or 1)
    n_evse = max(1, min(n_evse, MAX_EVSES_PER_LOCATION))
    if not connectors:
        report.info["charging_stations_without_socket_tags"] = report.info.get(
            "charging_stations_without_socket_tags", 0) + 1
    evses: list[dict[str, Any]] = [
        {"uid": f"{location_id}-{i + 1}", "status": "UNKNOWN", "connectors": [],
         "physical_reference": str(i + 1), "last_updated": stamp}
        for i in range(n_evse)
    ]
    for j, connector in enumerate(connectors):
        target = evses[j % n_evse]["connectors"]
        target.append({"id": str(len(target) + 1), **connector})
    location: dict[str, Any] = {
        "country_code": country_code,
        "party_id": party_id,
        "id": location_id,
        "publish": True,
        "name": tags.get("name") or tags.get("brand") or tags.get("operator"),
        "address": _address(tags) or "",
        "city": tags.get("addr:city", ""),
        "coordinates": {"latitude": f"{node.lat:.7f}", "longitude": f"{node.lon:.7f}"},
        "evses": evses,
        "last_updated": stamp,
    }
    if location["name"] is None:
        del location["name"]
    if tags.get("operator"):
        location["operator"] = {"name": tags["operator"]}
    if time_zone:
        location["time_zone"] = time_zone
    if tags.get("opening_hours", "").strip() == "24/7":
        location["opening_times"] = {"twentyfourseven": True}
    return location


def _city_config(bundle: Path) -> dict[str, Any]:
    path = bundle / "city.toml"
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        return {}


def _write_json(path: Path, doc: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _gbfs_files(nodes: Sequence[OsmAmenityNode], *, system_id: str, network: str | None,
                language: str, timezone: str) -> dict[str, dict[str, Any]]:
    last_updated = max((n.timestamp_s for n in nodes), default=0)
    operators = Counter(n.tags["operator"] for n in nodes if n.tags.get("operator"))

    def envelope(data: dict[str, Any]) -> dict[str, Any]:
        return {"last_updated": last_updated, "ttl": STATIC_TTL_S, "version": "2.3",
                "data": data}

    plan_id = f"{system_id}_tariff_not_published"
    type_id = f"{system_id}_bicycle"
    system: dict[str, Any] = {
        "system_id": system_id,
        "language": language,
        "name": network or "Bicycle rental",
        "timezone": timezone,
        "license_url": ODBL_URL,
        "attribution_organization_name": "OpenStreetMap contributors",
        "attribution_url": OSM_COPYRIGHT_URL,
    }
    if operators:
        system["operator"] = operators.most_common(1)[0][0]
    names = ["system_information", "station_information", "vehicle_types",
             "system_pricing_plans"]
    return {
        "gbfs": envelope({language: {"feeds": [
            {"name": name, "url": f"{name}.json"} for name in ["gbfs", *names]]}}),
        "system_information": envelope(system),
        "station_information": envelope(
            {"stations": station_information_entries(nodes, network)}),
        "vehicle_types": envelope({"vehicle_types": [{
            "vehicle_type_id": type_id, "form_factor": "bicycle", "propulsion_type": "human",
            "name": "Bicycle", "return_constraint": "any_station",
            "default_pricing_plan_id": plan_id,
        }]}),
        "system_pricing_plans": envelope({"plans": [{
            "plan_id": plan_id,
            "name": "Tariff not published in the source data",
            "currency": "RON" if language == "ro" else "XXX",
            "price": 0.0,
            "is_taxable": False,
            "description": "Placeholder: OpenStreetMap does not carry this system's tariff. "
                           "A price of 0 here means unknown, not free.",
        }]}),
    }


def derive_city_live_files(
    pbf: Path,
    bundle: Path,
    *,
    bike_network: str | None = "VeloTM",
    country_code: str | None = None,
    timezone: str | None = None,
    language: str | None = None,
    party_id: str = "OSM",
) -> IngestReport:
    """Write a bundle's static GBFS system and OCPI Locations derived from an OSM extract.

    Writes ``bundle/gbfs/<slug(bike_network)>/{gbfs,system_information,station_information,
    vehicle_types,system_pricing_plans}.json`` (GBFS 2.3) and ``bundle/ocpi/locations.json``
    (OCPI 2.2.1, list of Locations), each folder with a README naming source and licence.
    Other files of the bundle are not touched.

    Parameters
    ----------
    bike_network
        Only ``amenity=bicycle_rental`` nodes with this ``network`` tag (None = all of them,
        written as system ``bikeshare``).
    country_code
        ISO 3166-1 alpha-2 code of the CPO; default: the most common ``addr:country`` of the
        chargers, else ``country_code`` of ``city.toml``, else ``ZZ`` (unknown).
    timezone, language
        Default: ``timezone`` / ``language`` of ``bundle/city.toml``, else ``UTC`` / ``und``.
    """
    if not pbf.is_file():
        raise MissingFileError(f"OSM extract not found: {pbf}")
    report = IngestReport(source=f"osm_amenities:{pbf.name}")
    city = _city_config(bundle)
    if timezone is None:
        timezone = str(city.get("timezone") or "UTC")
        if not city.get("timezone"):
            report.warn("no timezone given nor in city.toml: wrote UTC")
    language = language or str(city.get("language") or "und")
    nodes = read_amenity_nodes(pbf, ("bicycle_rental", "charging_station"))
    rentals = nodes["bicycle_rental"]
    report.read("bicycle_rental", len(rentals))
    if bike_network is not None:
        other = [n for n in rentals if n.tags.get("network") != bike_network]
        if other:
            report.skip("bicycle_rental", f"network_not_{bike_network}", count=len(other),
                        value=other[0].tags.get("network"))
        rentals = [n for n in rentals if n.tags.get("network") == bike_network]
    system_id = slug(bike_network) if bike_network else "bikeshare"
    if rentals:
        gbfs_dir = bundle / "gbfs" / system_id
        for name, doc in _gbfs_files(rentals, system_id=system_id, network=bike_network,
                                     language=language, timezone=timezone).items():
            _write_json(gbfs_dir / f"{name}.json", doc)
        (gbfs_dir / "README.md").write_text(_README_GBFS.format(
            network=bike_network or "all bicycle_rental", n=len(rentals), pbf=pbf.name),
            encoding="utf-8")
    else:
        report.warn(f"no bicycle_rental node of network {bike_network!r}: no GBFS written")

    chargers = nodes["charging_station"]
    report.read("charging_station", len(chargers))
    if country_code is None:
        countries = Counter(n.tags["addr:country"].upper() for n in chargers
                            if len(n.tags.get("addr:country", "")) == 2)
        country_code = (countries.most_common(1)[0][0] if countries
                        else str(city.get("country_code") or "ZZ"))
    locations = [charging_location(n, country_code=country_code, party_id=party_id,
                                   time_zone=timezone, report=report) for n in chargers]
    if locations:
        _write_json(bundle / "ocpi" / "locations.json", locations)
        (bundle / "ocpi" / "README.md").write_text(
            _README_OCPI.format(n=len(locations), pbf=pbf.name), encoding="utf-8")
    report.info["derived"] = {
        "gbfs_system": system_id if rentals else None,
        "stations": len(rentals),
        "locations": len(locations),
        "evses": sum(len(loc["evses"]) for loc in locations),
        "connectors": sum(len(e["connectors"]) for loc in locations for e in loc["evses"]),
    }
    log.info("derived from %s: %s", pbf.name, report.info["derived"])
    return report


_README_GBFS = """# Bike-share stations derived from OpenStreetMap

GBFS 2.3 static files for the {network} network: {n} stations from the `amenity=bicycle_rental`
nodes of `{pbf}`, written by `feeds.osm_amenities.derive_city_live_files`.

Data {attribution} ({odbl}). Station availability is not published in open data: any live
status shown for these stations is DEMO data generated at run time (`feeds.demo_live`).
The pricing plan is a placeholder (price 0 = unknown tariff, not free).
""".replace("{attribution}", ATTRIBUTION).replace("{odbl}", ODBL_URL)

_README_OCPI = """# EV charging locations derived from OpenStreetMap

OCPI 2.2.1 Locations: {n} `amenity=charging_station` nodes of `{pbf}`, written by
`feeds.osm_amenities.derive_city_live_files`. One EVSE per `capacity`; connectors from
`socket:*` tags only (many nodes have none, so their EVSEs list no connector); every status is
UNKNOWN (live status is DEMO data generated at run time by `feeds.demo_live`).

Data {attribution} ({odbl}).
""".replace("{attribution}", ATTRIBUTION).replace("{odbl}", ODBL_URL)
