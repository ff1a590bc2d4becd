"""The live side of one API process: store + decoded state (+ the embedded demo worker)."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from maas.live.state import LiveState
from maas.live.store import LiveStore, MemoryLiveStore
from maas.settings import Settings
from routing.network import Network
from routing.street import get_router

log = logging.getLogger("maas.live")


@dataclass
class LiveRuntime:
    """What the lifespan opens and closes; ``state`` serves plans and availability routes."""

    store: LiveStore
    state: LiveState
    stop: threading.Event | None = None

    def close(self) -> None:
        """Stop the embedded worker and close the store."""
        if self.stop is not None:
            self.stop.set()
        self.store.close()


def open_live(settings: Settings, network: Network, *, embedded_worker: bool = True,
              store: LiveStore | None = None) -> LiveRuntime:
    """Open the live store of ``settings`` (Redis, else in-process with the embedded demo
    worker thread writing into it)."""
    from maas.worker import open_store, start_embedded

    store = store or open_store(settings)
    router = get_router(network.streets) if network.streets is not None else None
    stop = None
    if embedded_worker and isinstance(store, MemoryLiveStore):
        try:
            stop = start_embedded(settings, store)
        except Exception:  # live data is optional: plans keep working without it
            log.exception("embedded live worker not started")
    return LiveRuntime(store, LiveState(store, router), stop)
