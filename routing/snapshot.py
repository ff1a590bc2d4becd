"""Versioned on-disk snapshots of a :class:`~routing.network.Network`.

A snapshot root holds one folder per version (the content hash) and a ``CURRENT`` file naming
the version in service.  A version folder holds one ``.npy`` file per array (loaded with
``mmap_mode="r"``, so N processes share the pages), ``names.json`` (string ids) and
``manifest.json`` (format, version, counts, metadata, per-file sha256).  A new version is
written to a temporary folder and renamed into place, then ``CURRENT`` is replaced atomically:
a failed build never leaves a half-written snapshot in service.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from routing.errors import SnapshotError
from routing.network import Network, NetworkMeta
from routing.street_graph import StopLinks, StreetGraph
from routing.timetable import Timetable, TimetableNames

FORMAT = "maas-network/1"
_PARTS = ("timetable", "streets", "stop_links")


def content_hash(network: Network) -> str:
    """Sha256 over every array (dtype, shape, bytes) and the string tables; 16 hex chars."""
    h = hashlib.sha256()
    for part in _PARTS:
        obj = getattr(network, part)
        if obj is None:
            continue
        for name, arr in sorted(obj.array_fields().items()):
            a = np.ascontiguousarray(arr)
            h.update(f"{part}/{name}/{a.dtype.str}/{a.shape}".encode())
            h.update(a.tobytes())
    h.update(json.dumps(_names_json(network), sort_keys=True).encode())
    meta = dataclasses.asdict(network.meta)
    meta.pop("version", None)
    meta.pop("built_at", None)
    h.update(json.dumps(meta, sort_keys=True, default=str).encode())
    return h.hexdigest()[:16]


def _names_json(network: Network) -> dict[str, Any]:
    out: dict[str, Any] = {"timetable": dataclasses.asdict(network.timetable.names)}
    if network.streets is not None:
        out["streets"] = list(network.streets.names)
    return out


def save_snapshot(network: Network, root: Path) -> Path:
    """Write ``network`` under ``root/<hash>/`` and make it current; return the folder.

    If the same version already exists it is reused (builds are cached by content hash).
    """
    root.mkdir(parents=True, exist_ok=True)
    version = content_hash(network)
    final = root / version
    if not (final / "manifest.json").exists():
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=root))
        try:
            files: dict[str, str] = {}
            for part in _PARTS:
                obj = getattr(network, part)
                if obj is None:
                    continue
                (tmp / part).mkdir()
                for name, arr in obj.array_fields().items():
                    path = tmp / part / f"{name}.npy"
                    np.save(path, np.ascontiguousarray(arr), allow_pickle=False)
                    files[f"{part}/{name}.npy"] = _sha256(path)
            (tmp / "names.json").write_text(json.dumps(_names_json(network)), encoding="utf-8")
            tt = network.timetable
            meta = dataclasses.replace(
                network.meta, version=version, built_at=datetime.now(UTC).isoformat()
            )
            manifest = {
                "format": FORMAT,
                "version": version,
                "meta": dataclasses.asdict(meta),
                "scalars": {"first_day": tt.first_day, "n_days": tt.n_days},
                "counts": {
                    "stops": tt.n_stops,
                    "routes": tt.n_routes,
                    "patterns": tt.n_patterns,
                    "trips": tt.n_trips,
                    "stop_times": tt.n_stop_times,
                    "street_nodes": network.streets.n_nodes if network.streets else 0,
                    "street_edges": network.streets.n_edges if network.streets else 0,
                },
                "files": files,
            }
            (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
            if final.exists():
                shutil.rmtree(final)
            os.replace(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    set_current(root, version)
    return final


def set_current(root: Path, version: str) -> None:
    """Atomically point ``root/CURRENT`` at ``version``."""
    fd, tmpname = tempfile.mkstemp(prefix=".current-", dir=root)
    with os.fdopen(fd, "w") as f:
        f.write(version + "\n")
    os.replace(tmpname, root / "CURRENT")


def current_version(root: Path) -> str | None:
    """The version named by ``root/CURRENT``, or None when there is none."""
    path = root / "CURRENT"
    if not path.exists():
        return None
    v = path.read_text().strip()
    return v if v and (root / v / "manifest.json").exists() else None


def read_manifest(folder: Path) -> dict[str, Any]:
    """Parse ``folder/manifest.json`` (raises :class:`SnapshotError`)."""
    try:
        manifest: dict[str, Any] = json.loads((folder / "manifest.json").read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise SnapshotError(f"{folder}: unreadable manifest.json ({exc})") from exc
    if manifest.get("format") != FORMAT:
        raise SnapshotError(f"{folder}: format {manifest.get('format')!r}, want {FORMAT!r}")
    return manifest


def load_snapshot(path: Path, *, verify: bool = False) -> Network:
    """Load a snapshot folder (or a root with ``CURRENT``) read-only by mmap.

    With ``verify=True`` every file's sha256 is checked against the manifest first.
    """
    if (path / "CURRENT").exists() and not (path / "manifest.json").exists():
        version = current_version(path)
        if version is None:
            raise SnapshotError(f"{path}: CURRENT names no complete snapshot")
        path = path / version
    manifest = read_manifest(path)
    if verify:
        for rel, digest in manifest["files"].items():
            if _sha256(path / rel) != digest:
                raise SnapshotError(f"{path / rel}: sha256 mismatch (corrupt snapshot)")
    names = json.loads((path / "names.json").read_text("utf-8"))

    def arrays(part: str) -> dict[str, np.ndarray]:
        out = {}
        for rel in manifest["files"]:
            p, _, fname = rel.partition("/")
            if p == part:
                # a plain ndarray view of the read-only mapping: pages stay shared between
                # processes, and element access avoids np.memmap's per-item Python overhead
                mm = np.load(path / rel, mmap_mode="r", allow_pickle=False)
                out[fname[:-4]] = mm if mm.size == 0 else np.asarray(mm)
        return out

    tt_arrays = arrays("timetable")
    timetable = Timetable(
        **tt_arrays,
        first_day=int(manifest["scalars"]["first_day"]),
        n_days=int(manifest["scalars"]["n_days"]),
        names=TimetableNames(**names["timetable"]),
    )
    streets = None
    st_arrays = arrays("streets")
    if st_arrays:
        streets = StreetGraph(**st_arrays, names=list(names.get("streets", [])))
    links_arrays = arrays("stop_links")
    links = StopLinks(**links_arrays) if links_arrays else None
    meta_d = dict(manifest["meta"])
    meta_d["bbox"] = tuple(meta_d["bbox"])
    meta = NetworkMeta(**meta_d)
    return Network(meta=meta, timetable=timetable, streets=streets, stop_links=links)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
