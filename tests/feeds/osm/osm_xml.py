"""Write tiny OSM XML files for tests (pyosmium reads ``.osm`` XML like ``.osm.pbf``).

Nodes are placed on a grid of ``STEP_DEG`` degrees around central Timisoara so that positions can
be given as small integer ``(row, col)`` pairs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from xml.sax.saxutils import quoteattr

ORIGIN_LAT = 45.75
ORIGIN_LON = 21.22
#: Grid step, degrees (about 111 m north-south and 78 m east-west).
STEP_DEG = 0.001

Way = tuple[int, Sequence[int], Mapping[str, str]]


def grid_lat_lon(row: float, col: float) -> tuple[float, float]:
    """Coordinates of grid position ``(row, col)``."""
    return ORIGIN_LAT + row * STEP_DEG, ORIGIN_LON + col * STEP_DEG


def write_osm(path: Path, nodes: Mapping[int, tuple[float, float]], ways: Sequence[Way]) -> Path:
    """Write an OSM XML file: ``nodes`` id -> grid ``(row, col)``, ``ways`` (id, refs, tags)."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="tests">']
    for node_id, (row, col) in sorted(nodes.items()):
        lat, lon = grid_lat_lon(row, col)
        lines.append(f'  <node id="{node_id}" version="1" lat="{lat:.7f}" lon="{lon:.7f}"/>')
    for way_id, refs, tags in ways:
        lines.append(f'  <way id="{way_id}" version="1">')
        lines.extend(f'    <nd ref="{r}"/>' for r in refs)
        lines.extend(f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items())
        lines.append("  </way>")
    lines.append("</osm>")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
