"""OSM way tags -> per-direction mode access, free-flow car speed, bike factor and edge flags.

Rules (decisions written down here, tested in ``tests/feeds/osm/test_tags.py``):

* **Defaults by highway class** (:data:`HIGHWAY_CLASSES`): which of walk / bike / car may use
  the class, its default car speed (km/h) and its bike factor.  Classes not listed
  (``construction``, ``proposed``, ``raceway``, ``services``, ...) are not routable.
* **Access tags**, most general first: ``access`` < ``foot`` for walking; ``access`` <
  ``vehicle`` < ``bicycle`` for cycling; ``access`` < ``vehicle`` < ``motor_vehicle`` <
  ``motorcar`` for driving.  ``access`` may only *restrict* a class default (``access=yes`` on a
  footway does not admit cars); a mode-specific tag may also grant (``foot=yes`` on a motorway).
  Values in :data:`ALLOWED_VALUES` allow, values in :data:`DENIED_VALUES` deny, anything else
  leaves the previous level's answer.
* **One-way**: ``oneway=yes/1/true`` forward only, ``-1/reverse`` backward only,
  ``reversible/alternating`` closed to cars (the direction depends on the hour, which we do not
  know).  ``junction=roundabout/circular`` and ``highway=motorway`` imply ``oneway=yes`` for
  vehicles unless ``oneway=no``.  Bicycles follow the vehicle one-way unless ``oneway:bicycle=no``
  or ``cycleway[:left|:right|:both]=opposite*``; ``oneway:bicycle=yes/-1`` sets it explicitly.
  Walking is always two-way.  Footways, pedestrian streets, steps and corridors ignore ``oneway``
  for every mode (a cyclist there pushes, i.e. walks).
* **Car speed** from ``maxspeed`` (``"50"``, ``"50 mph"``, ``"10 knots"``, ``"RO:urban"``,
  ``"none"``, ``"walk"``, lists ``"50;30"`` take the lowest), else the class default.
* **Bike factor** (multiplies the cyclist's speed): pushing on footways / pedestrian streets
  (0.3) and steps (0.1) unless bicycles are designated there; x0.7 on a bad surface.
* **Flags**: ``FLAG_STEPS`` on steps; ``FLAG_UNKNOWN_SURFACE`` on path-like ways without
  ``surface``; ``FLAG_BAD_SURFACE`` for loose or rough surfaces / bad ``smoothness``;
  ``FLAG_KERB_UNKNOWN`` on crossings (``footway=crossing`` etc.) without any ``kerb*`` tag.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from routing.constants import ACCESS_BIKE, ACCESS_CAR, ACCESS_WALK
from routing.street_graph import (
    FLAG_BAD_SURFACE,
    FLAG_KERB_UNKNOWN,
    FLAG_STEPS,
    FLAG_UNKNOWN_SURFACE,
)

KMH_PER_MPS = 3.6
KMH_PER_MPH = 1.609344
KMH_PER_KNOT = 1.852
#: Car speed (km/h) assumed for ``maxspeed=walk`` (living streets in several countries).
WALK_MAXSPEED_KMH = 7.0


@dataclass(frozen=True)
class HighwayClass:
    """Defaults of one ``highway=*`` value."""

    walk: bool
    bike: bool
    car: bool
    car_kmh: float
    bike_factor: float
    path_like: bool = False
    """Paths where a missing ``surface`` matters for wheelchairs (``FLAG_UNKNOWN_SURFACE``)."""
    pushing: bool = False
    """Cyclists must push (walk) here unless bicycles are designated; ``oneway`` ignored."""


_H = HighwayClass
#: Routable highway classes and their defaults (car speeds in km/h, urban-leaning).
HIGHWAY_CLASSES: dict[str, HighwayClass] = {
    "motorway": _H(False, False, True, 110.0, 1.0),
    "motorway_link": _H(False, False, True, 60.0, 1.0),
    "trunk": _H(True, True, True, 90.0, 0.9),
    "trunk_link": _H(True, True, True, 50.0, 0.9),
    "primary": _H(True, True, True, 60.0, 0.9),
    "primary_link": _H(True, True, True, 40.0, 0.9),
    "secondary": _H(True, True, True, 50.0, 1.0),
    "secondary_link": _H(True, True, True, 40.0, 1.0),
    "tertiary": _H(True, True, True, 40.0, 1.0),
    "tertiary_link": _H(True, True, True, 30.0, 1.0),
    "unclassified": _H(True, True, True, 30.0, 1.0),
    "residential": _H(True, True, True, 30.0, 1.0),
    "living_street": _H(True, True, True, 10.0, 1.0),
    "service": _H(True, True, True, 15.0, 1.0),
    "road": _H(True, True, True, 30.0, 1.0),
    "track": _H(True, True, False, 15.0, 0.8, path_like=True),
    "cycleway": _H(True, True, False, 15.0, 1.0, path_like=True),
    "path": _H(True, True, False, 10.0, 0.8, path_like=True),
    "bridleway": _H(True, False, False, 10.0, 0.5, path_like=True),
    "footway": _H(True, True, False, 10.0, 0.3, path_like=True, pushing=True),
    "pedestrian": _H(True, True, False, 10.0, 0.3, path_like=True, pushing=True),
    "steps": _H(True, True, False, 5.0, 0.1, path_like=True, pushing=True),
    "corridor": _H(True, False, False, 5.0, 0.3, pushing=True),
    "platform": _H(True, False, False, 5.0, 0.3, pushing=True),
    "elevator": _H(True, False, False, 5.0, 0.3, pushing=True),
}

ALLOWED_VALUES = frozenset({
    "yes", "permissive", "designated", "destination", "customers", "delivery", "official",
    "discouraged", "dismount", "unknown",
})
DENIED_VALUES = frozenset({
    "no", "private", "agricultural", "forestry", "military", "permit", "restricted",
    "emergency", "use_sidepath", "delivery_only", "bus", "psv",
})
BAD_SURFACES = frozenset({
    "cobblestone", "unhewn_cobblestone", "sett", "gravel", "pebblestone", "unpaved", "dirt",
    "earth", "ground", "grass", "grass_paver", "sand", "mud", "rock", "rocks", "woodchips",
    "stepping_stones", "scoria", "shells",
})
BAD_SMOOTHNESS = frozenset({"bad", "very_bad", "horrible", "very_horrible", "impassable"})
#: ``maxspeed`` zone values (``CC:zone``) in km/h; any other country code uses the same numbers.
ZONE_KMH: dict[str, float] = {
    "urban": 50.0, "rural": 90.0, "trunk": 100.0, "motorway": 130.0,
    "living_street": 20.0, "pedestrian_zone": 7.0, "zone30": 30.0, "zone20": 20.0,
}
_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(km/h|kmh|kph|mph|knots)?\s*$")


@dataclass(frozen=True)
class WayAttributes:
    """What routing needs from one way's tags."""

    access_fwd: int
    """``ACCESS_*`` bits for travel along the way's node order."""
    access_bwd: int
    """``ACCESS_*`` bits against the node order."""
    car_speed_mps: float
    bike_factor: float
    flags: int


def _first(value: str | None) -> str | None:
    """First item of a ``;`` list, lower-cased and stripped (``None`` stays ``None``)."""
    if value is None:
        return None
    return value.split(";", 1)[0].strip().lower()


def _resolve(tags: Mapping[str, str], keys: tuple[str, ...], default: bool) -> bool:
    """Apply access keys from most general to most specific; ``access`` can only deny."""
    allowed = default
    for key in keys:
        value = _first(tags.get(key))
        if value is None:
            continue
        if value in DENIED_VALUES:
            allowed = False
        elif value in ALLOWED_VALUES and (key != "access" or default):
            allowed = True
    return allowed


def parse_maxspeed(value: str | None) -> float | None:
    """Parse an OSM ``maxspeed`` value into km/h.

    Returns ``None`` for a missing or unparseable value and for ``"none"`` (no limit: the caller
    uses the class default).  A ``;`` list yields its lowest limit.
    """
    if value is None:
        return None
    speeds: list[float] = []
    for raw in value.split(";"):
        item = raw.strip().lower()
        match = _NUMBER.match(item)
        if match:
            number = float(match.group(1))
            unit = match.group(2)
            if unit == "mph":
                number *= KMH_PER_MPH
            elif unit == "knots":
                number *= KMH_PER_KNOT
            if number > 0:
                speeds.append(number)
        elif item == "walk":
            speeds.append(WALK_MAXSPEED_KMH)
        elif ":" in item:
            zone = item.split(":", 1)[1]
            if zone in ZONE_KMH:
                speeds.append(ZONE_KMH[zone])
    return min(speeds) if speeds else None


def _oneway(value: str | None) -> int:
    """``1`` forward only, ``-1`` backward only, ``0`` two-way, ``2`` closed (reversible)."""
    v = _first(value)
    if v in {"yes", "1", "true"}:
        return 1
    if v in {"-1", "reverse"}:
        return -1
    if v in {"reversible", "alternating"}:
        return 2
    return 0


def _directions(bit: int, oneway: int) -> tuple[int, int]:
    """Forward / backward bits for one mode bit under a one-way code."""
    if oneway == 1:
        return bit, 0
    if oneway == -1:
        return 0, bit
    if oneway == 2:
        return 0, 0
    return bit, bit


def _bike_oneway(tags: Mapping[str, str], vehicle_oneway: int) -> int:
    """The one-way code for bicycles (contraflow exceptions of the vehicle one-way)."""
    explicit = _first(tags.get("oneway:bicycle"))
    if explicit == "no":
        return 0
    if explicit is not None and _oneway(explicit) != 0:
        return _oneway(explicit)
    for key in ("cycleway", "cycleway:left", "cycleway:right", "cycleway:both"):
        value = _first(tags.get(key))
        if value is not None and value.startswith("opposite"):
            return 0
    return 0 if vehicle_oneway == 2 else vehicle_oneway


def way_attributes(tags: Mapping[str, str]) -> WayAttributes | None:
    """Routing attributes of a way, or ``None`` if no mode may use it.

    Parameters
    ----------
    tags
        The way's OSM tags (``highway`` required; ``area=yes`` ways are not routable).
    """
    highway = _first(tags.get("highway"))
    if highway is None or highway not in HIGHWAY_CLASSES:
        return None
    if _first(tags.get("area")) == "yes":
        return None
    cls = HIGHWAY_CLASSES[highway]
    walk = _resolve(tags, ("access", "foot"), cls.walk)
    bike = _resolve(tags, ("access", "vehicle", "bicycle"), cls.bike)
    car = _resolve(tags, ("access", "vehicle", "motor_vehicle", "motorcar"), cls.car)
    if not (walk or bike or car):
        return None

    oneway = 0 if cls.pushing else _oneway(tags.get("oneway"))
    if not cls.pushing and _first(tags.get("oneway")) is None and (
        _first(tags.get("junction")) in {"roundabout", "circular"} or highway == "motorway"
    ):
        oneway = 1
    fwd, bwd = 0, 0
    if walk:
        fwd |= ACCESS_WALK
        bwd |= ACCESS_WALK
    if bike:
        f, b = _directions(ACCESS_BIKE, 0 if cls.pushing else _bike_oneway(tags, oneway))
        fwd, bwd = fwd | f, bwd | b
    if car:
        f, b = _directions(ACCESS_CAR, oneway)
        fwd, bwd = fwd | f, bwd | b
    if fwd == 0 and bwd == 0:
        return None

    kmh = parse_maxspeed(tags.get("maxspeed")) or cls.car_kmh

    flags = 0
    surface = _first(tags.get("surface"))
    if highway == "steps":
        flags |= FLAG_STEPS
    if surface is None and cls.path_like:
        flags |= FLAG_UNKNOWN_SURFACE
    bad = surface in BAD_SURFACES or _first(tags.get("smoothness")) in BAD_SMOOTHNESS
    if bad:
        flags |= FLAG_BAD_SURFACE
    crossing = any(_first(tags.get(k)) == "crossing" for k in ("footway", "cycleway", "path"))
    if crossing and not any(k == "kerb" or k.startswith("kerb:") for k in tags):
        flags |= FLAG_KERB_UNKNOWN

    bike_factor = cls.bike_factor
    bicycle = _first(tags.get("bicycle"))
    if cls.pushing and highway != "steps" and bicycle in {"yes", "designated", "permissive"}:
        bike_factor = 0.8
    if bicycle == "dismount":
        bike_factor = min(bike_factor, 0.3)
    if bad:
        bike_factor *= 0.7
    return WayAttributes(fwd, bwd, kmh / KMH_PER_MPS, bike_factor, flags)
