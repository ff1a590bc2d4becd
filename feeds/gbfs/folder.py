"""Load a GBFS snapshot from a local folder (a bundle's ``gbfs/<system>/``).

The URLs in ``gbfs.json`` usually point elsewhere (live ``https://`` endpoints, ``file:`` paths
of another machine), so each listed file is looked up *by file name inside the folder*: the last
path segment of its URL, with ``.json`` added when it has no extension, else ``<name>.json``.
Modelled files present in the folder but not listed are read too (and noted).  A folder without
``gbfs.json`` is read by file names alone, its version taken from the files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from feeds.errors import FeedError, MissingFileError
from feeds.gbfs.discovery import Discovery, parse_discovery
from feeds.gbfs.model import GbfsSnapshot
from feeds.gbfs.parse import MODELLED_FILES, GbfsDocument, build_snapshot
from feeds.gbfs.schema import GbfsSchemas
from feeds.gbfs.values import as_str, note
from feeds.report import IngestReport


def local_candidates(name: str, url: str) -> list[str]:
    """File names under which the listed file ``name`` at ``url`` may be stored locally."""
    segment = urlparse(url).path.rstrip("/").rsplit("/", 1)[-1] or url.rsplit(":", 1)[-1]
    out = [segment] if segment else []
    if segment and "." not in segment:
        out.append(segment + ".json")
    out.append(f"{name}.json")
    return list(dict.fromkeys(out))


def _read_json(path: Path, report: IngestReport) -> dict[str, Any] | None:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        report.skip(path.stem, "unreadable_json", value=exc)
        return None
    if not isinstance(doc, dict):
        report.skip(path.stem, "not_a_json_object", value=type(doc).__name__)
        return None
    return doc


def load_gbfs_folder(
    folder: Path, *, language: str | None = None, schemas: GbfsSchemas | None = None
) -> tuple[GbfsSnapshot, IngestReport]:
    """Read, validate and normalise the GBFS files of ``folder``.

    Raises
    ------
    MissingFileError
        The folder holds neither ``gbfs.json`` nor any modelled GBFS file.
    FeedError
        ``gbfs.json`` exists but has no feed list.
    """
    report = IngestReport(source=f"gbfs:{folder.name}")
    if not folder.is_dir():
        raise MissingFileError(f"GBFS folder not found: {folder}")
    discovery: Discovery | None = None
    gbfs_path = folder / "gbfs.json"
    if gbfs_path.is_file():
        doc = _read_json(gbfs_path, report)
        if doc is None:
            raise FeedError("unreadable", file="gbfs.json")
        discovery = parse_discovery(doc, language=language)
    documents: dict[str, GbfsDocument] = {}
    if discovery is not None:
        for link in discovery.feeds:
            if link.name not in MODELLED_FILES or link.name in documents:
                continue
            path = next((folder / c for c in local_candidates(link.name, link.url)
                         if (folder / c).is_file()), None)
            if path is None:
                report.warn(f"{link.name}: listed in gbfs.json but absent from the folder")
                continue
            if (d := _read_json(path, report)) is not None:
                documents[link.name] = GbfsDocument(link.name, d, str(path.relative_to(folder)))
    for name in MODELLED_FILES:
        path = folder / f"{name}.json"
        if name not in documents and path.is_file():
            if discovery is not None:
                note(report, name, "file_not_listed_in_gbfs_json")
            if (d := _read_json(path, report)) is not None:
                documents[name] = GbfsDocument(name, d, path.name)
    if not documents:
        raise MissingFileError("no GBFS file found (gbfs.json, station_information.json, "
                               f"vehicle_status.json, ...) in {folder.name}")
    if discovery is not None:
        version = discovery.version
    else:
        version = next((v for d in documents.values()
                        if (v := as_str(d.doc.get("version")))), "1.0")
    if language is None and discovery is not None:
        language = discovery.language
    report.info["gbfs_discovery"] = {
        "version": version,
        "language": language,
        "files": sorted(documents),
    }
    return build_snapshot(documents, version=version, language=language, schemas=schemas,
                          report=report)
