"""GTFS ingestion: safe read, repair and validation, merging, and compilation to a Timetable.

>>> feed, report = read_gtfs(path, feed_id="stpt")            # doctest: +SKIP
>>> timetable = compile_timetable(merge_feeds([feed]), report=report)   # doctest: +SKIP
"""

from feeds.gtfs.archive import ArchiveLimits
from feeds.gtfs.compile import compile_timetable
from feeds.gtfs.feed import GtfsFeed
from feeds.gtfs.merge import merge_feeds
from feeds.gtfs.reader import read_gtfs

__all__ = ["ArchiveLimits", "GtfsFeed", "compile_timetable", "merge_feeds", "read_gtfs"]
