"""Typed application state created by the lifespan (no module-level singletons)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from maas.services.planning import PlanService
from maas.settings import Settings
from routing.network import Network


@dataclass
class NetworkHolder:
    """The network in service; swapped atomically when a new snapshot becomes current."""

    network: Network
    folder: Path
    planner: PlanService
    loaded_at: float = field(default_factory=time.time)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def swap(self, network: Network, folder: Path, planner: PlanService) -> None:
        """Replace the network in service (readers keep the old one until they finish)."""
        with self._lock:
            self.network = network
            self.folder = folder
            self.planner = planner
            self.loaded_at = time.time()


@dataclass
class AppState:
    """Everything request handlers need; stored on ``app.state.maas``."""

    settings: Settings
    holder: NetworkHolder
    ready: threading.Event = field(default_factory=threading.Event)
    warmup_s: float | None = None
    realtime: Any = None
    """The realtime hub (``maas.realtime.hub.RealtimeHub``), created on first use."""
    realtime_store: Any = None
    """Live store the realtime hub follows (Redis mode; None: fed in-process)."""
    started_at: float = field(default_factory=time.time)
