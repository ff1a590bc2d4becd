"""Byte-level repair of GTFS text files before CSV parsing.

GTFS text must be UTF-8.  Real feeds also come with a byte-order mark (UTF-8 or UTF-16), NUL
bytes, or Windows code-page text; these are repaired here, each repair reported.
"""

from __future__ import annotations

import codecs

from feeds.report import IngestReport


def clean_text(name: str, data: bytes, report: IngestReport) -> bytes:
    """Return ``data`` as UTF-8 without byte-order mark or NUL bytes.

    Parameters
    ----------
    name:
        File name, for the report.
    data:
        Raw file bytes.
    report:
        Receives a warning per repair; stripped NUL bytes are counted in
        ``report.info["nul_bytes_stripped"][name]`` and non-UTF-8 files listed in
        ``report.info["non_utf8_files"]``.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        report.warn(f"{name}: UTF-16 text (byte-order mark) converted to UTF-8")
        data = data.decode("utf-16").encode("utf-8")
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    n_nul = data.count(b"\x00")
    if n_nul:
        data = data.replace(b"\x00", b"")
        report.info.setdefault("nul_bytes_stripped", {})[name] = n_nul
        report.warn(f"{name}: {n_nul} NUL bytes stripped")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        try:
            text, encoding = data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            text, encoding = data.decode("latin-1"), "latin-1"
        report.info.setdefault("non_utf8_files", {})[name] = encoding
        report.warn(
            f"{name}: not UTF-8 (invalid byte at offset {exc.start}); decoded as {encoding}"
        )
        data = text.encode("utf-8")
    return data
