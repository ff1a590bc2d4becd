"""DEMO live feeds for a bundle without public live endpoints (the bundled Timișoara).

Wraps :mod:`feeds.demo_live`: the bundle's real VeloTM stations with generated availability,
a generated free-floating car share with geofencing, and generated EVSE statuses of the real
OCPI locations. Everything written to the store is labelled ``demo``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from feeds.demo_live import (
    demo_carshare_documents,
    demo_evse_patches,
    demo_station_status,
)
from feeds.gbfs.folder import load_gbfs_folder
from feeds.ocpi.store import LocationStore
from feeds.report import IngestReport
from maas.live.codec import encode_gbfs, encode_ocpi
from maas.live.store import LiveStore

DEMO = "demo"
#: Feed key of the demo car share.
CARSHARE_FEED = "gbfs:demo_carshare"
#: Feed key of the OCPI locations.
OCPI_FEED = "ocpi:locations"


def bikeshare_feed(system: str) -> str:
    """Feed key of a bundle's bike-share system folder."""
    return f"gbfs:{system}"


class DemoLiveSource:
    """Writes a bundle's DEMO live feeds into a store, one time bucket at a time.

    Parameters
    ----------
    bundle : Path
        City bundle (``gbfs/<system>/``, ``ocpi/locations.json``).
    seed : int
        Seed of the deterministic generator.
    interval_s : int
        Time bucket and ttl of the generated feeds, seconds.
    n_cars : int
        Size of the DEMO car-share fleet.
    """

    def __init__(self, bundle: Path, *, seed: int = 7, interval_s: int = 30,
                 n_cars: int = 80) -> None:
        self.bundle = bundle
        self.n_cars = n_cars
        self.seed = seed
        self.interval_s = interval_s
        self._systems: list[tuple[str, Any, dict[str, dict[str, Any]]]] = []
        points: list[tuple[float, float]] = []
        for folder in sorted(p for p in (bundle / "gbfs").glob("*") if p.is_dir()):
            static, _ = load_gbfs_folder(folder)
            docs = {name: json.loads((folder / Path(meta.source).name).read_text("utf-8"))
                    for name, meta in static.files.items()}
            self._systems.append((folder.name, static, docs))
            points.extend((s.lon, s.lat) for s in static.stations.values())
        self._locations_raw: Any = None
        path = bundle / "ocpi" / "locations.json"
        if path.is_file():
            self._locations_raw = json.loads(path.read_text("utf-8"))
            store = LocationStore()
            store.load(self._locations_raw, IngestReport(source="demo"))
            points.extend((loc.lon, loc.lat) for loc in store)
        if points:
            lons, lats = zip(*points, strict=True)
            self.bbox: tuple[float, float, float, float] | None = (
                min(lons), min(lats), max(lons), max(lats))
        else:
            self.bbox = None

    def publish(self, store: LiveStore, now_s: float | None = None) -> dict[str, int]:
        """Generate the feeds of ``now_s``'s bucket and write them; return feed -> version."""
        now = int(time.time() if now_s is None else now_s)
        ttl = self.interval_s
        out: dict[str, int] = {}
        stamp = float(now - now % ttl)
        for name, static, docs in self._systems:
            types = list(static.vehicle_types)
            status = demo_station_status(list(static.stations.values()), seed=self.seed,
                                         now_s=now, bucket_s=ttl,
                                         vehicle_type_id=types[0] if len(types) == 1 else None)
            payload = encode_gbfs({**docs, "station_status": status}, version=static.version,
                                  language=static.language)
            out[bikeshare_feed(name)] = store.put(bikeshare_feed(name), payload,
                                                  feed_timestamp=stamp, ttl_s=ttl, label=DEMO)
        if self.bbox is not None:
            docs = demo_carshare_documents(self.bbox, seed=self.seed, now_s=now, bucket_s=ttl,
                                           n_cars=self.n_cars)
            payload = encode_gbfs(docs, version="3.0", language="en")
            out[CARSHARE_FEED] = store.put(CARSHARE_FEED, payload, feed_timestamp=stamp,
                                           ttl_s=ttl, label=DEMO)
        if self._locations_raw is not None:
            locs = LocationStore()
            rep = IngestReport(source="demo")
            locs.load(self._locations_raw, rep)
            for p in demo_evse_patches(list(locs), seed=self.seed, now_s=now, bucket_s=ttl):
                locs.patch(p.key, p.fragment, rep, evse_uid=p.evse_uid)
            out[OCPI_FEED] = store.put(OCPI_FEED, encode_ocpi(locs), feed_timestamp=stamp,
                                       ttl_s=ttl, label=DEMO)
        return out
