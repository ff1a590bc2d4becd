"""Prometheus metrics: per-route-template histograms, errors, plan latency, per-app registries."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from maas.observability.metrics import (
    Metrics,
    metrics_of,
    normalise_modes,
    prepare_multiprocess_dir,
)
from tests.maas.observability.conftest import build_app

REPO = Path(__file__).resolve().parents[3]


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {(s.name, frozenset(s.labels.items())): s.value
            for fam in text_string_to_metric_families(text) for s in fam.samples}


def lbl(**kw: str) -> frozenset[tuple[str, str]]:
    return frozenset(kw.items())


def test_request_histogram_per_route_template(log_stream: io.StringIO) -> None:
    with TestClient(build_app(log_stream)) as c:
        for i in (1, 2, 3):
            assert c.get(f"/v1/items/{i}").status_code == 200
        assert c.get("/v1/items/x").status_code == 422
        assert c.get("/no/such/path").status_code == 404
        resp = c.get("/metrics")
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/plain")
    got = samples(resp.text)
    route = "/v1/items/{item_id}"
    assert got[("maas_http_request_duration_seconds_count",
                lbl(method="GET", route=route, status="200"))] == 3
    assert got[("maas_http_request_duration_seconds_bucket",
                lbl(method="GET", route=route, status="200", le="+Inf"))] == 3
    assert got[("maas_http_errors_total", lbl(method="GET", route=route, status="422"))] == 1
    assert got[("maas_http_errors_total",
                lbl(method="GET", route="<unmatched>", status="404"))] == 1
    assert not any("/v1/items/1" in dict(labels).get("route", "") for _, labels in got)


def test_plan_latency_histogram_by_normalised_modes(log_stream: io.StringIO) -> None:
    with TestClient(build_app(log_stream)) as c:
        c.get("/v1/plan", params={"modes": "walk,transit", "seconds": "0.02"})
        c.get("/v1/plan", params={"modes": "TRANSIT, WALK", "seconds": "3"})
        c.get("/v1/plan", params={"modes": "BIKE", "seconds": "0.2"})
        got = samples(c.get("/metrics").text)
    key = lbl(modes="TRANSIT,WALK")
    assert got[("maas_plan_latency_seconds_count", key)] == 2
    assert abs(got[("maas_plan_latency_seconds_sum", key)] - 3.02) < 1e-9
    assert got[("maas_plan_latency_seconds_bucket", key | {("le", "0.025")})] == 1
    assert got[("maas_plan_latency_seconds_count", lbl(modes="BIKE"))] == 1


def test_unhandled_error_is_counted_as_500(log_stream: io.StringIO) -> None:
    app = build_app(log_stream)
    with TestClient(app, raise_server_exceptions=False) as c:
        resp = c.get("/v1/boom")
    assert resp.status_code == 500
    assert resp.headers["content-type"].startswith("application/problem+json")
    got = samples(metrics_of(app).render().decode())
    assert got[("maas_http_errors_total", lbl(method="GET", route="/v1/boom", status="500"))] == 1


def test_two_apps_keep_separate_registries(log_stream: io.StringIO) -> None:
    a, b = build_app(log_stream), build_app(log_stream)
    with TestClient(a) as ca:
        ca.get("/v1/items/1")
    with TestClient(b) as cb:
        got = samples(cb.get("/metrics").text)
    assert ("maas_http_request_duration_seconds_count",
            lbl(method="GET", route="/v1/items/{item_id}", status="200")) not in got


def test_normalise_modes() -> None:
    assert normalise_modes(" walk,TRANSIT,walk ") == "TRANSIT,WALK"
    assert normalise_modes("") == "NONE"


_CHILD = """
import sys
from maas.observability.metrics import Metrics
m = Metrics()
m.observe_plan("TRANSIT,WALK", float(sys.argv[1]))
m.observe_request("GET", "/v1/plan", 200, 0.01)
if sys.argv[2] == "render":
    sys.stdout.write(m.render().decode())
"""


def test_multiprocess_mode_aggregates_every_process(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Two worker processes observe; a third process's /metrics text holds both samples."""
    folder = tmp_path / "prom"
    folder.mkdir()
    (folder / "counter_999.db").write_bytes(b"stale samples of a previous run")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "")  # restored (removed) after the test
    prepare_multiprocess_dir(folder)
    assert os.environ["PROMETHEUS_MULTIPROC_DIR"] == str(folder)
    assert list(folder.iterdir()) == []
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for seconds in ("0.5", "1.5"):
        subprocess.run([sys.executable, "-c", _CHILD, seconds, "-"], env=env, check=True)
    out = subprocess.run([sys.executable, "-c", _CHILD, "2.0", "render"], env=env, check=True,
                         capture_output=True, text=True).stdout
    got = samples(out)
    assert got[("maas_plan_latency_seconds_count", lbl(modes="TRANSIT,WALK"))] == 3
    assert abs(got[("maas_plan_latency_seconds_sum", lbl(modes="TRANSIT,WALK"))] - 4.0) < 1e-9
    assert got[("maas_http_request_duration_seconds_count",
                lbl(method="GET", route="/v1/plan", status="200"))] == 3


def test_metrics_object_without_app() -> None:
    m = Metrics()
    m.observe_request("BREW", "/x", 418, 0.1)  # unknown methods are folded into OTHER
    got = samples(m.render().decode())
    assert got[("maas_http_errors_total", lbl(method="OTHER", route="/x", status="418"))] == 1
