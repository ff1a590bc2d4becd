"""GtfsFeed: the typed, normalised, validated tables of one (or several merged) GTFS feeds."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

#: Columns of ``GtfsFeed.stop_times`` (times as int seconds of the service day, always set).
STOP_TIME_COLUMNS = (
    "trip_id",
    "stop_id",
    "stop_sequence",
    "arrival_s",
    "departure_s",
    "pickup_type",
    "drop_off_type",
    "shape_dist_traveled",
    "_row",
)

#: Columns of ``GtfsFeed.frequencies`` (start/end in seconds of the service day).
FREQUENCY_COLUMNS = ("trip_id", "start_s", "end_s", "headway_secs", "exact_times", "_row")


@dataclass(frozen=True)
class GtfsFeed:
    """Normalised GTFS tables (build time only; never used per query).

    Every table has fixed columns and dtypes (see :mod:`feeds.gtfs.tables`); a missing
    optional file is an empty frame.  Every reference resolves: each trip's route and service
    exist, each stop time's trip and stop exist and the stop is a boarding location, each
    trip has at least two stop times with non-decreasing times (seconds; blanks filled), and
    ``stop_times`` is sorted by trip (in ``trips`` order) then ``stop_sequence``.  Dates are
    ISO ordinals (``datetime.date.toordinal()``).

    Attributes
    ----------
    feed_ids:
        Ids of the source feeds (empty strings allowed for a single unnamed feed).
    """

    feed_ids: tuple[str, ...]
    agency: pd.DataFrame
    stops: pd.DataFrame
    routes: pd.DataFrame
    trips: pd.DataFrame
    stop_times: pd.DataFrame
    calendar: pd.DataFrame
    calendar_dates: pd.DataFrame
    frequencies: pd.DataFrame
    transfers: pd.DataFrame
    shapes: pd.DataFrame

    @property
    def timezone(self) -> str:
        """The first agency's ``agency_timezone`` (``"UTC"`` if none)."""
        tz = [t for t in self.agency["agency_timezone"].tolist() if t]
        return str(tz[0]) if tz else "UTC"

    @property
    def n_stop_times(self) -> int:
        """Number of stop-time rows (before frequency expansion)."""
        return len(self.stop_times)
