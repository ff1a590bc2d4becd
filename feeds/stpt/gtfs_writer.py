"""Deterministic GTFS zip writer: same tables in, byte-identical zip out.

Files are written in name order, with a fixed timestamp (1980-01-01, the zip epoch), fixed
permissions and a fixed compression level; rows are written in the order given (callers sort
them), with ``\\n`` line ends and minimal CSV quoting.
"""

from __future__ import annotations

import csv
import io
import os
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class GtfsTable:
    """One GTFS file: header and rows (already formatted as text, already sorted)."""

    name: str
    header: tuple[str, ...]
    rows: Sequence[Sequence[str]]


def format_gtfs_time(seconds: int) -> str:
    """Seconds after the service day's noon-minus-12h as ``HH:MM:SS`` (hours may exceed 23)."""
    if seconds < 0:
        raise ValueError(f"negative GTFS time: {seconds} s")
    h, rem = divmod(int(seconds), 3600)
    m, s = divmod(rem, 60)
    return f"{h:02d}:{m:02d}:{s:02d}"


def table_bytes(table: GtfsTable) -> bytes:
    """The CSV text of a table, UTF-8 without BOM."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(table.header)
    for row in table.rows:
        if len(row) != len(table.header):
            raise ValueError(f"{table.name}: row {row!r} has {len(row)} fields, header has "
                             f"{len(table.header)}")
        w.writerow(row)
    return buf.getvalue().encode("utf-8")


def write_gtfs_zip(out_zip: Path, tables: Sequence[GtfsTable]) -> None:
    """Write ``tables`` into ``out_zip`` deterministically (atomic replace of the target)."""
    out_zip.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_zip.with_name(out_zip.name + ".tmp")
    with zipfile.ZipFile(tmp, "w") as zf:
        for table in sorted(tables, key=lambda t: t.name):
            info = zipfile.ZipInfo(table.name, date_time=_ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            zf.writestr(info, table_bytes(table), compresslevel=9)
    os.replace(tmp, out_zip)
