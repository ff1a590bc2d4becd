"""IngestReport: what a reader read, skipped (by reason, with examples) and warned about."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

#: Examples kept per (file, reason), enough to locate a problem without flooding the report.
MAX_EXAMPLES = 5


@dataclass
class SkipExample:
    """One skipped row: where it was and the offending value."""

    file: str
    row: int | None
    reason: str
    value: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"file": self.file, "row": self.row, "reason": self.reason, "value": self.value}


@dataclass
class IngestReport:
    """Counts of rows read and skipped per file and reason, plus warnings.

    Rows are numbered as a text editor shows them: the header is row 1, the first record row 2.
    """

    source: str
    rows_read: Counter[str] = field(default_factory=Counter)
    skipped: Counter[tuple[str, str]] = field(default_factory=Counter)
    examples: list[SkipExample] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)

    def read(self, file: str, n: int) -> None:
        """Record ``n`` rows read from ``file``."""
        self.rows_read[file] += n

    def skip(self, file: str, reason: str, *, row: int | None = None, value: object = "",
             count: int = 1) -> None:
        """Record ``count`` rows of ``file`` skipped for ``reason`` (keeps a few examples)."""
        self.skipped[(file, reason)] += count
        if sum(1 for e in self.examples if e.file == file and e.reason == reason) < MAX_EXAMPLES:
            self.examples.append(SkipExample(file, row, reason, str(value)[:200]))
        logging.getLogger(f"feeds.{self.source.split(':')[0]}").debug(
            "skip %s row %s: %s (%s)", file, row, reason, value
        )

    def warn(self, message: str) -> None:
        """Record a warning that skips nothing (e.g. a repaired value)."""
        self.warnings.append(message)

    @property
    def total_skipped(self) -> int:
        """Number of rows skipped over all files and reasons."""
        return sum(self.skipped.values())

    def merge(self, other: IngestReport) -> None:
        """Add ``other``'s counts into this report."""
        self.rows_read.update(other.rows_read)
        self.skipped.update(other.skipped)
        self.examples.extend(other.examples)
        self.warnings.extend(other.warnings)
        self.info.update(other.info)

    def summary(self) -> dict[str, Any]:
        """JSON summary: rows read per file, skipped per file and reason, examples, warnings."""
        skipped: dict[str, dict[str, int]] = {}
        for (file, reason), n in sorted(self.skipped.items()):
            skipped.setdefault(file, {})[reason] = n
        return {
            "source": self.source,
            "rows_read": dict(sorted(self.rows_read.items())),
            "skipped": skipped,
            "total_skipped": self.total_skipped,
            "examples": [e.to_dict() for e in self.examples],
            "warnings": self.warnings[:50],
            "info": self.info,
        }

    def format_text(self) -> str:
        """Human-readable multi-line form for the CLI."""
        lines = [f"ingest report for {self.source}"]
        for file, n in sorted(self.rows_read.items()):
            lines.append(f"  {file}: {n} rows read")
        for (file, reason), n in sorted(self.skipped.items()):
            lines.append(f"  {file}: {n} skipped ({reason})")
            for e in self.examples:
                if e.file == file and e.reason == reason:
                    lines.append(f"      e.g. row {e.row}: {e.value!r}")
        for w in self.warnings[:20]:
            lines.append(f"  warning: {w}")
        return "\n".join(lines)
