"""Lenient readers for GBFS field values (2.x and 3.0 encodings) and report notes.

A *note* is a counted finding that skips nothing (a schema violation the parser could still
read through, an unknown reference); it lands in ``report.info["findings"][file][reason]`` with
a few examples in ``report.info["finding_examples"]``, and :func:`summarise_notes` turns the
counts into one warning per (file, reason).  Entities that cannot be used are counted with
``report.skip`` instead.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from feeds.report import MAX_EXAMPLES, IngestReport


def note(report: IngestReport, file: str, reason: str, *, index: int | None = None,
         value: object = "") -> None:
    """Count one finding of ``reason`` in ``file`` (entity ``index``) without skipping it."""
    findings: dict[str, dict[str, int]] = report.info.setdefault("findings", {})
    per_file = findings.setdefault(file, {})
    per_file[reason] = per_file.get(reason, 0) + 1
    if per_file[reason] <= MAX_EXAMPLES:
        examples: list[dict[str, Any]] = report.info.setdefault("finding_examples", [])
        examples.append({"file": file, "index": index, "reason": reason, "value": str(value)[:200]})


def note_count(report: IngestReport, file: str, reason: str) -> int:
    """How many findings of ``reason`` were noted for ``file``."""
    return int(report.info.get("findings", {}).get(file, {}).get(reason, 0))


def summarise_notes(report: IngestReport) -> None:
    """Add one warning per noted (file, reason) with its count."""
    for file, reasons in sorted(report.info.get("findings", {}).items()):
        for reason, n in sorted(reasons.items()):
            report.warn(f"{file}: {n} x {reason}")


def as_str(value: Any) -> str | None:
    """A non-empty string id or text (numbers are turned into text), else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float | str):
        text = str(value).strip()
        return text or None
    return None


def as_float(value: Any) -> float | None:
    """A finite float from a number or numeric string, else None."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def as_int(value: Any) -> int | None:
    """An int from an integral number or numeric string, else None."""
    out = as_float(value)
    if out is None or out != int(out):
        return None
    return int(out)


def as_bool(value: Any, default: bool) -> bool:
    """A bool from ``true/false``, ``1/0`` or their strings; ``default`` otherwise."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "1", "false", "0"):
        return value.strip().lower() in ("true", "1")
    return default


def as_timestamp(value: Any) -> int | None:
    """Unix seconds from a 2.x POSIX integer or a 3.0 RFC 3339 string (None when unreadable)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return int(value) if math.isfinite(value) else None
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return int(text)
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
        if parsed.tzinfo is None:
            return None
        return int(parsed.timestamp())
    return None


def localised(value: Any, language: str | None) -> str | None:
    """A plain string (2.x) or the ``language`` entry of a 3.0 localised list (else the first)."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, list):
        texts = [v for v in value if isinstance(v, dict) and isinstance(v.get("text"), str)]
        for entry in texts:
            if language is not None and entry.get("language") == language:
                return str(entry["text"])
        return str(texts[0]["text"]) if texts else None
    return None


def count_pairs(value: Any) -> tuple[tuple[str, int], ...]:
    """(id, count) pairs from a 3.0 list of ``{vehicle_type_id, count}`` or a 2.x
    ``{vehicle_type_id: count}`` object; unreadable entries are dropped."""
    out: list[tuple[str, int]] = []
    if isinstance(value, dict):
        for key, count in value.items():
            n = as_int(count)
            if n is not None:
                out.append((str(key), n))
    elif isinstance(value, list):
        for entry in value:
            if isinstance(entry, dict):
                vid = as_str(entry.get("vehicle_type_id"))
                n = as_int(entry.get("count"))
                if vid is not None and n is not None:
                    out.append((vid, n))
    return tuple(out)
