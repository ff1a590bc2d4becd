"""GBFS auto-discovery: ``gbfs.json`` (2.x: ``data.<lang>.feeds``, 3.0: ``data.feeds``) and the
3.0 ``manifest.json`` (systems -> their ``gbfs.json`` per version)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from feeds.errors import FeedError
from feeds.gbfs.values import as_str

#: The versions this reader understands, oldest first.
SUPPORTED_VERSIONS = ("1.0", "1.1", "2.0", "2.1", "2.2", "2.3", "3.0")


@dataclass(frozen=True)
class FeedLink:
    """One entry of ``gbfs.json``: a file name and its URL as published."""

    name: str
    url: str


@dataclass(frozen=True)
class Discovery:
    """A parsed ``gbfs.json``."""

    version: str
    language: str | None
    feeds: tuple[FeedLink, ...]
    ttl_s: int

    def url_of(self, name: str) -> str | None:
        """URL of the file ``name`` (None when not listed)."""
        return next((f.url for f in self.feeds if f.name == name), None)


@dataclass(frozen=True)
class ManifestEntry:
    """One (system, version) pair of a 3.0 ``manifest.json``."""

    system_id: str
    version: str
    url: str


def version_key(version: str) -> tuple[int, ...]:
    """Sortable form of a version string (release candidates sort below the release)."""
    core, _, rc = version.partition("-")
    parts = tuple(int(p) for p in core.split(".") if p.isdigit())
    return (*parts, 0 if rc else 1)


def parse_discovery(doc: Any, *, language: str | None = None) -> Discovery:
    """Read a ``gbfs.json`` document.

    For 2.x the feeds of ``language`` are taken, else those of the first language listed.
    A document without any feed list raises :class:`FeedError` (the feed is unusable).
    """
    if not isinstance(doc, dict) or not isinstance(doc.get("data"), dict):
        raise FeedError("no data object", file="gbfs.json")
    data: dict[str, Any] = doc["data"]
    version = as_str(doc.get("version")) or "1.0"
    chosen_language: str | None = None
    if isinstance(data.get("feeds"), list):
        feeds_raw = data["feeds"]
    else:
        languages = [k for k, v in data.items() if isinstance(v, dict)
                     and isinstance(v.get("feeds"), list)]
        if not languages:
            raise FeedError("no feeds list (data.feeds or data.<language>.feeds)",
                            file="gbfs.json")
        chosen_language = language if language in languages else languages[0]
        feeds_raw = data[chosen_language]["feeds"]
    links = []
    for entry in feeds_raw:
        if isinstance(entry, dict):
            name, url = as_str(entry.get("name")), as_str(entry.get("url"))
            if name and url:
                links.append(FeedLink(name, url))
    ttl = doc.get("ttl")
    return Discovery(
        version=version,
        language=chosen_language,
        feeds=tuple(links),
        ttl_s=ttl if isinstance(ttl, int) and not isinstance(ttl, bool) and ttl >= 0 else 0,
    )


def parse_manifest(doc: Any) -> list[ManifestEntry]:
    """All (system, version, url) entries of a 3.0 ``manifest.json`` (unreadable ones dropped)."""
    data = doc.get("data") if isinstance(doc, dict) else None
    datasets = data.get("datasets") if isinstance(data, dict) else None
    if not isinstance(datasets, list):
        raise FeedError("no data.datasets list", file="manifest.json")
    out: list[ManifestEntry] = []
    for dataset in datasets:
        if not isinstance(dataset, dict):
            continue
        system_id = as_str(dataset.get("system_id"))
        versions = dataset.get("versions")
        if system_id is None or not isinstance(versions, list):
            continue
        for v in versions:
            if isinstance(v, dict) and as_str(v.get("version")) and as_str(v.get("url")):
                out.append(ManifestEntry(system_id, str(v["version"]), str(v["url"])))
    return out


def latest_supported(entries: list[ManifestEntry]) -> dict[str, ManifestEntry]:
    """Per system, the entry of the newest version this reader supports."""
    best: dict[str, ManifestEntry] = {}
    for e in entries:
        if e.version not in SUPPORTED_VERSIONS:
            continue
        cur = best.get(e.system_id)
        if cur is None or version_key(e.version) > version_key(cur.version):
            best[e.system_id] = e
    return best
