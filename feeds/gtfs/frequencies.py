"""Expand frequencies.txt into individual runs of their template trips.

A frequency row ``(trip, start_s, end_s, headway_secs)`` gives runs departing the first stop at
``start_s, start_s + headway, ...`` while ``< end_s`` (end exclusive), whether ``exact_times``
is 1 (exact schedule) or 0 (headway-based, planned as if exact).  A run is the template trip's
stop times shifted so that its first departure is the run's start.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]


def expand_runs(
    n_gtfs_trips: int, frequencies: pd.DataFrame, trip_index: pd.Index, first_departure_s: I32
) -> tuple[I64, I64]:
    """Trip instances: ``(gtfs_trip, shift_s)`` per run, plus one unshifted per plain trip.

    Parameters
    ----------
    n_gtfs_trips:
        Number of GTFS trips (codes ``0..n-1``).
    frequencies:
        Normalised frequencies (``trip_id``, ``start_s``, ``end_s``, ``headway_secs``).
    trip_index:
        Index mapping ``trip_id`` to its code.
    first_departure_s:
        Template departure time at the first stop, per GTFS trip, seconds.

    Returns
    -------
    gtfs_trip, shift_s
        Per instance: the GTFS trip code and the shift (seconds) added to its template times.
        Trips listed in frequencies.txt appear only as their runs.
    """
    plain = np.ones(n_gtfs_trips, dtype=bool)
    if len(frequencies) == 0:
        return np.arange(n_gtfs_trips, dtype=np.int64), np.zeros(n_gtfs_trips, dtype=np.int64)
    code = trip_index.get_indexer(frequencies["trip_id"]).astype(np.int64)
    plain[code] = False
    start = frequencies["start_s"].to_numpy(np.int64)
    end = frequencies["end_s"].to_numpy(np.int64)
    headway = frequencies["headway_secs"].to_numpy(np.int64)
    n_runs = np.maximum((end - start + headway - 1) // headway, 0)
    row = np.repeat(np.arange(len(code)), n_runs)
    k = np.arange(int(n_runs.sum())) - np.repeat(np.cumsum(n_runs) - n_runs, n_runs)
    run_start = start[row] + k * headway[row]
    run_trip = code[row]
    shift = run_start - first_departure_s[run_trip].astype(np.int64)
    plain_codes = np.flatnonzero(plain).astype(np.int64)
    gtfs_trip = np.concatenate([plain_codes, run_trip])
    shift_s = np.concatenate([np.zeros(len(plain_codes), dtype=np.int64), shift])
    return gtfs_trip, shift_s


def count_runs(frequencies: pd.DataFrame) -> int:
    """Number of runs the frequency rows expand to."""
    if len(frequencies) == 0:
        return 0
    start = frequencies["start_s"].to_numpy(np.int64)
    end = frequencies["end_s"].to_numpy(np.int64)
    headway = frequencies["headway_secs"].to_numpy(np.int64)
    return int(np.maximum((end - start + headway - 1) // headway, 0).sum())
