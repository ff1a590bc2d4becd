"""Reading municipal road closures (GeoJSON + notices): windows, bad features counted."""

from __future__ import annotations

import json

from feeds.closures import parse_closures_geojson, read_closures
from feeds.report import IngestReport
from tests.conftest import require_shared


def test_inline_closures_windows_and_bad_features() -> None:
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "LineString",
                                         "coordinates": [[21.2, 45.75], [21.21, 45.75]]},
         "properties": {"id": "a", "roadName": "Strada A", "windowStart": "2026-05-08T09:00Z",
                        "windowEnd": "2026-08-01T09:00:00.000Z", "status": "active"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [21.2, 45.75]},
         "properties": {}},
        {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[21.2, 45.7]]},
         "properties": {}},
        {"type": "Feature", "geometry": {"type": "LineString",
                                         "coordinates": [[21.2, 45.75], [21.3, 45.75]]},
         "properties": {"windowStart": "not a date"}},
    ]}
    report = IngestReport("closures")
    got = parse_closures_geojson(json.dumps(doc), report)
    assert [c.closure_id for c in got] == ["a"]
    assert got[0].lat == (45.75, 45.75) and got[0].lon == (21.2, 21.21)
    assert report.total_skipped == 3
    assert not got[0].active_at(got[0].start_s - 1)  # type: ignore[operator]
    assert got[0].active_at(got[0].start_s)  # type: ignore[arg-type]
    assert not got[0].active_at(got[0].end_s)  # type: ignore[arg-type]


def test_real_timisoara_closures() -> None:
    gj = require_shared("timisoara", "road-closures", "closures-active.geojson")
    notices = require_shared("timisoara", "road-closures", "closures_2026-05-12.json")
    report = IngestReport("closures")
    cs = read_closures(gj, report, notices=notices)
    assert len(cs.closures) + report.total_skipped == 1282
    assert cs.notices == 20 and cs.collected_at_s is not None
    # collected on 2026-05-12: most closures were in force then
    assert len(cs.active_at(cs.collected_at_s)) > 0
    assert all(len(c.lat) >= 2 for c in cs.closures)
