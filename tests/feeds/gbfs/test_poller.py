"""GbfsPoller against a real local HTTP server: ttl respected, ETag / If-Modified-Since
conditional GETs, 304 keeps the previous data, failures keep the last good document."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from feeds.errors import FeedError
from feeds.gbfs import GbfsPoller

LAST_MODIFIED = "Tue, 14 Nov 2023 22:13:20 GMT"


@dataclass
class FeedServer:
    """Serves ``files`` (path -> JSON document) with ETag and Last-Modified."""

    files: dict[str, Any] = field(default_factory=dict)
    fail: set[str] = field(default_factory=set)
    log: list[tuple[str, int, str | None, str | None]] = field(default_factory=list)
    base: str = ""

    def statuses(self, path: str) -> list[int]:
        return [status for p, status, _, _ in self.log if p == path]


@pytest.fixture
def server() -> Iterator[FeedServer]:
    state = FeedServer()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            inm = self.headers.get("If-None-Match")
            ims = self.headers.get("If-Modified-Since")
            if path in state.fail or path not in state.files:
                status = 500 if path in state.fail else 404
                state.log.append((path, status, inm, ims))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = json.dumps(state.files[path]).encode()
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            if inm == etag:
                state.log.append((path, 304, inm, ims))
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            state.log.append((path, 200, inm, ims))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", LAST_MODIFIED)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def envelope(data: dict[str, Any], ttl: int) -> dict[str, Any]:
    return {"last_updated": 1_700_000_000, "ttl": ttl, "version": "2.3", "data": data}


def publish(server: FeedServer, bikes_at_a: int = 3) -> None:
    server.files["/gbfs.json"] = envelope({"en": {"feeds": [
        {"name": "station_information", "url": f"{server.base}/en/station_information.json"},
        # relative and foreign file: URLs resolve next to gbfs.json
        {"name": "station_status", "url": "en/station_status.json"},
        {"name": "vehicle_types", "url": "file:/home/someone/vehicle_types.json"},
    ]}}, ttl=300)
    server.files["/en/station_information.json"] = envelope({"stations": [
        {"station_id": "a", "name": "A", "lat": 45.75, "lon": 21.22, "capacity": 10}]}, ttl=300)
    server.files["/en/station_status.json"] = envelope({"stations": [
        {"station_id": "a", "num_bikes_available": bikes_at_a, "num_docks_available": 7,
         "is_installed": True, "is_renting": True, "is_returning": True,
         "last_reported": 1_700_000_000}]}, ttl=10)
    server.files["/vehicle_types.json"] = envelope({"vehicle_types": [
        {"vehicle_type_id": "bike", "form_factor": "bicycle", "propulsion_type": "human"}]},
        ttl=300)


def test_ttl_and_conditional_get(server: FeedServer) -> None:
    publish(server)
    with httpx.Client(timeout=5.0) as client:
        poller = GbfsPoller(f"{server.base}/gbfs.json", client=client)
        snap, report = poller.poll(now_s=1000.0)
        assert snap.station_status["a"].num_vehicles_available == 3
        assert list(snap.vehicle_types) == ["bike"]
        assert report.info["http"] == {"fetched": 4}
        assert poller.next_due_s() == 1010.0

        # Within every ttl: nothing is requested, the same snapshot is returned.
        n = len(server.log)
        again, report = poller.poll(now_s=1005.0)
        assert len(server.log) == n and again is snap
        assert report.info["http"] == {"fresh": 4}

        # station_status ttl (10 s) expired, unchanged upstream: a conditional GET -> 304.
        again, report = poller.poll(now_s=1011.0)
        assert server.statuses("/en/station_status.json") == [200, 304]
        _, _, inm, ims = server.log[-1]
        assert inm is not None and inm.startswith('"') and ims == LAST_MODIFIED
        assert again is snap and report.info["http"] == {"not_modified": 1, "fresh": 3}

        # Upstream changes: the next due poll gets 200 and a new snapshot.
        publish(server, bikes_at_a=5)
        newer, report = poller.poll(now_s=1022.0)
        assert newer.station_status["a"].num_vehicles_available == 5
        assert report.info["changed"] is True
        assert server.statuses("/en/station_status.json") == [200, 304, 200]
        assert server.statuses("/gbfs.json") == [200]  # ttl 300 not reached


def test_failures_keep_previous_documents(server: FeedServer) -> None:
    publish(server)
    with httpx.Client(timeout=5.0) as client:
        poller = GbfsPoller(f"{server.base}/gbfs.json", client=client, min_interval_s=30)
        poller.poll(now_s=0.0)
        server.fail.add("/en/station_status.json")
        # ttl is 10 s but min_interval_s is 30 s: not due at 20 s.
        _, report = poller.poll(now_s=20.0)
        assert report.info["http"] == {"fresh": 4}
        kept, report = poller.poll(now_s=31.0)
        assert report.info["http"] == {"errors": 1, "fresh": 3}
        assert kept.station_status["a"].num_vehicles_available == 3
        assert any("HTTP 500" in w for w in report.warnings)
        assert poller.stats["errors"] == 1 and poller.stats["fetched"] == 4


def test_unreachable_discovery_is_unusable(server: FeedServer) -> None:
    with httpx.Client(timeout=5.0) as client, pytest.raises(FeedError, match="discovery"):
        GbfsPoller(f"{server.base}/gbfs.json", client=client).poll(now_s=0.0)
