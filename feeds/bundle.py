"""City bundles: ``city.toml`` + ``gtfs/*.zip`` + ``osm/*.osm.pbf`` (+ optional live-feed files).

:func:`build_network` compiles a bundle into a :class:`routing.network.Network`;
:func:`build_snapshot` also saves it as the current snapshot, cached by the content hash of the
bundle's inputs so an unchanged bundle is never rebuilt.  A failed build raises and leaves the
previous snapshot current.
"""

from __future__ import annotations

import hashlib
import json
import logging
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from feeds.errors import BundleError, FeedError
from feeds.report import IngestReport
from routing.constants import MAX_FOOTPATH_M, WALK_SPEED_MPS
from routing.network import Network, NetworkMeta
from routing.snapshot import current_version, load_snapshot, save_snapshot

log = logging.getLogger("feeds.bundle")

#: Bumped whenever the compiled layout or build rules change, so cached snapshots are rebuilt.
BUILD_RULES_VERSION = "1"

Progress = Callable[[str], None]


@dataclass(frozen=True)
class CityConfig:
    """The parsed ``city.toml`` of a bundle."""

    name: str
    timezone: str | None
    bbox: tuple[float, float, float, float] | None
    """(min_lon, min_lat, max_lon, max_lat), degrees; None = derived from the stops."""
    gtfs_sources: list[str]
    osm_sources: list[str]
    max_footpath_m: int = MAX_FOOTPATH_M
    walk_speed_mps: float = WALK_SPEED_MPS
    raw: dict[str, Any] = field(default_factory=dict)


def read_city_config(bundle: Path) -> CityConfig:
    """Parse ``bundle/city.toml``; without one, defaults are derived from the folder."""
    if not bundle.is_dir():
        raise BundleError(f"bundle folder not found: {bundle}")
    path = bundle / "city.toml"
    raw: dict[str, Any] = {}
    if path.exists():
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise BundleError(f"invalid TOML ({exc})", file="city.toml") from exc
    gtfs_cfg = raw.get("gtfs", {}) if isinstance(raw.get("gtfs"), dict) else {}
    osm_cfg = raw.get("osm", {}) if isinstance(raw.get("osm"), dict) else {}
    routing_cfg = raw.get("routing", {}) if isinstance(raw.get("routing"), dict) else {}
    gtfs_sources = list(gtfs_cfg.get("sources") or [])
    if not gtfs_sources:
        gtfs_sources = sorted(
            str(p.relative_to(bundle)) for p in (bundle / "gtfs").glob("*")
            if p.suffix == ".zip" or p.is_dir()
        ) if (bundle / "gtfs").is_dir() else []
    osm_sources = list(osm_cfg.get("sources") or [])
    if not osm_sources and (bundle / "osm").is_dir():
        osm_sources = sorted(str(p.relative_to(bundle)) for p in (bundle / "osm").glob("*.osm.pbf"))
        if not osm_sources:  # GeoJSON road layers (noded at shared coordinates) as a fallback
            osm_sources = sorted(
                str(p.relative_to(bundle)) for p in (bundle / "osm").glob("*.geojson")
            )
    bbox = raw.get("bbox")
    if bbox is not None and (not isinstance(bbox, list) or len(bbox) != 4):
        raise BundleError("bbox must be [min_lon, min_lat, max_lon, max_lat]", file="city.toml")
    for s in gtfs_sources:
        if "://" in s:
            raise BundleError(
                f"gtfs source {s!r} is a URL: download it into the bundle first", file="city.toml"
            )
    return CityConfig(
        name=str(raw.get("name") or bundle.resolve().name),
        timezone=raw.get("timezone"),
        bbox=tuple(float(v) for v in bbox) if bbox else None,  # type: ignore[arg-type]
        gtfs_sources=gtfs_sources,
        osm_sources=osm_sources,
        max_footpath_m=int(routing_cfg.get("max_footpath_m", MAX_FOOTPATH_M)),
        walk_speed_mps=float(routing_cfg.get("walk_speed_mps", WALK_SPEED_MPS)),
        raw=raw,
    )


def input_hash(bundle: Path, config: CityConfig) -> str:
    """Hash of everything a build reads (file bytes, city.toml, build rules); 16 hex chars."""
    h = hashlib.sha256(BUILD_RULES_VERSION.encode())
    files = [*config.gtfs_sources, *config.osm_sources]
    if (bundle / "city.toml").exists():
        files.append("city.toml")
    for rel in sorted(files):
        p = bundle / rel
        h.update(rel.encode())
        paths = sorted(x for x in p.rglob("*") if x.is_file()) if p.is_dir() else [p]
        for x in paths:
            with x.open("rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    h.update(chunk)
    return h.hexdigest()[:16]


def build_network(
    bundle: Path, *, progress: Progress | None = None
) -> tuple[Network, list[IngestReport]]:
    """Compile a bundle into a checked :class:`Network` (raises :class:`FeedError` if unusable)."""
    from feeds.gtfs import compile_timetable, merge_feeds, read_gtfs
    from feeds.osm import read_osm_pbf
    from routing.footpaths import compute_footpaths, with_footpaths
    from routing.street.snapping import link_stops

    step = progress or (lambda _msg: None)
    config = read_city_config(bundle)
    if not config.gtfs_sources:
        raise BundleError("no GTFS feed (expected gtfs/*.zip or [gtfs] sources in city.toml)",
                          file=str(bundle))
    reports: list[IngestReport] = []
    feeds = []
    multi = len(config.gtfs_sources) > 1
    for rel in config.gtfs_sources:
        step(f"reading GTFS {rel}")
        path = bundle / rel
        if not path.exists():
            raise BundleError("GTFS source listed in city.toml not found", file=rel)
        feed_id = Path(rel).name.removesuffix(".zip") if multi else ""
        feed, report = read_gtfs(path, feed_id=feed_id)
        report.info.update(read_feed_info(path))
        reports.append(report)
        feeds.append(feed)
    feed = merge_feeds(feeds) if multi else feeds[0]
    step("compiling timetable")
    tt_report = IngestReport(source="gtfs:compile")
    timetable = compile_timetable(feed, report=tt_report)
    reports.append(tt_report)
    streets = None
    links = None
    pbfs = [r for r in config.osm_sources if not r.endswith((".geojson", ".json"))]
    layers = [r for r in config.osm_sources if r.endswith((".geojson", ".json"))]
    for rel in [*config.osm_sources]:
        if not (bundle / rel).exists():
            raise BundleError("street source listed in city.toml not found", file=rel)
    if pbfs:
        step(f"reading OSM {pbfs[0]}")
        streets, osm_report = read_osm_pbf(bundle / pbfs[0], bbox=config.bbox)
        reports.append(osm_report)
    elif layers:
        from feeds.osm import read_geojson_roads

        step(f"reading GeoJSON road layers {', '.join(layers)}")
        streets, osm_report = read_geojson_roads([bundle / r for r in layers])
        reports.append(osm_report)
    if streets is not None:
        step("linking stops to streets")
        links = link_stops(streets, timetable.stop_lat, timetable.stop_lon)
    step("computing footpaths")
    fp_from, fp_to, fp_m = compute_footpaths(
        streets, links, timetable.stop_lat, timetable.stop_lon,
        max_m=config.max_footpath_m, walk_speed_mps=config.walk_speed_mps,
    )
    timetable = with_footpaths(
        timetable, fp_from, fp_to, fp_m, walk_speed_mps=config.walk_speed_mps
    )
    tz = config.timezone or timetable.names.timezone or "UTC"
    bbox = config.bbox or (
        float(timetable.stop_lon.min()), float(timetable.stop_lat.min()),
        float(timetable.stop_lon.max()), float(timetable.stop_lat.max()),
    )
    meta = NetworkMeta(
        name=config.name,
        timezone=tz,
        bbox=bbox,
        walk_speed_mps=config.walk_speed_mps,
        max_footpath_m=config.max_footpath_m,
        feeds=[
            {"kind": r.source.split(":")[0], "source": r.source, "report": r.summary()}
            for r in reports
        ],
        extra={"city": {k: v for k, v in config.raw.items() if k not in {"name"}}},
    )
    network = Network(meta=meta, timetable=timetable, streets=streets, stop_links=links)
    step("checking invariants")
    network.check_invariants()
    return network, reports


def read_feed_info(path: Path) -> dict[str, str]:
    """``feed_info.txt`` of a GTFS zip or folder as a dict (empty when absent or unreadable),
    plus ``label: estimated`` when the publisher says the feed is estimated."""
    import csv
    import io
    import zipfile

    text = ""
    try:
        if path.is_dir():
            f = path / "feed_info.txt"
            text = f.read_text("utf-8-sig") if f.exists() else ""
        else:
            with zipfile.ZipFile(path) as zf:
                names = [n for n in zf.namelist() if n.rsplit("/", 1)[-1] == "feed_info.txt"]
                if names and zf.getinfo(names[0]).file_size < 1 << 20:
                    text = zf.read(names[0]).decode("utf-8-sig", errors="replace")
    except (OSError, zipfile.BadZipFile):
        return {}
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows:
        return {}
    info = {k: (v or "").strip() for k, v in rows[0].items() if k}
    out = {k: info[k] for k in ("feed_publisher_name", "feed_version", "feed_start_date",
                                "feed_end_date") if info.get(k)}
    if "estimat" in info.get("feed_publisher_name", "").lower():
        out["label"] = "estimated"
    return out


def default_snapshot_root(bundle: Path) -> Path:
    """Where snapshots of ``bundle`` live by default: ``<bundle>/.snapshots``."""
    return bundle / ".snapshots"


def build_snapshot(
    bundle: Path, out: Path | None = None, *, force: bool = False,
    progress: Progress | None = None,
) -> tuple[Path, list[IngestReport] | None]:
    """Build (or reuse, by input hash) the snapshot of ``bundle``; return its folder.

    Returns ``(folder, reports)``; ``reports`` is None when a cached snapshot was reused.
    """
    config = read_city_config(bundle)
    root = out or default_snapshot_root(bundle)
    key = input_hash(bundle, config)
    index = root / "inputs" / f"{key}.json"
    if not force and index.exists():
        version = json.loads(index.read_text())["version"]
        if (root / version / "manifest.json").exists():
            if current_version(root) != version:
                from routing.snapshot import set_current
                set_current(root, version)
            return root / version, None
    try:
        network, reports = build_network(bundle, progress=progress)
    except FeedError:
        raise
    except (ValueError, KeyError, IndexError, OSError) as exc:
        raise BundleError(f"build failed: {type(exc).__name__}: {exc}", file=str(bundle)) from exc
    folder = save_snapshot(network, root)
    index.parent.mkdir(parents=True, exist_ok=True)
    index.write_text(json.dumps({"version": folder.name}))
    return folder, reports


def load_current(root: Path) -> Network:
    """Load the current snapshot of a snapshot root."""
    return load_snapshot(root)
