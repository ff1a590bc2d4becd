"""Read the Tranzy export of the STPT network (a GTFS zip without times) and clean route names.

The export is read with the csv module, not gtfs-kit: it lacks the columns gtfs-kit requires
(``service_id``, ``arrival_time``), and only six small tables are needed.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from feeds.errors import FeedError, MissingFileError
from feeds.report import IngestReport

#: GTFS route_type values of the export and the mode they stand for.
MODE_BY_ROUTE_TYPE: dict[int, str] = {0: "tram", 3: "bus", 11: "trolleybus"}


@dataclass(frozen=True)
class StptStop:
    """A stop of the export (stop_id is the STPT numeric id, as text)."""

    stop_id: str
    name: str
    lat: float
    lon: float
    code: str


@dataclass(frozen=True)
class StptRoute:
    """A route of the export; ``short_name`` is the raw published value (maybe messy)."""

    route_id: str
    agency_id: str
    short_name: str
    long_name: str
    route_type: int
    color: str
    desc: str

    @property
    def mode(self) -> str:
        """Mode name (tram, trolleybus, bus) from the GTFS route_type; unknown types are bus."""
        return MODE_BY_ROUTE_TYPE.get(self.route_type, "bus")


@dataclass(frozen=True)
class StptTrip:
    """One direction of a route: the export has exactly one trip per route direction."""

    trip_id: str
    route_id: str
    direction_id: int
    headsign: str
    shape_id: str
    stop_ids: tuple[str, ...]


@dataclass(frozen=True)
class StptShape:
    """A shape polyline in WGS84 degrees, in shape_pt_sequence order."""

    shape_id: str
    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]


@dataclass(frozen=True)
class StptNetwork:
    """The export: agency, stops, routes, trips (with their stop sequences) and shapes."""

    agency: dict[str, str]
    stops: dict[str, StptStop]
    routes: dict[str, StptRoute]
    trips: dict[str, StptTrip]
    shapes: dict[str, StptShape]
    export_name: str


def _rows(zf: zipfile.ZipFile, name: str, report: IngestReport) -> Iterator[dict[str, str]]:
    if name not in zf.namelist():
        raise MissingFileError("required file absent from the Tranzy export", file=name)
    text = zf.read(name).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    report.read(name, len(rows))
    yield from rows


def _route_sort_key(route_id: str) -> tuple[int, str]:
    return (int(route_id), route_id) if route_id.isdigit() else (1 << 30, route_id)


def read_tranzy_export(zip_path: Path, report: IngestReport) -> StptNetwork:
    """Read the Tranzy STPT export.

    Parameters
    ----------
    zip_path
        The export zip (agency, stops, routes, trips, stop_times, shapes; no times).
    report
        Receives rows read and rows skipped (bad coordinates, unknown references).

    Returns
    -------
    StptNetwork
        Routes with at least one trip of two or more stops; trips without a usable shape are
        skipped and counted.
    """
    try:
        zf = zipfile.ZipFile(zip_path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise FeedError(f"cannot open the Tranzy export: {exc}", file=str(zip_path.name)) from exc
    with zf:
        agency_rows = list(_rows(zf, "agency.txt", report))
        if not agency_rows:
            raise FeedError("no agency", file="agency.txt")
        stops: dict[str, StptStop] = {}
        for i, r in enumerate(_rows(zf, "stops.txt", report), start=2):
            try:
                lat, lon = float(r["stop_lat"]), float(r["stop_lon"])
            except (KeyError, ValueError):
                report.skip("stops.txt", "bad_coordinates", row=i, value=r.get("stop_id", ""))
                continue
            if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
                report.skip("stops.txt", "bad_coordinates", row=i, value=r["stop_id"])
                continue
            sid = r["stop_id"].strip()
            stops[sid] = StptStop(sid, " ".join(r.get("stop_name", "").split()), lat, lon,
                                  r.get("stop_code", "").strip())
        routes: dict[str, StptRoute] = {}
        for i, r in enumerate(_rows(zf, "routes.txt", report), start=2):
            try:
                rtype = int(r["route_type"])
            except (KeyError, ValueError):
                report.skip("routes.txt", "bad_route_type", row=i, value=r.get("route_type"))
                continue
            rid = r["route_id"].strip()
            routes[rid] = StptRoute(rid, r.get("agency_id", "").strip(), r["route_short_name"],
                                    r.get("route_long_name", "").strip(), rtype,
                                    r.get("route_color", "").strip(),
                                    r.get("route_desc", "").strip())
        seqs: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for i, r in enumerate(_rows(zf, "stop_times.txt", report), start=2):
            if r["stop_id"].strip() not in stops:
                report.skip("stop_times.txt", "stop_not_found", row=i, value=r["stop_id"])
                continue
            seqs[r["trip_id"].strip()].append((int(r["stop_sequence"]), r["stop_id"].strip()))
        shape_pts: dict[str, list[tuple[int, float, float]]] = defaultdict(list)
        for r in _rows(zf, "shapes.txt", report):
            shape_pts[r["shape_id"].strip()].append(
                (int(r["shape_pt_sequence"]), float(r["shape_pt_lat"]), float(r["shape_pt_lon"])))
        shapes = {}
        for sid, pts in shape_pts.items():
            pts.sort()
            arr = np.array([(p[1], p[2]) for p in pts], dtype=np.float64)
            shapes[sid] = StptShape(sid, arr[:, 0].copy(), arr[:, 1].copy())
        trips: dict[str, StptTrip] = {}
        for i, r in enumerate(_rows(zf, "trips.txt", report), start=2):
            tid = r["trip_id"].strip()
            if r["route_id"].strip() not in routes:
                report.skip("trips.txt", "route_not_found", row=i, value=r["route_id"])
                continue
            stop_ids = tuple(s for _, s in sorted(seqs.get(tid, [])))
            if len(stop_ids) < 2:
                report.skip("trips.txt", "fewer_than_two_stops", row=i, value=tid)
                continue
            shape_id = r.get("shape_id", "").strip()
            if shape_id not in shapes or len(shapes[shape_id].lat) < 2:
                report.skip("trips.txt", "shape_not_found", row=i, value=shape_id)
                continue
            trips[tid] = StptTrip(tid, r["route_id"].strip(), int(r.get("direction_id") or 0),
                                  " ".join(r.get("trip_headsign", "").split()), shape_id,
                                  stop_ids)
    used_routes = {t.route_id for t in trips.values()}
    for rid in sorted(set(routes) - used_routes, key=_route_sort_key):
        report.skip("routes.txt", "route_without_trips", value=rid)
        del routes[rid]
    return StptNetwork(agency_rows[0], stops, routes, trips, shapes, zip_path.name)


@dataclass(frozen=True)
class NameChange:
    """One change made to a route_short_name, for the report."""

    route_id: str
    raw: str
    clean: str
    reason: str

    def message(self) -> str:
        """One-line description for IngestReport warnings."""
        return f"route {self.route_id}: short name {self.raw!r} -> {self.clean!r} ({self.reason})"


def clean_route_names(names: Iterable[tuple[str, str]]) -> tuple[dict[str, str], list[NameChange]]:
    """Clean published route_short_names so that every route has a unique, tidy name.

    Rules, applied in order:

    1. surrounding white space is removed (``"M37 "`` -> ``"M37"``);
    2. names equal except for letter case are written in upper case (``"e4"`` and ``"E4"`` are
       the same public line); a name with no case-only twin keeps the operator's spelling
       (``6a``, ``33b`` are how STPT writes its variant lines);
    3. names still shared by several routes (branches such as ``M22`` x4) are disambiguated:
       the route with the smallest numeric route_id keeps the name, the others get ``/2``,
       ``/3``... in route_id order (``M22``, ``M22/2``, ``M22/3``, ``M22/4``).
       The route_long_name, which names the branch, is left untouched.

    Parameters
    ----------
    names
        ``(route_id, raw route_short_name)`` pairs.

    Returns
    -------
    clean, changes
        Clean name per route_id and every change made, with its reason.
    """
    pairs = sorted(names, key=lambda p: _route_sort_key(p[0]))
    changes: list[NameChange] = []
    stripped = {rid: raw.strip() for rid, raw in pairs}
    for rid, raw in pairs:
        if stripped[rid] != raw:
            changes.append(NameChange(rid, raw, stripped[rid], "surrounding white space"))
    spellings: dict[str, set[str]] = defaultdict(set)
    for name in stripped.values():
        spellings[name.upper()].add(name)
    cased: dict[str, str] = {}
    for rid, _ in pairs:
        name = stripped[rid]
        if len(spellings[name.upper()]) > 1 and name != name.upper():
            changes.append(NameChange(rid, name, name.upper(), "case-only duplicate"))
            name = name.upper()
        cased[rid] = name
    by_name: dict[str, list[str]] = defaultdict(list)
    for rid, _ in pairs:
        by_name[cased[rid]].append(rid)
    clean = dict(cased)
    for name, rids in by_name.items():
        for k, rid in enumerate(rids[1:], start=2):
            clean[rid] = f"{name}/{k}"
            changes.append(NameChange(rid, name, clean[rid],
                                      f"duplicate of route {rids[0]} ({len(rids)} routes)"))
    return clean, changes


def read_lines_config(path: Path) -> dict[str, str]:
    """STPT ``lines-config.json``: line name -> STPT category (tramvai, troleibuz, autobuz).

    Used only to cross-check the export at estimation time (the file itself has no licence and
    is never shipped).  A missing file gives an empty mapping.
    """
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        return {}
    return {str(k).strip(): str(v.get("category", "")) for k, v in data.items()
            if isinstance(v, dict)}
