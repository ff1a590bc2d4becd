"""Read GeoJSON road layers (OSM ways exported as LineStrings) into a street graph.

Each ``LineString`` / ``MultiLineString`` feature with a ``highway`` property is a way; its
properties are read as OSM tags (``highway``, ``maxspeed``, ``oneway``, ``name``, ``access``,
...).  The layers are not noded, so ways are **noded at shared coordinates**: two vertices with
the same position (rounded to 1e-7 degrees, OSM's precision) are one node, and a way is split
wherever one of its vertices is used by another way.  ``edge_way`` is the feature's ``osmId``
property when it is an integer, else the feature's position over all the files read.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np

from feeds.errors import FeedError
from feeds.osm.graph_build import WayCollector, build_street_graph
from feeds.osm.tags import way_attributes
from feeds.report import IngestReport
from routing.street_graph import StreetGraph

log = logging.getLogger("feeds.osm")

#: Coordinates are rounded to this many decimal degrees before noding (OSM stores 7).
COORD_DECIMALS = 7


def _tags(props: dict[str, Any]) -> dict[str, str]:
    """Scalar properties as OSM-style string tags (``None`` and nested values dropped)."""
    out: dict[str, str] = {}
    for key, value in props.items():
        if isinstance(value, bool):
            out[key] = "yes" if value else "no"
        elif isinstance(value, str | int | float):
            out[key] = str(value)
    return out


def _way_id(props: dict[str, Any], fallback: int) -> int:
    """The ``osmId`` property as an int, else ``fallback``."""
    value = props.get("osmId")
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return fallback


def _lines(geometry: Any) -> list[list[Any]] | None:
    """Coordinate lists of a LineString / MultiLineString, else ``None``."""
    if not isinstance(geometry, dict):
        return None
    kind, coords = geometry.get("type"), geometry.get("coordinates")
    if not isinstance(coords, list):
        return None
    if kind == "LineString":
        return [coords]
    if kind == "MultiLineString":
        return [c for c in coords if isinstance(c, list)]
    return None


def read_geojson_roads(
    paths: list[Path], *, report: IngestReport | None = None
) -> tuple[StreetGraph, IngestReport]:
    """Build a street graph from GeoJSON road layers, noded at shared coordinates.

    Parameters
    ----------
    paths
        GeoJSON FeatureCollection files; all are noded together.
    report
        Report to add to; a new one (source ``osm:geojson``) by default.

    Returns
    -------
    The street graph and the report.  Skip reasons (per feature): ``not_a_line``,
    ``no_highway``, ``area``, ``not_routable``, ``bad_coordinates``, ``too_few_nodes``.

    Raises
    ------
    FeedError
        When a file is missing or not a FeedCollection, or no routable road remains.
    """
    report = report if report is not None else IngestReport(source="osm:geojson")
    pending: list[tuple[int, np.ndarray, Any, str | None]] = []
    feature_no = 0
    for raw_path in paths:
        path = Path(raw_path)
        file = path.name
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise FeedError(f"cannot read GeoJSON: {exc}", file=file) from exc
        features = doc.get("features") if isinstance(doc, dict) else None
        if not isinstance(features, list):
            raise FeedError("not a GeoJSON FeatureCollection", file=file)
        report.read(file, len(features))
        for row, feature in enumerate(features):
            feature_no += 1
            props = feature.get("properties") if isinstance(feature, dict) else None
            props = props if isinstance(props, dict) else {}
            lines = _lines(feature.get("geometry") if isinstance(feature, dict) else None)
            if lines is None:
                report.skip(file, "not_a_line", row=row)
                continue
            tags = _tags(props)
            if "highway" not in tags:
                report.skip(file, "no_highway", row=row)
                continue
            if tags.get("area", "").lower() == "yes":
                report.skip(file, "area", row=row)
                continue
            attrs = way_attributes(tags)
            if attrs is None:
                report.skip(file, "not_routable", row=row, value=tags["highway"])
                continue
            way_id = _way_id(props, feature_no - 1)
            for coords in lines:
                try:
                    xy = np.asarray([(float(c[0]), float(c[1])) for c in coords], dtype=float)
                except (TypeError, ValueError, IndexError):
                    report.skip(file, "bad_coordinates", row=row)
                    continue
                ok = (xy.ndim == 2 and xy.shape[0] >= 2 and bool(np.isfinite(xy).all())
                      and bool((np.abs(xy[:, 0]) <= 180).all())
                      and bool((np.abs(xy[:, 1]) <= 90).all()))
                if not ok:
                    report.skip(file, "bad_coordinates", row=row)
                    continue
                pending.append((way_id, xy, attrs, tags.get("name")))
    if not pending:
        raise FeedError("no highways", file=", ".join(Path(p).name for p in paths))

    sizes = [xy.shape[0] for _, xy, _, _ in pending]
    all_xy = np.round(np.concatenate([xy for _, xy, _, _ in pending]), COORD_DECIMALS)
    _, key = np.unique(all_xy, axis=0, return_inverse=True)
    key = key.reshape(-1).astype(np.int64)
    ways = WayCollector()
    offset = 0
    for (way_id, _, attrs, name), size in zip(pending, sizes, strict=True):
        part = slice(offset, offset + size)
        ways.add(way_id, key[part], all_xy[part, 1].copy(), all_xy[part, 0].copy(),
                 attrs=attrs, name=name)
        offset += size
    graph = build_street_graph(ways, report, file="+".join(Path(p).name for p in paths))
    log.info("geojson roads: %d ways -> %d nodes, %d edges", len(ways), graph.n_nodes,
             graph.n_edges)
    return graph, report
