"""Receiver-side OCPI Locations store: object PUTs and PATCH fragments onto stored Locations.

Follows the OCPI 2.2.1 *Receiver interface* of module ``locations``: a PUT replaces (or adds) a
whole Location, EVSE or Connector; a PATCH sends only the changed fields of one of them plus
its ``last_updated``.  Decisions:

* Every PUT/PATCH must carry a readable ``last_updated`` (else refused: ``missing_last_updated``).
* An update older than the stored object's ``last_updated`` is refused (``stale_update``): out of
  order delivery must not roll state back.  An equal time is applied (idempotent retries).
* A PATCH may not change identifiers (``id``, ``uid``, ``country_code``, ``party_id``).
* List fields are replaced whole (OCPI PATCH semantics); a PATCH of an EVSE or connector also
  raises its parents' ``last_updated``.
* An update that leaves the Location unusable (e.g. bad coordinates) is rolled back.
* EVSEs are never deleted: OCPI marks them ``REMOVED`` by a status PATCH.

Refusals are counted in the caller's IngestReport under file ``patch`` / ``put``; nothing raises.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from feeds.ocpi.model import Location
from feeds.ocpi.parse import location_dicts, parse_datetime, parse_location
from feeds.report import IngestReport

LocationKey = tuple[str, str, str]
"""(country_code, party_id, location_id)."""


def _find(items: Any, key: str, value: str) -> dict[str, Any] | None:
    if not isinstance(items, list):
        return None
    return next((x for x in items if isinstance(x, dict) and str(x.get(key)) == value), None)


class LocationStore:
    """The current Locations of one or more CPOs, keyed by (country_code, party_id, id)."""

    def __init__(self) -> None:
        self._raw: dict[LocationKey, dict[str, Any]] = {}
        self._parsed: dict[LocationKey, Location] = {}

    def __len__(self) -> int:
        return len(self._parsed)

    def __iter__(self) -> Iterator[Location]:
        return iter(self._parsed.values())

    def get(self, key: LocationKey) -> Location | None:
        """The stored Location (None when unknown)."""
        return self._parsed.get(key)

    def keys(self) -> list[LocationKey]:
        """Keys of all stored Locations, in insertion order."""
        return list(self._parsed)

    def load(self, doc: Any, report: IngestReport) -> int:
        """PUT every Location of a document (list, single or envelope); returns how many."""
        return sum(1 for raw in location_dicts(doc) if self.put_location(raw, report))

    def _commit(self, key: LocationKey, raw: dict[str, Any], report: IngestReport,
                file: str) -> bool:
        parsed = parse_location(raw, report, file=file)
        if parsed is None or parsed.key != key:
            report.skip(file, "update_made_location_unusable", value=key)
            return False
        self._raw[key] = raw
        self._parsed[key] = parsed
        return True

    def put_location(self, raw: Any, report: IngestReport) -> bool:
        """Add or replace a whole Location (refused when older than the stored one)."""
        if not isinstance(raw, dict):
            report.skip("put", "not_an_object", value=raw)
            return False
        parsed = parse_location(raw, report, file="put")
        if parsed is None:
            return False
        old = self._parsed.get(parsed.key)
        if old is not None and _older(parsed.last_updated_s, old.last_updated_s):
            report.skip("put", "stale_update", value=parsed.key)
            return False
        self._raw[parsed.key] = copy.deepcopy(raw)
        self._parsed[parsed.key] = parsed
        return True

    def put_evse(self, key: LocationKey, raw: Any, report: IngestReport) -> bool:
        """Add an EVSE to a stored Location, or replace the one with the same ``uid``."""
        return self._put_child(key, None, raw, report)

    def put_connector(self, key: LocationKey, evse_uid: str, raw: Any,
                      report: IngestReport) -> bool:
        """Add or replace a connector of a stored EVSE."""
        return self._put_child(key, evse_uid, raw, report)

    def _put_child(self, key: LocationKey, evse_uid: str | None, raw: Any,
                   report: IngestReport) -> bool:
        id_key = "uid" if evse_uid is None else "id"
        if not isinstance(raw, dict) or raw.get(id_key) is None:
            report.skip("put", f"missing_{id_key}", value=raw)
            return False
        when = parse_datetime(raw.get("last_updated"))
        if when is None:
            report.skip("put", "missing_last_updated", value=raw.get(id_key))
            return False
        loc = self._raw.get(key)
        if loc is None:
            report.skip("put", "unknown_location", value=key)
            return False
        new = copy.deepcopy(loc)
        parent: dict[str, Any] = new
        list_key = "evses"
        if evse_uid is not None:
            evse = _find(new.get("evses"), "uid", evse_uid)
            if evse is None:
                report.skip("put", "unknown_evse", value=(key, evse_uid))
                return False
            parent, list_key = evse, "connectors"
        items = parent.get(list_key)
        if not isinstance(items, list):
            items = parent[list_key] = []
        current = _find(items, id_key, str(raw[id_key]))
        if current is not None and _older(when, parse_datetime(current.get("last_updated"))):
            report.skip("put", "stale_update", value=raw[id_key])
            return False
        if current is not None:
            items[items.index(current)] = copy.deepcopy(raw)
        else:
            items.append(copy.deepcopy(raw))
        _raise_last_updated(parent, raw["last_updated"])
        _raise_last_updated(new, raw["last_updated"])
        return self._commit(key, new, report, "put")

    def patch(self, key: LocationKey, fragment: Any, report: IngestReport, *,
              evse_uid: str | None = None, connector_id: str | None = None) -> bool:
        """Apply a PATCH fragment to a Location, one of its EVSEs or one connector.

        Returns True when applied; a refusal is counted in ``report`` (file ``patch``).
        """
        if not isinstance(fragment, dict):
            report.skip("patch", "not_an_object", value=fragment)
            return False
        when = parse_datetime(fragment.get("last_updated"))
        if when is None:
            report.skip("patch", "missing_last_updated", value=sorted(fragment))
            return False
        loc = self._raw.get(key)
        if loc is None:
            report.skip("patch", "unknown_location", value=key)
            return False
        new = copy.deepcopy(loc)
        chain: list[dict[str, Any]] = [new]
        target: dict[str, Any] = new
        ids: tuple[str, ...] = ("id", "country_code", "party_id")
        if evse_uid is not None:
            evse = _find(new.get("evses"), "uid", evse_uid)
            if evse is None:
                report.skip("patch", "unknown_evse", value=(key, evse_uid))
                return False
            chain.append(evse)
            target, ids = evse, ("uid",)
            if connector_id is not None:
                conn = _find(evse.get("connectors"), "id", connector_id)
                if conn is None:
                    report.skip("patch", "unknown_connector", value=(key, evse_uid, connector_id))
                    return False
                chain.append(conn)
                target, ids = conn, ("id",)
        elif connector_id is not None:
            report.skip("patch", "connector_without_evse", value=(key, connector_id))
            return False
        for k in ids:
            if k in fragment and str(fragment[k]) != str(target.get(k)):
                report.skip("patch", "id_change_refused", value=(k, fragment[k]))
                return False
        if _older(when, parse_datetime(target.get("last_updated"))):
            report.skip("patch", "stale_update", value=(key, evse_uid, connector_id))
            return False
        target.update(copy.deepcopy(fragment))
        for obj in chain:
            _raise_last_updated(obj, fragment["last_updated"])
        return self._commit(key, new, report, "patch")


def _older(new_s: int | None, old_s: int | None) -> bool:
    return new_s is not None and old_s is not None and new_s < old_s


def _raise_last_updated(obj: dict[str, Any], stamp: str) -> None:
    old = parse_datetime(obj.get("last_updated"))
    new = parse_datetime(stamp)
    if old is None or (new is not None and new > old):
        obj["last_updated"] = stamp
