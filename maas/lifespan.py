"""Lifespan: load the current snapshot (mmap), warm the kernels, then report ready."""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI

from maas.services.planning import PlanService
from maas.settings import Settings
from maas.state import AppState, NetworkHolder
from routing.snapshot import current_version, load_snapshot

log = logging.getLogger("maas.lifespan")

#: Functions run once in a background thread before /readyz answers 200 (compile kernels).
Warmup = Callable[[AppState], None]
WARMUPS: list[Warmup] = []


def open_state(settings: Settings) -> AppState:
    """Load the current snapshot of ``settings.snapshot_root`` into a fresh :class:`AppState`."""
    root = settings.snapshot_root
    version = current_version(root)
    if version is None:
        from routing.errors import SnapshotError

        raise SnapshotError(
            f"no current snapshot under {root}; run `maas build {settings.bundle}` first"
        )
    network = load_snapshot(root / version)
    holder = NetworkHolder(network=network, folder=root / version, planner=PlanService(network))
    return AppState(settings=settings, holder=holder)


def _warm(state: AppState) -> None:
    t0 = time.perf_counter()
    try:
        if state.settings.warmup:
            state.holder.planner.warm()
            for fn in WARMUPS:
                fn(state)
    except Exception:  # warm-up must never keep the service down; log and continue
        log.exception("warm-up failed")
    state.warmup_s = time.perf_counter() - t0
    state.ready.set()
    log.info("ready after %.2f s warm-up", state.warmup_s)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Open the state, start the warm-up thread, close everything on shutdown."""
    settings: Settings = app.state.settings
    state = open_state(settings)
    app.state.maas = state
    from maas.live.runtime import open_live

    app.state.live = open_live(settings, state.holder.network)
    if settings.realtime and settings.redis_url:
        # one `maas worker` computes the realtime state; this process follows the store
        state.realtime_store = app.state.live.store
    threading.Thread(target=_warm, args=(state,), name="maas-warmup", daemon=True).start()
    stop_realtime = threading.Event()
    if settings.realtime and not settings.redis_url:
        # embedded default: this process replays/polls the realtime feeds itself; with Redis,
        # `maas worker` does it once for every API process
        from maas.realtime.hub import current_hub
        from maas.realtime.worker import start_realtime_thread

        start_realtime_thread(current_hub(state), stop_realtime)
    # long-lived start-up objects (id maps, replay records, parsed static feeds) move to the
    # permanent generation: full collections no longer walk them, which removes periodic GC
    # pauses from request latency
    gc.collect()
    gc.freeze()
    yield
    stop_realtime.set()
    app.state.live.close()
