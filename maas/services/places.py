"""Parsing the API's places and times, and formatting times back (city timezone aware).

GTFS times count from "noon minus 12 h" of the service date, which equals local midnight
except on daylight-saving change days; both directions here use that base so times stay exact.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from routing.errors import InvalidRequestError, UnknownPlaceError
from routing.planner import Place

_LATLON = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$")


def service_base(day: int, tz: ZoneInfo) -> datetime:
    """The instant GTFS time 0 refers to on service date ``day`` (noon minus 12 hours)."""
    d = date.fromordinal(day)
    noon = datetime(d.year, d.month, d.day, 12, 0, tzinfo=tz)
    return noon - timedelta(hours=12)


def parse_time(value: str | None, tz: ZoneInfo, *, now: datetime | None = None,
               field: str = "time") -> tuple[int, int]:
    """``(day ordinal, seconds since the service base)`` of an ISO-8601 time (local if naive)."""
    if value is None or value == "":
        dt = now or datetime.now(tz)
    else:
        try:
            dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace(" ", "T"))
        except ValueError:
            raise InvalidRequestError(
                f"{field}={value!r}: not an ISO-8601 date-time (e.g. 2026-11-24T08:00)"
            ) from None
    dt = dt.replace(tzinfo=tz) if dt.tzinfo is None else dt.astimezone(tz)
    if not 1900 <= dt.year <= 2200:
        raise InvalidRequestError(f"{field}={value!r}: year out of range")
    day = dt.date().toordinal()
    seconds = int((dt - service_base(day, tz)).total_seconds())
    return day, seconds


def format_time(day: int, seconds: int, tz: ZoneInfo) -> str:
    """ISO-8601 with the city's UTC offset of ``seconds`` after the service base of ``day``."""
    return (service_base(day, tz) + timedelta(seconds=seconds)).astimezone(tz).isoformat()


def parse_place(value: str, stop_index: dict[str, int], resolve_stop: object,
                *, field: str) -> Place:
    """``LAT,LON`` or ``stop:STOP_ID`` -> :class:`Place` (stop coordinates filled in)."""
    if value is None or not value.strip():
        raise InvalidRequestError(f"{field}: required (LAT,LON or stop:STOP_ID)")
    v = value.strip()
    if v.startswith("stop:"):
        sid = v[5:]
        idx = stop_index.get(sid)
        if idx is None:
            raise UnknownPlaceError(f"{field}={value!r}: unknown stop_id {sid!r}")
        place: Place = resolve_stop(idx)  # type: ignore[operator]
        return place
    m = _LATLON.match(v)
    if not m:
        raise InvalidRequestError(f"{field}={value!r}: expected LAT,LON or stop:STOP_ID")
    return Place(float(m.group(1)), float(m.group(2)))
