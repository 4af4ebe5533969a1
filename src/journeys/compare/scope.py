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
    """One row per distinct in-scope variant.

    Columns: variant_id, path, journeys, seq, outcome, last_step.
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
        .collect()
    )


def scope_journeys(journeys: pl.DataFrame, variants: pl.DataFrame) -> pl.DataFrame:
    """In-scope journeys with their variant's outcome: journey_id, customer_key, variant_id,
    status, value, finished, outcome, last_step."""
    return (
        journeys.lazy()
        .select("journey_id", "customer_key", "variant_id", "status", "value")
        .join(
            variants.lazy().select("variant_id", "outcome", "last_step"),
            on="variant_id",
            how="inner",
        )
        .with_columns(
            value=pl.col("value").cast(pl.Float64).fill_null(0.0),
            finished=pl.col("status") != "in_flight",
        )
        .sort("journey_id")
        .collect()
    )


def collect_step_events(
    journey_map: JourneyMap, events: pl.DataFrame, journeys: pl.DataFrame
) -> pl.DataFrame:
    """The in-scope journeys' events on map steps, each with its previous map step.

    Columns: journey_id, step, occurred_at, channel, prev_step, prev_channel,
    seconds_from_previous, within_seconds, designed_channel, prev_designed_channel, sla_breach.
    """
    designed = journey_map.steps_frame().select(
        pl.col("step"), pl.col("within_seconds"), pl.col("channel").alias("designed_channel")
    )
    same = pl.col("journey_id") == pl.col("journey_id").shift(1)
    return (
        events.lazy()
        .select(*EVENT_COLUMNS)
        .filter(pl.col("touchpoint").is_in(list(journey_map.step_names)))
        .join(journeys.lazy().select("journey_id"), on="journey_id", how="semi")
        .sort("journey_id", "step_index")
        .rename({"touchpoint": "step"})
        .with_columns(
            prev_step=pl.when(same).then(pl.col("step").shift(1)),
            prev_at=pl.when(same).then(pl.col("occurred_at").shift(1)),
            prev_channel=pl.when(same).then(pl.col("channel").shift(1)),
        )
        .with_columns(
            seconds_from_previous=(
                pl.col("occurred_at") - pl.col("prev_at")
            ).dt.total_milliseconds()
            / 1000.0
        )
        .join(designed.lazy(), on="step", how="left")
        .join(
            designed.lazy().select(
                pl.col("step").alias("prev_step"),
                pl.col("designed_channel").alias("prev_designed_channel"),
            ),
            on="prev_step",
            how="left",
        )
        .with_columns(
            sla_breach=(pl.col("seconds_from_previous") > pl.col("within_seconds")).fill_null(False)
        )
        .drop("prev_at")
        .collect()
    )
