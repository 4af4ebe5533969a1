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
steps. **Status for the map**: a journey that reached one of the map's ``exit`` steps is
``completed`` for the map, whatever its horizon says; any other keeps its marts.journeys
status. **Finished**: the status for the map is not ``in_flight`` (outcome rates use finished
journeys only, since an in-flight journey may still reach the goal).
"""

from __future__ import annotations

import polars as pl

from journeys.compare.maps import JourneyMap

JOURNEY_COLUMNS = ("journey_id", "customer_key", "variant_id", "path", "status", "value")
BREAKDOWN_COLUMNS = ("segment", "started_at")
"""marts.map_journeys' segment and period."""
EVENT_COLUMNS = ("journey_id", "step_index", "touchpoint", "occurred_at", "channel")


def distinct_variants(journeys: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """variant_id, path, journeys: one row per variant of marts.journeys (any map)."""
    return (
        journeys.lazy()
        .group_by("variant_id")
        .agg(pl.col("path").first(), pl.len().alias("journeys"))
        .collect(engine="streaming")
    )


def scope_variants(journey_map: JourneyMap, variants: pl.DataFrame) -> pl.DataFrame:
    """One row per distinct in-scope variant, sorted by variant_id.

    ``variants``: distinct_variants(). Columns: variant_id, path, journeys, seq, outcome,
    reached_exit, last_step, vx (a compact row key).
    """
    steps = list(journey_map.step_names)
    if journey_map.goal is not None:
        outcome = pl.col("seq").list.contains(journey_map.goal)
    else:
        outcome = pl.col("seq").list.eval(pl.element().is_in(list(journey_map.exit))).list.any()
    return (
        variants.lazy()
        .with_columns(seq=pl.col("path").list.eval(pl.element().filter(pl.element().is_in(steps))))
        .filter(pl.col("seq").list.len() > 0)
        .with_columns(
            outcome=outcome.fill_null(False),
            reached_exit=pl.col("seq")
            .list.eval(pl.element().is_in(list(journey_map.exit)))
            .list.any()
            .fill_null(False),
            last_step=pl.col("seq").list.last(),
        )
        .sort("variant_id")
        .with_row_index("vx")
        .collect()
    )


def prepare_journeys(journeys: pl.DataFrame, timezone: str = "UTC") -> pl.DataFrame:
    """The journeys sorted by journey_id, with ``cx``, a compact code of the customer, and
    ``period``, the start month (``2026-03``) in ``timezone`` (drift.timezone): the work
    ``scope_journeys`` would repeat for every map, done once (``compare_maps``). ``segment``
    and ``started_at`` may be missing (NULL segment, period and started_at)."""
    frame = journeys.select(
        "journey_id",
        "customer_key",
        "variant_id",
        "status",
        "value",
        *[c for c in ("raw_weight",) if c in journeys.columns],  # value.raw_weights()
        segment=pl.col("segment").cast(pl.String)
        if "segment" in journeys.columns
        else pl.lit(None, pl.String),
        period=pl.col("started_at").dt.convert_time_zone(timezone).dt.strftime("%Y-%m")
        if "started_at" in journeys.columns
        else pl.lit(None, pl.String),
        started_at=pl.col("started_at")
        if "started_at" in journeys.columns
        else pl.lit(None, pl.Datetime("us", "UTC")),
    )
    if not frame["journey_id"].is_sorted():  # the warehouse seldom returns them in order
        frame = frame.sort("journey_id")
    # any one-to-one code will do (counts of distinct customers); hashing the keys into
    # categories is cheaper than ranking them
    return frame.with_columns(
        cx=pl.col("customer_key").cast(pl.Categorical).to_physical().cast(pl.UInt32)
    )


def scope_journeys(journeys: pl.DataFrame, variants: pl.DataFrame) -> pl.DataFrame:
    """In-scope journeys, sorted by journey_id, with their variant's outcome.

    ``journeys``: marts.journeys columns, or prepare_journeys() of them (cheaper for several
    maps). Columns: journey_id, customer_key, variant_id, status (for the map: see the module
    docstring), value, segment, period, started_at, finished, outcome, and compact keys for
    joins: jx (the row number), vx (the variant's), cx (the customer's).
    """
    frame = journeys if "cx" in journeys.columns else prepare_journeys(journeys)
    return (
        frame.join(
            variants.select("variant_id", "vx", "outcome", "reached_exit"),
            on="variant_id",
            how="inner",
            maintain_order="left",
        )
        .with_columns(
            value=pl.col("value").cast(pl.Float64).fill_null(0.0),
            status=pl.when(pl.col("reached_exit"))
            .then(pl.lit("completed"))
            .otherwise(pl.col("status")),
        )
        .with_columns(finished=pl.col("status") != "in_flight")
        .select(
            "journey_id",
            "customer_key",
            "variant_id",
            "status",
            "value",
            "segment",
            "period",
            "started_at",
            "vx",
            "outcome",
            "finished",
            "cx",
            *[c for c in ("raw_weight",) if c in frame.columns],
        )
        .with_row_index("jx")
    )
