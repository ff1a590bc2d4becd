"""Municipal road closures: a GeoJSON of closed road segments (+ the notices they come from).

``closures-active.geojson`` holds one LineString feature per closed road segment with
``id``, ``kind`` (``closure``), ``roadName``, ``noticeTitle``, ``noticeUrl``, ``status`` and
the validity window ``windowStart``/``windowEnd`` (ISO-8601, UTC).  The notices file
(``closures_*.json``: ``collectedAt`` and ``records`` with ``title``, ``url``, ``roads``) is
optional and only adds the collection time and notice count.  The data is read at run time
from wherever the deployment keeps it; it is never copied into the repository.
Features that are not usable (no LineString, bad window) are counted and skipped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from feeds.errors import FeedError
from feeds.report import IngestReport

FILE = "closures"


@dataclass(frozen=True)
class RoadClosure:
    """One closed road segment.

    Attributes
    ----------
    closure_id : the feature id.
    road_name, title, url : road and notice, as published.
    lat, lon : vertices of the closed segment, degrees.
    start_s, end_s : validity window, Unix seconds (None = open-ended).
    """

    closure_id: str
    road_name: str
    title: str
    url: str
    lat: tuple[float, ...]
    lon: tuple[float, ...]
    start_s: float | None
    end_s: float | None

    def active_at(self, t_s: float) -> bool:
        """Whether the closure applies at Unix time ``t_s``."""
        return (self.start_s is None or self.start_s <= t_s) and (
            self.end_s is None or t_s < self.end_s)


@dataclass(frozen=True)
class ClosureSet:
    """Closures read from one source, with the notices' collection time (Unix s, or None)."""

    closures: tuple[RoadClosure, ...]
    collected_at_s: float | None
    notices: int

    def active_at(self, t_s: float) -> list[RoadClosure]:
        """Closures in force at ``t_s``."""
        return [c for c in self.closures if c.active_at(t_s)]


def _iso(v: Any) -> float | str | None:
    if v in (None, ""):
        return None
    try:
        return datetime.fromisoformat(str(v).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return "bad"


def parse_closures_geojson(data: bytes | str, report: IngestReport, *,
                           file: str = FILE) -> list[RoadClosure]:
    """Parse the closures GeoJSON; raise :class:`FeedError` when it is no FeatureCollection."""
    try:
        doc = json.loads(data)
    except json.JSONDecodeError as exc:
        raise FeedError(f"not JSON: {exc}", file=file) from exc
    feats = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(feats, list):
        raise FeedError("not a GeoJSON FeatureCollection", file=file)
    report.read(file, len(feats))
    out: list[RoadClosure] = []
    for i, f in enumerate(feats):
        geom = f.get("geometry") if isinstance(f, dict) else None
        props = (f.get("properties") or {}) if isinstance(f, dict) else {}
        if not isinstance(geom, dict) or geom.get("type") != "LineString":
            report.skip(file, "not_a_linestring", row=i)
            continue
        coords = geom.get("coordinates") or []
        try:
            pts = [(float(c[1]), float(c[0])) for c in coords]
        except (TypeError, ValueError, IndexError):
            report.skip(file, "bad_coordinates", row=i)
            continue
        if len(pts) < 2:
            report.skip(file, "bad_coordinates", row=i)
            continue
        start, end = _iso(props.get("windowStart")), _iso(props.get("windowEnd"))
        if start == "bad" or end == "bad":
            report.skip(file, "bad_window", row=i, value=props.get("id"))
            continue
        if str(props.get("status", "active")) not in {"active", ""}:
            report.skip(file, "not_active", row=i, value=props.get("status"))
            continue
        out.append(RoadClosure(
            closure_id=str(props.get("id") or f"closure-{i}"),
            road_name=str(props.get("roadName") or ""),
            title=str(props.get("noticeTitle") or props.get("label") or ""),
            url=str(props.get("noticeUrl") or ""),
            lat=tuple(p[0] for p in pts), lon=tuple(p[1] for p in pts),
            start_s=start if isinstance(start, float) else None,
            end_s=end if isinstance(end, float) else None,
        ))
    return out


def read_closures(geojson: Path, report: IngestReport, *,
                  notices: Path | None = None) -> ClosureSet:
    """Read a closures GeoJSON (and optionally its notices JSON) into a :class:`ClosureSet`."""
    p = Path(geojson)
    closures = parse_closures_geojson(p.read_bytes(), report, file=p.name)
    collected: float | None = None
    n_notices = 0
    if notices is not None and Path(notices).exists():
        try:
            doc = json.loads(Path(notices).read_bytes())
        except json.JSONDecodeError as exc:
            raise FeedError(f"not JSON: {exc}", file=Path(notices).name) from exc
        if isinstance(doc, dict):
            c = _iso(doc.get("collectedAt"))
            collected = c if isinstance(c, float) else None
            n_notices = len(doc.get("records") or [])
    report.info["closures"] = len(closures)
    report.info["notices"] = n_notices
    return ClosureSet(tuple(closures), collected, n_notices)


__all__ = ["ClosureSet", "RoadClosure", "parse_closures_geojson", "read_closures"]
