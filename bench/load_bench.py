"""Load benchmark of ``GET /v1/plan``: wrk against ``maas serve --workers 2`` on Timisoara.

Starts the server as a subprocess on a free port (rate limits lifted), waits for ``/readyz``,
then runs ``wrk`` (16 connections by default) with a Lua script that picks one of a few thousand
pre-drawn requests at random: origin and destination near two random stops inside the city
(jittered up to 150 m), departure times spread over the service day.  Prints p50, p95, plans/s
and errors (socket errors plus non-2xx answers).

Targets: p50 <= 30 ms, p95 <= 100 ms, >= 200 plans/s, zero errors.

Usage::

    python -m bench.load_bench [--bundle bundles/timisoara] [--duration 60] [--connections 16]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date, timedelta
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
#: The city's core, where the trip pairs are drawn (OSM extract bbox), degrees.
BBOX = (21.17, 45.72, 21.28, 45.78)
JITTER_M = 150.0
N_REQUESTS = 4_000

LUA = """
local paths = {}
for line in io.lines("%s") do paths[#paths + 1] = line end
math.randomseed(os.time())
request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
local non2xx = 0
response = function(status, headers, body)
  if status >= 300 then non2xx = non2xx + 1 end
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT p50_us=%%d p95_us=%%d p99_us=%%d requests=%%d duration_us=%%d "
    .. "socket_errors=%%d\\n",
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    summary.requests, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout))
end
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(url: str, proc: subprocess.Popen[bytes], timeout_s: float = 300) -> None:
    deadline = time.monotonic() + timeout_s
    ok = 0
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "/readyz", timeout=2) as r:
                ok = ok + 1 if r.status == 200 else 0
        except OSError:
            ok = 0
        if ok >= 10:  # every worker answers ready
            return
        time.sleep(0.2)
    raise SystemExit("server not ready in time")


def _requests(bundle: Path, n: int, seed: int) -> list[str]:
    """``n`` request paths: random stop pairs in the bbox, jittered, times over the day."""
    from maas.settings import load_settings
    from routing.snapshot import current_version, load_snapshot

    root = load_settings(bundle=bundle).snapshot_root
    net = load_snapshot(root / str(current_version(root)))
    tt = net.timetable
    lat, lon = np.asarray(tt.stop_lat), np.asarray(tt.stop_lon)
    inside = np.flatnonzero((lon >= BBOX[0]) & (lon <= BBOX[2])
                            & (lat >= BBOX[1]) & (lat <= BBOX[3]))
    rng = random.Random(seed)
    # a weekday inside the feed's date range
    day = date.fromordinal(tt.first_day + min(7, max(tt.n_days - 1, 0)))
    while day.weekday() != 1:
        day += timedelta(days=1)
    m_lat = 1 / 111_195.0
    m_lon = m_lat / np.cos(np.radians(45.75))
    out = []
    for _ in range(n):
        a, b = rng.sample(list(inside), 2)
        pts = []
        for s in (a, b):
            pts.append((lat[s] + rng.uniform(-JITTER_M, JITTER_M) * m_lat,
                        lon[s] + rng.uniform(-JITTER_M, JITTER_M) * m_lon))
        secs = rng.randrange(5 * 3600, 23 * 3600)
        t = f"{day.isoformat()}T{secs // 3600:02d}:{secs // 60 % 60:02d}"
        out.append(f"/v1/plan?from={pts[0][0]:.6f},{pts[0][1]:.6f}"
                   f"&to={pts[1][0]:.6f},{pts[1][1]:.6f}&time={t}")
    return out


def main() -> None:
    """Run the benchmark and print the figures (and a JSON line)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bundle", type=Path, default=REPO / "bundles" / "timisoara")
    ap.add_argument("--duration", type=int, default=60, help="seconds")
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--threads", type=int, default=2, help="wrk threads")
    ap.add_argument("--workers", type=int, default=2, help="API processes")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk not found: apt-get install wrk")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ, MAAS_ANONYMOUS_RATE_PER_MIN="100000000", MAAS_LOG_LEVEL="WARNING")
    maas = Path(sys.executable).with_name("maas")
    cmd = [str(maas), "serve", "--bundle", str(args.bundle), "--port", str(port),
           "--workers", str(args.workers)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, start_new_session=True)
    try:
        _wait_ready(url, proc)
        paths = _requests(args.bundle, N_REQUESTS, args.seed)
        with tempfile.TemporaryDirectory() as tmp:
            plist = Path(tmp) / "paths.txt"
            plist.write_text("\n".join(paths) + "\n", encoding="utf-8")
            script = Path(tmp) / "plan.lua"
            script.write_text(LUA % plist, encoding="utf-8")
            # warm the workers' caches (first query per worker thread allocates its state)
            subprocess.run([wrk, "-t1", "-c4", "-d5s", "-s", str(script), url],
                           capture_output=True, check=True)
            res = subprocess.run(
                [wrk, f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s",
                 "--timeout", "10s", "-s", str(script), url],
                capture_output=True, text=True, check=True,
            )
        m = re.search(r"RESULT (.*)", res.stdout)
        if m is None:
            raise SystemExit("wrk output not understood:\n" + res.stdout + res.stderr)
        kv = {k: int(v) for k, v in (p.split("=") for p in m.group(1).split())}
        non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", res.stdout)
        errors = kv["socket_errors"] + (int(non2xx.group(1)) if non2xx else 0)
        rps = kv["requests"] / (kv["duration_us"] / 1e6)
        fig = {"p50_ms": kv["p50_us"] / 1000, "p95_ms": kv["p95_us"] / 1000,
               "p99_ms": kv["p99_us"] / 1000, "plans_per_s": round(rps, 1),
               "requests": kv["requests"], "errors": errors,
               "connections": args.connections, "workers": args.workers,
               "duration_s": args.duration}
        print(f"p50 {fig['p50_ms']:.1f} ms   p95 {fig['p95_ms']:.1f} ms   "
              f"p99 {fig['p99_ms']:.1f} ms   {rps:.0f} plans/s   errors {errors}   "
              f"({kv['requests']} requests, {args.connections} connections, "
              f"{args.workers} workers)")
        print("targets: p50 <= 30 ms, p95 <= 100 ms, >= 200 plans/s, 0 errors")
        print(json.dumps(fig))
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


if __name__ == "__main__":
    main()
