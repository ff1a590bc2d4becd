"""Fetch all Locations from an OCPI 2.2.1 Sender (CPO) ``locations`` endpoint, page by page.

Pagination per OCPI 2.2.1 §4.1.3 (transport): the first request carries ``offset``/``limit``
(and ``date_from``/``date_to`` when given); each following page is the URL of the ``Link``
header with ``rel="next"``.  Without a ``Link`` header the client falls back to
``X-Total-Count``: it asks for the next ``offset`` while fewer Locations than the total were
received.  Any non-200 answer or an envelope with an error ``status_code`` makes the whole fetch
unusable (:class:`FeedError`), so a partial list is never mistaken for the full set.
"""

from __future__ import annotations

import json
import logging

import httpx

from feeds.errors import FeedError
from feeds.ocpi.model import Location
from feeds.ocpi.parse import location_dicts, parse_location, summarise_unknown_keys
from feeds.report import IngestReport

log = logging.getLogger("feeds.ocpi")


def fetch_locations(
    url: str,
    client: httpx.Client,
    *,
    token: str | None = None,
    limit: int | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    max_pages: int = 10_000,
) -> tuple[list[Location], IngestReport]:
    """Every Location of the endpoint ``url``.

    Parameters
    ----------
    token
        OCPI credentials token, sent as ``Authorization: Token <token>``.
    limit
        Page size asked for (the server may cap it, see its ``X-Limit`` header).
    date_from, date_to
        Only Locations changed in this window (RFC 3339), for incremental syncs.
    max_pages
        Safety bound on the number of requests.
    """
    report = IngestReport(source=f"ocpi:{url}")
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    params: dict[str, str | int] = {"offset": 0}
    if limit is not None:
        params["limit"] = limit
    if date_from:
        params["date_from"] = date_from
    if date_to:
        params["date_to"] = date_to
    next_url: str | None = url
    next_params: dict[str, str | int] | None = params
    locations: dict[tuple[str, str, str], Location] = {}
    received = 0
    pages = 0
    total: int | None = None
    while next_url is not None:
        if pages >= max_pages:
            report.warn(f"stopped after {max_pages} pages")
            break
        try:
            response = client.get(next_url, params=next_params, headers=headers)
        except httpx.HTTPError as exc:
            raise FeedError(f"request failed: {type(exc).__name__}: {exc}",
                            file="locations") from exc
        pages += 1
        if response.status_code != 200:
            raise FeedError(f"HTTP {response.status_code} for {response.url}", file="locations")
        try:
            body = json.loads(response.content)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise FeedError(f"page {pages} is not JSON ({exc})", file="locations") from exc
        raws = location_dicts(body, file="locations")
        report.read("locations", len(raws))
        for i, raw in enumerate(raws):
            loc = parse_location(raw, report, file="locations", row=received + i)
            if loc is None:
                continue
            if loc.key in locations:
                report.skip("locations", "duplicate_location", row=received + i, value=loc.key)
                continue
            locations[loc.key] = loc
        received += len(raws)
        total_header = response.headers.get("X-Total-Count")
        if total_header is not None and total_header.strip().isdigit():
            total = int(total_header)
        link = response.links.get("next")
        if link and link.get("url"):
            next_url, next_params = str(response.url.join(link["url"])), None
        elif total is not None and raws and received < total:
            fallback: dict[str, str | int] = dict(params)
            fallback["offset"] = received
            next_url, next_params = url, fallback
        else:
            next_url = None
    if total is not None and received < total:
        report.warn(f"received {received} Locations of X-Total-Count {total}")
    summarise_unknown_keys(report)
    out = list(locations.values())
    report.info["ocpi"] = {
        "pages": pages,
        "locations": len(out),
        "evses": sum(len(loc.evses) for loc in out),
        "connectors": sum(loc.n_connectors for loc in out),
        "x_total_count": total,
    }
    log.info("ocpi %s: %s", url, report.info["ocpi"])
    return out, report
