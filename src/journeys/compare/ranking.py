"""Ranking and describing the measured gaps of a map (the last step of ``gaps.find_gaps``).

The rules are those of the module docstring of ``gaps.py`` (*Ranking*): two rankings apart from
the deviations (``dropoffs``: the ways of ending without the outcome; ``late_outcomes``: an SLA
breach of the outcome step, unmeasured), a clear effect first, then ``|impact|``, then journeys;
a gap below ``min_support`` or re-describing a higher-ranked one has rank NULL. With ``by``
(compare/history.py), each group of gaps (one period's) is ranked on its own, all in one pass.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from journeys.compare.behaviour import same_behaviour
from journeys.compare.deviations import GapType, describe_gap
from journeys.compare.gapkey import KEY
from journeys.compare.impact import UNCLEAR
from journeys.compare.maps import JourneyMap, format_duration

DEVIATIONS, DROPOFFS, LATE_OUTCOMES = "deviations", "dropoffs", "late_outcomes"
NOT_MEASURED = (
    "outcome_rate_with",
    "outcome_rate_without",
    "ci_low",
    "ci_high",
    "effect",
    "missed_outcomes",
    "impact",
)
"""What a late outcome cannot be measured by: every journey with it reached the outcome."""


def _ends_without_outcome(journey_map: JourneyMap) -> pl.Expr:
    """The gaps that are a way of ending without the outcome, whose outcome rate is 0 by
    definition: drop-offs, the goal step skipped, and an unexpected step after which its
    journeys all ended, left from a step that is not an outcome. They are ranked apart
    (``dropoffs``) so they do not crowd out the deviations, whose rates are comparable."""
    outcomes = [journey_map.goal] if journey_map.goal else list(journey_map.exit)
    kind = pl.col("gap_type")
    return (
        (kind == GapType.DROPOFF)
        | (  # fewer journeys reach the outcome step than expected: those that do not
            (kind == GapType.SHARE_DRIFT)
            & pl.col("from_step").is_null()
            & pl.col("to_step").is_in(outcomes)
            & (pl.col("observed_share") < pl.col("expected_share"))
        )
        | ((kind == GapType.SKIPPED_STEP) & pl.col("to_step").is_in(outcomes))
        | (
            (kind == GapType.UNEXPECTED_STEP)
            & pl.col("to_step").is_null()
            & ~pl.col("_mixed").fill_null(False)
            & pl.col("from_step").is_not_null()
            & ~pl.col("from_step").is_in(outcomes)
        )
    )


def _late_outcome(journey_map: JourneyMap) -> pl.Expr:
    """An SLA breach of the outcome step itself (the goal, or an exit without one): every
    journey with it reached the outcome and so did every journey it is compared with, so the
    outcome rates are 1.0 by construction. It is ranked apart (``late_outcomes``), by journeys,
    with its delay distribution, and its outcome measures are NULL: not measured, which is not
    'no effect'."""
    outcomes = [journey_map.goal] if journey_map.goal else list(journey_map.exit)
    return (pl.col("gap_type") == GapType.SLA_BREACH) & pl.col("to_step").is_in(outcomes)


def finish_gaps(
    journey_map: JourneyMap,
    frame: pl.DataFrame,
    members: pl.DataFrame,
    *,
    journeys: pl.DataFrame,
    min_support: int,
    by: Sequence[str] = (),
) -> pl.DataFrame:
    """The measured gaps with SLA details, late outcomes unmeasured, ranked, described, and
    the stable id as gap_id (the rows of marts.map_gaps, before their columns are chosen).
    ``journeys``: those in scope (each gap's share is of them); with ``by``, per group."""
    within = {
        s.name: format_duration(s.within_seconds)
        for s in journey_map.steps
        if s.within_seconds is not None
    }
    if within:
        frame = frame.with_columns(
            detail=pl.when(pl.col("gap_type") == GapType.SLA_BREACH)
            .then(pl.col("to_step").replace_strict(within, default=None, return_dtype=pl.String))
            .otherwise(pl.col("detail"))
        )
    if by:  # each group's share of its own journeys (a group has at least one)
        sizes = journeys.group_by(by).agg(pl.len().alias("_in_scope"))
        frame = frame.join(sizes, on=list(by), how="left", maintain_order="left")
        # polars divides by a number as times its reciprocal: so does this, to give the very
        # share marts.map_gaps gives a map compared on the group's journeys alone
        share = pl.col("journeys") * (1.0 / pl.col("_in_scope"))
    else:
        in_scope = journeys.height
        share = (pl.col("journeys") / in_scope) if in_scope else pl.lit(0.0)
    late = _late_outcome(journey_map)
    frame = frame.with_columns(
        *(pl.when(late).then(None).otherwise(pl.col(c)).alias(c) for c in NOT_MEASURED),
        value_at_risk=pl.when(late).then(0.0).otherwise(pl.col("value_at_risk")),
        ranking=pl.when(late)
        .then(pl.lit(LATE_OUTCOMES))
        .when(_ends_without_outcome(journey_map))
        .then(pl.lit(DROPOFFS))
        .otherwise(pl.lit(DEVIATIONS)),
        share=share,
    )
    ranked = _rank(frame, members, min_support, by=by)
    description = [
        describe_gap(r)
        for r in ranked.select(
            *KEY, "_mixed", "_via", "ranking", "delay_median_seconds", "delay_p90_seconds"
        ).iter_rows(named=True)
    ]
    return ranked.with_columns(
        map_name=pl.lit(journey_map.name),
        gap_id=pl.col("stable_id"),
        description=pl.Series(description, dtype=pl.String),
    )


def _rank(
    frame: pl.DataFrame, members: pl.DataFrame, min_support: int, *, by: Sequence[str]
) -> pl.DataFrame:
    """``frame`` ordered inside each ranking (a clear effect first, the interval excluding 0,
    then by size, harm or help), with rank (eligible gaps only: enough journeys, not an unused
    transition, not the same behaviour as a gap ranked before) and same_behaviour_as; with
    ``by``, ordered by group first and ranked inside each group."""
    ordered = frame.with_columns(
        _mixed=pl.col("_mixed").fill_null(False),
        _eligible=(pl.col("journeys") >= max(min_support, 1))
        & (pl.col("gap_type") != GapType.UNUSED_TRANSITION),
        _clear=pl.col("effect").is_not_null() & (pl.col("effect") != UNCLEAR),
        _size=pl.col("impact").abs(),
    ).sort(
        [*by, "ranking", "_eligible", "_clear", "_size", "journeys", *KEY],
        descending=[False] * len(by) + [True] * 5 + [False] * len(KEY),
        nulls_last=True,
    )
    same = same_behaviour(ordered, members, by=by)
    ranked = (
        ordered.join(same, on=[*by, "gap_id"], how="left", maintain_order="left")
        .with_columns(_ranked=pl.col("_eligible") & pl.col("_same_as").is_null())
        .with_columns(
            rank=pl.when(pl.col("_ranked")).then(
                pl.col("_ranked").cast(pl.Int64).cum_sum().over([*by, "ranking"])
            )
        )
    )
    rank_of = ranked.filter(pl.col("_ranked")).select(
        *by, pl.col("gap_id").alias("_same_as"), pl.col("rank").alias("same_behaviour_as")
    )
    return ranked.join(rank_of, on=[*by, "_same_as"], how="left", maintain_order="left")
