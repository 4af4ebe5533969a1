"""The mining measures over polars frames, for selections that analysts filter or relabel.

Same definitions (and the same columns) as the SQL marts ``marts.touchpoints``,
``marts.transitions`` and ``marts.variants``; ``tests/test_mining.py`` keeps them identical.
An events frame needs ``journey_id``, ``customer_key``, ``step_index``, ``touchpoint`` and
``occurred_at``; a journeys frame needs ``journey_id``, ``path`` and ``duration_seconds``
(``journeys_from_events`` derives one from events).
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from journeys.errors import BuildError
from journeys.paths.ids import PATH_SEPARATOR, variant_id_of

EVENT_COLUMNS = ("journey_id", "customer_key", "step_index", "touchpoint", "occurred_at")


def require_columns(frame: pl.DataFrame, columns: Iterable[str], *, what: str) -> None:
    """Raise a ``BuildError`` naming the first missing column and the fix."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise BuildError(
            f"{what}: column '{missing[0]}' is missing; read it from the marts "
            f"(columns needed: {', '.join(columns)})"
        )


def ordered_steps(events: pl.DataFrame) -> pl.DataFrame:
    """Events in journey order with ``next_touchpoint`` and ``seconds_to_next`` (re)computed, so
    a filtered or relabelled frame gives the same pairs the SQL would."""
    require_columns(events, EVENT_COLUMNS, what="events")
    same = pl.col("journey_id").shift(-1) == pl.col("journey_id")
    return (
        events.sort("journey_id", "step_index")
        .with_columns(
            next_touchpoint=pl.when(same).then(pl.col("touchpoint").shift(-1)),
            seconds_to_next=pl.when(same).then(
                (pl.col("occurred_at").shift(-1) - pl.col("occurred_at")).dt.total_microseconds()
                / 1e6
            ),
        )
        .with_columns(step_index=pl.int_range(1, pl.len() + 1).over("journey_id"))
    )


def journeys_from_events(events: pl.DataFrame) -> pl.DataFrame:
    """One row per journey: customer_key, started_at, ended_at, n_steps, path, variant_id,
    duration_seconds, first/last touchpoint (plus status/segment when the events carry them)."""
    steps = ordered_steps(events)
    extra = [pl.col(c).first() for c in ("status", "segment") if c in steps.columns]
    out = steps.group_by("journey_id", maintain_order=True).agg(
        pl.col("customer_key").first(),
        pl.col("occurred_at").min().alias("started_at"),
        pl.col("occurred_at").max().alias("ended_at"),
        pl.len().cast(pl.Int64).alias("n_steps"),
        pl.col("touchpoint").alias("path"),
        *extra,
    )
    return add_variant_ids(out).with_columns(
        duration_seconds=(pl.col("ended_at") - pl.col("started_at")).dt.total_microseconds() / 1e6,
        first_touchpoint=pl.col("path").list.first(),
        last_touchpoint=pl.col("path").list.last(),
    )


def add_variant_ids(journeys: pl.DataFrame) -> pl.DataFrame:
    """``journeys`` with a ``variant_id`` column for its ``path`` (as ``variant_id_of``; hashed
    once per distinct path, not once per journey)."""
    keyed = journeys.with_columns(_path_key=pl.col("path").list.join(PATH_SEPARATOR))
    distinct = keyed.select(pl.col("_path_key").unique())
    ids = distinct.with_columns(
        variant_id=pl.Series(
            [variant_id_of(key.split(PATH_SEPARATOR)) for key in distinct["_path_key"]],
            dtype=pl.String,
        )
    )
    return (
        keyed.drop("variant_id", strict=False)
        .join(ids, on="_path_key", how="left", maintain_order="left")
        .drop("_path_key")
    )


def touchpoint_stats(events: pl.DataFrame) -> pl.DataFrame:
    """``marts.touchpoints`` over a frame: events, journeys, customers, starts, ends."""
    steps = ordered_steps(events)
    per_journey = steps.group_by("touchpoint", "journey_id").agg(
        pl.col("customer_key").first(),
        pl.len().alias("events"),
        (pl.col("step_index") == 1).any().alias("is_start"),
        pl.col("next_touchpoint").is_null().any().alias("is_end"),
    )
    return (
        per_journey.group_by("touchpoint")
        .agg(
            pl.col("events").sum().cast(pl.Int64),
            pl.len().cast(pl.Int64).alias("journeys"),
            pl.col("customer_key").n_unique().cast(pl.Int64).alias("customers"),
            pl.col("is_start").sum().cast(pl.Int64).alias("starts"),
            pl.col("is_end").sum().cast(pl.Int64).alias("ends"),
        )
        .sort(["events", "touchpoint"], descending=[True, False])
    )


def transition_stats(events: pl.DataFrame) -> pl.DataFrame:
    """``marts.transitions`` over a frame: consecutive pairs of one journey, with counts and
    interpolated median / p90 seconds."""
    pairs = (
        ordered_steps(events)
        .filter(pl.col("next_touchpoint").is_not_null())
        .rename({"touchpoint": "from_touchpoint", "next_touchpoint": "to_touchpoint"})
    )
    return (
        pairs.group_by("from_touchpoint", "to_touchpoint")
        .agg(
            pl.len().cast(pl.Int64).alias("transitions"),
            pl.col("journey_id").n_unique().cast(pl.Int64).alias("journeys"),
            pl.col("customer_key").n_unique().cast(pl.Int64).alias("customers"),
            pl.col("seconds_to_next").quantile(0.5, "linear").alias("median_seconds"),
            pl.col("seconds_to_next").quantile(0.9, "linear").alias("p90_seconds"),
        )
        .sort(["transitions", "from_touchpoint", "to_touchpoint"], descending=[True, False, False])
    )


def variant_stats(journeys: pl.DataFrame) -> pl.DataFrame:
    """``marts.variants`` over a journeys frame; rank ties broken by length, then path."""
    require_columns(journeys, ("path", "duration_seconds"), what="journeys")
    if "variant_id" not in journeys.columns:
        journeys = add_variant_ids(journeys)
    variants = journeys.group_by("variant_id").agg(
        pl.col("path").first(),
        pl.col("path").first().list.len().cast(pl.Int64).alias("length"),
        pl.len().cast(pl.Int64).alias("journeys"),
        pl.col("duration_seconds").quantile(0.5, "linear").alias("median_duration_seconds"),
    )
    total = variants["journeys"].sum()
    ranked = variants.sort(
        ["journeys", "length", "path", "variant_id"], descending=[True, False, False, False]
    ).with_columns(rank=pl.int_range(1, pl.len() + 1, dtype=pl.Int64))
    return ranked.select(
        "variant_id",
        "path",
        "length",
        "journeys",
        share=pl.col("journeys") / total,
        cumulative_share=pl.col("journeys").cum_sum() / total,
        rank="rank",
        median_duration_seconds="median_duration_seconds",
    )
