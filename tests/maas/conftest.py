"""Fixtures for the service: small bundles built into snapshots, and apps serving them."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from feeds.bundle import build_snapshot
from maas.main import create_app
from maas.settings import load_settings
from tests.conftest import require_shared
from tests.support.gtfs_text import gtfs_zip

#: A tiny city: line R1 A->B->C every 10 minutes 08:00-08:50, line R2 C->D at 08:25 and 08:45;
#: stops A..D 600 m apart along a parallel (no streets: straight-line walking).
TINY_GTFS = """
# agency.txt
agency_id,agency_name,agency_url,agency_timezone
AG,Tiny Transit,https://example.org,Europe/Bucharest
# stops.txt
stop_id,stop_name,stop_lat,stop_lon
A,Alpha,45.7500,21.2000
B,Bravo,45.7500,21.2077
C,Charlie,45.7500,21.2154
D,Delta,45.7500,21.2231
# routes.txt
route_id,agency_id,route_short_name,route_long_name,route_type
R1,AG,1,Alpha - Charlie,0
R2,AG,2,Charlie - Delta,3
# calendar.txt
service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date
WK,1,1,1,1,1,1,1,20260101,20271231
# trips.txt
route_id,service_id,trip_id,trip_headsign
R1,WK,T1,Charlie
R2,WK,U1,Delta
R2,WK,U2,Delta
# frequencies.txt
trip_id,start_time,end_time,headway_secs,exact_times
T1,08:00:00,09:00:00,600,1
# stop_times.txt
trip_id,arrival_time,departure_time,stop_id,stop_sequence
T1,08:00:00,08:00:00,A,1
T1,08:05:00,08:05:00,B,2
T1,08:10:00,08:10:00,C,3
U1,08:25:00,08:25:00,C,1
U1,08:30:00,08:30:00,D,2
U2,08:45:00,08:45:00,C,1
U2,08:50:00,08:50:00,D,2
"""


def make_bundle(root: Path, gtfs_text: str, *, name: str = "tiny") -> Path:
    """A bundle folder with one inline GTFS feed and a city.toml."""
    bundle = root / name
    (bundle / "gtfs").mkdir(parents=True)
    gtfs_zip(gtfs_text, bundle / "gtfs", name="feed.zip")
    (bundle / "city.toml").write_text(f'name = "{name}"\n', encoding="utf-8")
    return bundle


def serve(snapshot_root: Path, **settings: object) -> Iterator[TestClient]:
    """A TestClient on an app serving ``snapshot_root``, once /readyz says ready."""
    settings.setdefault("anonymous_rate_per_min", 1_000_000)
    app = create_app(load_settings(snapshot_dir=snapshot_root, **settings))
    with TestClient(app) as client:
        for _ in range(600):
            if client.get("/readyz").status_code == 200:
                break
            time.sleep(0.1)
        else:
            pytest.fail("service never became ready")
        yield client


@pytest.fixture(scope="session")
def tiny_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Snapshot root of the tiny bundle."""
    root = tmp_path_factory.mktemp("tiny")
    bundle = make_bundle(root, TINY_GTFS)
    build_snapshot(bundle, root / "snap")
    return root / "snap"


@pytest.fixture(scope="session")
def tiny_client(tiny_snapshot: Path) -> Iterator[TestClient]:
    """A client of the app serving the tiny city."""
    yield from serve(tiny_snapshot)


def _shared_bundle(root: Path, name: str, files: list[Path]) -> Path:
    bundle = root / name
    (bundle / "gtfs").mkdir(parents=True)
    for f in files:
        sub = "osm" if f.suffix == ".pbf" else "gtfs"
        (bundle / sub).mkdir(exist_ok=True)
        (bundle / sub / (f.name if sub == "gtfs" else f.stem + ".osm.pbf")).symlink_to(f)
    (bundle / "city.toml").write_text(f'name = "{name}"\n', encoding="utf-8")
    return bundle


@pytest.fixture(scope="session")
def caltrain_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Snapshot root of a bundle with the real Caltrain feed (no streets)."""
    src = require_shared("edge-gtfs", "otp_caltrain_gtfs.zip")
    root = tmp_path_factory.mktemp("caltrain")
    build_snapshot(_shared_bundle(root, "caltrain", [src]), root / "snap")
    return root / "snap"


@pytest.fixture(scope="session")
def poa_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Snapshot root of Porto Alegre (EPTC + Trensurb feeds merged, OSM streets)."""
    base = require_shared("benchmark", "porto-alegre")
    root = tmp_path_factory.mktemp("poa")
    files = [base / "poa_eptc_gtfs.zip", base / "poa_trensurb_gtfs.zip", base / "poa_osm.pbf"]
    build_snapshot(_shared_bundle(root, "poa", files), root / "snap")
    return root / "snap"
