"""Who a gap affects: the segments of its journeys' customers, and what those customers are worth.

- **Segments**: every gap lists the CRM segments of its journeys (``segments``: segment,
  journeys, share of the gap's journeys; NULL segment = a customer linked to no CRM customer).
- **Customer value** (``customer_value`` in the configuration): a customer's weight is its
  segment's weight (``segments: {vip: 3}``, others ``default``), or the value in a CRM column
  (``column: lifetime_value``; a customer without one weighs as much as the average customer).
  Weights are relative: they are divided by their mean over the map's finished journeys, so the
  average journey weighs 1 and a value at risk stays in money.
- ``customer_weight`` of a gap: the mean weight of its finished journeys (above 1: the gap hits
  more valuable customers than the map's average).
- With ``ranking: value_weighted``, the outcomes a gap loses are weighted by its journeys'
  weights: ``value_at_risk`` = max(0, (rate_without - rate_with) x the sum of the weights of its
  finished journeys) x the goal value, and ``impact`` (the ranking) likewise; without it every
  journey weighs 1 there (``impact.py``).
"""

from __future__ import annotations

import polars as pl

from journeys.compare.slices import journey_slices
from journeys.config import Settings
from journeys.warehouse import Warehouse

SCHEMA = pl.Schema({"journey_id": pl.String, "segment": pl.String, "raw_weight": pl.Float64})
SEGMENTS = pl.List(pl.Struct({"segment": pl.String, "journeys": pl.Int64, "share": pl.Float64}))


def journey_values(wh: Warehouse, settings: Settings) -> pl.DataFrame:
    """journey_id, segment, raw_weight (NULL: an average customer; all NULL without
    ``customer_value``), one row per journey of marts.journeys, sorted by journey_id."""
    columns = ["journey_id", "customer_key", "segment"]
    journeys = wh.read_table("marts.journeys", columns=columns, order_by=["journey_id"])
    return journeys.select(
        pl.col("journey_id").cast(pl.String),
        pl.col("segment").cast(pl.String),
        raw_weights(wh, settings, journeys),
    )


def raw_weights(wh: Warehouse, settings: Settings, journeys: pl.DataFrame) -> pl.Series:
    """raw_weight of each row of ``journeys`` (customer_key, segment: a NULL segment when it
    has none): its customer's value (``customer_value``), NULL for an average customer, all
    NULL without ``customer_value``."""
    value = settings.customer_value
    if value.column is not None:
        crm = wh.query("queries/customer_values", column=value.column)
        keys = journeys.select("customer_key")
        raw = keys.join(crm, on="customer_key", how="left", maintain_order="left")["value"]
    elif value.segments and "segment" in journeys.columns:
        raw = journeys["segment"].replace_strict(
            value.segments, default=value.default, return_dtype=pl.Float64
        )
    elif value.segments:  # no segments: every journey weighs the default
        raw = pl.Series(values=[value.default] * journeys.height, dtype=pl.Float64)
    else:
        raw = pl.Series(values=[None] * journeys.height, dtype=pl.Float64)
    return raw.cast(pl.Float64).alias("raw_weight")


def attach_values(
    scoped: pl.DataFrame, values: pl.DataFrame | None, *, value_weighted: bool
) -> pl.DataFrame:
    """``scoped`` (scope_journeys()) with ``segment``, ``weight`` (mean 1 over its finished
    journeys) and, when ``value_weighted``, ``rank_weight`` (the weight the impact uses).
    ``values``: journey_values(); None: the ``raw_weight`` column of ``scoped`` (raw_weights()
    of the journeys, as compare_maps reads them), else no customer value."""
    if values is None and "raw_weight" in scoped.columns:  # read with the journeys
        frame = scoped
    else:
        if values is None:
            values = pl.DataFrame(schema=SCHEMA)
        columns = ["journey_id", "raw_weight"]
        if "segment" not in scoped.columns:
            columns.append("segment")
        frame = scoped.drop("raw_weight", strict=False).join(
            values.select(columns), on="journey_id", how="left", maintain_order="left"
        )
    finished = pl.col("finished")
    known = pl.col("raw_weight").filter(finished & (pl.col("raw_weight") >= 0))
    filled = pl.col("raw_weight").fill_null(known.mean())
    mean = filled.filter(finished).mean()
    weight = pl.when(mean > 0).then(filled / mean).otherwise(1.0).fill_null(1.0)
    frame = frame.with_columns(weight=weight).drop("raw_weight")
    if value_weighted:
        frame = frame.with_columns(rank_weight=pl.col("weight"))
    return frame


def weight_columns(journeys: pl.DataFrame) -> list[pl.Expr]:
    """``w`` (the journey's weight) and ``rw`` (its weight in the impact: 1 unless
    value-weighted), for impact.py to add up per gap."""
    has = journeys.columns
    return [
        (pl.col("weight") if "weight" in has else pl.lit(1.0)).alias("w"),
        (pl.col("rank_weight") if "rank_weight" in has else pl.lit(1.0)).alias("rw"),
    ]


def affected_segments(members: pl.DataFrame, journeys: pl.DataFrame) -> pl.DataFrame:
    """gap_id, segments: per gap, its journeys per customer segment (most first), with their
    share of the gap's journeys. ``members``: (gap_id, jx); ``journeys``: with ``segment``.
    Counted on a code of the segment (its rank among the few segments), not on the names."""
    if "segment" not in journeys.columns:
        return pl.DataFrame(schema={"gap_id": pl.UInt32, "segments": SEGMENTS})
    names = journeys["segment"].cast(pl.String)
    code = names.rank("dense").fill_null(0).cast(pl.UInt32)  # 0: NULL
    segment_of = pl.DataFrame({"_code": code, "segment": names}).unique("_code").sort("_code")
    per_slice = [  # a slice of the journeys at a time (slices.py): counts add up
        part.select("gap_id", code.gather(part["jx"]).alias("_code"))
        .group_by("gap_id", "_code")
        .agg(pl.len().cast(pl.Int64).alias("journeys"))
        for part in journey_slices(members)
    ]
    counts = (
        pl.concat(per_slice)
        .group_by("gap_id", "_code")
        .agg(pl.col("journeys").sum())
        .join(segment_of, on="_code")
        .drop("_code")
        .with_columns(share=pl.col("journeys") / pl.col("journeys").sum().over("gap_id"))
        .sort(["gap_id", "journeys", "segment"], descending=[False, True, False], nulls_last=True)
    )
    return counts.group_by("gap_id", maintain_order=True).agg(
        segments=pl.struct("segment", "journeys", "share")
    )
