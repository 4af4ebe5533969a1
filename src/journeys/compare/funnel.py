"""Per designed step measures of one map (the rows of marts.map_steps).

- ``journeys_reached``: journeys in scope whose step sequence contains the step;
- ``conversion_from_previous``: of the journeys that reached one of the step's designed
  predecessors, the share that reached the step afterwards (NULL for a step without designed
  predecessors, such as an entry, or when no journey reached a predecessor);
- ``median_seconds_from_previous``: median time from the previous step of the step sequence to
  this step, over all its occurrences;
- ``sla_breaches``: journeys with at least one occurrence of the step later than its ``within``
  (0 when the step has no SLA).
"""

from __future__ import annotations

import polars as pl

from journeys.compare.maps import JourneyMap
from journeys.compare.timing import StepTiming


def measure_steps(
    journey_map: JourneyMap, *, variants: pl.DataFrame, timing: StepTiming
) -> pl.DataFrame:
    """map_name, step, stage, position, journeys_reached, conversion_from_previous,
    median_seconds_from_previous, sla_breaches, for every designed step in file order."""
    names = journey_map.step_names
    predecessors = {
        name: {a for a, b in journey_map.edges() if b == name and a != name} for name in names
    }
    reached = dict.fromkeys(names, 0)
    pred_reached = dict.fromkeys(names, 0)
    converted = dict.fromkeys(names, 0)
    for seq, count in variants.select("seq", "journeys").iter_rows():
        seen = set(seq)
        for name in seen:
            reached[name] += count
        for name in names:
            preds = predecessors[name]
            if not preds or not (preds & seen):
                continue
            pred_reached[name] += count
            first = next(i for i, s in enumerate(seq) if s in preds)
            if name in seq[first + 1 :]:
                converted[name] += count
    medians = timing.seconds.group_by("step").agg(
        pl.col("seconds_from_previous").median().alias("median_seconds_from_previous")
    )
    breaches = timing.breaches.group_by("step").agg(pl.col("jx").n_unique().alias("sla_breaches"))
    per_step = medians.join(breaches, on="step", how="full", coalesce=True).with_columns(
        pl.col("step").cast(pl.String)
    )
    frame = pl.DataFrame(
        {
            "map_name": [journey_map.name] * len(names),
            "step": list(names),
            "stage": [s.stage for s in journey_map.steps],
            "position": [s.position for s in journey_map.steps],
            "journeys_reached": [reached[n] for n in names],
            "conversion_from_previous": [
                converted[n] / pred_reached[n] if pred_reached[n] else None for n in names
            ],
        },
        schema_overrides={
            "map_name": pl.String,
            "position": pl.Int64,
            "journeys_reached": pl.Int64,
            "conversion_from_previous": pl.Float64,
        },
    )
    return (
        frame.join(per_step, on="step", how="left", maintain_order="left")
        .with_columns(
            pl.col("median_seconds_from_previous").cast(pl.Float64),
            pl.col("sla_breaches").fill_null(0).cast(pl.Int64),
        )
        .sort("position")
    )
