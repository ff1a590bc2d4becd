"""Build benchmark: timetable build time, peak memory, snapshot size and load time.

Run: ``python -m bench.build_bench [--shared-data DIR]``.  Each city is built in a fresh child
process so that its peak resident memory (``ru_maxrss``) is its own.  Prints one row per city
and the ratios against the targets (build <= 5 s per million stop_times, <= 64 bytes per
stop_time, load <= 1 s, Timisoara street graph <= 15 s).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _measure(kind: str, paths: list[str], queue: mp.Queue) -> None:  # type: ignore[type-arg]
    from feeds.gtfs import compile_timetable, merge_feeds, read_gtfs
    from feeds.report import IngestReport
    from routing.network import Network, NetworkMeta
    from routing.snapshot import load_snapshot, save_snapshot

    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out: dict[str, float | int | str] = {"city": kind}
    t0 = time.perf_counter()
    feeds = [read_gtfs(Path(p), feed_id=Path(p).stem if len(paths) > 1 else "")[0]
             for p in paths if p.endswith(".zip")]
    feed = merge_feeds(feeds) if len(feeds) > 1 else feeds[0]
    t1 = time.perf_counter()
    tt = compile_timetable(feed, report=IngestReport(source="bench"))
    t2 = time.perf_counter()
    out.update(read_s=t1 - t0, compile_s=t2 - t1, stop_times=tt.n_stop_times, trips=tt.n_trips)
    tt_bytes = sum(a.nbytes for a in tt.array_fields().values())
    out["tt_bytes_per_stop_time"] = tt_bytes / max(tt.n_stop_times, 1)
    streets = None
    pbfs = [p for p in paths if p.endswith(".pbf")]
    if pbfs:
        from feeds.osm import read_osm_pbf

        t3 = time.perf_counter()
        streets, _ = read_osm_pbf(Path(pbfs[0]))
        out["streets_s"] = time.perf_counter() - t3
        out["street_nodes"] = streets.n_nodes
        out["street_edges"] = streets.n_edges
    net = Network(meta=NetworkMeta(name=kind, timezone="UTC", bbox=(0, 0, 0, 0)),
                  timetable=tt, streets=streets)
    with tempfile.TemporaryDirectory() as tmp:
        folder = save_snapshot(net, Path(tmp))
        out["snapshot_mb"] = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1e6
        loads = []
        for _ in range(5):
            t4 = time.perf_counter()
            load_snapshot(folder)
            loads.append(time.perf_counter() - t4)
        out["load_s"] = sorted(loads)[2]
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["peak_rss_delta_mb"] = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) / 1024
    queue.put(out)


def main() -> None:
    """Run the build benchmark and print a table."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--shared-data", type=Path, default=REPO.parent / "shared" / "data")
    args = ap.parse_args()
    d = args.shared_data
    cities = {
        "porto-alegre": [str(d / "benchmark/porto-alegre/poa_eptc_gtfs.zip"),
                         str(d / "benchmark/porto-alegre/poa_trensurb_gtfs.zip"),
                         str(d / "benchmark/porto-alegre/poa_osm.pbf")],
        "kaunas": [str(d / "benchmark/kaunas/kaunas_autobusai_gtfs_2018-05.zip")],
        "timisoara": [str(REPO / "bundles/timisoara/gtfs/stpt_estimated.zip"),
                      str(REPO / "bundles/timisoara/osm/timisoara.osm.pbf")],
    }
    ctx = mp.get_context("spawn")
    rows = []
    for kind, paths in cities.items():
        q: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
        p = ctx.Process(target=_measure, args=(kind, paths, q))
        p.start()
        rows.append(q.get())
        p.join()
    for r in rows:
        per_m = (float(r["read_s"]) + float(r["compile_s"])) / max(int(r["stop_times"]), 1) * 1e6
        r["build_s_per_million_st"] = per_m
        r["compile_s_per_million_st"] = float(r["compile_s"]) / max(int(r["stop_times"]), 1) * 1e6
        print(json.dumps({k: (round(v, 3) if isinstance(v, float) else v) for k, v in r.items()}))
    print("targets: build <= 5 s/M stop_times, <= 64 B/stop_time, load <= 1 s, "
          "Timisoara streets <= 15 s")
    for r in rows:
        print(f"{r['city']:>13}: compile {float(r['compile_s_per_million_st']):.2f} s/M "
              f"(ratio to target {float(r['compile_s_per_million_st']) / 5:.2f}), "
              f"read+compile {float(r['build_s_per_million_st']):.2f} s/M, "
              f"{float(r['tt_bytes_per_stop_time']):.1f} B/st, "
              f"load {float(r['load_s']) * 1000:.1f} ms"
              + (f", streets {float(r['streets_s']):.1f} s" if "streets_s" in r else ""))


if __name__ == "__main__":
    main()
