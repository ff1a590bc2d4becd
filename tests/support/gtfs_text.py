"""Inline multi-file GTFS text -> a GTFS zip or folder in a test's tmp_path.

Text holds sections headed by ``# <file>.txt``; each following line (leading and trailing
whitespace stripped, blank lines dropped) is one CSV line of that file::

    # stops.txt
    stop_id,stop_name,stop_lat,stop_lon
    A,Alpha,45.75,21.22
"""

from __future__ import annotations

import zipfile
from pathlib import Path


def parse_sections(text: str) -> dict[str, str]:
    """``{"stops.txt": "stop_id,...\\nA,...\\n", ...}`` from sectioned text."""
    files: dict[str, list[str]] = {}
    current: str | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("# ") and line.endswith(".txt"):
            current = line[2:].strip()
            files[current] = []
        elif line and current is not None:
            files[current].append(line)
        elif line:
            raise ValueError(f"line outside a '# file.txt' section: {line!r}")
    return {name: "\n".join(lines) + "\n" for name, lines in files.items()}


def gtfs_zip(
    text: str, tmp_path: Path, *, name: str = "feed.zip", raw: dict[str, bytes] | None = None
) -> Path:
    """Write the sections (and ``raw`` byte files, which win) as a zip; return its path."""
    files = {k: v.encode("utf-8") for k, v in parse_sections(text).items()}
    files.update(raw or {})
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for file, data in files.items():
            zf.writestr(file, data)
    return path


def gtfs_dir(text: str, tmp_path: Path, *, name: str = "feed") -> Path:
    """Write the sections as a folder of ``.txt`` files; return the folder."""
    folder = tmp_path / name
    folder.mkdir()
    for file, body in parse_sections(text).items():
        (folder / file).write_text(body, encoding="utf-8")
    return folder
