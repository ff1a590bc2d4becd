"""``maas plan`` on the tiny bundle (built on first use), text and --json."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from maas.cli import app
from tests.maas.conftest import TINY_GTFS, make_bundle


def test_plan_json_and_text(tmp_path: Path) -> None:
    bundle = make_bundle(tmp_path, TINY_GTFS)
    runner = CliRunner()
    args = ["plan", "stop:A", "stop:C", "--time", "2026-03-10T07:58", "--bundle", str(bundle)]
    r = runner.invoke(app, [*args, "--json"])
    assert r.exit_code == 0, r.output
    body = json.loads(r.stdout[r.stdout.index("{"):])
    it = body["itineraries"][0]
    assert it["start_time"] == "2026-03-10T08:00:00+02:00"
    assert it["end_time"] == "2026-03-10T08:10:00+02:00"
    assert [leg["trip_id"] for leg in it["legs"]] == ["T1"]
    text = runner.invoke(app, args)
    assert text.exit_code == 0 and "08:00 -> 08:10" in text.stdout
    bad = runner.invoke(app, ["plan", "stop:NOPE", "stop:C", "--bundle", str(bundle)])
    assert bad.exit_code == 2
