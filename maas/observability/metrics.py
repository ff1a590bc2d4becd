"""Prometheus metrics held in a per-app registry (``app.state.metrics``).

Series
------
``maas_http_request_duration_seconds{method, route, status}``
    Histogram of request latency; ``route`` is the route template (``/v1/stops/{stop_id}``),
    ``<unmatched>`` for paths no route matched, so raw paths never become label values.
``maas_http_errors_total{method, route, status}``
    Responses with status >= 400.
``maas_plan_latency_seconds{modes}``
    Histogram of planner search time; ``modes`` is the normalised mode set (``TRANSIT,WALK``).

Multi-process servers: when ``PROMETHEUS_MULTIPROC_DIR`` is set *before* ``prometheus_client``
is imported (uvicorn ``--workers N``), every process writes its samples to files in that folder
and ``/metrics`` aggregates all of them (the folder must be emptied when the server starts).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as prom_multiprocess
from starlette.responses import Response

#: Request latency buckets, seconds (probes answer in ~1 ms, plans in tens to hundreds).
REQUEST_BUCKETS_S = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                     10.0)
#: Planner latency buckets, seconds.
PLAN_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
#: Label value of requests that matched no route.
UNMATCHED_ROUTE = "<unmatched>"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def normalise_modes(modes: str) -> str:
    """Canonical ``modes`` label: upper case, deduplicated, sorted, comma-joined.

    ``"walk, transit"`` and ``"TRANSIT,WALK"`` give the same series, so the label has at most
    one value per mode *set* (2**6 for the six modes).
    """
    parts = sorted({m.strip().upper() for m in modes.split(",") if m.strip()})
    return ",".join(parts) or "NONE"


def multiprocess_dir() -> str | None:
    """The Prometheus multi-process folder, or ``None`` in single-process mode."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def prepare_multiprocess_dir(path: Path) -> Path:
    """Empty (or create) ``path`` and set ``PROMETHEUS_MULTIPROC_DIR`` to it for child processes.

    Call it in the parent before starting uvicorn with several workers (each worker process
    imports ``prometheus_client`` fresh and then writes its samples there). Samples of a
    previous run are deleted so that counters restart from zero with the server.
    """
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path)
    return path


class Metrics:
    """The metrics of one app.

    Parameters
    ----------
    registry : CollectorRegistry | None
        Where the series are registered; default: a new registry owned by this object.
    """

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry(auto_describe=True)
        labels = ("method", "route", "status")
        self.request_duration = Histogram(
            "maas_http_request_duration_seconds", "HTTP request latency by route template.",
            labels, buckets=REQUEST_BUCKETS_S, registry=self.registry,
        )
        self.errors = Counter(
            "maas_http_errors", "HTTP responses with status >= 400.", labels,
            registry=self.registry,
        )
        self.plan_latency = Histogram(
            "maas_plan_latency_seconds", "Planner search time by requested mode set.",
            ("modes",), buckets=PLAN_BUCKETS_S, registry=self.registry,
        )

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        """Record one HTTP request of ``seconds`` (unknown methods are labelled ``OTHER``)."""
        method = method if method in _METHODS else "OTHER"
        self.request_duration.labels(method, route, str(status)).observe(seconds)
        if status >= 400:
            self.errors.labels(method, route, str(status)).inc()

    def observe_plan(self, modes: str, seconds: float) -> None:
        """Record one planner search of ``seconds`` for the comma list ``modes``."""
        self.plan_latency.labels(normalise_modes(modes)).observe(seconds)

    def render(self) -> bytes:
        """The text exposition: this registry, or every process's files in multi-process mode."""
        if multiprocess_dir() is not None:
            registry = CollectorRegistry()
            prom_multiprocess.MultiProcessCollector(registry)
            return generate_latest(registry)
        return generate_latest(self.registry)


def metrics_of(app: FastAPI) -> Metrics:
    """The :class:`Metrics` installed on ``app`` (by ``install_observability``)."""
    metrics: Metrics | None = getattr(app.state, "metrics", None)
    if metrics is None:
        raise RuntimeError("no metrics on this app: call install_observability(app, settings)")
    return metrics


async def get_metrics(request: Request) -> Metrics:
    """Dependency: the metrics of the app serving ``request``."""
    return metrics_of(request.app)


MetricsDep = Annotated[Metrics, Depends(get_metrics)]


def metrics_endpoint(request: Request) -> Response:
    """``GET /metrics``: Prometheus text exposition."""
    return Response(metrics_of(request.app).render(), media_type=CONTENT_TYPE_LATEST)
