"""``maas build`` / ``maas validate``: reports, caching, exit codes, and a failed build that
leaves the previous snapshot current."""

from __future__ import annotations

import zipfile
from pathlib import Path

from typer.testing import CliRunner

from maas.cli import app
from routing.snapshot import current_version
from tests.maas.conftest import TINY_GTFS, make_bundle

runner = CliRunner()


def test_build_then_cached(tmp_path: Path) -> None:
    bundle = make_bundle(tmp_path, TINY_GTFS)
    out = tmp_path / "snap"
    first = runner.invoke(app, ["build", str(bundle), "--out", str(out)])
    assert first.exit_code == 0, first.output
    assert "ingest report" in first.output
    version = current_version(out)
    assert version and (out / version / "manifest.json").exists()
    again = runner.invoke(app, ["build", str(bundle), "--out", str(out)])
    assert again.exit_code == 0
    assert "up to date" in again.output
    assert current_version(out) == version


def test_failed_build_keeps_previous_snapshot(tmp_path: Path) -> None:
    bundle = make_bundle(tmp_path, TINY_GTFS)
    out = tmp_path / "snap"
    assert runner.invoke(app, ["build", str(bundle), "--out", str(out)]).exit_code == 0
    good = current_version(out)
    feed = bundle / "gtfs" / "feed.zip"
    with zipfile.ZipFile(feed) as zf:
        files = {n: zf.read(n) for n in zf.namelist() if n != "stop_times.txt"}
    with zipfile.ZipFile(feed, "w") as zf:
        for n, data in files.items():
            zf.writestr(n, data)
    bad = runner.invoke(app, ["build", str(bundle), "--out", str(out)])
    assert bad.exit_code != 0
    assert "stop_times.txt" in bad.output
    assert "previous snapshot" in bad.output
    assert current_version(out) == good
    assert not [p for p in out.iterdir() if p.name.startswith(".tmp-")]


def test_unusable_bundle_exit_code(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    r = runner.invoke(app, ["build", str(empty), "--out", str(tmp_path / "s")])
    assert r.exit_code == 2
    assert "no GTFS feed" in r.output
    r = runner.invoke(app, ["build", str(tmp_path / "missing")])
    assert r.exit_code == 2


def test_bad_city_toml(tmp_path: Path) -> None:
    bundle = make_bundle(tmp_path, TINY_GTFS)
    (bundle / "city.toml").write_text("name = [unclosed\n")
    r = runner.invoke(app, ["build", str(bundle), "--out", str(tmp_path / "s")])
    assert r.exit_code == 2
    assert "city.toml" in r.output


def test_validate_reports_counts(tmp_path: Path) -> None:
    bundle = make_bundle(tmp_path, TINY_GTFS)
    r = runner.invoke(app, ["validate", str(bundle)])
    assert r.exit_code == 0, r.output
    assert "4 stops" in r.output and "8 trips" in r.output
