"""Street search benchmark: numba kernels vs scipy.sparse.csgraph vs networkx, same process.

Run ``python -m bench.street_bench [--pbf PATH] [--grid N] [--pairs K]``.  Without ``--pbf``
it reads the Timisoara extract of the shared data folder (env ``MAAS_SHARED_DATA``, else
``<repo>/../shared/data``); if that file or the OSM reader is missing it falls back to a
synthetic ``N x N`` grid.  Prints p50/p95 in milliseconds for one-to-one Dijkstra and A*
(random pairs, walk) and the bounded access search (walk, 600 s), the same queries through
scipy and networkx, the speed ratios, and the kernels' compile / cache-load time.  Every
answer is cross-checked against scipy.  Not a test: nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from routing.street.profiles import WalkProfile
from routing.street.search import StreetRouter
from routing.street_graph import StreetGraph

REPO = Path(__file__).resolve().parent.parent
ACCESS_LIMIT_S = 600.0


def default_pbf() -> Path:
    """The Timisoara extract in the shared data folder."""
    env = os.environ.get("MAAS_SHARED_DATA")
    base = Path(env) if env else REPO.parent / "shared" / "data"
    return base / "timisoara" / "osm" / "timisoara.osm.pbf"


def load_graph(pbf: Path | None, grid: int) -> tuple[StreetGraph, str]:
    """The OSM graph of ``pbf`` if readable, else a synthetic grid (with the reason)."""
    path = pbf if pbf is not None else default_pbf()
    try:
        from feeds.osm import read_osm_pbf
    except ImportError as exc:
        reason = f"feeds.osm not importable ({exc})"
    else:
        if path.is_file():
            t0 = time.perf_counter()
            graph, _ = read_osm_pbf(path)
            took = time.perf_counter() - t0
            return graph, f"OSM {path.name} (read in {took:.1f} s)"
        reason = f"{path} not found"
    sys.path.insert(0, str(REPO))
    from tests.support.grid import build_street_grid

    return build_street_grid(grid, grid, 100.0, midpoints=False), f"{grid}x{grid} grid ({reason})"


def percentiles_ms(samples: list[float]) -> tuple[float, float]:
    """p50 and p95 of durations in seconds, as milliseconds."""
    a = np.asarray(samples) * 1e3
    return float(np.percentile(a, 50)), float(np.percentile(a, 95))


def timed(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[float, Any]:
    """Wall time of one call ``fn(*args, **kwargs)``, seconds, and its result."""
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - t0, out


def cold_compile_s() -> float:
    """Seconds to compile the kernels from scratch in a fresh process with an empty cache."""
    code = (
        "import time; t0 = time.perf_counter();"
        f"import sys; sys.path.insert(0, {str(REPO)!r});"
        "from tests.support.grid import build_street_grid;"
        "from routing.street import StreetRouter, WalkProfile;"
        "r = StreetRouter(build_street_grid(3, 3)); t1 = time.perf_counter();"
        "r.warm((WalkProfile(),)); print(time.perf_counter() - t1)"
    )
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
    return float(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pbf", type=Path, default=None, help="OSM .osm.pbf file")
    ap.add_argument("--grid", type=int, default=300, help="fallback grid size (nodes a side)")
    ap.add_argument("--pairs", type=int, default=300, help="random queries per kernel")
    ap.add_argument("--nx-pairs", type=int, default=100, help="random queries for networkx")
    ap.add_argument("--no-cold", action="store_true", help="skip the cold-compile subprocess")
    args = ap.parse_args(argv)

    import networkx as nx
    import scipy.sparse as sp
    from scipy.sparse.csgraph import dijkstra as sp_dijkstra

    graph, what = load_graph(args.pbf, args.grid)
    print(f"graph: {what}: {graph.n_nodes} nodes, {graph.n_edges} edges")
    profile = WalkProfile()

    if not args.no_cold:
        print(f"compile (cold, empty numba cache, fresh process): {cold_compile_s():.2f} s")
    t0 = time.perf_counter()
    router = StreetRouter(graph)
    router.warm((profile,))
    print(f"router build + warm (incl. numba cache load, this process): "
          f"{time.perf_counter() - t0:.2f} s")
    state = router.new_state()
    cost = router.edge_cost_s(profile)
    h_speed = 1 / router.compiled(profile).h_scale if router.compiled(profile).h_scale else 0
    print(f"walk: {int((cost >= 0).sum())} usable edges; A* speed bound {h_speed:.2f} m/s "
          f"(walk speed {profile.speed_mps} m/s)")

    rng = np.random.default_rng(42)
    tail = router.edge_tail()
    walkable = np.unique(tail[cost >= 0])
    pairs = rng.choice(walkable, size=(args.pairs, 2))

    # scipy matrix (min cost per pair), built once, not timed
    use = cost >= 0
    t, h, w = tail[use].astype(np.int64), graph.head[use].astype(np.int64), cost[use]
    order = np.lexsort((w, h, t))
    t, h, w = t[order], h[order], w[order]
    first = np.ones(t.shape[0], bool)
    first[1:] = (t[1:] != t[:-1]) | (h[1:] != h[:-1])
    mat = sp.csr_matrix(
        (w[first].astype(np.float64), (t[first], h[first])), shape=(graph.n_nodes,) * 2
    )
    g = nx.DiGraph()
    g.add_nodes_from(range(graph.n_nodes))
    g.add_weighted_edges_from(
        zip(t[first].tolist(), h[first].tolist(), w[first].tolist(), strict=True)
    )
    (xs, ys), hs = router.plane_xy(), router.compiled(profile).h_scale

    def heuristic(u: int, v: int) -> float:
        return float(np.hypot(xs[u] - xs[v], ys[u] - ys[v]) * hs)

    results: dict[str, tuple[float, float]] = {}
    settled: dict[str, list[int]] = {"dijkstra": [], "astar": []}
    times: dict[str, list[float]] = {k: [] for k in (
        "numba one-to-one Dijkstra", "numba one-to-one A*", "numba bounded access 600 s",
        "numba bounded egress 600 s (reverse)", "scipy one-to-all (indices=src)",
        "scipy bounded (limit=600)",
    )}
    mismatches = 0
    shortest, bounded_search = router.shortest_cost, router.one_to_many
    # Each query type runs in its own loop over the same pairs (as networkx does below), so no
    # kind of query is timed right after another one has flushed the caches.
    got_dijkstra, got_astar, got_bounded, exp_full, exp_bounded = [], [], [], [], []
    plist = pairs.tolist()
    for s, d in plist:
        dt, c1 = timed(shortest, profile, s, d, state=state, astar=False)
        times["numba one-to-one Dijkstra"].append(dt)
        settled["dijkstra"].append(state.settled)
        got_dijkstra.append(c1)
    for s, d in plist:
        dt, c2 = timed(shortest, profile, s, d, state=state)
        times["numba one-to-one A*"].append(dt)
        settled["astar"].append(state.settled)
        got_astar.append(c2)
    for s, _ in plist:
        dt, reached = timed(bounded_search, profile, [s], state=state, limit=ACCESS_LIMIT_S)
        times["numba bounded access 600 s"].append(dt)
        got_bounded.append(reached)
    for s, _ in plist:
        dt, _ = timed(bounded_search, profile, [s], state=state, limit=ACCESS_LIMIT_S,
                      reverse=True)
        times["numba bounded egress 600 s (reverse)"].append(dt)
    for s, _ in plist:
        dt, full = timed(sp_dijkstra, mat, indices=s)
        times["scipy one-to-all (indices=src)"].append(dt)
        exp_full.append(full)
    for s, _ in plist:
        dt, bounded = timed(sp_dijkstra, mat, indices=s, limit=ACCESS_LIMIT_S)
        times["scipy bounded (limit=600)"].append(dt)
        exp_bounded.append(bounded)
    for i, (_, d) in enumerate(plist):
        exp = exp_full[i][d]
        c1, c2 = got_dijkstra[i], got_astar[i]
        if (c1 if c1 is not None else np.inf) != exp or (c2 if c2 is not None else np.inf) != exp:
            mismatches += 1
        got = np.full(graph.n_nodes, np.inf)
        got[got_bounded[i].node_idx] = got_bounded[i].cost
        if not np.array_equal(got, exp_bounded[i]):
            mismatches += 1
    nx_times: dict[str, list[float]] = {
        "networkx dijkstra_path_length": [], "networkx astar_path_length": [],
        "networkx single_source_dijkstra (cutoff=600)": [],
    }
    for s, d in pairs[: args.nx_pairs].tolist():
        try:
            dt, _ = timed(nx.dijkstra_path_length, g, s, d)
        except nx.NetworkXNoPath:
            dt = float("nan")
        nx_times["networkx dijkstra_path_length"].append(dt)
        try:
            dt, _ = timed(nx.astar_path_length, g, s, d, heuristic=heuristic)
        except nx.NetworkXNoPath:
            dt = float("nan")
        nx_times["networkx astar_path_length"].append(dt)
    for s, _ in plist:  # cheap enough to run on every pair
        dt, _ = timed(nx.single_source_dijkstra_path_length, g, s, cutoff=ACCESS_LIMIT_S)
        nx_times["networkx single_source_dijkstra (cutoff=600)"].append(dt)

    print(f"\n{args.pairs} random walk queries ({args.nx_pairs} for networkx one-to-one); "
          f"answers differing from scipy: {mismatches}")
    print(f"{'query':50s} {'p50 ms':>9s} {'p95 ms':>9s}")
    for name, samples in {**times, **nx_times}.items():
        clean = [x for x in samples if not np.isnan(x)]
        results[name] = percentiles_ms(clean)
        print(f"{name:50s} {results[name][0]:9.3f} {results[name][1]:9.3f}")
    print(f"nodes settled p50: Dijkstra {np.median(settled['dijkstra']):.0f}, "
          f"A* {np.median(settled['astar']):.0f}")

    def ratio(slow: str, fast: str) -> str:
        return f"{results[slow][0] / results[fast][0]:8.1f}x"

    print("\nspeed-ups (p50):")
    print(f"  A* vs networkx astar_path_length        "
          f"{ratio('networkx astar_path_length', 'numba one-to-one A*')}")
    print(f"  Dijkstra vs networkx dijkstra_path_length "
          f"{ratio('networkx dijkstra_path_length', 'numba one-to-one Dijkstra')}")
    print(f"  A* vs scipy one-to-all                  "
          f"{ratio('scipy one-to-all (indices=src)', 'numba one-to-one A*')}")
    print(f"  bounded vs networkx cutoff              "
          f"{ratio('networkx single_source_dijkstra (cutoff=600)', 'numba bounded access 600 s')}")
    print(f"  bounded vs scipy limit                  "
          f"{ratio('scipy bounded (limit=600)', 'numba bounded access 600 s')}")


if __name__ == "__main__":
    main()
