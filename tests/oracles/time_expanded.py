"""Earliest arrival by Dijkstra on a networkx time-expanded graph (small feeds only).

Nodes are departure/arrival events of every run and "waiting at stop s at time T" nodes;
edge weights are time differences, so the distance from the source node is elapsed time.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import networkx as nx

from routing.timetable import Timetable
from tests.oracles.transit_rules import Rules, runs, transfers


def te_earliest(
    tt: Timetable,
    rules: Rules,
    sources: Sequence[tuple[int, int]],
    targets: Sequence[tuple[int, int]],
) -> float:
    """Earliest arrival at a target incl. egress (no limit on vehicles); inf if none."""
    g = nx.DiGraph()
    tr = transfers(tt, rules)
    waits: dict[int, set[int]] = {}
    t0 = min(t for _, t in sources)
    egress = dict(targets)

    def wait(s: int, t: int) -> tuple[str, int, int]:
        waits.setdefault(s, set()).add(t)
        return ("w", s, t)

    for n, run in enumerate(runs(tt, rules)):
        for i in range(len(run.stops)):
            dep_node, arr_node = ("d", n, i), ("a", n, i)
            if i + 1 < len(run.stops):
                g.add_edge(dep_node, ("a", n, i + 1), weight=run.arr[i + 1] - run.dep[i])
                g.add_edge(arr_node, dep_node, weight=run.dep[i] - run.arr[i])
                if run.pickup_ok[i]:
                    g.add_edge(wait(run.stops[i], run.dep[i]), dep_node, weight=0)
            if i > 0 and run.drop_ok[i]:
                s, a = run.stops[i], run.arr[i]
                if s in egress:
                    g.add_edge(arr_node, "sink", weight=egress[s])
                own = tr.own[s]
                if own is not None:
                    g.add_edge(arr_node, wait(s, a + own), weight=own)
                for v, (dur, _w) in tr.edges[s].items():
                    g.add_edge(arr_node, wait(v, a + dur), weight=dur)
    for s, t in sources:
        g.add_edge("src", wait(s, t), weight=t - t0)
    for s, times in waits.items():
        ordered = sorted(times)
        for x, y in pairwise(ordered):
            g.add_edge(("w", s, x), ("w", s, y), weight=y - x)
    if "sink" not in g:
        return float("inf")
    try:
        return t0 + nx.dijkstra_path_length(g, "src", "sink")
    except nx.NetworkXNoPath:
        return float("inf")
