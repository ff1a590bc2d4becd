"""Probe-based ETA error on the STPT AVL traces, against a schedule-only baseline.

Usage: ``python -m bench.eta_eval [--data DIR] [--cuts 3] [--seed 1]``

Stops come from the Tranzy GTFS export (stops and shapes, no times), projected in order on the
shape of each line direction.  Vehicle runs come from :mod:`bench.congestion_day`.  For each
run, ``--cuts`` random fixes are chosen as "now"; the rest of the run is hidden.  For the next
5 stops whose passing time the hidden part observed (boundary crossing, interpolated between
fixes):

* **probe ETA**: :func:`routing.probes.eta_ahead` under a speed profile of 200 m segments made
  of the space-mean speeds that *other* vehicles measured on the same segments in the 30
  minutes before "now" (live probes); segments without recent data use the day's median speed
  of that segment; never data from the hidden future of the run itself.
* **schedule ETA** (baseline, standing in for the missing timetable): the line's median
  historical run time between consecutive stops (all runs of the day), accumulated from the
  vehicle's position.

Prints the mean absolute error (s) per horizon (1st..5th next stop) and overall.
"""

from __future__ import annotations

import argparse
import warnings
from collections import defaultdict

import numpy as np
import numpy.typing as npt

from bench.congestion_day import (
    MAX_OFFSET_M,
    ShapeRun,
    data_dir,
    load_line_shapes,
    replay_positions,
    segment_table,
    shape_runs,
)
from feeds.report import IngestReport
from routing.probes import crossing_times, eta_ahead, segment_speeds

F64 = npt.NDArray[np.float64]
HORIZON = 5
LIVE_WINDOW_S = 1800.0


def stop_positions(shape_stops: tuple[F64, F64], shape: object) -> F64:
    """Along (m) of the stops, projected in order (non-decreasing); off-shape stops dropped."""
    from routing.probes import LineShape

    assert isinstance(shape, LineShape)
    along, off = shape.project(*shape_stops)
    along = along[off <= MAX_OFFSET_M]
    return np.maximum.accumulate(along) if along.size else along


def main(argv: list[str] | None = None) -> int:
    """Run the evaluation (see module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=None)
    ap.add_argument("--cuts", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    data = data_dir(args.data)
    rng = np.random.default_rng(args.seed)
    positions = replay_positions(data / "timisoara" / "stpt" / "avl-traces",
                                 IngestReport("stpt_live:avl"))
    lines = load_line_shapes(data / "timisoara" / "gtfs" / "stpt_timisoara_tranzy_20260218.zip",
                             {v.route_name.upper() for v in positions})
    runs = shape_runs(positions, lines)
    table, _owners = segment_table(lines, 200.0)

    by_shape: dict[tuple[str, int], list[ShapeRun]] = defaultdict(list)
    for r in runs:
        by_shape[(r.route, r.shape)].append(r)

    err_probe: list[list[float]] = [[] for _ in range(HORIZON)]
    err_sched: list[list[float]] = [[] for _ in range(HORIZON)]
    for key, rs in sorted(by_shape.items()):
        route, k = key
        stops = stop_positions(lines[route].stops[k], lines[route].shapes[k])
        if stops.size < HORIZON + 2:
            continue
        _first, bounds = table[key]
        n_seg = bounds.size - 1
        # observed stop passing times of every run; the "schedule" = median hop times
        cross = np.array([crossing_times(r.along_m, r.t_s, stops) for r in rs])
        hops = np.diff(cross, axis=1)
        hops[hops < 0] = np.nan
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # hops never observed: NaN
            med_hop = np.nanmedian(hops, axis=0)
        med_hop = np.where(np.isfinite(med_hop), med_hop, np.nanmedian(med_hop))
        sched_cum = np.concatenate([[0.0], np.cumsum(med_hop)])
        # every run's segment traversals (for live profiles) and the day's median per segment
        obs = [segment_speeds(r.along_m, r.t_s, bounds) for r in rs]
        seg_all = np.concatenate([o.segment for o in obs]) if obs else np.zeros(0, np.int32)
        spd_all = np.concatenate([o.speed_mps for o in obs]) if obs else np.zeros(0)
        day_med = np.full(n_seg, np.nan)
        for s in range(n_seg):
            v = spd_all[seg_all == s]
            if v.size:
                day_med[s] = np.median(v)
        day_med = np.where(np.isfinite(day_med), day_med, np.nanmedian(day_med))
        for ri, r in enumerate(rs):
            if r.t_s.size < 10:
                continue
            for i in rng.choice(np.arange(2, r.t_s.size - 3), size=min(args.cuts,
                                                                       r.t_s.size - 5),
                                replace=False):
                t_now, a_now = float(r.t_s[i]), float(np.max(r.along_m[:i + 1]))
                truth_all = cross[ri]
                ahead = np.flatnonzero((stops > a_now) & (truth_all > t_now))[:HORIZON]
                if ahead.size == 0:
                    continue
                truth = truth_all[ahead]
                # live profile from other vehicles' traversals in the last 30 minutes
                prof = day_med.copy()
                tt_sum = np.zeros(n_seg)
                cnt = np.zeros(n_seg)
                for rj, o in enumerate(obs):
                    if rj == ri:
                        continue
                    m = (o.t_mid_s <= t_now) & (o.t_mid_s > t_now - LIVE_WINDOW_S)
                    np.add.at(tt_sum, o.segment[m], o.travel_s[m])
                    np.add.at(cnt, o.segment[m], 1)
                live = cnt > 0
                prof[live] = cnt[live] * np.diff(bounds)[live] / tt_sum[live]
                eta_p = eta_ahead(a_now, t_now, stops[ahead], bounds, prof)
                s_here = np.interp(a_now, stops, sched_cum)
                eta_s = t_now + np.maximum(sched_cum[ahead] - s_here, 0.0)
                for h in range(ahead.size):
                    err_probe[h].append(abs(float(eta_p[h] - truth[h])))
                    err_sched[h].append(abs(float(eta_s[h] - truth[h])))
    print("next stop   n     probe MAE s   schedule MAE s")
    for h in range(HORIZON):
        print(f"  +{h + 1}      {len(err_probe[h]):5d}   {np.mean(err_probe[h]):8.1f}"
              f"      {np.mean(err_sched[h]):8.1f}")
    allp = np.concatenate([np.array(e) for e in err_probe])
    alls = np.concatenate([np.array(e) for e in err_sched])
    print(f"  all     {allp.size:5d}   {allp.mean():8.1f}      {alls.mean():8.1f}  "
          f"(median {np.median(allp):.1f} vs {np.median(alls):.1f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
