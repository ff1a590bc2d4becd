"""Probe inputs of one recorded day: line shapes from a GTFS zip, positions from AVL traces.

* :func:`load_line_shapes` reads the shapes and ordered stops of the trips of some lines
  (by ``route_short_name``, trimmed and upper-cased) from a GTFS zip; only ``routes.txt``,
  ``trips.txt``, ``shapes.txt``, ``stops.txt`` and ``stop_times.txt`` (``stop_sequence``, no
  times needed) are read, so the schedule-less Tranzy export of STPT works.
* :func:`replay_day` plays every ``*.csv.gz`` trace of a folder through
  :class:`~feeds.stpt_live.replay.AvlReplayer` at infinite speed and returns what a live
  consumer would have seen (deduplicated, in feed-time order).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from feeds.report import IngestReport
from feeds.stpt_live.replay import AvlReplayer, VirtualClock, read_avl_positions
from feeds.stpt_live.vehicles import StptVehicle
from routing.probes import LineShape, LocalPlane

F64 = npt.NDArray[np.float64]


@dataclass
class LineShapes:
    """Shapes of one line (one per GTFS trip direction) and their stops' ``(lat, lon)``."""

    route: str
    shapes: list[LineShape]
    shape_ids: list[str]
    stops: list[tuple[F64, F64]]


def _rows(z: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    if name not in z.namelist():
        return []
    return list(csv.DictReader(io.TextIOWrapper(z.open(name), "utf-8-sig")))


def feed_timezone(gtfs_zip: Path, default: str = "UTC") -> str:
    """``agency_timezone`` of the first agency of a GTFS zip (``default`` when absent)."""
    with zipfile.ZipFile(gtfs_zip) as z:
        for a in _rows(z, "agency.txt"):
            tz = (a.get("agency_timezone") or "").strip()
            if tz:
                return tz
    return default


def load_line_shapes(gtfs_zip: Path, routes: set[str], *,
                     plane: LocalPlane | None = None) -> dict[str, LineShapes]:
    """Shapes and ordered stops of the GTFS trips of ``routes`` (upper-case short names).

    Parameters
    ----------
    gtfs_zip : the GTFS feed.
    routes : line names to keep (``route_short_name`` trimmed, upper-cased).
    plane : local plane of the shapes (metres); default: centred on the feed's stops.

    Returns
    -------
    ``{line name: LineShapes}``; trips without shape points are skipped.
    """
    with zipfile.ZipFile(gtfs_zip) as z:
        rmap = {r["route_id"]: r.get("route_short_name", "").strip().upper()
                for r in _rows(z, "routes.txt")}
        trips = _rows(z, "trips.txt")
        pts: dict[str, list[tuple[int, float, float]]] = defaultdict(list)
        for r in _rows(z, "shapes.txt"):
            pts[r["shape_id"]].append((int(r["shape_pt_sequence"]), float(r["shape_pt_lat"]),
                                       float(r["shape_pt_lon"])))
        stops = {s["stop_id"]: (float(s["stop_lat"]), float(s["stop_lon"]))
                 for s in _rows(z, "stops.txt") if s.get("stop_lat") and s.get("stop_lon")}
        st: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for r in _rows(z, "stop_times.txt"):
            st[r["trip_id"]].append((int(r["stop_sequence"]), r["stop_id"]))
    if plane is None and stops:
        ll = np.array(list(stops.values()))
        plane = LocalPlane(float(np.median(ll[:, 0])), float(np.median(ll[:, 1])))
    out: dict[str, LineShapes] = {}
    for t in trips:
        name = rmap.get(t["route_id"], "")
        shape_id = t.get("shape_id", "")
        if name not in routes or not pts.get(shape_id):
            continue
        p = sorted(pts[shape_id])
        shape = LineShape.from_degrees([x[1] for x in p], [x[2] for x in p], plane)
        seq = [stops[s] for _, s in sorted(st[t["trip_id"]]) if s in stops]
        ls = out.setdefault(name, LineShapes(name, [], [], []))
        ls.shapes.append(shape)
        ls.shape_ids.append(shape_id)
        ls.stops.append((np.array([a for a, _ in seq]), np.array([b for _, b in seq])))
    return out


def replay_day(folder: Path, report: IngestReport, *, tick_s: float = 15.0) -> list[StptVehicle]:
    """Every position of the folder's ``*.csv.gz`` traces, as the replayed live feed gives them.

    Parameters
    ----------
    folder : folder of STPT AVL traces (``*.csv.gz``).
    report : collects unreadable rows (by reason).
    tick_s : replay tick, seconds of feed time.
    """
    pos: list[StptVehicle] = []
    for path in sorted(folder.glob("*.csv.gz")):
        pos.extend(read_avl_positions(path, report))
    seen: list[StptVehicle] = []
    for batch in AvlReplayer(pos, tick_s=tick_s, speed=float("inf"), clock=VirtualClock()):
        seen.extend(batch.positions)
    return seen


__all__ = ["LineShapes", "feed_timezone", "load_line_shapes", "replay_day"]
