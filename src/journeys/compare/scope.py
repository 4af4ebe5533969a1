"""Which journeys a map is about, and the per-map frames conformance and gaps start from.

Scope rule: a journey is in a map's scope when at least one of its touchpoints is a step of the
map. Journeys that never touch the map (say, a support-only journey against a purchase map) are
out of scope: they get no row in ``marts.map_conformance`` and do not dilute its shares.
Inside the scope, touchpoints the map does not know are log moves (``unexpected_step`` gaps),
unless the map lists them in ``ignore:``. Other maps' steps are not ignored automatically, so a
map's results never depend on which other maps run beside it.

A journey's **step sequence** is its touchpoints that are steps of the map, in journey order;
transitions, loops, SLAs, channel switches and ``journeys_reached`` are read from it.
**Outcome**: the journey reached the map's ``goal`` step, or, without a goal, one of its ``exit``
steps. **Finished**: the journey's status is not ``in_flight`` (outcome rates use finished
journeys only, since an in-flight journey may still reach the goal).
"""

from __future__ import annotations

import polars as pl

from journeys.compare.maps import JourneyMap

JOURNEY_COLUMNS = ("journey_id", "customer_key", "variant_id", "path", "status", "value")
EVENT_COLUMNS = ("journey_id", "step_index", "touchpoint", "occurred_at", "channel")


def scope_variants(journey_map: JourneyMap, journeys: pl.DataFrame) -> pl.DataFrame:
    """One row per distinct in-scope variant, sorted by variant_id.

    Columns: variant_id, path, journeys, seq, outcome, last_step, vx (a compact row key).
    """
    steps = list(journey_map.step_names)
    if journey_map.goal is not None:
        outcome = pl.col("seq").list.contains(journey_map.goal)
    else:
        outcome = pl.col("seq").list.eval(pl.element().is_in(list(journey_map.exit))).list.any()
    return (
        journeys.lazy()
        .group_by("variant_id")
        .agg(pl.col("path").first(), pl.len().alias("journeys"))
        .with_columns(seq=pl.col("path").list.eval(pl.element().filter(pl.element().is_in(steps))))
        .filter(pl.col("seq").list.len() > 0)
        .with_columns(
            outcome=outcome.fill_null(False),
            last_step=pl.col("seq").list.last(),
        )
        .sort("variant_id")
        .with_row_index("vx")
        .collect()
    )


def scope_journeys(journeys: pl.DataFrame, variants: pl.DataFrame) -> pl.DataFrame:
    """In-scope journeys, sorted by journey_id, with their variant's outcome.

    Columns: journey_id, customer_key, variant_id, status, value, finished, outcome, last_step,
    and compact keys for joins: jx (the row number), vx (the variant's), cx (the customer's).
    """
    return (
        journeys.lazy()
        .select("journey_id", "customer_key", "variant_id", "status", "value")
        .join(
            variants.lazy().select("variant_id", "vx", "outcome", "last_step"),
            on="variant_id",
            how="inner",
        )
        .with_columns(
            value=pl.col("value").cast(pl.Float64).fill_null(0.0),
            finished=pl.col("status") != "in_flight",
            cx=pl.col("customer_key").rank("dense").cast(pl.UInt32),
        )
        .sort("journey_id")
        .with_row_index("jx")
        .collect()
    )


def collect_step_events(
    journey_map: JourneyMap, events: pl.DataFrame, journeys: pl.DataFrame
) -> pl.DataFrame:
    """The in-scope journeys' events on map steps, each with its previous map step.

    Columns: jx (the journey's key in ``journeys``), step (an Enum of the map's steps),
    channel, prev_step, prev_channel, seconds_from_previous, designed_channel,
    prev_designed_channel, sla_breach.
    """
    names = list(journey_map.step_names)
    steps = pl.Enum(names)
    within = {s.name: s.within_seconds for s in journey_map.steps}
    designed = {s.name: s.channel for s in journey_map.steps}
    same = pl.col("jx") == pl.col("jx").shift(1)
    return (
        events.lazy()
        .select(*EVENT_COLUMNS)
        .filter(pl.col("touchpoint").is_in(names))
        .join(journeys.lazy().select("journey_id", "jx"), on="journey_id", how="inner")
        .select(
            "jx",
            "step_index",
            pl.col("touchpoint").cast(steps).alias("step"),
            "occurred_at",
            pl.col("channel").cast(pl.String),
        )
        .sort("jx", "step_index")
        .with_columns(
            prev_step=pl.when(same).then(pl.col("step").shift(1)),
            seconds_from_previous=pl.when(same).then(
                (pl.col("occurred_at") - pl.col("occurred_at").shift(1)).dt.total_milliseconds()
                / 1000.0
            ),
            prev_channel=pl.when(same).then(pl.col("channel").shift(1)),
        )
        .with_columns(
            designed_channel=pl.col("step").replace_strict(designed, return_dtype=pl.String),
            prev_designed_channel=pl.col("prev_step").replace_strict(
                designed, default=None, return_dtype=pl.String
            ),
            sla_breach=(
                pl.col("seconds_from_previous")
                > pl.col("step").replace_strict(within, return_dtype=pl.Int64)
            ).fill_null(False),
        )
        .drop("occurred_at", "step_index")
        .collect()
    )
