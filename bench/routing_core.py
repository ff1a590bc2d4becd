"""The routing core's benchmarks in one command (issue "Routing core", bench item).

Run ``python -m bench.routing_core [--queries N] [--pyraptor]``.  In one process, one after the
other, with the same random queries on both sides of every comparison:

1. earliest arrival, RAPTOR vs the reference connection scan, on Kaunas (transit only), Porto
   Alegre (transit + footpaths over its OSM streets) and the Timisoara bundle
   (:mod:`bench.agreement`: p50/p95, agreement, ratio);
2. Kaunas earliest arrival / 2 h range / 3-criteria Pareto (:mod:`bench.transit_bench`);
3. street searches on the Timisoara and Porto Alegre walk graphs vs scipy.sparse.csgraph and
   networkx (:mod:`bench.street_bench`: p50/p95 and ratios);
4. coordinate-to-coordinate WALK+TRANSIT plans on the Timisoara bundle
   (:mod:`bench.plan_bench`);
5. with ``--pyraptor``: pyraptor on the small Caltrain feed, in its own venv created on first
   use (:mod:`bench.pyraptor_bench`).

Each part prints its own table; nothing here asserts on time.  Shared data: env
``MAAS_SHARED_DATA``, else ``<repo>/../shared/data``.
"""

from __future__ import annotations

import argparse
import sys
import time

from bench import agreement, plan_bench, pyraptor_bench, street_bench, transit_bench


def _part(title: str) -> None:
    print(f"\n=== {title} " + "=" * max(0, 90 - len(title)), flush=True)


def main(argv: list[str] | None = None) -> int:
    """Run every part; exit code 1 when an agreement check fails."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--queries", type=int, default=300, help="queries per feed and part")
    ap.add_argument("--pyraptor", action="store_true",
                    help="also compare with pyraptor (creates its venv on first use)")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    n = str(args.queries)
    _part("1. earliest arrival: RAPTOR vs reference CSA (same queries)")
    rc = agreement.main(["--queries", n, "--feeds", "kaunas,porto-alegre,timisoara"])
    _part("2. Kaunas: earliest arrival, range (2 h), Pareto (3 criteria)")
    rc |= transit_bench.main(["--queries", n, "--csa", "0"])
    _part("3a. streets, Timisoara walk graph: numba vs scipy vs networkx")
    street_bench.main(["--pairs", n, "--no-cold"])
    _part("3b. streets, Porto Alegre walk graph: numba vs scipy vs networkx")
    street_bench.main(["--pairs", n, "--no-cold", "--pbf",
                       str(agreement.shared_data_dir() / agreement.OSM["porto-alegre"])])
    _part("4. Timisoara: coordinate-to-coordinate WALK+TRANSIT plans")
    plan_bench.main(["--n", n])
    if args.pyraptor:
        _part("5. pyraptor on Caltrain (same queries)")
        rc |= pyraptor_bench.main(["--install", "--queries", "200"])
    print(f"\nall parts: {time.perf_counter() - t0:.0f} s")
    return 1 if rc else 0


if __name__ == "__main__":
    sys.exit(main())
