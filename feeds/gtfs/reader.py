"""read_gtfs: a GTFS zip or folder -> normalised, validated :class:`GtfsFeed` + IngestReport.

Pipeline: safe archive read (:mod:`~feeds.gtfs.archive`) -> byte repair
(:mod:`~feeds.gtfs.text`) -> gtfs-kit parses the tables -> per-table normalisation
(:mod:`~feeds.gtfs.tables`) -> reference checks, time parsing and interpolation.  Bad rows are
counted and skipped; only a feed that is unusable as a whole raises :class:`FeedError`.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import gtfs_kit
import numpy as np
import pandas as pd

from feeds.errors import FeedError, MissingFileError
from feeds.gtfs.archive import DEFAULT_LIMITS, ArchiveLimits, read_feed_files
from feeds.gtfs.feed import FREQUENCY_COLUMNS, STOP_TIME_COLUMNS, GtfsFeed
from feeds.gtfs.interpolate import fill_times
from feeds.gtfs.tables import ROW, SPECS, normalise
from feeds.gtfs.text import clean_text
from feeds.gtfs.times import BLANK_TIME, INVALID_TIME, parse_times
from feeds.report import IngestReport

log = logging.getLogger("feeds.gtfs")

REQUIRED_FILES = ("stops.txt", "routes.txt", "trips.txt", "stop_times.txt")

#: location_type values a vehicle can stop at (0 stop/platform, 4 boarding area).
BOARDING_TYPES = (0, 4)


def read_gtfs(
    path: Path,
    *,
    feed_id: str = "",
    report: IngestReport | None = None,
    require_schedule: bool = True,
    limits: ArchiveLimits = DEFAULT_LIMITS,
) -> tuple[GtfsFeed, IngestReport]:
    """Read, repair and validate one GTFS feed.

    Parameters
    ----------
    path:
        A GTFS ``.zip`` or a folder of GTFS ``.txt`` files.
    feed_id:
        Id of the feed (used by :func:`~feeds.gtfs.merge.merge_feeds` to namespace ids).
    report:
        Report to add to (a new one named ``gtfs:<feed_id or file stem>`` if ``None``).
    require_schedule:
        With ``False``, a feed without calendar or stop times (a stop/route/trip skeleton,
        e.g. one whose times are estimated elsewhere) is accepted; its stop times keep
        :data:`~feeds.gtfs.times.BLANK_TIME` and trips need no known service.
    limits:
        Archive size and compression-ratio limits.

    Raises
    ------
    MissingFileError
        A required file (stops, routes, trips, stop_times) is absent.
    UnsafeArchiveError
        The zip is too big, too compressed or has unsafe entry names.
    FeedError
        No calendar, no stop times, a required column missing, or no usable trip.
    """
    path = Path(path)
    if report is None:
        report = IngestReport(source=f"gtfs:{feed_id or path.stem}")
    files = read_feed_files(path, report=report, limits=limits)
    missing = [f for f in REQUIRED_FILES if f not in files]
    if missing:
        raise MissingFileError(
            f"required file missing from {path.name} (present: {sorted(files) or 'none'})",
            file=missing[0],
        )
    cleaned = {name: clean_text(name, data, report) for name, data in files.items()}
    raw = _parse_tables(cleaned, report)
    if require_schedule:
        _check_schedule(raw)
    tables = {name: normalise(name, raw.get(name), report) for name in SPECS}
    feed = _resolve(tables, (feed_id,), report, require_schedule)
    report.info.setdefault("counts", {}).update(
        stops=len(feed.stops), routes=len(feed.routes), trips=len(feed.trips),
        stop_times=len(feed.stop_times), frequencies=len(feed.frequencies),
    )
    return feed, report


def _parse_tables(cleaned: dict[str, bytes], report: IngestReport) -> dict[str, pd.DataFrame]:
    """Parse the repaired files with gtfs-kit; fall back to text columns if its typing fails."""
    with tempfile.TemporaryDirectory(prefix="gtfs-") as tmp:
        folder = Path(tmp)
        for name, data in cleaned.items():
            (folder / name).write_bytes(data)
        try:
            gk = gtfs_kit.read_feed(folder, dist_units="km")
            return {t: df for t in SPECS if (df := getattr(gk, t, None)) is not None}
        except (ValueError, TypeError, OverflowError) as exc:
            report.warn(
                f"gtfs-kit could not type the tables ({str(exc)[:120]}); read as text and "
                "validated row by row"
            )
            return {
                t: df
                for t in SPECS
                if (df := _read_text_table(folder / SPECS[t].file, report)) is not None
            }


def _read_text_table(path: Path, report: IngestReport) -> pd.DataFrame | None:
    """All-text read of one file; malformed CSV lines are skipped and counted."""
    if not path.exists() or path.stat().st_size == 0:
        return None
    bad: list[list[str]] = []

    def on_bad(line: list[str]) -> None:
        bad.append(line)

    df = pd.read_csv(
        path, dtype=str, keep_default_na=False, engine="python", on_bad_lines=on_bad,
        skipinitialspace=False,
    )
    if bad:
        report.skip(path.name, "malformed_csv_line", value=",".join(bad[0]), count=len(bad))
    return df


def _check_schedule(raw: dict[str, pd.DataFrame]) -> None:
    """Raise one FeedError listing every reason the feed has no usable timetable."""
    problems: list[str] = []
    if raw.get("calendar") is None and raw.get("calendar_dates") is None:
        problems.append("calendar.txt and calendar_dates.txt are both missing or empty")
    trips = raw.get("trips")
    if trips is not None and "service_id" not in trips.columns:
        problems.append("trips.txt has no service_id column")
    st = raw.get("stop_times")
    if st is None:
        problems.append("stop_times.txt has no rows")
    else:
        cols = [c for c in ("arrival_time", "departure_time") if c in st.columns]
        if not cols:
            problems.append("stop_times.txt has no arrival_time/departure_time columns")
        elif all(st[c].isna().all() for c in cols):
            problems.append("stop_times.txt has no times at all")
    if problems:
        raise FeedError(
            "feed has no usable timetable: " + "; ".join(problems)
            + " (read it with require_schedule=False to estimate times elsewhere)",
            file="calendar.txt" if "calendar" in problems[0] else "stop_times.txt",
        )


def _skip(report: IngestReport, df: pd.DataFrame, mask: np.ndarray, file: str, reason: str,
          *, column: str) -> pd.DataFrame:
    """Drop the rows of ``mask`` from ``df``, counting them with examples."""
    n = int(mask.sum())
    if not n:
        return df
    bad = df[mask]
    for row, value in zip(bad[ROW].head(5), bad[column].head(5), strict=True):
        report.skip(file, reason, row=int(row), value=value)
    if n > 5:
        report.skipped[(file, reason)] += n - 5
    return df[~mask].reset_index(drop=True)


def _resolve(
    t: dict[str, pd.DataFrame], feed_ids: tuple[str, ...], report: IngestReport,
    require_schedule: bool,
) -> GtfsFeed:
    stops = _resolve_stops(t["stops"], report)
    routes = t["routes"]
    known_routes = set(routes["route_id"])
    unknown_agency = ~routes["agency_id"].isin(set(t["agency"]["agency_id"]) | {""})
    if unknown_agency.any():
        report.warn(f"routes.txt: {int(unknown_agency.sum())} route(s) with unknown agency_id")

    services = set(t["calendar"]["service_id"]) | set(t["calendar_dates"]["service_id"])
    trips = t["trips"]
    trips = _skip(report, trips, ~trips["route_id"].isin(known_routes).to_numpy(), "trips.txt",
                  "unknown_route_id", column="route_id")
    if require_schedule:
        trips = _skip(report, trips, ~trips["service_id"].isin(services).to_numpy(),
                      "trips.txt", "unknown_service_id", column="service_id")
    shape_ids = set(t["shapes"]["shape_id"])
    bad_shape = (trips["shape_id"] != "") & ~trips["shape_id"].isin(shape_ids)
    if bad_shape.any():
        report.warn(f"trips.txt: {int(bad_shape.sum())} trip(s) with unknown shape_id cleared")
        trips.loc[bad_shape, "shape_id"] = ""

    stop_times, dropped = _resolve_stop_times(t["stop_times"], trips, stops, report,
                                              require_schedule)
    trips = trips[~trips["trip_id"].isin(dropped).to_numpy()].reset_index(drop=True)
    with_times = trips["trip_id"].isin(set(stop_times["trip_id"])).to_numpy()
    trips = _skip(report, trips, ~with_times, "trips.txt", "no_stop_times", column="trip_id")
    if len(trips) == 0:
        raise FeedError("no usable trips (every trip was skipped; see the ingest report)",
                        file="trips.txt")
    return GtfsFeed(
        feed_ids=feed_ids,
        agency=t["agency"],
        stops=stops,
        routes=routes,
        trips=trips,
        stop_times=stop_times,
        calendar=t["calendar"],
        calendar_dates=t["calendar_dates"],
        frequencies=_resolve_frequencies(t["frequencies"], set(trips["trip_id"]), report),
        transfers=_resolve_transfers(t["transfers"], set(stops["stop_id"]), report),
        shapes=t["shapes"].sort_values(["shape_id", "shape_pt_sequence"], kind="stable")
        .reset_index(drop=True),
    )


def _resolve_stops(stops: pd.DataFrame, report: IngestReport) -> pd.DataFrame:
    """Clear unknown parents, inherit coordinates for nodes/boarding areas, drop unlocated."""
    stops = stops.copy()
    ids = pd.Index(stops["stop_id"])
    parent = stops["parent_station"]
    unknown = (parent != "") & ~parent.isin(ids)
    if unknown.any():
        report.warn(f"stops.txt: {int(unknown.sum())} unknown parent_station value(s) cleared, "
                    f"e.g. {parent[unknown].iloc[0]!r}")
        stops.loc[unknown, "parent_station"] = ""
    pidx = ids.get_indexer(stops["parent_station"])
    no_pos = stops["stop_lat"].isna() | stops["stop_lon"].isna()
    inherit = (no_pos & (pidx >= 0) & stops["location_type"].isin([3, 4])).to_numpy()
    if inherit.any():
        for col in ("stop_lat", "stop_lon"):
            stops.loc[inherit, col] = stops[col].to_numpy()[pidx[inherit]]
    lat, lon = stops["stop_lat"], stops["stop_lon"]
    bad = (lat.isna() | lon.isna() | (lat.abs() > 90) | (lon.abs() > 180)).to_numpy()
    return _skip(report, stops, bad, "stops.txt", "invalid_coordinates", column="stop_id")


def _resolve_stop_times(
    st: pd.DataFrame, trips: pd.DataFrame, stops: pd.DataFrame, report: IngestReport,
    require_schedule: bool,
) -> tuple[pd.DataFrame, set[str]]:
    """Check references, parse and fill times, sort, drop untimed or time-travelling trips.

    Returns the sorted stop times and the ids of the trips dropped (already reported).
    """
    f = "stop_times.txt"
    trip_index = pd.Index(trips["trip_id"])
    stop_index = pd.Index(stops["stop_id"])
    unknown_trip = trip_index.get_indexer(st["trip_id"]) < 0
    st = _skip(report, st, unknown_trip, f, "unknown_trip_id", column="trip_id")
    sidx = stop_index.get_indexer(st["stop_id"])
    st = _skip(report, st, sidx < 0, f, "unknown_stop_id", column="stop_id")
    sidx = sidx[sidx >= 0]
    boarding = stops["location_type"].isin(BOARDING_TYPES).to_numpy()
    st = _skip(report, st, ~boarding[sidx], f, "stop_is_not_boarding_location", column="stop_id")
    arr = parse_times(_col(st, "arrival_time"))
    dep = parse_times(_col(st, "departure_time"))
    st = st.assign(arrival_s=arr, departure_s=dep)
    st = _skip(report, st, arr == INVALID_TIME, f, "invalid_arrival_time", column="arrival_time")
    st = _skip(report, st, st["departure_s"].to_numpy() == INVALID_TIME, f,
               "invalid_departure_time", column="departure_time")

    code = trip_index.get_indexer(st["trip_id"]).astype(np.int64)
    order = np.lexsort((st["stop_sequence"].to_numpy(), code))
    st = st.iloc[order].reset_index(drop=True)
    code = code[order]
    dropped: set[str] = set()
    trip_rows = trips[ROW].to_numpy()
    if require_schedule:
        sidx = stop_index.get_indexer(st["stop_id"])
        arr, dep, untimed = fill_times(
            code, st["arrival_s"].to_numpy(), st["departure_s"].to_numpy(),
            shape_dist=st["shape_dist_traveled"].to_numpy(dtype=np.float64),
            lat=stops["stop_lat"].to_numpy()[sidx], lon=stops["stop_lon"].to_numpy()[sidx],
        )
        st = st.assign(arrival_s=arr, departure_s=dep)
        st, code = _drop_trips(st, code, untimed, report, "first_or_last_stop_untimed",
                               trip_rows=trip_rows, dropped=dropped)
        arr, dep = st["arrival_s"].to_numpy(), st["departure_s"].to_numpy()
        same = np.zeros(len(st), dtype=bool)
        same[1:] = code[1:] == code[:-1]
        back = dep < arr
        back[1:] |= same[1:] & (arr[1:] < dep[:-1])
        st, code = _drop_trips(st, code, back, report, "times_decrease_along_trip",
                               trip_rows=trip_rows, dropped=dropped)
    counts = np.bincount(code, minlength=len(trips)) if len(code) else np.zeros(len(trips), int)
    st, code = _drop_trips(st, code, counts[code] < 2, report, "fewer_than_2_stop_times",
                           trip_rows=trip_rows, dropped=dropped)
    return st.loc[:, list(STOP_TIME_COLUMNS)], dropped


def _drop_trips(
    st: pd.DataFrame, code: np.ndarray, row_mask: np.ndarray, report: IngestReport, reason: str,
    *, trip_rows: np.ndarray, dropped: set[str],
) -> tuple[pd.DataFrame, np.ndarray]:
    """Drop every stop time of each trip having a row in ``row_mask`` (counted per trip).

    ``trip_rows`` gives the trips.txt row of each trip code; ``dropped`` collects trip ids.
    """
    if not row_mask.any():
        return st, code
    bad_trips = np.unique(code[row_mask])
    drop = np.isin(code, bad_trips)
    first_bad = st[row_mask].drop_duplicates("trip_id")
    dropped.update(first_bad["trip_id"].tolist())
    bad_codes = code[row_mask][~st[row_mask]["trip_id"].duplicated().to_numpy()]
    for c, row, trip in zip(bad_codes[:5], first_bad[ROW].head(5), first_bad["trip_id"].head(5),
                            strict=True):
        report.skip("trips.txt", reason, row=int(trip_rows[c]),
                    value=f"{trip} (stop_times.txt row {row})")
    if len(bad_trips) > 5:
        report.skipped[("trips.txt", reason)] += len(bad_trips) - 5
    report.skip("stop_times.txt", f"trip_skipped_{reason}", value=f"{int(drop.sum())} rows",
                count=int(drop.sum()))
    return st[~drop].reset_index(drop=True), code[~drop]


def _col(df: pd.DataFrame, name: str) -> pd.Series:
    """A raw text column, or an all-missing one if absent."""
    if name in df.columns and df[name] is not None:
        return df[name]
    return pd.Series([None] * len(df), dtype=object)


def _resolve_frequencies(
    fr: pd.DataFrame, trip_ids: set[str], report: IngestReport
) -> pd.DataFrame:
    f = "frequencies.txt"
    unknown = ~fr["trip_id"].isin(trip_ids).to_numpy()
    fr = _skip(report, fr, unknown, f, "unknown_trip_id", column="trip_id")
    start = parse_times(_col(fr, "start_time"))
    end = parse_times(_col(fr, "end_time"))
    fr = fr.assign(start_s=start, end_s=end)
    fr = _skip(report, fr, start < 0, f, "invalid_start_time", column="start_time")
    fr = _skip(report, fr, fr["end_s"].to_numpy() < 0, f, "invalid_end_time", column="end_time")
    empty = (fr["end_s"] <= fr["start_s"]).to_numpy()
    fr = _skip(report, fr, empty, f, "end_not_after_start", column="end_time")
    fr = fr.astype({"start_s": np.int32, "end_s": np.int32})
    return fr.loc[:, list(FREQUENCY_COLUMNS)]


def _resolve_transfers(tr: pd.DataFrame, stop_ids: set[str], report: IngestReport
                       ) -> pd.DataFrame:
    f = "transfers.txt"
    specific = (tr[["from_route_id", "to_route_id", "from_trip_id", "to_trip_id"]] != "").any(
        axis=1
    ).to_numpy()
    tr = _skip(report, tr, specific, f, "unsupported_route_or_trip_specific_transfer",
               column="from_stop_id")
    tr = _skip(report, tr, (tr["transfer_type"] > 3).to_numpy(), f,
               "unsupported_transfer_type", column="transfer_type")
    for col in ("from_stop_id", "to_stop_id"):
        tr = _skip(report, tr, ~tr[col].isin(stop_ids).to_numpy(), f, "unknown_stop_id", column=col)
    no_time = (tr["transfer_type"] == 2) & (tr["min_transfer_time"] < 0)
    if no_time.any():
        report.warn(f"{f}: {int(no_time.sum())} type-2 transfer(s) without min_transfer_time "
                    "(taken as 0 s)")
    return tr.reset_index(drop=True)


__all__ = ["BLANK_TIME", "read_gtfs"]
