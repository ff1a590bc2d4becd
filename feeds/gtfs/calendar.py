"""Service days: calendar.txt + calendar_dates.txt -> one uint64 bitset per service.

Bit ``d`` of a service's set (word ``d >> 6``, bit ``d & 63``) is day ``first_day + d``, an ISO
date ordinal.  The range covers every date of both files.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def service_days(
    calendar: pd.DataFrame, calendar_dates: pd.DataFrame, service_ids: list[str]
) -> npt.NDArray[np.bool_]:
    """Active-day matrix, shape ``(len(service_ids), n_days)``, over :func:`date_range`."""
    first, n_days = date_range(calendar, calendar_dates)
    index = pd.Index(service_ids)
    active = np.zeros((len(service_ids), n_days), dtype=bool)
    if len(calendar):
        s = index.get_indexer(calendar["service_id"])
        weekday_flags = calendar.loc[:, list(_WEEKDAYS)].to_numpy(dtype=bool)
        days = np.arange(n_days) + first
        # date.toordinal() of a Monday is 1 mod 7, so (ordinal - 1) % 7 is Monday=0..Sunday=6.
        weekday = (days - 1) % 7
        start = calendar["start_date"].to_numpy()[:, None]
        end = calendar["end_date"].to_numpy()[:, None]
        in_range = (days[None, :] >= start) & (days[None, :] <= end)
        rows = in_range & weekday_flags[:, weekday]
        for r in range(len(calendar)):
            active[s[r]] |= rows[r]
    if len(calendar_dates):
        s = index.get_indexer(calendar_dates["service_id"])
        d = calendar_dates["date"].to_numpy() - first
        kind = calendar_dates["exception_type"].to_numpy()
        active[s[kind == 1], d[kind == 1]] = True
        active[s[kind == 2], d[kind == 2]] = False
    return active


def date_range(calendar: pd.DataFrame, calendar_dates: pd.DataFrame) -> tuple[int, int]:
    """``(first_day, n_days)`` spanning both files (ISO ordinals); ``(0, 0)`` if both empty."""
    lows = [int(calendar["start_date"].min())] if len(calendar) else []
    highs = [int(calendar["end_date"].max())] if len(calendar) else []
    if len(calendar_dates):
        lows.append(int(calendar_dates["date"].min()))
        highs.append(int(calendar_dates["date"].max()))
    if not lows:
        return 0, 0
    first = min(lows)
    return first, max(max(highs) - first + 1, 1)


def pack_days(active: npt.NDArray[np.bool_]) -> npt.NDArray[np.uint64]:
    """Pack an active-day matrix into uint64 words, shape ``(n_services, ceil(n_days/64))``."""
    n_services, n_days = active.shape
    n_words = max((n_days + 63) // 64, 1)
    padded = np.zeros((n_services, n_words * 64), dtype=bool)
    padded[:, :n_days] = active
    packed = np.packbits(padded, axis=1, bitorder="little")
    return np.ascontiguousarray(packed).view("<u8").astype(np.uint64).reshape(n_services, n_words)
