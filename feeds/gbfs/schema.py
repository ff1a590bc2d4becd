"""Validation of GBFS documents against the vendored official JSON schemas.

The schemas live in ``feeds/schemas/gbfs/v<version>/<file>.json`` (see ``ATTRIBUTION.md``
there).  A violation is located at an *entity* (its index in the file's list: stations,
vehicles, plans, zones, ...) or at the envelope (index None) and described by a short
aggregable reason such as ``"is_renting: type"``.  Validation never rejects anything itself:
the parser decides which entities are unusable.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator, FormatChecker
from jsonschema.exceptions import ValidationError

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas" / "gbfs"

#: Where each file keeps its list of entities (path of keys from the document root).
ENTITY_PATHS: dict[str, tuple[str, ...]] = {
    "station_information": ("data", "stations"),
    "station_status": ("data", "stations"),
    "free_bike_status": ("data", "bikes"),
    "vehicle_status": ("data", "vehicles"),
    "vehicle_types": ("data", "vehicle_types"),
    "system_pricing_plans": ("data", "plans"),
    "geofencing_zones": ("data", "geofencing_zones", "features"),
}


@dataclass(frozen=True)
class Violation:
    """One schema violation: entity index in the file's list (None = envelope) and reason."""

    index: int | None
    reason: str


def schema_version_dir(version: str) -> str | None:
    """Folder name of the vendored schemas for a feed version (None when not vendored)."""
    name = f"v{version.strip()}"
    return name if (SCHEMA_DIR / name).is_dir() else None


def _reason(error: ValidationError, depth: int) -> str:
    parts = [p for p in list(error.absolute_path)[depth:]]
    path = ".".join("[]" if isinstance(p, int) else str(p) for p in parts) or "<entity>"
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [k for k in error.validator_value if k not in error.instance]
        return f"{path}: required {','.join(missing)}"
    return f"{path}: {error.validator}"


class GbfsSchemas:
    """Loads and caches one Draft-7 validator per (version, file) from the vendored schemas."""

    def __init__(self, schema_dir: Path = SCHEMA_DIR) -> None:
        self._dir = schema_dir
        self._validators: dict[tuple[str, str], Draft7Validator | None] = {}

    def validator(self, version: str, file: str) -> Draft7Validator | None:
        """The validator for ``file`` of GBFS ``version``, or None when no schema is vendored."""
        key = (version, file)
        if key not in self._validators:
            folder = schema_version_dir(version)
            path = self._dir / folder / f"{file}.json" if folder else None
            if path is None or not path.is_file():
                self._validators[key] = None
            else:
                schema = json.loads(path.read_text(encoding="utf-8"))
                self._validators[key] = Draft7Validator(schema, format_checker=FormatChecker())
        return self._validators[key]

    def has_version(self, version: str) -> bool:
        """True when schemas for ``version`` are vendored."""
        return schema_version_dir(version) is not None

    def violations(self, doc: Any, version: str, file: str) -> list[Violation]:
        """All violations of ``doc`` (a decoded GBFS file), in document order."""
        validator = self.validator(version, file)
        if validator is None:
            return []
        prefix = ENTITY_PATHS.get(file, ())
        out: list[Violation] = []
        for error in validator.iter_errors(doc):
            path = list(error.absolute_path)
            n = len(prefix)
            if prefix and tuple(path[:n]) == prefix and len(path) > n and isinstance(path[n], int):
                out.append(Violation(int(path[n]), _reason(error, n + 1)))
            else:
                out.append(Violation(None, _reason(error, 0)))
        out.sort(key=lambda v: -1 if v.index is None else v.index)
        return out
