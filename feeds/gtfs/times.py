"""GTFS time strings (``H:MM:SS``, hours may exceed 23) to int seconds, vectorised."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

#: A blank time (allowed for intermediate stops, to be interpolated).
BLANK_TIME: int = -1
#: A time that is present but not a valid GTFS time.
INVALID_TIME: int = -2

#: One to three hour digits, two minute digits 00-59, two second digits 00-59.
_TIME_RE = r"^\s*(\d{1,3}):([0-5]\d):([0-5]\d)\s*$"


def parse_times(values: pd.Series) -> npt.NDArray[np.int32]:
    """Seconds since the start of the service day (noon minus 12 h) of each GTFS time string.

    ``"8:05:00"`` -> 29_100, ``"25:10:00"`` -> 90_600.  Blank or missing values give
    :data:`BLANK_TIME`; malformed ones (``"25:61:00"``, ``"8:5"``, ``"abc"``) give
    :data:`INVALID_TIME`.  Each distinct string is parsed once, so the cost grows with the
    number of distinct times, not of rows.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    out = np.full(len(values), BLANK_TIME, dtype=np.int32)
    if len(uniques) == 0:
        return out
    text = pd.Series(np.asarray(uniques, dtype=object), dtype="string")
    parts = text.str.extract(_TIME_RE)
    ok = parts[0].notna().to_numpy()
    secs = np.full(len(text), INVALID_TIME, dtype=np.int64)
    if ok.any():
        p = parts[ok].astype("int64").to_numpy()
        secs[ok] = p[:, 0] * 3600 + p[:, 1] * 60 + p[:, 2]
    blank = text.str.strip().eq("").fillna(True).to_numpy()
    secs[blank] = BLANK_TIME
    valid_code = codes >= 0
    out[valid_code] = secs[codes[valid_code]].astype(np.int32)
    return out


def format_time(seconds: int) -> str:
    """``HH:MM:SS`` for a service-day time in seconds (hours may exceed 23)."""
    h, rem = divmod(int(seconds), 3600)
    m, s = divmod(rem, 60)
    return f"{h:02d}:{m:02d}:{s:02d}"
