"""Brute-force journey enumeration on tiny feeds (exponential; a handful of trips only).

Enumerates every journey: board any run departing at or after the ready time at a stop, ride
to any later position, then finish (at a target) or change (own slack or one resolved
transfer) and repeat, up to ``max_vehicles`` rides.  Used to check Pareto sets exactly.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from routing.timetable import Timetable
from tests.oracles.transit_rules import Rules, Run, runs, transfers


@dataclass(frozen=True)
class BruteJourney:
    """Criteria of one enumerated journey (seconds of the query day)."""

    dep_s: int
    arr_s: int
    vehicles: int
    walk_s: int

    @property
    def transfers(self) -> int:
        """Vehicle changes."""
        return self.vehicles - 1


def enumerate_journeys(
    tt: Timetable,
    rules: Rules,
    sources: Sequence[tuple[int, int, int, int]],
    targets: Sequence[tuple[int, int, int]],
    max_vehicles: int,
    horizon_s: int,
) -> Iterator[BruteJourney]:
    """All journeys.  ``sources``: (stop, ready time, offset, walk); ``targets``: (stop,
    egress, egress walk).  ``dep_s`` = first departure - source offset."""
    tr = transfers(tt, rules)
    all_runs = runs(tt, rules)
    by_stop: dict[int, list[tuple[Run, int]]] = {}
    for run in all_runs:
        for i, s in enumerate(run.stops[:-1]):
            if run.pickup_ok[i]:
                by_stop.setdefault(s, []).append((run, i))
    tgt: dict[int, list[tuple[int, int]]] = {}
    for s, e, w in targets:
        tgt.setdefault(s, []).append((e, w))

    def go(
        stop: int, ready: int, used: int, walk: int, dep0: int | None, off: int
    ) -> Iterator[BruteJourney]:
        for run, i in by_stop.get(stop, []):
            if run.dep[i] < ready:
                continue
            d0 = run.dep[i] - off if dep0 is None else dep0
            for j in range(i + 1, len(run.stops)):
                a = run.arr[j]
                if a > horizon_s:
                    break
                if not run.drop_ok[j]:
                    continue
                s = run.stops[j]
                for e, w in tgt.get(s, []):
                    yield BruteJourney(d0, a + e, used + 1, walk + w)
                if used + 1 >= max_vehicles:
                    continue
                own = tr.own[s]
                if own is not None:
                    yield from go(s, a + own, used + 1, walk, d0, off)
                for v, (dur, w) in tr.edges[s].items():
                    yield from go(v, a + dur, used + 1, walk + w, d0, off)

    for stop, ready, off, walk in sources:
        yield from go(stop, ready, 0, walk, None, off)


def pareto(points: Sequence[tuple[int, ...]]) -> set[tuple[int, ...]]:
    """Distinct non-dominated tuples (all components minimised)."""
    uniq = set(points)
    return {
        p
        for p in uniq
        if not any(q != p and all(x <= y for x, y in zip(q, p, strict=True)) for q in uniq)
    }
