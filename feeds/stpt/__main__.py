"""``python -m feeds.stpt [SHARED_DATA] [BUNDLE]``: regenerate the bundled estimated GTFS.

Defaults: ``$MAAS_SHARED_DATA`` (else ``../shared/data``) and ``bundles/timisoara``, relative
to the working directory.  The ``maas estimate-timetable`` CLI command calls the same function.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from feeds.stpt.estimator import estimate_command


def main(argv: list[str]) -> int:
    """Run the estimator and print the report; returns the process exit code."""
    shared = Path(argv[0]) if argv else Path(os.environ.get("MAAS_SHARED_DATA", "../shared/data"))
    bundle = Path(argv[1]) if len(argv) > 1 else Path("bundles/timisoara")
    report = estimate_command(shared, bundle)
    print(report.format_text())
    print(json.dumps(report.info, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
