"""Poll a live GBFS system over HTTP, respecting each file's ``ttl`` and using conditional GETs.

Each file (``gbfs.json`` included) is fetched again only once ``ttl`` seconds (at least
``min_interval_s``) have passed since its last fetch.  Requests carry ``If-None-Match`` (the
last ``ETag``) and ``If-Modified-Since`` (the last ``Last-Modified``); a ``304 Not Modified``
keeps the previous document.  A failed fetch (network error, HTTP error, bad JSON) keeps the
previous document too and is counted; only a discovery file that was never fetched makes the
feed unusable (:class:`FeedError`).  The snapshot is rebuilt only when a document changed.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlparse

import httpx

from feeds.errors import FeedError
from feeds.gbfs.discovery import Discovery, parse_discovery
from feeds.gbfs.folder import local_candidates
from feeds.gbfs.model import GbfsSnapshot
from feeds.gbfs.parse import MODELLED_FILES, GbfsDocument, build_snapshot
from feeds.gbfs.schema import GbfsSchemas
from feeds.report import IngestReport

log = logging.getLogger("feeds.gbfs")


@dataclass
class _Cached:
    doc: dict[str, Any]
    etag: str | None
    last_modified: str | None
    fetched_at_s: float
    ttl_s: int


class GbfsPoller:
    """Keeps the latest documents of one GBFS system and turns them into snapshots.

    Parameters
    ----------
    gbfs_url
        URL of the system's ``gbfs.json``.
    client
        The httpx client to use (timeouts, auth headers and transport are the caller's).
    language
        Preferred feed language (2.x discovery and 3.0 localised strings).
    min_interval_s
        Lower bound on the refresh interval, seconds, for feeds publishing ``ttl: 0``.
    """

    def __init__(self, gbfs_url: str, *, client: httpx.Client, language: str | None = None,
                 min_interval_s: float = 0.0, schemas: GbfsSchemas | None = None) -> None:
        self.gbfs_url = gbfs_url
        self.client = client
        self.language = language
        self.min_interval_s = min_interval_s
        self.schemas = schemas or GbfsSchemas()
        self.stats: Counter[str] = Counter()
        """Cumulative counts: ``fetched`` (200), ``not_modified`` (304), ``fresh`` (not due),
        ``errors``."""
        self._cache: dict[str, _Cached] = {}
        self._last: tuple[GbfsSnapshot, IngestReport] | None = None

    def _due(self, key: str, now_s: float) -> bool:
        c = self._cache.get(key)
        return c is None or now_s >= c.fetched_at_s + max(c.ttl_s, self.min_interval_s)

    def next_due_s(self) -> float | None:
        """Earliest time (same clock as ``poll``'s ``now_s``) a cached file becomes due."""
        if not self._cache:
            return None
        return min(c.fetched_at_s + max(c.ttl_s, self.min_interval_s)
                   for c in self._cache.values())

    def _fetch(self, key: str, url: str, now_s: float, report: IngestReport,
               poll_stats: Counter[str]) -> bool:
        """Refresh one document if due; True when its content changed."""
        if not self._due(key, now_s):
            poll_stats["fresh"] += 1
            return False
        prev = self._cache.get(key)
        headers: dict[str, str] = {"Accept": "application/json"}
        if prev is not None and prev.etag:
            headers["If-None-Match"] = prev.etag
        if prev is not None and prev.last_modified:
            headers["If-Modified-Since"] = prev.last_modified
        try:
            response = self.client.get(url, headers=headers)
        except httpx.HTTPError as exc:
            poll_stats["errors"] += 1
            report.warn(f"{key}: fetch failed ({type(exc).__name__}: {exc}); kept previous")
            return False
        if response.status_code == 304 and prev is not None:
            poll_stats["not_modified"] += 1
            prev.fetched_at_s = now_s
            return False
        if response.status_code != 200:
            poll_stats["errors"] += 1
            report.warn(f"{key}: HTTP {response.status_code} from {url}; kept previous")
            return False
        try:
            doc = json.loads(response.content)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            poll_stats["errors"] += 1
            report.skip(key, "unreadable_json", value=exc)
            return False
        if not isinstance(doc, dict):
            poll_stats["errors"] += 1
            report.skip(key, "not_a_json_object", value=type(doc).__name__)
            return False
        poll_stats["fetched"] += 1
        ttl = doc.get("ttl")
        self._cache[key] = _Cached(
            doc=doc,
            etag=response.headers.get("ETag"),
            last_modified=response.headers.get("Last-Modified"),
            fetched_at_s=now_s,
            ttl_s=ttl if isinstance(ttl, int) and not isinstance(ttl, bool) and ttl >= 0 else 0,
        )
        return prev is None or prev.doc != doc

    def _resolve(self, name: str, url: str) -> str:
        scheme = urlparse(url).scheme
        if scheme in ("http", "https"):
            return url
        if scheme == "" and not url.startswith("/"):
            return urljoin(self.gbfs_url, url)
        # file: or absolute paths of the publisher's machine: same folder as gbfs.json.
        return urljoin(self.gbfs_url, local_candidates(name, url)[0])

    def poll(self, now_s: float | None = None) -> tuple[GbfsSnapshot, IngestReport]:
        """Fetch what is due and return the current snapshot and its report.

        ``now_s`` is the clock used for ttl bookkeeping (default ``time.time()``).
        """
        now = time.time() if now_s is None else now_s
        report = IngestReport(source=f"gbfs:{self.gbfs_url}")
        poll_stats: Counter[str] = Counter()
        changed = self._fetch("gbfs", self.gbfs_url, now, report, poll_stats)
        if "gbfs" not in self._cache:
            raise FeedError(f"discovery file unavailable: {self.gbfs_url}", file="gbfs.json")
        discovery: Discovery = parse_discovery(self._cache["gbfs"].doc, language=self.language)
        for link in discovery.feeds:
            if link.name in MODELLED_FILES:
                url = self._resolve(link.name, link.url)
                changed |= self._fetch(link.name, url, now, report, poll_stats)
        self.stats.update(poll_stats)
        if self._last is not None and not changed:
            snapshot, previous = self._last
            report.merge(previous)
        else:
            documents = {
                link.name: GbfsDocument(link.name, self._cache[link.name].doc, link.url)
                for link in discovery.feeds
                if link.name in MODELLED_FILES and link.name in self._cache
            }
            language = self.language or discovery.language
            snapshot, built = build_snapshot(documents, version=discovery.version,
                                             language=language, schemas=self.schemas)
            self._last = (snapshot, built)
            report.merge(built)
        report.info["http"] = dict(poll_stats)
        report.info["changed"] = changed
        log.debug("gbfs poll %s: %s", self.gbfs_url, dict(poll_stats))
        return snapshot, report
