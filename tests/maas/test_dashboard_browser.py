"""The operator dashboard in a real headless Chromium (Debian's ``chromium`` + ``chromedriver``).

The app runs in uvicorn on a free port serving the tiny city; selenium drives the page and reads
the browser's console log. Missing browser -> the test FAILS, telling to run ``make test`` (which
installs it through ``scripts/ensure-test-deps.sh``).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from maas.main import create_app
from maas.settings import load_settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WAIT_S = 30.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _line(*pts: tuple[float, float]) -> dict[str, Any]:
    return {"type": "LineString", "coordinates": [list(p) for p in pts]}


def _point(lon: float, lat: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lon, lat]}


def _collection(*feats: tuple[dict[str, Any], dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection",
            "features": [{"type": "Feature", "geometry": g, "properties": p} for g, p in feats]}


#: Live layers in the documented shapes, served only where the app has no such route yet (the
#: endpoints are being built in parallel); once they exist, the real ones answer and the test
#: compares the page with whatever they return.
SAMPLE_LAYERS: dict[str, dict[str, Any]] = {
    "/v1/congestion": {"now": {"start": "2026-11-24T17:00:00+02:00", "tti": 1.37,
                               "extra_time_percent": 37.0},
                       "series": [{"start": f"2026-11-24T{h:02d}:00:00+02:00",
                                   "tti": None if h == 9 else 1 + h / 40} for h in range(6, 18)]},
    "/v1/congestion/segments": _collection(
        (_line((21.2, 45.751), (21.2077, 45.751)), {"level": 0, "name": "Bd. A"}),
        (_line((21.2077, 45.751), (21.2154, 45.751)), {"tti": 2.4, "name": "Bd. B"})),
    "/v1/vehicles": _collection((_point(21.204, 45.7500), {"route_id": "R1", "trip_id": "T1"})),
    "/v1/bikeshare/stations": _collection(
        (_point(21.21, 45.7490), {"name": "Dock 1", "num_bikes_available": 3}),
        (_point(21.22, 45.7490), {"name": "Dock 2", "num_bikes_available": 0})),
    "/v1/charging/locations": _collection((_point(21.212, 45.7512), {"name": "EV 1"})),
}


def _add_missing_samples(app: FastAPI) -> None:
    have = {getattr(r, "path", None) for r in app.routes}
    for path, body in SAMPLE_LAYERS.items():
        if path not in have:
            app.add_api_route(path, lambda body=body: body, methods=["GET"])


@pytest.fixture(scope="module")
def base_url(tiny_snapshot: Path) -> Iterator[str]:
    """URL of the real app (uvicorn, own thread) serving the tiny city, once ready."""
    app = create_app(load_settings(snapshot_dir=tiny_snapshot, anonymous_rate_per_min=1_000_000))
    _add_missing_samples(app)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the app never became ready")
        time.sleep(0.1)
    yield url
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A headless Chromium at 1280x800 with its console log captured."""
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        pytest.fail(f"{', '.join(missing)} missing: run `make test`, which installs Debian's "
                    "chromium and chromium-driver (scripts/ensure-test-deps.sh)")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.fail("selenium missing: run `make test` (it installs the test extras)")
    profile = tmp_path_factory.mktemp("chromium-profile")
    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync", "--window-size=1280,800",
                 f"--user-data-dir={profile}"):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=opts)
    # a 1280x800 viewport (the window size would include the browser's own frame)
    drv.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                        {"width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": False})
    try:
        yield drv
    finally:
        drv.quit()


def _wait(drv: Any, what: str, predicate: Any) -> Any:
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(drv, WAIT_S).until(predicate)
    except TimeoutException:
        pytest.fail(f"timed out waiting for {what}; console: {drv.get_log('browser')}")


def _count(drv: Any, css: str) -> int:
    return int(drv.execute_script(f"return document.querySelectorAll({css!r}).length"))


def _errors(log: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in log if e.get("level") == "SEVERE"]


def test_dashboard_in_a_real_browser(base_url: str, driver: Any,
                                     tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    feeds = httpx.get(f"{base_url}/v1/feeds").json()
    net = feeds["network"]
    driver.get(f"{base_url}/dashboard?refresh=0")
    _wait(driver, "the first refresh",
          lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-loaded") == "true")

    # network name and version from /v1/feeds
    assert driver.find_element(By.ID, "network-name").text == net["name"]
    assert driver.find_element(By.ID, "network-version").text == net["version"]
    assert driver.title.startswith(net["name"])
    # every feed listed, the gtfs one among them
    rows = driver.find_elements(By.CSS_SELECTOR, "#feeds-table tbody tr")
    assert len(rows) == len(feeds["feeds"])
    kinds = [r.get_attribute("data-kind") for r in rows]
    assert "gtfs" in kinds
    assert all(r.find_element(By.CSS_SELECTOR, "td").text == r.get_attribute("data-kind")
               for r in rows)

    # the map: one circle per stop, one path per pattern line of the network
    n_stops = net["counts"]["stops"]
    assert _count(driver, "#layer-stops circle.stop") == n_stops == 4
    assert _count(driver, "#layer-lines path.line") >= 2  # R1 and R2
    names = {c.get_attribute("data-name") for c in
             driver.find_elements(By.CSS_SELECTOR, "#layer-stops circle.stop")}
    assert names == {"Alpha", "Bravo", "Charlie", "Delta"}
    # stops lie inside the drawn map, west to east in stop order (A..D along one parallel)
    xs = driver.execute_script(
        "const r = document.getElementById('map').getBoundingClientRect();"
        "return ['A','B','C','D'].map(id => {"
        " const c = document.querySelector(`circle.stop[data-stop-id='${id}']`);"
        " const b = c.getBoundingClientRect();"
        " return [b.x + b.width / 2 - r.x, b.y + b.height / 2 - r.y, r.width, r.height]; });")
    assert [x for x, *_ in xs] == sorted(x for x, *_ in xs)
    assert all(0 < x < w and 0 < y < h for x, y, w, h in xs)
    assert abs(xs[0][1] - xs[3][1]) < 1.0  # same latitude -> same row
    # live layers: one map element per feature the endpoints return
    for layer, path, css in (("segments", "/v1/congestion/segments", "path.segment"),
                             ("vehicles", "/v1/vehicles", "circle.vehicle"),
                             ("bikeshare", "/v1/bikeshare/stations", "circle.bikeshare"),
                             ("chargers", "/v1/charging/locations", "rect.charger")):
        r = httpx.get(f"{base_url}{path}")
        expected = len(r.json().get("features", [])) if r.status_code == 200 else 0
        assert _count(driver, f"#layer-{layer} {css}") == expected, layer
    if SAMPLE_LAYERS["/v1/congestion/segments"] == httpx.get(
            f"{base_url}/v1/congestion/segments").json():
        levels = [p.get_attribute("data-level") for p in
                  driver.find_elements(By.CSS_SELECTOR, "#layer-segments path.segment")]
        assert levels == ["free", "severe"]  # level 0; no level but TTI 2.4 -> severe
    # congestion panel: the index now, or the "no data yet" note, never an error
    cong = httpx.get(f"{base_url}/v1/congestion")
    now = cong.json().get("now") if cong.status_code == 200 else None
    if now and now.get("tti") is not None:
        tti = driver.find_element(By.ID, "congestion-tti").text
        assert tti == f"{now['tti']:.2f}"
        n_points = len(cong.json().get("series") or [])
        assert _count(driver, "#congestion-chart path.curve") == (1 if n_points >= 2 else 0)
        if cong.json() == SAMPLE_LAYERS["/v1/congestion"]:  # city times, the null bin skipped
            assert driver.find_element(By.ID, "congestion-range").text.startswith("06:00–17:00")
    else:
        assert driver.find_elements(By.ID, "congestion-empty")
    # aria-live regions for updates
    assert driver.find_element(By.ID, "status").get_attribute("aria-live") == "polite"
    assert driver.find_element(By.ID, "plan-result").get_attribute("aria-live") == "polite"

    # plan a trip: A -> D at 08:03 (R1 08:10 to C, R2 08:25 to D)
    driver.find_element(By.ID, "plan-from").send_keys("stop:A")
    driver.find_element(By.ID, "plan-to").send_keys("stop:D")
    driver.execute_script("document.getElementById('plan-time').value = '2026-11-24T08:03';")
    driver.find_element(By.ID, "plan-submit").click()
    _wait(driver, "the itineraries",
          lambda d: d.find_element(By.ID, "plan-result").get_attribute("data-count") not in
          (None, "0") or d.find_elements(By.ID, "plan-error"))
    assert not driver.find_elements(By.ID, "plan-error"), driver.find_element(By.ID,
                                                                              "plan-error").text
    first = driver.find_elements(By.CSS_SELECTOR, "#itineraries > li")[0]
    assert first.find_element(By.TAG_NAME, "button").text.startswith("08:10 → 08:30")
    legs = [li.text for li in first.find_elements(By.CSS_SELECTOR, "li.leg-item")]
    assert legs[0].startswith("08:10–08:20 TRAM 1: Alpha → Charlie")
    assert legs[-1].startswith("08:25–08:30 BUS 2: Charlie → Delta")
    drawn = driver.find_elements(By.CSS_SELECTOR, "#layer-itinerary path.leg")
    assert [p.get_attribute("data-mode") for p in drawn] == ["TRAM", "BUS"]

    shot = tmp_path / "dashboard.png"
    assert driver.save_screenshot(str(shot)) and shot.stat().st_size > 10_000

    # a bad place answers with the API's problem detail, shown as an alert
    driver.find_element(By.ID, "plan-to").clear()
    driver.find_element(By.ID, "plan-to").send_keys("stop:NOPE")
    driver.find_element(By.ID, "plan-submit").click()
    _wait(driver, "the plan error", lambda d: d.find_elements(By.ID, "plan-error"))
    assert "HTTP 404" in driver.find_element(By.ID, "plan-error").text

    # console: no JavaScript error and no failed request other than the 404 asked for above
    errors = [e for e in _errors(driver.get_log("browser"))
              if not ("/v1/plan" in e["message"] and "404" in e["message"])]
    assert errors == []


def test_dashboard_files_are_served(base_url: str) -> None:
    page = httpx.get(f"{base_url}/dashboard")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for name, media in (("dashboard.js", "text/javascript"), ("dashboard.css", "text/css")):
        r = httpx.get(f"{base_url}/static/{name}")
        assert r.status_code == 200 and r.headers["content-type"].startswith(media)
        assert f"/static/{name}" in page.text
    assert httpx.get(f"{base_url}/static/..%2Fapi%2Fdashboard.py").status_code == 404
    assert httpx.get(f"{base_url}/static/nothing.js").status_code == 404
    # nothing on the page is loaded from another origin (offline deployments)
    assert "http://" not in page.text.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in page.text.replace("https://www.openstreetmap.org/copyright", "")
    assert "OpenStreetMap contributors" in page.text
    geo = httpx.get(f"{base_url}/dashboard/network.geojson").json()
    stops = [f for f in geo["features"] if f["properties"]["kind"] == "stop"]
    assert {f["properties"]["stop_id"]: f["geometry"]["coordinates"] for f in stops} == {
        "A": [21.2, 45.75], "B": [21.2077, 45.75], "C": [21.2154, 45.75], "D": [21.2231, 45.75]}
