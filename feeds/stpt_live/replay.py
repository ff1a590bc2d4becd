"""Replay recorded STPT AVL traces as a live feed.

A trace file (``<day>__<line>-00.csv[.gz]``) holds rows polled from live.stpt.ro:
``recorded_at`` is the poll time (formats vary: ``2026-05-13T01:40:10+0000`` and
``2026-05-13T14:14:16.697Z``), ``server_timestamp`` the vehicle's own fix time in
milliseconds (a few seconds earlier).  The replayer emits, tick after tick, the positions that
were *polled* during the tick, each stamped with its fix time, at real speed or ``speed`` times
faster.  Time is read from a :class:`Clock`; :class:`VirtualClock` makes tests instant.
"""

from __future__ import annotations

import csv
import gzip
import io
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from feeds.report import IngestReport
from feeds.stpt_live.vehicles import StptVehicle, vehicle_from_fields


class Clock(Protocol):
    """A source of time (seconds) that can wait."""

    def now(self) -> float:
        """Current time, seconds."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds``."""
        ...


class WallClock:
    """The real clock (monotonic)."""

    def now(self) -> float:
        """Monotonic seconds."""
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        """Sleep for real."""
        if seconds > 0:
            time.sleep(seconds)


@dataclass
class VirtualClock:
    """A clock that only moves when slept on; records the total time slept (seconds)."""

    t: float = 0.0
    slept: list[float] = field(default_factory=list)

    def now(self) -> float:
        """Current virtual time."""
        return self.t

    def sleep(self, seconds: float) -> None:
        """Advance instantly."""
        if seconds > 0:
            self.t += seconds
            self.slept.append(seconds)


def parse_recorded_at(text: str) -> float | None:
    """``...Z`` or ``...+0000`` ISO-8601 timestamps -> Unix seconds (None if malformed)."""
    s = text.strip()
    if not s:
        return None
    try:
        return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def read_avl_positions(path: Path, report: IngestReport) -> list[StptVehicle]:
    """Read one AVL trace (csv or csv.gz), sorted by poll time; bad rows counted and skipped.

    A row repeating its vehicle's previous fix time is a stale re-poll and is skipped
    (``duplicate_fix``).
    """
    p = Path(path)
    raw = p.read_bytes()
    if p.name.endswith(".gz"):
        raw = gzip.decompress(raw)
    rows = csv.DictReader(io.StringIO(raw.decode("utf-8-sig")))
    out: list[StptVehicle] = []
    last_fix: dict[str, float] = {}
    n = 0
    for i, r in enumerate(rows, start=2):
        n += 1
        polled = parse_recorded_at(r.get("recorded_at") or "")
        try:
            fix: float | None = float(r.get("server_timestamp") or "") / 1000.0
        except ValueError:
            fix = None
        if fix is None and polled is None:
            report.skip(p.name, "bad_timestamp", row=i, value=r.get("recorded_at"))
            continue
        rec = vehicle_from_fields(
            vehicle_id=r.get("vehicle_id"), route=r.get("route"), lat=r.get("lat"),
            lon=r.get("lng"), timestamp_s=fix if fix is not None else polled,
            bearing=r.get("bearing"), speed_kmh=r.get("speed"), direction=r.get("direction_id"),
            headsign=r.get("headsign"), stop_name=r.get("stop_name"),
            accessible=r.get("is_accessible"), polled_s=polled,
        )
        if isinstance(rec, str):
            report.skip(p.name, rec, row=i, value=r.get("vehicle_id"))
            continue
        if last_fix.get(rec.vehicle_id) == rec.timestamp_s:
            report.skip(p.name, "duplicate_fix", row=i, value=rec.vehicle_id)
            continue
        last_fix[rec.vehicle_id] = rec.timestamp_s
        out.append(rec)
    report.read(p.name, n)
    out.sort(key=lambda v: (v.polled_s or v.timestamp_s, v.vehicle_id))
    return out


@dataclass(frozen=True)
class PositionBatch:
    """Positions that became visible during one tick ``(tick_end_s - tick_s, tick_end_s]``.

    ``tick_end_s`` is feed time (Unix seconds of the recording).
    """

    tick_end_s: float
    positions: tuple[StptVehicle, ...]


class AvlReplayer:
    """Iterate over recorded positions as live batches.

    Parameters
    ----------
    positions : records (from one or several traces; any order).
    tick_s : feed seconds per batch (the live poll interval), default 15 s.
    speed : replay acceleration (1 = real time, 60 = a minute per second,
        ``float("inf")`` = as fast as possible).
    clock : time source; :class:`WallClock` by default.
    start_s, end_s : optional feed-time window (Unix seconds).
    emit_empty : also yield ticks without positions (a live poller would).
    """

    def __init__(self, positions: Iterable[StptVehicle], *, tick_s: float = 15.0,
                 speed: float = 1.0, clock: Clock | None = None, start_s: float | None = None,
                 end_s: float | None = None, emit_empty: bool = False) -> None:
        if tick_s <= 0 or speed <= 0:
            raise ValueError(f"tick_s ({tick_s}) and speed ({speed}) must be positive")
        recs = sorted(positions, key=lambda v: (self._seen(v), v.vehicle_id))
        if start_s is not None:
            recs = [v for v in recs if self._seen(v) >= start_s]
        if end_s is not None:
            recs = [v for v in recs if self._seen(v) <= end_s]
        self.positions = recs
        self.tick_s = tick_s
        self.speed = speed
        self.clock: Clock = clock or WallClock()
        self.start_s = start_s if start_s is not None else (
            self._seen(recs[0]) - 1e-6 if recs else 0.0)
        self.emit_empty = emit_empty

    @staticmethod
    def _seen(v: StptVehicle) -> float:
        return v.polled_s if v.polled_s is not None else v.timestamp_s

    def __iter__(self) -> Iterator[PositionBatch]:
        """Yield one batch per tick, waiting on the clock so batches come at replay speed."""
        wall0 = self.clock.now()
        k = 0
        i = 0
        n = len(self.positions)
        while i < n:
            end = self.start_s + (k + 1) * self.tick_s
            j = i
            while j < n and self._seen(self.positions[j]) <= end:
                j += 1
            k += 1
            if j == i and not self.emit_empty:
                continue
            if self.speed != float("inf"):
                due = wall0 + (end - self.start_s) / self.speed
                self.clock.sleep(due - self.clock.now())
            yield PositionBatch(end, tuple(self.positions[i:j]))
            i = j
