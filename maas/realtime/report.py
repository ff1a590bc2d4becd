"""Congestion report of one recorded day: replay the STPT AVL traces, index, chart, GeoJSON.

The traces (``timisoara/stpt/avl-traces/*.csv.gz`` of the shared data folder) are replayed as a
live feed at infinite speed (:func:`feeds.stpt_live.line_shapes.replay_day`).  Each vehicle's
positions are cut into runs (:func:`routing.probes.split_runs`), each run is projected on the
shape of its line that fits it best (median offset <= :data:`MAX_OFFSET_M` and most forward
progress, which picks the direction), fixes farther than :data:`MAX_OFFSET_M` are dropped, and
runs are split where the vehicle restarts the line.  Runs become 200 m segment traversals
(:func:`routing.probes.segment_speeds`), aggregated per 15 minutes of local time; the indices are
those of :mod:`routing.congestion` (free flow = night 85th percentile, TTI, extra time).

The shapes come from the Tranzy GTFS export (the shared data's network, with shapes but no
timetable), not from a bundle snapshot, so the report needs only the shared data folder.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from feeds.report import IngestReport
from feeds.stpt_live import StptVehicle
from feeds.stpt_live.line_shapes import LineShapes, feed_timezone, load_line_shapes, replay_day
from routing.congestion import (
    BinnedSpeeds,
    bin_speeds,
    city_index,
    congestion_level,
    corridor_index,
    extra_time_percent,
    free_flow_speeds,
    merge_bins,
    travel_time_index,
)
from routing.probes import (
    SegmentObservations,
    fixed_boundaries,
    segment_speeds,
    split_on_restart,
    split_runs,
)

F64 = npt.NDArray[np.float64]
#: A fix farther than this (m) from the shape is off the line (depot runs, detours, GPS errors).
MAX_OFFSET_M = 50.0
#: Segment length, metres.
SEG_LEN_M = 200.0
#: Local hours (start of each hour) of the peak and night windows of the summary.
PEAK_HOURS = (7, 8, 16, 17)
NIGHT_HOURS = (21, 22, 23, 0, 1, 2, 3, 4, 5)
#: Paths of the inputs inside the shared data folder.
TRACES = Path("timisoara/stpt/avl-traces")
TRANZY_ZIP = Path("timisoara/gtfs/stpt_timisoara_tranzy_20260218.zip")
_BINS_PER_DAY = 96  # 15-minute bins

SegmentTable = dict[tuple[str, int], tuple[int, F64]]


@dataclass
class ShapeRun:
    """A part of one vehicle's trace on one shape, moving forward (one trip): times, along (m)."""

    route: str
    shape: int
    vehicle: str
    t_s: F64
    along_m: F64


def shape_runs(positions: list[StptVehicle], lines: dict[str, LineShapes]) -> list[ShapeRun]:
    """Cut each vehicle's positions into forward runs on the best-fitting shape of its line."""
    by_route: dict[str, list[StptVehicle]] = defaultdict(list)
    for v in positions:
        by_route[v.route_name.upper()].append(v)
    runs: list[ShapeRun] = []
    for route, vs in sorted(by_route.items()):
        ls = lines.get(route)
        if ls is None:
            continue
        vs.sort(key=lambda v: (v.vehicle_id, v.timestamp_s))
        vid = np.array([v.vehicle_id for v in vs])
        t = np.array([v.timestamp_s for v in vs])
        d = np.array([-1 if v.direction_id is None else v.direction_id for v in vs])
        proj = [s.project(np.array([v.lat for v in vs]), np.array([v.lon for v in vs]))
                for s in ls.shapes]
        for a, b in split_runs(vid, t, key=d):
            best, best_score = -1, 0.0
            for k, (al, off) in enumerate(proj):
                if b - a < 3 or np.median(off[a:b]) > MAX_OFFSET_M:
                    continue
                step = np.diff(al[a:b])
                score = float(step[np.abs(step) < 1000].sum())  # 1 km jumps are GPS errors
                if score > best_score:
                    best, best_score = k, score
            if best < 0:
                continue
            al, off = proj[best]
            keep = off[a:b] <= MAX_OFFSET_M
            ta, aa = t[a:b][keep], al[a:b][keep]
            for c, e in split_on_restart(aa):
                if e - c >= 3:
                    runs.append(ShapeRun(route, best, str(vid[a]), ta[c:e], aa[c:e]))
    return runs


def segment_table(lines: dict[str, LineShapes], seg_len_m: float = SEG_LEN_M,
                  ) -> tuple[SegmentTable, list[tuple[str, int, int]]]:
    """Global segment numbering: ``(route, shape) -> (first segment id, boundaries m)``.

    The second value lists ``(route, shape, index along the shape)`` of every segment id.
    """
    table: SegmentTable = {}
    owners: list[tuple[str, int, int]] = []
    n = 0
    for route in sorted(lines):
        for k, shape in enumerate(lines[route].shapes):
            b = fixed_boundaries(shape.length_m, seg_len_m)
            table[(route, k)] = (n, b)
            owners.extend((route, k, j) for j in range(b.size - 1))
            n += b.size - 1
    return table, owners


def observations(runs: list[ShapeRun], table: SegmentTable) -> SegmentObservations:
    """Segment traversals of every run, with global segment ids."""
    parts = []
    for r in runs:
        first, b = table[(r.route, r.shape)]
        o = segment_speeds(r.along_m, r.t_s, b)
        parts.append(SegmentObservations((o.segment + first).astype(np.int32), o.t_mid_s,
                                         o.travel_s, o.speed_mps))
    return SegmentObservations.concat(parts)


@dataclass
class CongestionDay:
    """Everything the report shows: 15-min bins of the local day, free flow, the windows."""

    date: str
    timezone: str
    lines: dict[str, LineShapes]
    table: SegmentTable
    owners: list[tuple[str, int, int]]
    binned: BinnedSpeeds  # 96 bins of 15 minutes from local midnight
    free_flow_mps: F64
    night_free_flow: npt.NDArray[np.bool_]
    positions: int
    skipped: int
    runs: int

    def window_index(self, hours: tuple[int, ...]) -> float:
        """City TTI over the traversals of the given local hours (NaN without data)."""
        per_hour = _BINS_PER_DAY // 24
        sel = np.zeros(self.binned.n_bins, dtype=bool)
        for h in hours:
            sel[h * per_hour:(h + 1) * per_hour] = True
        b = self.binned
        sub = BinnedSpeeds(b.t0_s, b.bin_s * int(sel.sum()), b.length_m,
                           b.travel_s[:, sel].sum(axis=1, keepdims=True),
                           b.samples[:, sel].sum(axis=1, keepdims=True))
        return float(city_index(sub, self.free_flow_mps)[0])

    @property
    def whole(self) -> BinnedSpeeds:
        """The whole day as one bin."""
        return merge_bins(self.binned, self.binned.n_bins)


def compute_congestion_day(shared_data: Path, *, seg_len_m: float = SEG_LEN_M) -> CongestionDay:
    """Replay the day's AVL traces of ``shared_data`` and bin their segment traversals.

    Parameters
    ----------
    shared_data : the shared data folder (holds :data:`TRACES` and :data:`TRANZY_ZIP`).
    seg_len_m : segment length, metres.
    """
    report = IngestReport("stpt_live:avl")
    positions = replay_day(shared_data / TRACES, report)
    if not positions:
        raise FileNotFoundError(f"no AVL positions under {shared_data / TRACES}")
    gtfs = shared_data / TRANZY_ZIP
    tz = ZoneInfo(feed_timezone(gtfs, default="Europe/Bucharest"))
    lines = load_line_shapes(gtfs, {v.route_name.upper() for v in positions})
    runs = shape_runs(positions, lines)
    table, owners = segment_table(lines, seg_len_m)
    obs = observations(runs, table)
    lengths = np.zeros(len(owners))
    for first, b in table.values():
        lengths[first:first + b.size - 1] = np.diff(b)
    # the local day holding most positions (the traces are one UTC day)
    days = np.array([datetime.fromtimestamp(v.timestamp_s, tz).toordinal() for v in positions])
    day = datetime.fromordinal(int(np.bincount(days - days.min()).argmax() + days.min()))
    midnight = datetime(day.year, day.month, day.day, tzinfo=tz)
    offset = midnight.utcoffset()
    ff, ff_night = free_flow_speeds(obs.segment, obs.speed_mps, obs.t_mid_s, len(owners),
                                    utc_offset_s=int(offset.total_seconds()) if offset else 0)
    binned = bin_speeds(obs.segment, obs.t_mid_s, obs.travel_s, lengths,
                         t0_s=midnight.timestamp(), n_bins=_BINS_PER_DAY)
    return CongestionDay(day.date().isoformat(), str(tz), lines, table, owners, binned, ff,
                         ff_night, len(positions), report.total_skipped, len(runs))


def _num(x: float, nd: int = 3) -> float | None:
    return round(float(x), nd) if np.isfinite(x) else None


def congestion_summary(day: CongestionDay) -> dict[str, Any]:
    """JSON-ready summary: peak, night and whole-day city TTI, per hour and per line."""
    hourly = merge_bins(day.binned, _BINS_PER_DAY // 24)
    city_h = city_index(hourly, day.free_flow_mps)
    n_h = hourly.samples.sum(axis=0)
    whole = day.whole
    peak, night = day.window_index(PEAK_HOURS), day.window_index(NIGHT_HOURS)
    day_tti = float(city_index(whole, day.free_flow_mps)[0])
    per_line = {}
    for route in sorted(day.lines):
        segs = [i for i, o in enumerate(day.owners) if o[0] == route]
        per_line[route] = _num(float(corridor_index(whole, day.free_flow_mps, segs)[0]))
    return {
        "date": day.date, "timezone": day.timezone,
        "positions": day.positions, "positions_skipped": day.skipped, "runs": day.runs,
        "traversals": int(day.binned.samples.sum()),
        "segments": len(day.owners),
        "segments_observed": int((whole.samples[:, 0] > 0).sum()),
        "segments_night_free_flow": int(day.night_free_flow.sum()),
        "peak_hours": list(PEAK_HOURS), "night_hours": list(NIGHT_HOURS),
        "peak_tti": _num(peak), "peak_extra_percent": _num(float(extra_time_percent(peak)), 1),
        "night_tti": _num(night),
        "night_extra_percent": _num(float(extra_time_percent(night)), 1),
        "day_tti": _num(day_tti),
        "day_extra_percent": _num(float(extra_time_percent(day_tti)), 1),
        "hourly": [{"hour": h, "tti": _num(float(city_h[h])),
                    "extra_percent": _num(float(extra_time_percent(city_h[h])), 1),
                    "traversals": int(n_h[h])} for h in range(city_h.size)],
        "lines": per_line,
    }


def write_chart(path: Path, day: CongestionDay, summary: dict[str, Any]) -> None:
    """PNG: city TTI per 15 min (line) and extra time per hour (bars), peak/night shaded."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    q = city_index(day.binned, day.free_flow_mps)
    hourly = [h for h in summary["hourly"] if h["tti"] is not None]
    fig, ax = plt.subplots(figsize=(10, 4.5))
    for h in summary["night_hours"]:
        ax.axvspan(h, h + 1, color="#1f3b73", alpha=0.12, lw=0)
    for h in summary["peak_hours"]:
        ax.axvspan(h, h + 1, color="#d9534f", alpha=0.15, lw=0)
    ax.bar([h["hour"] + 0.5 for h in hourly], [h["extra_percent"] for h in hourly], width=0.8,
           color="#f0ad4e", label="extra travel time per hour, % (left)")
    ax.set_xlim(0, 24)
    ax.set_xticks(range(0, 25, 2))
    ax.set_xlabel(f"local hour ({day.timezone})")
    ax.set_ylabel("extra travel time, % = (TTI - 1) x 100")
    ax2 = ax.twinx()
    x = np.arange(q.size) * 24.0 / q.size + 12.0 / q.size
    ax2.plot(x, q, "-o", ms=2.5, lw=1.2, color="#333", label="city TTI per 15 min (right)")
    ax2.set_ylabel("city travel time index (same scale: TTI = 1 + % / 100)")
    ok = np.isfinite(q)
    pct = extra_time_percent(q[ok]) if ok.any() else np.zeros(1)
    bars = [h["extra_percent"] for h in hourly] or [0.0]
    bottom = min(0.0, float(pct.min())) - 5.0
    top = max(float(pct.max()), *bars) * 1.1 + 5.0
    ax.set_ylim(bottom, top)
    ax2.set_ylim(1.0 + bottom / 100.0, 1.0 + top / 100.0)
    from matplotlib.patches import Patch

    handles = [*ax.get_legend_handles_labels()[0], *ax2.get_legend_handles_labels()[0],
               Patch(color="#d9534f", alpha=0.3), Patch(color="#1f3b73", alpha=0.25)]
    labels = [*ax.get_legend_handles_labels()[1], *ax2.get_legend_handles_labels()[1],
              f"peak: TTI {summary['peak_tti']} (+{summary['peak_extra_percent']} %)",
              f"night: TTI {summary['night_tti']} (+{summary['night_extra_percent']} %)"]
    ax.legend(handles, labels, loc="upper left", fontsize=8, framealpha=0.9)
    ax.set_title(f"Transit probe congestion, {len(day.lines)} STPT lines, {day.date} "
                 f"(whole day TTI {summary['day_tti']})")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def segment_features(day: CongestionDay) -> dict[str, Any]:
    """GeoJSON FeatureCollection of the segments with their whole-day indicators.

    Properties: ``line``, ``shape_id``, ``segment``, ``length_m``, ``speed_kmh`` (space mean),
    ``free_flow_kmh``, ``tti``, ``level`` (0..4, -1 unobserved), ``samples``.
    """
    whole = day.whole
    v = whole.speed_mps[:, 0]
    ff = day.free_flow_mps
    tti = travel_time_index(ff, v)
    lvl = congestion_level(tti)
    feats = []
    for i, (route, k, j) in enumerate(day.owners):
        _first, b = day.table[(route, k)]
        lat, lon = day.lines[route].shapes[k].sub_line(float(b[j]), float(b[j + 1]))
        feats.append({
            "type": "Feature",
            "geometry": {"type": "LineString",
                         "coordinates": [[round(x, 6), round(y, 6)] for x, y in zip(
                             lon.tolist(), lat.tolist(), strict=True)]},
            "properties": {
                "line": route, "shape_id": day.lines[route].shape_ids[k], "segment": j,
                "length_m": round(float(b[j + 1] - b[j]), 1),
                "speed_kmh": _num(float(v[i]) * 3.6, 1),
                "free_flow_kmh": _num(float(ff[i]) * 3.6, 1),
                "tti": _num(float(tti[i])), "level": int(lvl[i]),
                "samples": int(whole.samples[i, 0]),
            },
        })
    return {"type": "FeatureCollection", "features": feats}


def write_congestion_day(out_dir: Path, shared_data: Path) -> dict[str, Any]:
    """Replay the day's AVL traces; write ``congestion_day.png`` and the segments GeoJSON.

    Parameters
    ----------
    out_dir : folder to write ``congestion_day.png`` and ``congestion_segments.geojson`` to
        (created when missing).
    shared_data : the shared data folder (AVL traces and the Tranzy GTFS export).

    Returns
    -------
    The summary of :func:`congestion_summary`, plus ``files`` (the paths written).
    """
    day = compute_congestion_day(shared_data)
    summary = congestion_summary(day)
    out_dir.mkdir(parents=True, exist_ok=True)
    png = out_dir / "congestion_day.png"
    geojson = out_dir / "congestion_segments.geojson"
    write_chart(png, day, summary)
    geojson.write_text(json.dumps(segment_features(day)))
    summary["files"] = {"chart": str(png), "segments": str(geojson)}
    return summary


def format_summary(summary: dict[str, Any]) -> str:
    """Plain-text rendering of a summary (peak vs night first, then hours and lines)."""
    s = summary
    lines = [
        f"{s['date']} ({s['timezone']}): {s['positions']} positions replayed "
        f"({s['positions_skipped']} skipped), {s['runs']} runs, {s['traversals']} segment "
        f"traversals on {s['segments_observed']}/{s['segments']} segments",
        f"peak {s['peak_hours']} city TTI {s['peak_tti']} (+{s['peak_extra_percent']} %)",
        f"night {s['night_hours']} city TTI {s['night_tti']} (+{s['night_extra_percent']} %)",
        f"whole day city TTI {s['day_tti']} (+{s['day_extra_percent']} %)",
        "local hour  city TTI  extra %  traversals",
    ]
    lines += [f"  {h['hour']:02d}:00    {h['tti']:7.3f}  {h['extra_percent']:6.1f}  "
              f"{h['traversals']:7d}" for h in s["hourly"] if h["tti"] is not None]
    lines += [f"  line {k:>4}: day TTI {v}" for k, v in s["lines"].items()]
    return "\n".join(lines)


__all__ = ["MAX_OFFSET_M", "CongestionDay", "ShapeRun", "compute_congestion_day",
           "congestion_summary", "format_summary", "observations", "segment_features",
           "segment_table", "shape_runs", "write_chart", "write_congestion_day"]
