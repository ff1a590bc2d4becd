"""Feeding the hub: GTFS-RT files and the STPT AVL replay, one step at a time or in a thread.

:func:`run_realtime_worker_step` is the unit of work the embedded background thread (and
``maas worker``) repeats: re-read GTFS-RT files that changed, then hand the next replay tick's
positions to the hub (trip matching, overlay, congestion).  The replay plays the real AVL
traces of one day in a loop at ``speed`` times real time; the positions keep their recorded
time stamps (feed time), which is what congestion bins and matching use.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

from feeds.report import IngestReport
from feeds.stpt_live import AvlReplayer, PositionBatch, StptVehicle, read_avl_positions
from feeds.stpt_live.replay import Clock, VirtualClock
from maas.realtime.hub import VEHICLE_MAX_AGE_S, FeedStatus, RealtimeHub, resolve_path

log = logging.getLogger("maas.realtime")

REPLAY_SOURCE = "stpt:avl-replay"


@dataclass
class ReplayFeed:
    """STPT AVL traces replayed as a live feed (``loop``: start again at the end)."""

    positions: list[StptVehicle]
    tick_s: float = 15.0
    speed: float = 60.0
    clock: Clock = field(default_factory=VirtualClock)
    loop: bool = True
    _it: Iterator[PositionBatch] | None = None
    _latest: dict[str, StptVehicle] = field(default_factory=dict)

    def _iter(self) -> Iterator[PositionBatch]:
        return iter(AvlReplayer(self.positions, tick_s=self.tick_s, speed=self.speed,
                                clock=self.clock))

    def next_batch(self) -> PositionBatch | None:
        """The next tick's positions (waits on the clock); None at the end without loop."""
        if not self.positions:
            return None
        if self._it is None:
            self._it = self._iter()
        try:
            return next(self._it)
        except StopIteration:
            if not self.loop:
                return None
            self._it = self._iter()
            self._latest.clear()
            return next(self._it, None)

    def current(self, batch: PositionBatch) -> list[StptVehicle]:
        """Latest position of every vehicle seen in the last 5 minutes (feed time)."""
        for v in batch.positions:
            self._latest[v.vehicle_id] = v
        now = batch.tick_end_s
        for k in [k for k, v in self._latest.items() if now - v.timestamp_s > VEHICLE_MAX_AGE_S]:
            del self._latest[k]
        return list(self._latest.values())


def open_replay(hub: RealtimeHub, *, clock: Clock | None = None, speed: float | None = None,
                tick_s: float | None = None, loop: bool = True) -> ReplayFeed | None:
    """The replay configured in ``[stpt_replay]`` (None, reported in /v1/feeds, when absent)."""
    cfg = hub.section("stpt_replay")
    traces = cfg.get("traces")
    status = FeedStatus("stpt_vehicles", REPLAY_SOURCE, label="replay")
    if not traces:
        return None
    folder = resolve_path(str(traces), hub.bundle)
    files = sorted(folder.glob("*.csv.gz")) + sorted(folder.glob("*.csv")) \
        if folder.is_dir() else []
    if not files:
        status.note = f"no AVL traces found ({traces}): no live vehicles"
        hub.statuses[REPLAY_SOURCE] = status
        return None
    report = IngestReport(REPLAY_SOURCE)
    positions: list[StptVehicle] = []
    for f in files:
        positions.extend(read_avl_positions(f, report))
    status.note = f"replaying {len(files)} recorded AVL traces ({len(positions)} positions)"
    status.report = report.summary()
    hub.statuses[REPLAY_SOURCE] = status
    return ReplayFeed(positions, tick_s=float(tick_s or cfg.get("tick_s", 15.0)),
                      speed=float(speed or cfg.get("speed", 60.0)),
                      clock=clock or VirtualClock(), loop=loop)


def _poll_gtfs_rt_files(hub: RealtimeHub, seen: dict[str, float]) -> int:
    cfg = hub.section("gtfs_rt")
    n = 0
    for key in ("trip_updates", "vehicle_positions", "alerts"):
        value = cfg.get(key)
        if not value or "://" in str(value):
            continue  # URLs are polled by `maas worker` (feeds pollers), not read here
        p = resolve_path(str(value), hub.bundle)
        if not p.exists():
            hub.statuses[f"gtfs_rt:{key}"] = FeedStatus("gtfs_rt", f"{key}:{p.name}",
                                                       note="file not found")
            continue
        mtime = p.stat().st_mtime
        if seen.get(str(p)) == mtime:
            continue
        seen[str(p)] = mtime
        try:
            hub.apply_gtfs_rt(p.read_bytes(), f"{key}:{p.name}")
            n += 1
        except Exception as exc:  # an unusable feed is reported, never fatal
            log.warning("GTFS-RT %s unusable: %s", p.name, exc)
            hub.statuses[f"{key}:{p.name}"] = FeedStatus("gtfs_rt", f"{key}:{p.name}",
                                                        note=f"unusable: {exc}")
    return n


@dataclass
class WorkerState:
    """What the worker remembers between steps (file mtimes, the replay)."""

    replay: ReplayFeed | None = None
    seen: dict[str, float] = field(default_factory=dict)


def run_realtime_worker_step(hub: RealtimeHub, state: WorkerState) -> bool:
    """One step: apply changed GTFS-RT files, then one replay tick; False when nothing is left.

    Parameters
    ----------
    hub : the realtime state to feed.
    state : worker memory (create with ``WorkerState(open_replay(hub))``).
    """
    _poll_gtfs_rt_files(hub, state.seen)
    if state.replay is None:
        return False
    batch = state.replay.next_batch()
    if batch is None:
        return False
    hub.apply_stpt_positions(state.replay.current(batch), batch.tick_end_s)
    return True


def start_realtime_thread(hub: RealtimeHub, stop: threading.Event, *,
                          speed: float | None = None) -> threading.Thread:
    """Run worker steps in a daemon thread at replay speed (wall clock) until ``stop`` is set."""
    from feeds.stpt_live import WallClock

    state = WorkerState(open_replay(hub, clock=WallClock(), speed=speed))

    def loop() -> None:
        while not stop.is_set():
            try:
                more = run_realtime_worker_step(hub, state)
            except Exception:  # keep the service up; the status shows the last good update
                log.exception("realtime step failed")
                more = True
            if not more:
                stop.wait(15.0)

    t = threading.Thread(target=loop, name="maas-realtime", daemon=True)
    t.start()
    return t


__all__ = ["REPLAY_SOURCE", "ReplayFeed", "WorkerState", "open_replay",
           "run_realtime_worker_step", "start_realtime_thread"]


