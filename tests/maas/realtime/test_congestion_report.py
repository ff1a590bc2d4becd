"""Congestion report of the recorded STPT day: chart, segment GeoJSON and summary (real traces)."""

from __future__ import annotations

import json
import struct
from pathlib import Path

from typer.testing import CliRunner

from maas.cli import app
from tests.conftest import require_shared

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
PROPS = {"line", "shape_id", "segment", "length_m", "speed_kmh", "free_flow_kmh", "tti",
         "level", "samples"}


def test_congestion_report_on_recorded_day(tmp_path: Path) -> None:
    """`maas congestion-report` replays the 7 traces; peak is more congested than the night."""
    require_shared("timisoara", "stpt", "avl-traces")
    shared = require_shared()
    res = CliRunner().invoke(app, ["congestion-report", "--shared-data", str(shared),
                                   "--out", str(tmp_path), "--json"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.output)

    png = (tmp_path / "congestion_day.png").read_bytes()
    assert png[:8] == PNG_MAGIC and png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    assert 600 <= width <= 3000 and 300 <= height <= 2000
    assert len(png) > 20_000  # a drawn chart, not an empty canvas

    gj = json.loads((tmp_path / "congestion_segments.geojson").read_text())
    assert gj["type"] == "FeatureCollection"
    feats = gj["features"]
    assert len(feats) > 100
    assert all(set(f["properties"]) == PROPS for f in feats)
    observed = [f["properties"] for f in feats if f["properties"]["samples"] > 0]
    assert len(observed) > 100
    for p in observed:
        assert p["speed_kmh"] > 0 and p["free_flow_kmh"] > 0
        # TTI is the free-flow / observed speed ratio (speeds rounded to 0.1 km/h)
        ff, v = p["free_flow_kmh"], p["speed_kmh"]
        assert (ff - 0.05) / (v + 0.05) - 1e-3 <= p["tti"] <= (ff + 0.05) / max(v - 0.05, 1e-9)
        assert p["level"] in range(5)
    assert all(f["geometry"]["type"] == "LineString"
               and len(f["geometry"]["coordinates"]) >= 2 for f in feats)
    lon, lat = feats[0]["geometry"]["coordinates"][0]
    assert 20.8 < lon < 21.5 and 45.4 < lat < 46.1

    assert summary["segments"] == len(feats)
    assert summary["traversals"] == sum(p["samples"] for p in observed)
    assert summary["peak_tti"] > summary["night_tti"] >= 1.0
    assert min(summary["peak_tti"], summary["night_tti"]) <= summary["day_tti"] \
        <= max(summary["peak_tti"], summary["night_tti"])
    assert len(summary["lines"]) == 7
    assert Path(summary["files"]["chart"]).name == "congestion_day.png"
