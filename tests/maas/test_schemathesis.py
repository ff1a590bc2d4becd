"""Property-based fuzzing of the whole OpenAPI schema (schemathesis) on the tiny city.

Every generated request must answer without a 5xx, every 4xx must be problem+json, and every
2xx body must match the schema.  Examples per operation are bounded so the run stays short.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from maas.main import create_app
from maas.settings import load_settings

#: Examples per operation: enough to hit every parameter's edge cases, small enough to keep the
#: whole test well under a minute.
MAX_EXAMPLES = 40

#: The schema the app publishes (the same for every network it serves).
SCHEMA = schemathesis.openapi.from_dict(create_app(load_settings()).openapi())
OPERATIONS = {op.label: op for op in (r.ok() for r in SCHEMA.get_all_operations())  # type: ignore[union-attr]
              }


def test_schema_covers_the_public_api() -> None:
    for path in ("/v1/plan", "/v1/stops", "/v1/stops/{stop_id}/departures", "/v1/isochrone"):
        assert f"GET {path}" in OPERATIONS


def _check(client: TestClient, case: Any) -> None:
    kw = case.as_transport_kwargs(base_url="http://testserver")
    for key in ("timeout", "allow_redirects", "verify", "cert", "proxies", "stream"):
        kw.pop(key, None)
    response = client.request(**kw)
    assert response.status_code < 500, (case.as_curl_command(), response.text)
    if 400 <= response.status_code < 500:
        assert response.headers["content-type"].startswith("application/problem+json"), (
            case.as_curl_command(), response.headers["content-type"])
    if response.status_code < 300:
        case.validate_response(response,
                               checks=[schemathesis.checks.response_schema_conformance])


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_operation_never_fails(label: str, tiny_client: TestClient) -> None:
    op = OPERATIONS[label]

    @given(case=op.as_strategy())
    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        _check(tiny_client, case)

    run()
