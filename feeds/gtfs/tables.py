"""Per-table schema of the normalised GTFS tables, and the normalisation of one raw table.

Every normalised table has exactly the columns of its spec with fixed dtypes (ids and text as
``str`` with ``""`` for blank; integers as numpy ints with a default for blank; floats with NaN;
dates as ISO ordinals), plus ``_row``: the row number in the source file as a text editor shows
it (header = 1).  A missing optional table is an empty frame with these columns.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from feeds.errors import FeedError
from feeds.report import IngestReport

Kind = Literal["id", "str", "int", "float", "date"]

ROW = "_row"


@dataclass(frozen=True)
class Col:
    """One column of a normalised table.

    Attributes
    ----------
    name:
        GTFS column name.
    kind:
        ``id`` (required non-blank text), ``str``, ``int``, ``float`` or ``date``.
    required:
        A row with a blank or invalid value is skipped (counted as ``missing_<name>`` or
        ``invalid_<name>``); for ``int`` and ``float`` columns that are not required, an
        invalid value is replaced by ``default`` and reported as a warning.
    default:
        Value for blank ``int`` cells.
    valid:
        Inclusive range of valid ``int`` values (``None``: any).
    dtype:
        Numpy dtype of an ``int`` column.
    """

    name: str
    kind: Kind = "str"
    required: bool = False
    default: int = 0
    valid: tuple[int, int] | None = None
    dtype: str = "int32"


@dataclass(frozen=True)
class TableSpec:
    """Columns and primary key of one GTFS file."""

    file: str
    cols: tuple[Col, ...]
    key: tuple[str, ...] = ()

    @property
    def names(self) -> list[str]:
        """Column names, in order (without ``_row``)."""
        return [c.name for c in self.cols]


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

SPECS: dict[str, TableSpec] = {
    "agency": TableSpec(
        "agency.txt",
        (Col("agency_id"), Col("agency_name"), Col("agency_timezone")),
        ("agency_id",),
    ),
    "stops": TableSpec(
        "stops.txt",
        (
            Col("stop_id", "id", required=True),
            Col("stop_name"),
            Col("stop_lat", "float"),
            Col("stop_lon", "float"),
            Col("location_type", "int", valid=(0, 4), dtype="int8"),
            Col("parent_station"),
            Col("wheelchair_boarding", "int", valid=(0, 2), dtype="int8"),
        ),
        ("stop_id",),
    ),
    "routes": TableSpec(
        "routes.txt",
        (
            Col("route_id", "id", required=True),
            Col("agency_id"),
            Col("route_short_name"),
            Col("route_long_name"),
            Col("route_type", "int", required=True, valid=(0, 32767)),
        ),
        ("route_id",),
    ),
    "trips": TableSpec(
        "trips.txt",
        (
            Col("trip_id", "id", required=True),
            Col("route_id", "id", required=True),
            Col("service_id"),  # blank or unknown: skipped as unknown_service_id when read
            Col("trip_headsign"),
            Col("direction_id", "int", default=-1, valid=(0, 1), dtype="int8"),
            Col("block_id"),
            Col("shape_id"),
            Col("wheelchair_accessible", "int", valid=(0, 2), dtype="int8"),
        ),
        ("trip_id",),
    ),
    "stop_times": TableSpec(
        "stop_times.txt",
        (
            Col("trip_id", "id", required=True),
            Col("stop_id", "id", required=True),
            Col("stop_sequence", "int", required=True, valid=(0, 2**31 - 1)),
            Col("pickup_type", "int", valid=(0, 3), dtype="int8"),
            Col("drop_off_type", "int", valid=(0, 3), dtype="int8"),
            Col("shape_dist_traveled", "float"),
        ),
        ("trip_id", "stop_sequence"),
    ),
    "calendar": TableSpec(
        "calendar.txt",
        (
            Col("service_id", "id", required=True),
            *(Col(d, "int", required=True, valid=(0, 1), dtype="int8") for d in _WEEKDAYS),
            Col("start_date", "date", required=True),
            Col("end_date", "date", required=True),
        ),
        ("service_id",),
    ),
    "calendar_dates": TableSpec(
        "calendar_dates.txt",
        (
            Col("service_id", "id", required=True),
            Col("date", "date", required=True),
            Col("exception_type", "int", required=True, valid=(1, 2), dtype="int8"),
        ),
        ("service_id", "date"),
    ),
    "frequencies": TableSpec(
        "frequencies.txt",
        (
            Col("trip_id", "id", required=True),
            Col("headway_secs", "int", required=True, valid=(1, 86_400 * 7)),
            Col("exact_times", "int", valid=(0, 1), dtype="int8"),
        ),
        ("trip_id", "start_time"),
    ),
    "transfers": TableSpec(
        "transfers.txt",
        (
            Col("from_stop_id"),
            Col("to_stop_id"),
            Col("from_route_id"),
            Col("to_route_id"),
            Col("from_trip_id"),
            Col("to_trip_id"),
            Col("transfer_type", "int", valid=(0, 5), dtype="int8"),
            Col("min_transfer_time", "int", default=-1, valid=(0, 86_400)),
        ),
        ("from_stop_id", "to_stop_id", "from_route_id", "to_route_id", "from_trip_id",
         "to_trip_id"),
    ),
    "shapes": TableSpec(
        "shapes.txt",
        (
            Col("shape_id", "id", required=True),
            Col("shape_pt_lat", "float", required=True),
            Col("shape_pt_lon", "float", required=True),
            Col("shape_pt_sequence", "int", required=True, valid=(0, 2**31 - 1)),
            Col("shape_dist_traveled", "float"),
        ),
        ("shape_id", "shape_pt_sequence"),
    ),
    "feed_info": TableSpec(
        "feed_info.txt",
        (Col("feed_publisher_name"), Col("feed_version"), Col("feed_start_date"),
         Col("feed_end_date")),
    ),
}

#: Extra raw text columns a table keeps for later parsing (times), beyond its spec.
RAW_TEXT: dict[str, tuple[str, ...]] = {
    "stop_times": ("arrival_time", "departure_time"),
    "frequencies": ("start_time", "end_time"),
}


def empty_table(name: str) -> pd.DataFrame:
    """An empty normalised table (all spec columns and ``_row``, right dtypes)."""
    spec = SPECS[name]
    data: dict[str, pd.Series] = {}
    for c in spec.cols:
        data[c.name] = pd.Series([], dtype=_dtype(c))
    for extra in RAW_TEXT.get(name, ()):
        data[extra] = pd.Series([], dtype=object)
    data[ROW] = pd.Series([], dtype=np.int64)
    return pd.DataFrame(data)


def _dtype(c: Col) -> str | type:
    if c.kind == "int":
        return c.dtype
    if c.kind == "float":
        return "float64"
    if c.kind == "date":
        return "int32"
    return object


def _text(series: pd.Series) -> pd.Series:
    """Stripped text with ``""`` for missing, as plain Python strings (object dtype)."""
    s = series.astype("string").str.strip().fillna("")
    return s.astype(object)


def parse_dates(text: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """ISO ordinals of ``YYYYMMDD`` strings and a validity mask (invalid -> 0, False)."""
    s = text.astype("string").str.strip()
    parsed = pd.to_datetime(s, format="%Y%m%d", errors="coerce")
    ok = parsed.notna().to_numpy()
    out = np.zeros(len(s), dtype=np.int32)
    if ok.any():
        epoch = dt.date(1970, 1, 1).toordinal()
        days = (parsed[ok].to_numpy().astype("datetime64[D]").astype(np.int64)) + epoch
        out[ok] = days.astype(np.int32)
    return out, ok


def normalise(name: str, raw: pd.DataFrame | None, report: IngestReport) -> pd.DataFrame:
    """Normalise one raw table (any dtypes, possibly ``None``) to its spec.

    Rows with a blank required id, an invalid required value, or a duplicate primary key
    (every later occurrence) are skipped and counted in ``report``.

    Raises
    ------
    FeedError
        A non-empty table lacks a required column.
    """
    spec = SPECS[name]
    if raw is None or len(raw) == 0:
        return empty_table(name)
    raw = raw.rename(columns=lambda c: str(c).strip().lstrip("\ufeff"))
    report.read(spec.file, len(raw))
    rows = np.arange(len(raw), dtype=np.int64) + 2
    out: dict[str, object] = {}
    keep = np.ones(len(raw), dtype=bool)
    for c in spec.cols:
        if c.name not in raw.columns:
            if c.required:
                raise FeedError(f"required column {c.name!r} is missing", file=spec.file, row=1)
            out[c.name] = _default_column(c, len(raw))
            continue
        col = raw[c.name]
        if c.kind in ("id", "str"):
            text = _text(col)
            if c.required:
                bad = (text == "").to_numpy() & keep
                _skip_rows(report, spec.file, f"missing_{c.name}", bad, rows=rows, values=text)
                keep &= ~bad
            out[c.name] = text
        elif c.kind == "date":
            days, ok = parse_dates(col)
            bad = ~ok & keep
            _skip_rows(report, spec.file, f"invalid_{c.name}", bad, rows=rows, values=col)
            keep &= ~bad
            out[c.name] = days
        else:
            values, bad, blank = _numeric(col, c)
            if c.required:
                bad_req = (bad | blank) & keep
                _skip_rows(report, spec.file, f"invalid_{c.name}", bad_req, rows=rows, values=col)
                keep &= ~bad_req
            elif bad.any():
                i = int(np.flatnonzero(bad)[0])
                report.warn(
                    f"{spec.file}: {int(bad.sum())} invalid {c.name} value(s) replaced by the "
                    f"default, e.g. row {rows[i]}: {col.iloc[i]!r}"
                )
            out[c.name] = values
    for extra in RAW_TEXT.get(name, ()):
        out[extra] = raw[extra].to_numpy(dtype=object) if extra in raw.columns else None
    out[ROW] = rows
    df = pd.DataFrame(out)
    if spec.key:
        dup = df.duplicated(subset=list(spec.key), keep="first").to_numpy() & keep
        if dup.any():
            key_text = df[spec.key[0]].astype(str)
            _skip_rows(report, spec.file, "duplicate_key", dup, rows=rows, values=key_text)
            keep &= ~dup
    return df[keep].reset_index(drop=True)


def _default_column(c: Col, n: int) -> object:
    if c.kind == "int":
        return np.full(n, c.default, dtype=c.dtype)
    if c.kind == "float":
        return np.full(n, np.nan)
    return np.full(n, "", dtype=object)


def _numeric(col: pd.Series, c: Col) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Values (blank -> default or NaN), invalid mask and blank mask of a numeric column."""
    if pd.api.types.is_numeric_dtype(col.dtype):
        num = pd.to_numeric(col, errors="coerce")
        blank = num.isna().to_numpy()
    else:
        text = col.astype("string").str.strip()
        blank = (text.isna() | (text == "")).to_numpy()
        num = pd.to_numeric(text, errors="coerce")
    f = num.astype("float64").to_numpy(na_value=np.nan)
    bad = np.isnan(f) & ~blank
    if c.kind == "float":
        return f, bad, blank
    whole = np.isfinite(f) & (np.floor(f) == f)
    bad |= ~whole & ~blank
    if c.valid is not None:
        lo, hi = c.valid
        bad |= whole & ((f < lo) | (f > hi))
    values = np.where(whole & ~bad, f, c.default).astype(c.dtype)
    return values, bad, blank


def _skip_rows(
    report: IngestReport, file: str, reason: str, mask: np.ndarray, *, rows: np.ndarray,
    values: pd.Series,
) -> None:
    """Count the rows of ``mask`` as skipped, keeping the first few as examples."""
    n = int(mask.sum())
    if not n:
        return
    idx = np.flatnonzero(mask)
    for i in idx[:5]:
        report.skip(file, reason, row=int(rows[i]), value=values.iloc[i])
    if n > len(idx[:5]):
        report.skipped[(file, reason)] += n - len(idx[:5])
