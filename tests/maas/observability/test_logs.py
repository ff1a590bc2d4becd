"""Structured JSON logs and request ids: one object per line, ids taken, generated and echoed."""

from __future__ import annotations

import io
import json
import logging
import re
from typing import Any

from fastapi.testclient import TestClient

from maas.observability.logs import JsonFormatter, configure_json_logging
from tests.maas.observability.conftest import build_app

FIELDS = {"ts", "level", "logger", "msg", "request_id", "method", "path", "status",
          "duration_ms", "client"}


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_access_log_lines_are_json_with_the_callers_request_id(log_stream: io.StringIO) -> None:
    with TestClient(build_app(log_stream), client=("192.0.2.7", 1234)) as c:
        resp = c.get("/v1/items/5", headers={"X-Request-ID": "req-abc.123"})
    assert resp.headers["X-Request-ID"] == "req-abc.123"
    records = lines(log_stream)
    access = [r for r in records if r["logger"] == "maas.access_log"]
    assert len(access) == 1
    rec = access[0]
    assert set(rec) >= FIELDS
    assert (rec["request_id"], rec["method"], rec["path"], rec["status"], rec["client"]) == (
        "req-abc.123", "GET", "/v1/items/5", 200, "192.0.2.7")
    assert rec["level"] == "INFO" and rec["duration_ms"] >= 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", rec["ts"])
    # A line logged by the route itself carries the same id.
    route = [r for r in records if r["logger"] == "maas.test_route"]
    assert [(r["msg"], r["request_id"]) for r in route] == [("serving item 5", "req-abc.123")]


def test_request_id_is_generated_when_absent_or_malformed(log_stream: io.StringIO) -> None:
    with TestClient(build_app(log_stream)) as c:
        plain = c.get("/v1/items/1")
        forged = c.get("/v1/items/2", headers={"X-Request-ID": 'x" injected\\'})
    ids = [plain.headers["X-Request-ID"], forged.headers["X-Request-ID"]]
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids) and ids[0] != ids[1]
    logged = [r["request_id"] for r in lines(log_stream) if r["logger"] == "maas.access_log"]
    assert logged == ids


def test_error_responses_are_logged_with_their_status(log_stream: io.StringIO) -> None:
    with TestClient(build_app(log_stream), raise_server_exceptions=False) as c:
        c.get("/nope", headers={"X-Request-ID": "r404"})
        c.get("/v1/boom", headers={"X-Request-ID": "r500"})
    records = lines(log_stream)
    by_id = {r["request_id"]: r for r in records if r["logger"] == "maas.access_log"}
    assert by_id["r404"]["status"] == 404 and by_id["r404"]["level"] == "INFO"
    assert by_id["r500"]["status"] == 500 and by_id["r500"]["level"] == "ERROR"
    # The error handler's traceback line is tagged with the same request id.
    crash = [r for r in records if r["logger"] == "maas.errors"]
    assert crash and crash[0]["request_id"] == "r500" and "RuntimeError: boom" in crash[0]["exc"]


def test_probe_and_scrape_requests_are_not_logged_at_info(log_stream: io.StringIO) -> None:
    with TestClient(build_app(log_stream)) as c:
        c.get("/metrics")
    assert [r for r in lines(log_stream) if r["logger"] == "maas.access_log"] == []


def test_configure_is_idempotent_and_formats_odd_values() -> None:
    root = logging.getLogger()
    saved = list(root.handlers), root.level
    try:
        first, second = io.StringIO(), io.StringIO()
        configure_json_logging("debug", first)
        configure_json_logging("WARNING", second)
        logging.getLogger("maas.x").warning("multi\nline %s", {"a": 1})
        assert first.getvalue() == ""
        (rec,) = lines(second)
        assert rec["msg"] == "multi\nline {'a': 1}" and rec["request_id"] is None
        assert root.level == logging.WARNING
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])


def test_formatter_keeps_non_json_extras_as_strings() -> None:
    record = logging.LogRecord("maas.y", logging.INFO, __file__, 1, "m", None, None)
    record.client = object()
    out = json.loads(JsonFormatter().format(record))
    assert out["client"].startswith("<object object")


def test_with_access_control_refusals_carry_request_ids_and_key_ids(
        log_stream: io.StringIO, redis_url: str) -> None:
    """The create_app order: error handlers, access control, then observability outermost."""
    import redis
    from fastapi import FastAPI

    from maas.access.keys import create_key
    from maas.access.middleware import install_access_control
    from maas.errors import install_error_handlers
    from maas.observability.middleware import install_observability
    from maas.settings import load_settings

    settings = load_settings(redis_url=redis_url, key_rate_per_min=1)
    app = FastAPI()
    install_error_handlers(app)
    install_access_control(app, settings)

    @app.get("/v1/ping")
    def ping() -> dict[str, str]:
        return {"pong": "yes"}

    install_observability(app, settings, log_stream=log_stream)
    client = redis.Redis.from_url(redis_url)
    key_id, key = create_key(client, "Acme")
    client.close()
    with TestClient(app) as c:
        ok = c.get("/v1/ping", headers={"X-API-Key": key, "X-Request-ID": "a1"})
        refused = c.get("/v1/ping", headers={"X-API-Key": key, "X-Request-ID": "a2"})
        bad = c.get("/v1/ping", headers={"X-API-Key": "mk_nope", "X-Request-ID": "a3"})
        scrape = c.get("/metrics", headers={"X-API-Key": "mk_nope"})
    assert (ok.status_code, refused.status_code, bad.status_code, scrape.status_code) == (
        200, 429, 401, 200)
    assert [r.headers["X-Request-ID"] for r in (ok, refused, bad)] == ["a1", "a2", "a3"]
    access = {r["request_id"]: r for r in lines(log_stream) if r["logger"] == "maas.access_log"}
    assert access["a1"]["key_id"] == key_id and access["a1"]["status"] == 200
    assert access["a2"]["status"] == 429 and "key_id" not in access["a3"]
    assert 'status="429"' in scrape.text and 'status="401"' in scrape.text
