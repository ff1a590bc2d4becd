"""``/v1/feeds``: every feed of the network and the live store, with versions and reports."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from maas.deps import StateDep
from maas.state import AppState

router = APIRouter(prefix="/v1", tags=["feeds"])


class FeedOut(BaseModel):
    """One feed: kind, source, status and its ingest summary."""

    kind: str = Field(examples=["gtfs"])
    source: str = Field(examples=["gtfs:stpt_estimated.zip"])
    label: str = Field("", description="'estimated', 'demo' or '' for an official feed.")
    version: str | None = None
    last_update: str | None = None
    age_s: float | None = None
    fresh: bool = True
    report: dict[str, Any] = Field(default_factory=dict)


class NetworkOut(BaseModel):
    """The network in service."""

    name: str
    version: str
    built_at: str
    timezone: str
    bbox: list[float]
    counts: dict[str, int]
    loaded_s_ago: float


class FeedsOut(BaseModel):
    """Response of ``/v1/feeds``."""

    network: NetworkOut
    feeds: list[FeedOut]


def _live_feeds(state: AppState) -> list[FeedOut]:
    """Realtime feeds of :mod:`maas.realtime` (replay, GTFS-RT files, closures)."""
    from maas.realtime.hub import current_hub

    now = time.time()
    out = []
    for st in current_hub(state).statuses.values():
        report = dict(st.report)
        if st.note:
            report["note"] = st.note
        out.append(FeedOut(
            kind=st.kind, source=st.source, label=st.label, version=str(st.version),
            last_update=None if st.last_update_s is None else time.strftime(
                "%Y-%m-%dT%H:%M:%SZ", time.gmtime(st.last_update_s)),
            age_s=None if st.last_update_s is None else round(now - st.last_update_s, 1),
            fresh=st.last_update_s is not None, report=report))
    return out


@router.get("/feeds", response_model=FeedsOut, summary="Feeds, versions and ingest reports")
def list_feeds(state: StateDep, request: Request) -> FeedsOut:
    """The network version and every static feed's ingest summary (live feeds added later)."""
    net = state.holder.network
    tt = net.timetable
    counts = {
        "stops": tt.n_stops, "routes": tt.n_routes, "patterns": tt.n_patterns,
        "trips": tt.n_trips, "stop_times": tt.n_stop_times,
        "street_nodes": net.streets.n_nodes if net.streets else 0,
        "street_edges": net.streets.n_edges if net.streets else 0,
    }
    feeds = []
    for f in net.meta.feeds:
        report = f.get("report", {})
        feeds.append(FeedOut(
            kind=str(f.get("kind", "")), source=str(f.get("source", "")),
            label=str(report.get("info", {}).get("label", "")),
            version=report.get("info", {}).get("feed_version"),
            last_update=net.meta.built_at, report=report,
        ))
    feeds.extend(_live_feeds(state))
    feeds.extend(_shared_live_feeds(request))
    return FeedsOut(
        network=NetworkOut(
            name=net.meta.name, version=net.meta.version, built_at=net.meta.built_at,
            timezone=net.meta.timezone, bbox=list(net.meta.bbox), counts=counts,
            loaded_s_ago=round(time.time() - state.holder.loaded_at, 1),
        ),
        feeds=feeds,
    )


def _shared_live_feeds(request: Request) -> list[FeedOut]:
    """Every feed of the live store (GBFS, OCPI): version, last update, age, freshness."""
    from datetime import UTC, datetime

    live = getattr(request.app.state, "live", None)
    if live is None:
        return []
    now = time.time()
    out = []
    for m in live.store.feeds():
        kind = m.feed.split(":", 1)[0]
        out.append(FeedOut(
            kind=kind, source=m.feed, label=m.label, version=str(m.version),
            last_update=datetime.fromtimestamp(m.feed_timestamp, UTC).strftime(
                "%Y-%m-%dT%H:%M:%SZ"),
            age_s=round(m.age_s(now), 1), fresh=m.is_fresh(now),
            report={"live": True, "ttl_s": m.ttl_s, "store_reachable": not m.unreachable},
        ))
    return out
