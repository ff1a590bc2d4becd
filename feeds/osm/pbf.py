"""Read an OpenStreetMap extract (``.osm.pbf``, or ``.osm`` XML) into a street graph.

pyosmium streams the file once: node locations go into its in-memory location index, ways
tagged ``highway`` come to Python with their node coordinates (``FileProcessor.with_locations``
plus a ``highway`` key filter), everything else stays in C++.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np
import osmium
import osmium.filter

from feeds.errors import FeedError
from feeds.osm.graph_build import WayCollector, build_street_graph
from feeds.osm.tags import way_attributes
from feeds.report import IngestReport
from routing.street_graph import StreetGraph

log = logging.getLogger("feeds.osm")

BBox = tuple[float, float, float, float]


def _runs(valid: list[bool]) -> list[tuple[int, int]]:
    """Maximal ``[start, end)`` runs of ``True`` with at least two items."""
    runs: list[tuple[int, int]] = []
    start = -1
    for i, ok in enumerate([*valid, False]):
        if ok and start < 0:
            start = i
        elif not ok and start >= 0:
            if i - start >= 2:
                runs.append((start, i))
            start = -1
    return runs


def read_osm_pbf(
    path: Path, *, bbox: BBox | None = None, report: IngestReport | None = None
) -> tuple[StreetGraph, IngestReport]:
    """Build the walk/bike/car street graph of an OSM file.

    Parameters
    ----------
    path
        ``.osm.pbf`` (or ``.osm`` XML) file.
    bbox
        Optional ``(min_lon, min_lat, max_lon, max_lat)`` in degrees: only ways with at least one
        node inside are kept.
    report
        Report to add to; a new one (source ``osm:<file name>``) by default.

    Returns
    -------
    The street graph (see :mod:`feeds.osm.graph_build` for splitting and pruning) and the report.
    Skip reasons: ``area`` (``area=yes``), ``not_routable`` (no mode may use the way),
    ``unknown_node_ref`` (references to nodes absent from the file, counted per reference; the
    way is cut there), ``no_valid_nodes`` (fewer than two located nodes in a row),
    ``outside_bbox``, ``too_few_nodes``.

    Raises
    ------
    FeedError
        If the file cannot be read, holds no ``highway`` way, or no routable one.
    """
    path = Path(path)
    file = path.name
    report = report if report is not None else IngestReport(source=f"osm:{file}")
    if not path.is_file():
        raise FeedError("OSM file not found", file=str(path))
    started = time.perf_counter()
    ways = WayCollector()
    n_highways = 0
    processor = (
        osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
        .with_filter(osmium.filter.KeyFilter("highway"))
    )
    try:
        for way in processor:
            if not isinstance(way, osmium.osm.Way):  # the entity filter passes ways only
                continue
            n_highways += 1
            tags = {t.k: t.v for t in way.tags}
            if tags.get("area", "").lower() == "yes":
                report.skip(file, "area", value=way.id)
                continue
            attrs = way_attributes(tags)
            if attrs is None:
                report.skip(file, "not_routable", value=f"{way.id} highway={tags['highway']}")
                continue
            refs: list[int] = []
            lats: list[float] = []
            lons: list[float] = []
            valid: list[bool] = []
            for node in way.nodes:
                loc = node.location
                ok = loc.valid()
                refs.append(node.ref)
                lats.append(loc.lat if ok else 0.0)
                lons.append(loc.lon if ok else 0.0)
                valid.append(ok)
            missing = valid.count(False)
            if missing:
                report.skip(file, "unknown_node_ref", value=way.id, count=missing)
            runs = _runs(valid)
            if not runs:
                report.skip(file, "no_valid_nodes", value=way.id)
                continue
            if bbox is not None:
                la, lo = np.array(lats)[valid], np.array(lons)[valid]
                inside = (lo >= bbox[0]) & (la >= bbox[1]) & (lo <= bbox[2]) & (la <= bbox[3])
                if not inside.any():
                    report.skip(file, "outside_bbox", value=way.id)
                    continue
            for start, end in runs:
                ways.add(
                    way.id,
                    np.array(refs[start:end], dtype=np.int64),
                    np.array(lats[start:end], dtype=np.float64),
                    np.array(lons[start:end], dtype=np.float64),
                    attrs=attrs,
                    name=tags.get("name"),
                )
    except RuntimeError as exc:  # libosmium signals unreadable input this way
        raise FeedError(f"cannot read OSM data: {exc}", file=file) from exc
    report.read(file, n_highways)
    if n_highways == 0:
        raise FeedError("no highways", file=file)
    graph = build_street_graph(ways, report, file=file)
    report.info["build_s"] = round(time.perf_counter() - started, 3)
    log.info("%s: %d highway ways -> %d nodes, %d edges", file, n_highways, graph.n_nodes,
             graph.n_edges)
    return graph, report
