"""Touchpoints that matter: ``marts.touchpoint_impact``, one row per (map, touchpoint).

For every touchpoint of a map's in-scope journeys, designed or not (the map's ``ignore:``
touchpoints excepted), over the map's **finished** journeys (scope.py):

- **Like with like**: journeys *with* the touchpoint against journeys *without* it that reached
  the same **stage** of the map. A designed step's stage is its own; another touchpoint's is the
  stage of the map step its journeys most often did just before it (ties: the earlier stage;
  none before it: the first stage). ``outcome_rate_with`` / ``outcome_rate_without`` and the 95%
  interval of their difference (``ci_low``..``ci_high``, Newcombe, as for gaps), ``effect``.
- **Removal effect** (``markov.py``): on the first-order Markov chain of the journeys' walks up
  to the outcome, ``1 - P(conversion without the touchpoint) / P(conversion)``; the share of the
  outcomes it carries. ``attributed_outcomes`` shares the conversions out in proportion to the
  removal effects; ``attributed_value`` = that x the goal value (impact.goal_value).
  The outcome touchpoints (the goal, else the exits) are the conversion itself: no effect, rank.
- **Cost** (``touchpoint_costs`` in the configuration, per event): ``total_cost`` = cost x its
  events in the finished journeys; ``return_on_cost`` = attributed_value / total_cost.
- ``rank``: by removal effect, then journeys with it (descending), then name.

Everything is computed per distinct variant, weighted by its journeys: no pass per journey.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from journeys.compare.impact import goal_value, outcome_rates
from journeys.compare.maps import JourneyMap
from journeys.compare.markov import removal_effects, transition_counts

COLUMNS = (
    "map_name", "rank", "touchpoint", "designed", "stage", "journeys_with", "finished_with",
    "outcome_rate_with", "baseline_journeys", "outcome_rate_without", "ci_low", "ci_high",
    "effect", "removal_effect", "attributed_outcomes", "attributed_value", "events", "cost",
    "total_cost", "return_on_cost",
)  # fmt: skip


def measure_touchpoints(
    journey_map: JourneyMap,
    *,
    variants: pl.DataFrame,
    journeys: pl.DataFrame,
    costs: Mapping[str, float] | None = None,
) -> pl.DataFrame:
    """The rows of marts.touchpoint_impact for one map. ``variants``: scope_variants();
    ``journeys``: scope_journeys(); ``costs``: cost per event by touchpoint."""
    # plain column sums per group: an expression summed per group is evaluated group by group
    # (+1.2 GiB for 8.75M journeys), a column's sum is not
    counts = (
        journeys.select("vx", "finished", k=pl.col("finished") & pl.col("outcome"))
        .group_by("vx")
        .agg(pl.len().alias("n_all"), pl.col("finished").sum().alias("n"), pl.col("k").sum())
    )
    variants = _without_ignored(journey_map, variants)
    steps = _occurrences(journey_map, variants)
    with_ = (
        steps.select("vx", "touchpoint")
        .unique()
        .join(counts, on="vx")
        .group_by("touchpoint")
        .agg(
            pl.col("n_all").sum().alias("journeys_with"),
            pl.col("n").sum().alias("finished_with"),
            pl.col("k").sum().alias("k_with"),
        )
    )
    stages = _stages(journey_map, steps, counts)
    baseline = _baseline(journey_map, variants, steps, stages, counts)
    events = (
        steps.join(counts, on="vx").group_by("touchpoint").agg((pl.col("n")).sum().alias("events"))
    )
    walks = _walks(variants, counts, list(journey_map.outcomes))
    conversions = float(walks.filter("converted")["journeys"].sum())
    effects = removal_effects(transition_counts(walks), conversions=conversions)
    frame = (
        with_.join(stages, on="touchpoint", how="left")
        .join(baseline, on="touchpoint", how="left")
        .join(events, on="touchpoint", how="left")
        .join(effects, on="touchpoint", how="left")
    )
    return _finish(journey_map, frame, unit_value=goal_value(journeys), costs=costs or {})


def _without_ignored(journey_map: JourneyMap, variants: pl.DataFrame) -> pl.DataFrame:
    """The variants with their ``path`` without the map's ignored touchpoints (matched once
    per distinct touchpoint name, not per event)."""
    names = variants["path"].explode().drop_nulls().unique().to_list()
    ignored = list(journey_map.ignored(names))
    if not ignored:
        return variants
    return variants.with_columns(
        path=pl.col("path").list.eval(pl.element().filter(~pl.element().is_in(ignored)))
    )


def _occurrences(journey_map: JourneyMap, variants: pl.DataFrame) -> pl.DataFrame:
    """vx, position, touchpoint, prev_step: each event of each variant, with the map step
    before it (NULL at the start)."""
    steps = list(journey_map.step_names)
    step = pl.when(pl.col("touchpoint").is_in(steps)).then(pl.col("touchpoint"))
    return (
        variants.select("vx", touchpoint=pl.col("path"))
        .explode("touchpoint")
        .drop_nulls("touchpoint")
        .with_columns(position=pl.int_range(pl.len()).over("vx"))
        .with_columns(prev_step=step.forward_fill().shift(1).over("vx", order_by="position"))
    )


def _stages(journey_map: JourneyMap, steps: pl.DataFrame, counts: pl.DataFrame) -> pl.DataFrame:
    """touchpoint, stage, designed: the stage it is compared at (see the module docstring)."""
    order = {stage: i for i, stage in enumerate(journey_map.stages)}
    stage_of = {s.name: s.stage for s in journey_map.steps}
    first = (
        steps.sort("vx", "position")
        .unique(["vx", "touchpoint"], keep="first")
        .join(counts.select("vx", "n_all"), on="vx")
        .with_columns(
            stage=pl.col("prev_step").replace_strict(stage_of, default=None, return_dtype=pl.String)
        )
        .with_columns(stage=pl.col("stage").fill_null(journey_map.stages[0]))
        .group_by("touchpoint", "stage")
        .agg(pl.col("n_all").sum())
        .with_columns(order=pl.col("stage").replace_strict(order, return_dtype=pl.Int64))
        .sort(["touchpoint", "n_all", "order"], descending=[False, True, False])
        .unique("touchpoint", keep="first")
    )
    designed = pl.col("touchpoint").is_in(list(stage_of))
    own = pl.col("touchpoint").replace_strict(stage_of, default=None, return_dtype=pl.String)
    return first.select(
        "touchpoint",
        stage=pl.when(designed).then(own).otherwise(pl.col("stage")),
        designed=designed,
    )


def _baseline(
    journey_map: JourneyMap,
    variants: pl.DataFrame,
    steps: pl.DataFrame,
    stages: pl.DataFrame,
    counts: pl.DataFrame,
) -> pl.DataFrame:
    """touchpoint, baseline_journeys, k_without: the finished journeys without it that reached
    its stage, and how many of them reached the outcome."""
    stage_of = {s.name: s.stage for s in journey_map.steps}
    reached = (
        variants.select("vx", stage=pl.col("seq"))
        .explode("stage")
        .drop_nulls("stage")
        .with_columns(pl.col("stage").replace_strict(stage_of, return_dtype=pl.String))
        .unique()
        .join(counts, on="vx")
    )
    at_stage = reached.group_by("stage").agg(
        pl.col("n").sum().alias("n_stage"), pl.col("k").sum().alias("k_stage")
    )
    with_at_stage = (
        steps.select("vx", "touchpoint")
        .unique()
        .join(stages.select("touchpoint", "stage"), on="touchpoint")
        .join(reached, on=["vx", "stage"])
        .group_by("touchpoint")
        .agg(pl.col("n").sum().alias("n_in"), pl.col("k").sum().alias("k_in"))
    )
    return (
        stages.select("touchpoint", "stage")
        .join(at_stage, on="stage", how="left")
        .join(with_at_stage, on="touchpoint", how="left")
        .select(
            "touchpoint",
            baseline_journeys=(pl.col("n_stage").fill_null(0) - pl.col("n_in").fill_null(0)),
            k_without=(pl.col("k_stage").fill_null(0) - pl.col("k_in").fill_null(0)),
        )
    )


def _walks(variants: pl.DataFrame, counts: pl.DataFrame, outcomes: list[str]) -> pl.DataFrame:
    """path, converted, journeys: each variant's touchpoints (``variants.path`` without the
    ignored ones) up to its first outcome touchpoint, with its finished journeys."""
    first_outcome = pl.col("path").list.eval(pl.element().is_in(outcomes).arg_max()).list.first()
    return (
        variants.select("vx", "outcome", "path")
        .with_columns(
            path=pl.when(pl.col("outcome"))
            .then(pl.col("path").list.slice(0, first_outcome))
            .otherwise(pl.col("path"))
        )
        .join(counts.select("vx", "n"), on="vx")
        .filter(pl.col("n") > 0)
        .select("path", converted=pl.col("outcome"), journeys=pl.col("n"))
    )


def _finish(
    journey_map: JourneyMap,
    frame: pl.DataFrame,
    *,
    unit_value: float,
    costs: Mapping[str, float],
) -> pl.DataFrame:
    """Rates, value, cost and rank; the outcome touchpoints get no effect and no rank."""
    is_outcome = pl.col("touchpoint").is_in(list(journey_map.outcomes))
    cost = pl.col("touchpoint").replace_strict(dict(costs), default=None, return_dtype=pl.Float64)
    value = pl.col("attributed_outcomes") * unit_value if unit_value > 0 else pl.lit(None)
    out = (
        pl.concat([frame, outcome_rates(frame)], how="horizontal")
        .with_columns(
            *(
                pl.when(is_outcome).then(None).otherwise(pl.col(c).fill_null(0.0)).alias(c)
                for c in ("removal_effect", "attributed_outcomes")
            ),
            events=pl.col("events").fill_null(0).cast(pl.Int64),
            cost=cost,
        )
        .with_columns(
            attributed_value=value.cast(pl.Float64), total_cost=pl.col("cost") * pl.col("events")
        )
        .with_columns(
            return_on_cost=pl.when(pl.col("total_cost") > 0).then(
                pl.col("attributed_value") / pl.col("total_cost")
            )
        )
        .sort(
            ["removal_effect", "journeys_with", "touchpoint"],
            descending=[True, True, False],
            nulls_last=True,
        )
        .with_columns(
            rank=pl.when(~is_outcome).then(pl.int_range(1, pl.len() + 1)),
            map_name=pl.lit(journey_map.name),
        )
    )
    counts = ["journeys_with", "finished_with", "baseline_journeys", "rank"]
    return out.select(COLUMNS).with_columns(pl.col(counts).cast(pl.Int64))
