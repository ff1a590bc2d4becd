"""Replay a day of STPT AVL traces and compute congestion indices on the lines' shapes.

Usage: ``python -m bench.congestion_day --out DIR [--data DIR] [--seg-len 200]``

A thin wrapper over :mod:`maas.realtime.report` (also ``maas congestion-report``): prints the
city index per local hour, peak vs night and per line, and writes ``congestion_day.png`` and
``congestion_segments.geojson`` to ``--out``.  The names :mod:`bench.eta_eval` uses are
re-exported here.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from feeds.report import IngestReport
from feeds.stpt_live import StptVehicle
from feeds.stpt_live.line_shapes import LineShapes, load_line_shapes, replay_day
from maas.realtime.report import (
    MAX_OFFSET_M,
    ShapeRun,
    format_summary,
    observations,
    segment_table,
    shape_runs,
    write_congestion_day,
)


def data_dir(arg: str | None) -> Path:
    """The shared data folder: ``--data``, env ``MAAS_SHARED_DATA``, else ``../shared/data``."""
    if arg:
        return Path(arg)
    env = os.environ.get("MAAS_SHARED_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data"


def replay_positions(folder: Path, report: IngestReport) -> list[StptVehicle]:
    """All positions of the day's traces, gathered by replaying them as a live feed."""
    return replay_day(folder, report)


def main(argv: list[str] | None = None) -> int:
    """Run the report (see module docstring)."""
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--data", default=None)
    args = ap.parse_args(argv)
    summary = write_congestion_day(args.out, data_dir(args.data))
    print(format_summary(summary))
    print(f"wrote {summary['files']['chart']} and {summary['files']['segments']}")
    return 0


__all__ = ["MAX_OFFSET_M", "LineShapes", "ShapeRun", "data_dir", "load_line_shapes",
           "observations", "replay_positions", "segment_table", "shape_runs"]

if __name__ == "__main__":
    raise SystemExit(main())
