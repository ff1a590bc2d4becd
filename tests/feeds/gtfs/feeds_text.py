"""Small inline GTFS feeds shared by the GTFS tests (times chosen to be checked by hand)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from feeds.gtfs import GtfsFeed
    from feeds.report import IngestReport
    from routing.timetable import Timetable

AGENCY = """
# agency.txt
agency_id,agency_name,agency_url,agency_timezone
STPT,STPT,https://example.org,Europe/Bucharest
"""

CALENDAR = """
# calendar.txt
service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date
WK,1,1,1,1,1,0,0,20240101,20240131
"""

STOPS = """
# stops.txt
stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station,wheelchair_boarding
A,Alpha,45.7500,21.2000,,,1
B,Bravo,45.7500,21.2100,,,
C,Charlie,45.7500,21.2200,,,2
D,Delta,45.7500,21.2400,,,
"""

ROUTES = """
# routes.txt
route_id,agency_id,route_short_name,route_long_name,route_type
R1,STPT,1,Alpha-Delta,3
"""

#: One route, two trips A-B-C-D, weekday service in January 2024.
BASIC = AGENCY + CALENDAR + STOPS + ROUTES + """
# trips.txt
route_id,service_id,trip_id,trip_headsign
R1,WK,T1,Delta
R1,WK,T2,Delta
# stop_times.txt
trip_id,arrival_time,departure_time,stop_id,stop_sequence
T1,08:00:00,08:00:00,A,1
T1,08:05:00,08:06:00,B,2
T1,08:10:00,08:10:00,C,3
T1,08:20:00,08:20:00,D,4
T2,09:00:00,09:00:00,A,1
T2,09:05:00,09:06:00,B,2
T2,09:10:00,09:10:00,C,3
T2,09:20:00,09:20:00,D,4
"""


def basic_with(**sections: str) -> str:
    """BASIC with whole sections replaced, e.g. ``basic_with(stop_times="trip_id,...")``."""
    from tests.support.gtfs_text import parse_sections

    files = parse_sections(BASIC)
    for name, body in sections.items():
        files[f"{name}.txt"] = body
    return "".join(f"# {k}\n{v}\n" for k, v in files.items() if v is not None)


def build(text: str, tmp_path: Path) -> tuple[GtfsFeed, IngestReport, Timetable]:
    """Read inline GTFS text through a zip and compile it."""
    from feeds.gtfs import compile_timetable, read_gtfs
    from tests.support.gtfs_text import gtfs_zip

    feed, report = read_gtfs(gtfs_zip(text, tmp_path))
    return feed, report, compile_timetable(feed, report=report)


def trip_times(tt: Timetable, trip_id: str) -> list[list[tuple[int, int]]]:
    """(arrival_s, departure_s) per stop of every timetable trip of GTFS ``trip_id``."""
    out = []
    g = tt.names.trip_ids.index(trip_id)
    pattern = tt.trip_pattern()
    for t in range(tt.n_trips):
        if tt.trip_gtfs[t] != g:
            continue
        p = int(pattern[t])
        n = int(tt.pattern_stop_start[p + 1] - tt.pattern_stop_start[p])
        idx = [tt.stop_time_index(t, i) for i in range(n)]
        out.append([(int(tt.arrival_s[i]), int(tt.departure_s[i])) for i in idx])
    return out
