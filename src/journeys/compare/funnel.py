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
    journey_map: JourneyMap,
    *,
    variants: pl.DataFrame,
    timing: StepTiming,
    medians: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """map_name, step, stage, position, journeys_reached, conversion_from_previous,
    median_seconds_from_previous, sla_breaches, for every designed step in file order.
    ``medians`` (step, median_seconds_from_previous): the medians when the seconds are kept
    elsewhere (compare's cache in the warehouse); else they are taken of ``timing.seconds``."""
    names = journey_map.step_names
    reached, pred_reached, converted = _funnel_counts(journey_map, variants)
    if medians is None:
        medians = timing.seconds.group_by("step").agg(
            pl.col("seconds_from_previous").median().alias("median_seconds_from_previous")
        )
    medians = medians.with_columns(pl.col("step").cast(pl.String))
    breaches = timing.breaches.group_by("step").agg(pl.col("jx").n_unique().alias("sla_breaches"))
    per_step = medians.join(
        breaches.with_columns(pl.col("step").cast(pl.String)), on="step", how="full", coalesce=True
    )
    frame = pl.DataFrame(
        {
            "map_name": [journey_map.name] * len(names),
            "step": list(names),
            "stage": [s.stage for s in journey_map.steps],
            "position": [s.position for s in journey_map.steps],
            "journeys_reached": [reached.get(n, 0) for n in names],
            "conversion_from_previous": [
                converted.get(n, 0) / pred_reached[n] if pred_reached.get(n) else None
                for n in names
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


def _funnel_counts(
    journey_map: JourneyMap, variants: pl.DataFrame
) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    """Journeys per step: that reached it; that reached one of its designed predecessors; and
    of those, that reached the step after the first such predecessor. Counted per variant
    (its ``seq`` and ``journeys``), with frames rather than a loop over the variants."""
    step_type = pl.Enum(journey_map.step_names)  # integer keys for the group-bys
    links = pl.DataFrame(
        [(a, b) for a, b in journey_map.edges() if a != b],
        schema={"pred": step_type, "step": step_type},
        orient="row",
    )
    occurrences = (
        variants.select(pl.col("seq").cast(pl.List(step_type)), "journeys")
        .with_row_index("v")
        .with_columns(pos=pl.int_ranges(pl.col("seq").list.len()))
        .explode("seq", "pos")
        .drop_nulls("pos")
        .rename({"seq": "name"})
    )
    spans = occurrences.group_by("v", "name").agg(
        pl.col("journeys").first(), pl.col("pos").max().alias("last")
    )
    # the first occurrence of any designed predecessor of each step, per variant
    firsts = (
        occurrences.join(links, left_on="name", right_on="pred")
        .group_by("v", "step")
        .agg(pl.col("journeys").first(), pl.col("pos").min().alias("first"))
        .join(
            spans.select("v", pl.col("name").alias("step"), "last"),
            on=["v", "step"],
            how="left",
        )
    )

    def totals(frame: pl.DataFrame, key: str) -> dict[str, int]:
        sums = frame.group_by(key).agg(pl.col("journeys").sum())
        return dict(zip(sums[key].cast(pl.String), sums["journeys"], strict=True))

    reached = totals(spans, "name")
    pred_reached = totals(firsts, "step")
    converted = totals(firsts.filter(pl.col("last") > pl.col("first")), "step")
    return reached, pred_reached, converted
