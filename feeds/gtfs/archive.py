"""Safe reading of a GTFS zip archive or folder into raw bytes per file.

A zip is checked before anything is decompressed and while it is: entry names must stay inside
the archive (no ``..``, absolute or drive paths), every entry and the whole archive must stay
under size limits, and every large entry under a compression-ratio limit (zip bombs).
"""

from __future__ import annotations

import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from feeds.errors import FeedError, UnsafeArchiveError
from feeds.report import IngestReport

#: GTFS files this reader uses (others in the archive are ignored).
GTFS_FILES = frozenset(
    {
        "agency.txt",
        "stops.txt",
        "routes.txt",
        "trips.txt",
        "stop_times.txt",
        "calendar.txt",
        "calendar_dates.txt",
        "frequencies.txt",
        "transfers.txt",
        "shapes.txt",
        "feed_info.txt",
    }
)

_CHUNK = 1 << 20


@dataclass(frozen=True)
class ArchiveLimits:
    """Limits on what one feed may decompress to.

    Attributes
    ----------
    max_entry_bytes:
        Largest uncompressed size of one file, bytes.
    max_total_bytes:
        Largest uncompressed size of all used files together, bytes.
    max_ratio:
        Largest uncompressed/compressed ratio of an entry bigger than ``ratio_min_bytes``.
        Real GTFS text compresses 5-30x; zip bombs 1000x and more.
    ratio_min_bytes:
        Entries smaller than this (bytes) are not ratio-checked (tiny files compress oddly).
    max_entries:
        Largest number of entries in the archive.
    """

    max_entry_bytes: int = 1 << 30
    max_total_bytes: int = 2 << 30
    max_ratio: float = 200.0
    ratio_min_bytes: int = 1 << 20
    max_entries: int = 10_000


DEFAULT_LIMITS = ArchiveLimits()


def read_feed_files(
    path: Path, *, report: IngestReport, limits: ArchiveLimits = DEFAULT_LIMITS
) -> dict[str, bytes]:
    """Raw bytes of the GTFS files of a zip archive or a folder, keyed by file name.

    Parameters
    ----------
    path:
        A ``.zip`` file, or a folder holding the ``.txt`` files.
    report:
        Receives a warning for every ignored entry worth mentioning.
    limits:
        Size and ratio limits (zip and folder alike).

    Raises
    ------
    FeedError
        ``path`` does not exist or is not a readable zip.
    UnsafeArchiveError
        An unsafe entry name, or a size or ratio limit exceeded.
    """
    if path.is_dir():
        return _read_folder(path, limits)
    if not path.is_file():
        raise FeedError(f"no such file or folder: {path.name}", file=path.name)
    try:
        with zipfile.ZipFile(path) as zf:
            return _read_zip(zf, path.name, report, limits)
    except zipfile.BadZipFile as exc:
        raise FeedError(f"not a readable zip archive ({exc})", file=path.name) from exc


def _read_folder(path: Path, limits: ArchiveLimits) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    total = 0
    for p in sorted(path.iterdir()):
        if p.name not in GTFS_FILES or not p.is_file():
            continue
        size = p.stat().st_size
        total += size
        if size > limits.max_entry_bytes or total > limits.max_total_bytes:
            raise UnsafeArchiveError(f"file of {size} bytes exceeds the size limit", file=p.name)
        out[p.name] = p.read_bytes()
    return out


def _check_name(name: str, archive: str) -> None:
    """Raise on entry names that would escape an extraction folder."""
    if "\\" in name or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise UnsafeArchiveError(f"unsafe entry name {name!r} (absolute path)", file=archive)
    if any(part == ".." for part in PurePosixPath(name).parts):
        raise UnsafeArchiveError(f"unsafe entry name {name!r} (path traversal)", file=archive)


def _pick_entries(
    infos: list[zipfile.ZipInfo], archive: str, report: IngestReport
) -> dict[str, zipfile.ZipInfo]:
    """GTFS entries at the archive root, or in the one sub-folder holding ``stops.txt``."""
    by_dir: dict[str, dict[str, zipfile.ZipInfo]] = {}
    for info in infos:
        if info.is_dir() or stat.S_ISLNK(info.external_attr >> 16):
            continue
        p = PurePosixPath(info.filename)
        if p.name in GTFS_FILES and not p.name.startswith("."):
            by_dir.setdefault(str(p.parent), {})[p.name] = info
    if "." in by_dir:
        return by_dir["."]
    candidates = [d for d, files in by_dir.items() if "stops.txt" in files]
    if len(candidates) == 1 and "__MACOSX" not in candidates[0]:
        report.warn(f"{archive}: GTFS files found in sub-folder {candidates[0]!r}")
        return by_dir[candidates[0]]
    return {}


def _read_zip(
    zf: zipfile.ZipFile, archive: str, report: IngestReport, limits: ArchiveLimits
) -> dict[str, bytes]:
    infos = zf.infolist()
    if len(infos) > limits.max_entries:
        raise UnsafeArchiveError(
            f"{len(infos)} entries exceed the limit of {limits.max_entries}", file=archive
        )
    for info in infos:
        _check_name(info.filename, archive)
    entries = _pick_entries(infos, archive, report)
    declared = sum(i.file_size for i in entries.values())
    if declared > limits.max_total_bytes:
        raise UnsafeArchiveError(
            f"uncompressed size {declared} bytes exceeds the limit of {limits.max_total_bytes}",
            file=archive,
        )
    out: dict[str, bytes] = {}
    total = 0
    for name, info in entries.items():
        _check_entry(info, name, limits)
        chunks: list[bytes] = []
        size = 0
        with zf.open(info) as fh:
            while chunk := fh.read(_CHUNK):
                size += len(chunk)
                total += len(chunk)
                # Headers can lie: enforce the limits on what actually comes out.
                if size > limits.max_entry_bytes or total > limits.max_total_bytes:
                    raise UnsafeArchiveError(
                        f"decompressed data exceeds the size limit ({size} bytes so far)",
                        file=name,
                    )
                if size > limits.ratio_min_bytes and size > limits.max_ratio * max(
                    info.compress_size, 1
                ):
                    raise UnsafeArchiveError(
                        f"compression ratio above {limits.max_ratio:g} (zip bomb?)", file=name
                    )
                chunks.append(chunk)
        out[name] = b"".join(chunks)
    return out


def _check_entry(info: zipfile.ZipInfo, name: str, limits: ArchiveLimits) -> None:
    if info.file_size > limits.max_entry_bytes:
        raise UnsafeArchiveError(
            f"uncompressed size {info.file_size} bytes exceeds the limit of "
            f"{limits.max_entry_bytes}",
            file=name,
        )
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > limits.ratio_min_bytes and ratio > limits.max_ratio:
        raise UnsafeArchiveError(
            f"compression ratio {ratio:.0f} above the limit of {limits.max_ratio:g} (zip bomb?)",
            file=name,
        )
