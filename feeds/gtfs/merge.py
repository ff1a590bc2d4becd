"""merge_feeds: several normalised feeds -> one, every id namespaced ``<feed_id>:<id>``.

A single feed is returned unchanged, so its ids stay the raw GTFS ids.
"""

from __future__ import annotations

import pandas as pd

from feeds.errors import FeedError
from feeds.gtfs.feed import GtfsFeed

#: Id columns per table that refer to feed-scoped GTFS ids.
ID_COLUMNS: dict[str, tuple[str, ...]] = {
    "agency": ("agency_id",),
    "stops": ("stop_id", "parent_station"),
    "routes": ("route_id", "agency_id"),
    "trips": ("trip_id", "route_id", "service_id", "block_id", "shape_id"),
    "stop_times": ("trip_id", "stop_id"),
    "calendar": ("service_id",),
    "calendar_dates": ("service_id",),
    "frequencies": ("trip_id",),
    "transfers": ("from_stop_id", "to_stop_id", "from_route_id", "to_route_id", "from_trip_id",
                  "to_trip_id"),
    "shapes": ("shape_id",),
}

#: Columns that may be blank; a blank stays blank instead of becoming ``"<feed>:"``.
_BLANK_OK = {"parent_station", "agency_id", "block_id", "shape_id", "from_route_id",
             "to_route_id", "from_trip_id", "to_trip_id"}


def merge_feeds(feeds: list[GtfsFeed]) -> GtfsFeed:
    """Concatenate feeds, namespacing ids as ``"<feed_id>:<id>"`` when there are several.

    Raises
    ------
    FeedError
        No feed given, or several feeds whose ids are blank or not unique.
    """
    if not feeds:
        raise FeedError("no GTFS feed to merge")
    if len(feeds) == 1:
        return feeds[0]
    ids = [fid for f in feeds for fid in f.feed_ids]
    if any(not i for i in ids) or len(set(ids)) != len(ids):
        raise FeedError(f"merging needs distinct non-blank feed ids, got {ids}")
    tables: dict[str, pd.DataFrame] = {}
    for name, cols in ID_COLUMNS.items():
        parts = []
        for f in feeds:
            df = getattr(f, name).copy()
            prefix = f.feed_ids[0] + ":"
            for c in cols:
                s = df[c].astype(object)
                df[c] = s.where((s == "") & (c in _BLANK_OK), prefix + s.astype(str))
            parts.append(df)
        tables[name] = pd.concat(parts, ignore_index=True)
    return GtfsFeed(feed_ids=tuple(ids), **tables)
