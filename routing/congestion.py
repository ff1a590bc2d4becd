"""Congestion indicators from probe segment speeds (pure numpy).

Observations (segment traversals, see :mod:`routing.probes`) are aggregated per segment and
time bin (15 minutes by default) into a *space-mean* speed: total length travelled over total
time, i.e. the harmonic mean of the traversal speeds — the mean that makes travel times add up.

Free-flow speed (choice documented here): per segment, the 85th percentile of the traversal
speeds observed at *night* (local hours ``night_hours``, default 21:00-06:00), when traffic
does not slow vehicles; when a segment has fewer than ``min_night_samples`` night samples, the
85th percentile of all its samples is used instead.  The 85th percentile (not the maximum)
discards GPS and interpolation outliers while staying above typical day speeds.  For buses the
free-flow speed includes stop dwell, so the index measures traffic delay on top of the normal
dwell pattern.

Indicators (TomTom's definitions):

* Travel Time Index ``TTI = free-flow speed / observed speed`` = actual time / free-flow time;
* extra travel time ``(TTI - 1) * 100`` percent.

Per line or corridor the index is the ratio of summed times (actual / free-flow) over the
segments observed in the bin; city-wide it is the length-weighted mean of segment TTIs over the
segments observed in the bin.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]

#: Default aggregation bin, seconds (15 minutes).
BIN_S = 900
#: Default night hours (local), as [start, end) wrapping midnight.
NIGHT_HOURS = (21, 6)
#: Night samples needed before the night percentile is trusted.
MIN_NIGHT_SAMPLES = 5
#: Percentile used for the free-flow speed.
FREE_FLOW_PERCENTILE = 85.0


def percentile_by_group(group: npt.ArrayLike, value: npt.ArrayLike, n_groups: int,
                        q: float) -> tuple[F64, I64]:
    """Per-group percentile (linear interpolation, like ``np.percentile``) and group sizes.

    Groups without values get NaN.
    """
    g = np.asarray(group, dtype=np.int64)
    v = np.asarray(value, dtype=np.float64)
    out = np.full(n_groups, np.nan)
    counts = np.bincount(g, minlength=n_groups).astype(np.int64)
    if g.size == 0:
        return out, counts
    order = np.lexsort((v, g))
    vs = v[order]
    start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    has = counts > 0
    pos = start[has] + (counts[has] - 1) * (q / 100.0)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, start[has] + counts[has] - 1)
    frac = pos - lo
    out[has] = vs[lo] * (1.0 - frac) + vs[hi] * frac
    return out, counts


def local_hour(t_s: npt.ArrayLike, utc_offset_s: int) -> I64:
    """Local hour of day (0..23) of Unix times, for a fixed UTC offset in seconds."""
    t = np.asarray(t_s, dtype=np.float64)
    return (np.floor((t + utc_offset_s) / 3600.0).astype(np.int64)) % 24


def is_night(hour: npt.ArrayLike, night_hours: tuple[int, int] = NIGHT_HOURS) -> npt.NDArray[
        np.bool_]:
    """Whether each local hour lies in ``[start, end)`` (wrapping midnight)."""
    h = np.asarray(hour)
    a, b = night_hours
    return (h >= a) | (h < b) if a > b else (h >= a) & (h < b)


def free_flow_speeds(segment: npt.ArrayLike, speed_mps: npt.ArrayLike, t_s: npt.ArrayLike,
                     n_segments: int, *, utc_offset_s: int = 0,
                     night_hours: tuple[int, int] = NIGHT_HOURS,
                     min_night_samples: int = MIN_NIGHT_SAMPLES,
                     q: float = FREE_FLOW_PERCENTILE) -> tuple[F64, npt.NDArray[np.bool_]]:
    """Free-flow speed (m/s) per segment and whether it came from night samples.

    See the module docstring for the rule; segments without any sample get NaN.
    """
    seg = np.asarray(segment, dtype=np.int64)
    v = np.asarray(speed_mps, dtype=np.float64)
    night = is_night(local_hour(t_s, utc_offset_s), night_hours)
    ff_all, _ = percentile_by_group(seg, v, n_segments, q)
    ff_night, n_night = percentile_by_group(seg[night], v[night], n_segments, q)
    use_night = n_night >= min_night_samples
    return np.where(use_night, ff_night, ff_all), use_night


@dataclass(frozen=True)
class BinnedSpeeds:
    """Space-mean speeds per (segment, bin).

    ``travel_s[s, b]`` is the summed traversal time and ``samples[s, b]`` the count; the speed
    is ``samples * length / travel_s`` (NaN without samples).  Bin ``b`` starts at
    ``t0_s + b * bin_s`` (Unix seconds).
    """

    t0_s: float
    bin_s: int
    length_m: F64
    travel_s: F64
    samples: I64

    @property
    def speed_mps(self) -> F64:
        """Space-mean speed per (segment, bin), m/s; NaN without samples."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.samples > 0,
                            self.samples * self.length_m[:, None] / self.travel_s, np.nan)

    @property
    def n_bins(self) -> int:
        """Number of time bins."""
        return int(self.samples.shape[1])


def bin_speeds(segment: npt.ArrayLike, t_s: npt.ArrayLike, travel_s: npt.ArrayLike,
               length_m: npt.ArrayLike, *, t0_s: float, n_bins: int,
               bin_s: int = BIN_S) -> BinnedSpeeds:
    """Aggregate traversals into (segment, bin) sums; traversals outside the bins are ignored.

    Parameters
    ----------
    segment : segment index of each traversal.
    t_s : traversal time stamp (e.g. mid time), Unix seconds.
    travel_s : traversal duration, seconds.
    length_m : length of every segment, metres.
    t0_s, n_bins, bin_s : the bins ``[t0 + b*bin_s, t0 + (b+1)*bin_s)``.
    """
    lengths = np.asarray(length_m, dtype=np.float64)
    n_seg = lengths.size
    seg = np.asarray(segment, dtype=np.int64)
    b = np.floor((np.asarray(t_s, dtype=np.float64) - t0_s) / bin_s).astype(np.int64)
    ok = (b >= 0) & (b < n_bins)
    flat = seg[ok] * n_bins + b[ok]
    tt = np.bincount(flat, weights=np.asarray(travel_s, dtype=np.float64)[ok],
                     minlength=n_seg * n_bins).reshape(n_seg, n_bins).astype(np.float64)
    cnt = np.bincount(flat, minlength=n_seg * n_bins).reshape(n_seg, n_bins).astype(np.int64)
    return BinnedSpeeds(float(t0_s), int(bin_s), lengths, tt, cnt)


def travel_time_index(free_flow_mps: F64, observed_mps: F64) -> F64:
    """TTI = free-flow speed / observed speed (NaN where either is missing)."""
    ff = np.asarray(free_flow_mps, dtype=np.float64)
    ob = np.asarray(observed_mps, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        if ob.ndim == ff.ndim + 1:
            return ff[:, None] / ob
        return ff / ob


def extra_time_percent(tti: npt.ArrayLike) -> F64:
    """Extra travel time in percent: ``(TTI - 1) * 100``."""
    return (np.asarray(tti, dtype=np.float64) - 1.0) * 100.0


def corridor_index(binned: BinnedSpeeds, free_flow_mps: F64,
                   segments: npt.ArrayLike | None = None) -> F64:
    """TTI per bin of a line or corridor: summed actual time / summed free-flow time.

    Only segments observed in the bin (and with a free-flow speed) count; NaN when none.
    ``segments`` selects the corridor's segments (all by default).
    """
    sel = np.arange(binned.length_m.size) if segments is None else np.asarray(segments)
    v = binned.speed_mps[sel]
    ff = np.asarray(free_flow_mps, dtype=np.float64)[sel]
    length = binned.length_m[sel][:, None]
    ok = np.isfinite(v) & np.isfinite(ff)[:, None] & (ff[:, None] > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        actual = np.where(ok, length / v, 0.0).sum(axis=0)
        free = np.where(ok, length / ff[:, None], 0.0).sum(axis=0)
        return np.where(free > 0, actual / free, np.nan)


def city_index(binned: BinnedSpeeds, free_flow_mps: F64) -> F64:
    """City-wide TTI per bin: length-weighted mean of the observed segments' TTIs (NaN if none)."""
    tti = travel_time_index(free_flow_mps, binned.speed_mps)
    ok = np.isfinite(tti)
    w = np.where(ok, binned.length_m[:, None], 0.0)
    num = np.where(ok, tti * w, 0.0).sum(axis=0)
    den = w.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / den, np.nan)


def congestion_level(tti: npt.ArrayLike) -> npt.NDArray[np.int8]:
    """Level 0..4 from TTI: <1.1 free, <1.3 light, <1.6 moderate, <2 heavy, else severe; -1 NaN.

    Thresholds follow the usual extra-time bands (10 %, 30 %, 60 %, 100 %).
    """
    x = np.asarray(tti, dtype=np.float64)
    lvl = np.digitize(x, [1.1, 1.3, 1.6, 2.0]).astype(np.int8)
    lvl[~np.isfinite(x)] = -1
    return lvl


def merge_bins(binned: BinnedSpeeds, factor: int) -> BinnedSpeeds:
    """Coarser bins (e.g. ``factor=4`` turns 15-minute bins into hours)."""
    n = binned.n_bins // factor * factor
    tt = binned.travel_s[:, :n].reshape(-1, n // factor, factor).sum(axis=2)
    cnt = binned.samples[:, :n].reshape(-1, n // factor, factor).sum(axis=2)
    return BinnedSpeeds(binned.t0_s, binned.bin_s * factor, binned.length_m, tt, cnt)
