"""fetch_locations against a real local OCPI Sender: offset/limit paging via Link rel="next",
the X-Total-Count fallback, token auth, and error envelopes."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from feeds.errors import FeedError
from feeds.ocpi import fetch_locations


def loc(i: int) -> dict[str, Any]:
    return {"country_code": "RO", "party_id": "TMS", "id": f"L{i}", "publish": True,
            "address": "-", "city": "Timișoara", "country": "ROU",
            "coordinates": {"latitude": f"{45.7 + i / 1000:.6f}", "longitude": "21.2"},
            "time_zone": "Europe/Bucharest", "last_updated": "2024-05-01T10:00:00Z",
            "evses": [{"uid": f"E{i}", "status": "AVAILABLE",
                       "last_updated": "2024-05-01T10:00:00Z",
                       "connectors": [{"id": "1", "standard": "IEC_62196_T2",
                                       "format": "SOCKET", "power_type": "AC_3_PHASE",
                                       "max_voltage": 230, "max_amperage": 32,
                                       "last_updated": "2024-05-01T10:00:00Z"}]}]}


@dataclass
class Sender:
    locations: list[dict[str, Any]] = field(default_factory=lambda: [loc(i) for i in range(7)])
    max_limit: int = 3
    use_link: bool = True
    error_page: int | None = None
    requests: list[dict[str, list[str]]] = field(default_factory=list)
    auth: list[str | None] = field(default_factory=list)
    base: str = ""


@pytest.fixture
def sender() -> Iterator[Sender]:
    state = Sender()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlparse(self.path)
            if url.path == "/down":
                self.send_response(503)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            query = parse_qs(url.query)
            state.requests.append(query)
            state.auth.append(self.headers.get("Authorization"))
            offset = int(query.get("offset", ["0"])[0])
            limit = min(int(query.get("limit", [str(state.max_limit)])[0]), state.max_limit)
            page = state.locations[offset:offset + limit]
            if state.error_page is not None and len(state.requests) == state.error_page:
                body = {"data": None, "status_code": 3000, "status_message": "Server error",
                        "timestamp": "2024-05-01T10:00:00Z"}
            else:
                body = {"data": page, "status_code": 1000, "timestamp": "2024-05-01T10:00:00Z"}
            raw = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.send_header("X-Total-Count", str(len(state.locations)))
            self.send_header("X-Limit", str(state.max_limit))
            if state.use_link and offset + limit < len(state.locations):
                nxt = f"{state.base}/ocpi/2.2.1/locations?offset={offset + limit}&limit={limit}"
                self.send_header("Link", f'<{nxt}>; rel="next"')
            self.end_headers()
            self.wfile.write(raw)

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


def test_follows_link_next_until_done(sender: Sender) -> None:
    with httpx.Client(timeout=5.0) as client:
        locations, report = fetch_locations(f"{sender.base}/ocpi/2.2.1/locations", client,
                                             token="secret", limit=10)
    assert [x.location_id for x in locations] == [f"L{i}" for i in range(7)]
    assert [q["offset"] for q in sender.requests] == [["0"], ["3"], ["6"]]
    assert set(sender.auth) == {"Token secret"}
    assert report.info["ocpi"] == {"pages": 3, "locations": 7, "evses": 7, "connectors": 7,
                                   "x_total_count": 7}


def test_falls_back_to_x_total_count(sender: Sender) -> None:
    sender.use_link = False
    with httpx.Client(timeout=5.0) as client:
        locations, report = fetch_locations(f"{sender.base}/ocpi/2.2.1/locations", client,
                                            limit=2)
    assert len(locations) == 7
    assert [q["offset"] for q in sender.requests] == [["0"], ["2"], ["4"], ["6"]]
    assert report.rows_read["locations"] == 7


def test_duplicates_across_pages_and_error_envelope(sender: Sender) -> None:
    sender.locations = [loc(1), loc(2), loc(1)]
    with httpx.Client(timeout=5.0) as client:
        locations, report = fetch_locations(f"{sender.base}/ocpi/2.2.1/locations", client)
    assert len(locations) == 2
    assert report.skipped[("locations", "duplicate_location")] == 1
    sender.locations = [loc(i) for i in range(7)]
    sender.requests.clear()
    sender.error_page = 2
    with httpx.Client(timeout=5.0) as client, pytest.raises(FeedError, match="3000"):
        fetch_locations(f"{sender.base}/ocpi/2.2.1/locations", client)


def test_http_error_is_unusable(sender: Sender) -> None:
    with httpx.Client(timeout=5.0) as client, pytest.raises(FeedError, match="HTTP 503"):
        fetch_locations(f"{sender.base}/down", client)
