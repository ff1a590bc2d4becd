"""Next departures at a stop (``/v1/stops/{stop_id}/departures``), scheduled plus realtime.

Rules: a stop time is a departure when the trip picks up there (``pickup_type != 1``) and it is
not the trip's last stop.  Trips of service day ``day - 1`` count too (GTFS times past 24:00
belong to the previous service day).  A station's departures include its child platforms.
Realtime comes from a :class:`routing.realtime.RealtimeOverlay` of the same timetable: the
predicted time is the scheduled time plus the day's departure delay, and cancelled trips and
skipped stops are flagged (listed, not dropped, so a rider sees what changed).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

import numpy as np

from maas.schemas.stops import DepartureOut, DeparturesOut
from maas.services.places import format_time
from maas.services.stops import StopsService, stops_service
from routing.constants import DAY_S
from routing.errors import InvalidRequestError
from routing.network import Network
from routing.realtime import RealtimeDay, RealtimeOverlay

#: Limits on the cost of one query (clear 4xx beyond them).
MAX_DEPARTURES = 100
MAX_WINDOW_S = 86_400


@dataclass(frozen=True)
class _Row:
    order_s: int
    day: int
    sched_s: int
    st: int
    trip: int
    stop: int


class DeparturesService:
    """Departure boards on one network (immutable after construction; thread-safe)."""

    def __init__(self, network: Network) -> None:
        self.network = network
        self.stops: StopsService = stops_service(network)
        self.tz = ZoneInfo(network.meta.timezone or "UTC")
        tt = network.timetable
        self.pattern_route = np.asarray(tt.pattern_route)

    def departures(self, stop_id: str, day: int, time_s: int, *, limit: int = 10,
                   window_s: int = 7_200,
                   overlay: RealtimeOverlay | None = None) -> DeparturesOut:
        """Departures at ``stop_id`` from ``time_s`` (seconds after the service base of
        ``day``) for ``window_s`` seconds, earliest (predicted, else scheduled) first."""
        if not 1 <= limit <= MAX_DEPARTURES:
            raise InvalidRequestError(f"limit={limit!r}: must be in 1..{MAX_DEPARTURES}")
        if not 60 <= window_s <= MAX_WINDOW_S:
            raise InvalidRequestError(f"window_s={window_s!r}: must be in 60..{MAX_WINDOW_S}")
        s = self.stops.stop_index(stop_id)
        tt = self.network.timetable
        if overlay is not None and not overlay.matches(tt):
            overlay = None
        stops = [s, *self.stops.children.get(s, [])]
        rows: list[_Row] = []
        for d in (day - 1, day):
            lo = time_s + (day - d) * DAY_S
            hi = lo + window_s
            rt_day = overlay.day(d) if overlay is not None else None
            for stop in stops:
                rows.extend(self._at_stop(stop, d, lo, hi, day, rt_day))
        rows.sort(key=lambda r: (r.order_s, r.sched_s, r.trip))
        return DeparturesOut(
            stop=self.stops.stop_out(s), time=format_time(day, time_s, self.tz),
            window_s=window_s, realtime=overlay is not None,
            departures=[self._out(r, overlay) for r in rows[:limit]],
            network_version=self.network.meta.version,
        )

    def _at_stop(self, stop: int, d: int, lo: int, hi: int, day: int,
                 rt_day: RealtimeDay | None) -> list[_Row]:
        tt = self.network.timetable
        out: list[_Row] = []
        svc = _active_services(tt.service_bits, tt.first_day, tt.n_days, d)
        shift = (d - day) * DAY_S  # order rows on the query day's clock
        for j in range(int(tt.stop_pattern_start[stop]), int(tt.stop_pattern_start[stop + 1])):
            p = int(tt.stop_patterns[j])
            pos = int(tt.stop_pattern_pos[j])
            length = int(tt.pattern_stop_start[p + 1] - tt.pattern_stop_start[p])
            if pos == length - 1:
                continue
            t0, t1 = int(tt.pattern_trip_start[p]), int(tt.pattern_trip_start[p + 1])
            base = int(tt.pattern_st_start[p])
            idx = base + np.arange(t1 - t0, dtype=np.int64) * length + pos
            dep = np.asarray(tt.departure_s)[idx].astype(np.int64)
            ok = (np.asarray(tt.pickup_type)[idx] != 1) & svc[np.asarray(tt.trip_service)[t0:t1]]
            pred = dep
            if rt_day is not None:
                pred = dep + np.asarray(rt_day.departure_delay_s)[idx]
            ok &= (np.maximum(dep, pred) >= lo) & (np.minimum(dep, pred) < hi)
            for k in np.flatnonzero(ok).tolist():
                out.append(_Row(int(pred[k]) + shift, d, int(dep[k]), int(idx[k]), t0 + k, stop))
        return out

    def _out(self, r: _Row, overlay: RealtimeOverlay | None) -> DepartureOut:
        tt = self.network.timetable
        names = tt.names
        p = int(np.searchsorted(tt.pattern_trip_start, r.trip, side="right") - 1)
        route = int(self.pattern_route[p])
        g = int(tt.trip_gtfs[r.trip])
        headsign = names.trip_headsigns[g] if g < len(names.trip_headsigns) else ""
        out = DepartureOut(
            stop_id=names.stop_ids[r.stop], trip_id=names.trip_ids[g],
            route_id=names.route_ids[route],
            route_short_name=names.route_short_names[route] or names.route_long_names[route],
            headsign=headsign or None, service_date=date.fromordinal(r.day).isoformat(),
            scheduled_time=format_time(r.day, r.sched_s, self.tz),
            realtime_time=None, delay_s=None, cancelled=False, skipped=False,
        )
        if overlay is not None:
            rd = overlay.day(r.day)
            delay = int(rd.departure_delay_s[r.st])
            out.delay_s = delay
            out.realtime_time = format_time(r.day, r.sched_s + delay, self.tz)
            out.cancelled = bool(rd.trip_cancelled[r.trip])
            out.skipped = bool(rd.skipped[r.st])
        return out


def _active_services(bits: np.ndarray, first_day: int, n_days: int, day: int) -> np.ndarray:
    """Bool per service: runs on ``day`` (ISO ordinal)."""
    off = day - first_day
    if bits.shape[0] == 0 or not 0 <= off < n_days:
        return np.zeros(bits.shape[0], dtype=np.bool_)
    words = np.asarray(bits)[:, off >> 6]
    return ((words >> np.uint64(off & 63)) & np.uint64(1)).astype(np.bool_)


_CACHE: OrderedDict[int, DeparturesService] = OrderedDict()
_LOCK = threading.Lock()


def departures_service(network: Network) -> DeparturesService:
    """The cached :class:`DeparturesService` of ``network`` (built on first use)."""
    with _LOCK:
        got = _CACHE.get(id(network))
        if got is not None and got.network is network:
            return got
        svc = DeparturesService(network)
        _CACHE[id(network)] = svc
        while len(_CACHE) > 4:
            _CACHE.popitem(last=False)
        return svc
