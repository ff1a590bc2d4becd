"""Live congestion state: probe segment traversals -> 15-min bins -> TTI per segment, line, city.

Segments are 200 m pieces of each timetable pattern's shape (global id = pattern's first
segment + index along the shape).  Every matched vehicle position extends that vehicle's run
on its pattern; a segment traversal is emitted once both its boundaries have been crossed
(:func:`routing.probes.segment_speeds`).  Traversals are kept sparse, per 15-minute bin, for
``retention_s`` (two days by default), and so is the sample history the free-flow speed comes
from: per segment the 85th percentile of the speeds observed at night (21:00-06:00 local; the
off-peak fallback is the 85th percentile of all samples when a segment has fewer than 5 night
samples) -- :func:`routing.congestion.free_flow_speeds`.  Indices follow
:mod:`routing.congestion`: TTI per segment, length-weighted city index, summed-time line index.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from maas.realtime.matching import TripMatcher, VehicleMatch
from routing.congestion import (
    BIN_S,
    BinnedSpeeds,
    bin_speeds,
    city_index,
    corridor_index,
    free_flow_speeds,
)
from routing.probes import fixed_boundaries, segment_speeds

F64 = npt.NDArray[np.float64]
SEG_LEN_M = 200.0
#: Default retention of bins and samples, seconds (two days).
RETENTION_S = 2 * 86_400
#: A run is cut after this gap between fixes (s) or a jump back of this many metres.
MAX_GAP_S = 300.0
RESTART_M = 300.0
_RUN_FIXES = 40


@dataclass
class _Run:
    pattern: int
    trip: int
    along: list[float] = field(default_factory=list)
    t: list[float] = field(default_factory=list)
    emitted_until: float = -np.inf


@dataclass(frozen=True)
class SeriesPoint:
    """City index of one bin: start (Unix s), TTI (NaN = no data), traversals counted."""

    t0_s: float
    tti: float
    samples: int


class CongestionTracker:
    """Per-segment bins and the city index series of one network (thread-safe)."""

    def __init__(self, matcher: TripMatcher, *, bin_s: int = BIN_S,
                 retention_s: float = RETENTION_S, seg_len_m: float = SEG_LEN_M) -> None:
        self.matcher = matcher
        self.bin_s = bin_s
        self.retention_s = retention_s
        tt = matcher.tt
        self.seg_start = np.zeros(tt.n_patterns + 1, dtype=np.int64)
        self.bounds: list[F64 | None] = []
        for p in range(tt.n_patterns):
            ps = matcher.pattern_shape(p)
            b = fixed_boundaries(ps.shape.length_m, seg_len_m) if ps is not None else None
            self.bounds.append(b)
            self.seg_start[p + 1] = self.seg_start[p] + (b.size - 1 if b is not None else 0)
        self.n_segments = int(self.seg_start[-1])
        self.length_m = np.zeros(self.n_segments)
        for p, b in enumerate(self.bounds):
            if b is not None:
                self.length_m[self.seg_start[p]:self.seg_start[p + 1]] = np.diff(b)
        self.seg_pattern = np.repeat(np.arange(tt.n_patterns), np.diff(self.seg_start))
        self._runs: dict[str, _Run] = {}
        self._bins: dict[int, tuple[list[int], list[float]]] = {}
        self._hist: list[tuple[npt.NDArray[np.int64], F64, F64]] = []
        self._lock = threading.Lock()
        self.latest_s = -np.inf
        self.traversals = 0

    # -- input ------------------------------------------------------------------------------
    def add(self, matches: list[VehicleMatch]) -> int:
        """Extend the runs with matched positions; return the number of new traversals."""
        new = 0
        with self._lock:
            for m in matches:
                new += self._add_one(m)
            self._trim()
        return new

    def _add_one(self, m: VehicleMatch) -> int:
        vid, t = m.vehicle.vehicle_id, float(m.vehicle.timestamp_s)
        self.latest_s = max(self.latest_s, t)
        run = self._runs.get(vid)
        if (run is None or run.pattern != m.pattern or run.trip != m.trip or not run.t
                or t - run.t[-1] > MAX_GAP_S or m.along_m < max(run.along) - RESTART_M):
            run = _Run(m.pattern, m.trip)
            self._runs[vid] = run
        if run.t and t <= run.t[-1]:
            return 0
        run.along.append(m.along_m)
        run.t.append(t)
        del run.along[:-_RUN_FIXES], run.t[:-_RUN_FIXES]
        b = self.bounds[m.pattern]
        if b is None or len(run.t) < 2:
            return 0
        obs = segment_speeds(np.array(run.along), np.array(run.t), b, max_gap_s=MAX_GAP_S)
        leave = obs.t_mid_s + obs.travel_s / 2.0
        fresh = leave > run.emitted_until
        if not fresh.any():
            return 0
        run.emitted_until = float(leave[fresh].max())
        seg = obs.segment[fresh].astype(np.int64) + int(self.seg_start[m.pattern])
        tmid, travel, speed = obs.t_mid_s[fresh], obs.travel_s[fresh], obs.speed_mps[fresh]
        for s, tm, tr in zip(seg.tolist(), tmid.tolist(), travel.tolist(), strict=True):
            key = int(tm // self.bin_s) * self.bin_s
            segs, trs = self._bins.setdefault(key, ([], []))
            segs.append(s)
            trs.append(tr)
        self._hist.append((seg, speed, tmid))
        self.traversals += int(seg.size)
        return int(seg.size)

    def _trim(self) -> None:
        if not np.isfinite(self.latest_s):
            return
        cut = self.latest_s - self.retention_s
        for k in [k for k in self._bins if k + self.bin_s <= cut]:
            del self._bins[k]
        if len(self._hist) > 256:
            seg, spd, tm = (np.concatenate([h[i] for h in self._hist]) for i in range(3))
            keep = tm >= cut
            self._hist = [(seg[keep].astype(np.int64), spd[keep], tm[keep])]

    # -- indicators -------------------------------------------------------------------------
    def free_flow(self) -> F64:
        """Free-flow speed per segment, m/s (NaN where never observed)."""
        with self._lock:
            hist = list(self._hist)
        if not hist:
            return np.full(self.n_segments, np.nan)
        seg = np.concatenate([h[0] for h in hist])
        spd = np.concatenate([h[1] for h in hist])
        tm = np.concatenate([h[2] for h in hist])
        tz = ZoneInfo(self.matcher.tz)
        off = datetime.fromtimestamp(float(tm.max()), tz).utcoffset()
        ff, _night = free_flow_speeds(seg, spd, tm, self.n_segments,
                                      utc_offset_s=int(off.total_seconds()) if off else 0)
        return ff

    def binned(self, t0_s: float | None = None, n_bins: int | None = None) -> BinnedSpeeds:
        """Bins from ``t0_s`` (default: the oldest kept) over ``n_bins`` (default: all kept)."""
        with self._lock:
            items = {k: (list(v[0]), list(v[1])) for k, v in self._bins.items()}
        if not items:
            return bin_speeds([], [], [], self.length_m, t0_s=t0_s or 0.0, n_bins=n_bins or 0,
                              bin_s=self.bin_s)
        first = min(items) if t0_s is None else int(t0_s)
        n = n_bins if n_bins is not None else (max(items) - first) // self.bin_s + 1
        seg = [s for v in items.values() for s in v[0]]
        tr = [x for v in items.values() for x in v[1]]
        ts = [k + self.bin_s / 2.0 for k, v in items.items() for _ in v[0]]
        return bin_speeds(seg, ts, tr, self.length_m, t0_s=first, n_bins=n, bin_s=self.bin_s)

    def series(self) -> list[SeriesPoint]:
        """City index of every kept bin (oldest first)."""
        b = self.binned()
        if b.n_bins == 0:
            return []
        ci = city_index(b, self.free_flow())
        cnt = b.samples.sum(axis=0)
        return [SeriesPoint(b.t0_s + i * b.bin_s, float(ci[i]), int(cnt[i]))
                for i in range(b.n_bins)]

    def line_index(self, binned: BinnedSpeeds, ff: F64) -> dict[str, F64]:
        """TTI per bin of every line (route short name) with segments."""
        tt = self.matcher.tt
        out: dict[str, F64] = {}
        for line, pats in sorted(self.matcher.patterns_by_line.items()):
            segs = np.concatenate([np.arange(self.seg_start[p], self.seg_start[p + 1])
                                   for p in pats]) if pats else np.zeros(0, np.int64)
            if segs.size and binned.n_bins:
                out[line] = corridor_index(binned, ff, segs)
        _ = tt
        return out

    def segment_geometry(self, seg: int) -> tuple[F64, F64]:
        """``(lat, lon)`` vertices of segment ``seg``."""
        p = int(self.seg_pattern[seg])
        b = self.bounds[p]
        ps = self.matcher.pattern_shape(p)
        assert b is not None and ps is not None
        j = seg - int(self.seg_start[p])
        return ps.shape.sub_line(float(b[j]), float(b[j + 1]))


__all__ = ["RETENTION_S", "SEG_LEN_M", "CongestionTracker", "SeriesPoint"]
