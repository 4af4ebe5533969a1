"""Journeys as traces of a map: distinct step sequences with their counts, and conformance.

``suggest.py`` revises a map from these (and ``discover.py`` drafts one); a trace is a journey's
path with the map's ignored touchpoints removed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from journeys.compare.maps import JourneyMap


@dataclass(frozen=True)
class Trace:
    """A distinct journey sequence after removing ignored touchpoints, with its journeys."""

    steps: tuple[str, ...]
    finished: bool
    """Not in flight for the map (its status, or it reached one of the map's exits)."""
    journeys: int
    outcome: bool = True
    """It reached the map's goal or one of its exits: it ended the way the map designs (a
    finished journey that did neither is a drop-off, never a path to adopt)."""


def collect_traces(journey_map: JourneyMap, journeys: pl.DataFrame | pl.LazyFrame) -> list[Trace]:
    """Distinct (sequence, finished) pairs with journey counts, most frequent first. Finished
    and outcome are for ``journey_map`` (a journey that reached one of its exits is finished:
    see compare/scope.py)."""
    grouped = (
        journeys.lazy()
        .group_by("variant_id", (pl.col("status") != "in_flight").alias("finished"))
        .agg(pl.col("path").first(), pl.len().alias("n"))
        .collect(engine="streaming")
    )
    counts: Counter[tuple[tuple[str, ...], bool]] = Counter()
    exits = set(journey_map.exit)
    for path, finished, n in grouped.select("path", "finished", "n").iter_rows():
        steps = journey_map.filter_trace(path or ())
        counts[(steps, bool(finished) or bool(exits.intersection(steps)))] += n
    outcomes = exits | ({journey_map.goal} if journey_map.goal else set())
    return [
        Trace(steps=k[0], finished=k[1], journeys=n, outcome=bool(outcomes.intersection(k[0])))
        for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0][0], not kv[0][1]))
        if k[0]
    ]


def conforms(journey_map: JourneyMap, trace: Trace) -> bool:
    """Cost 0 against the map: a walk from a start (to an end, when finished)."""
    steps, edges = trace.steps, journey_map.edges()
    if steps[0] not in journey_map.start_steps:
        return False
    if any(pair not in edges for pair in zip(steps, steps[1:], strict=False)):
        return False
    return not trace.finished or steps[-1] in journey_map.end_steps


def measure_share(
    journey_map: JourneyMap, traces: Sequence[Trace], *, scope: JourneyMap | None = None
) -> tuple[float, int]:
    """(share of the journeys conforming, journeys), over the journeys in ``scope``'s scope
    (default: the map's own)."""
    names = set((scope or journey_map).step_names)
    within = [t for t in traces if names.intersection(t.steps)]
    total = sum(t.journeys for t in within)
    good = sum(t.journeys for t in within if conforms(journey_map, t))
    return (good / total if total else 1.0), total
