"""The alignments' moves as gaps (gaps.py): skipped and unexpected steps per aligned variant, and
where an unexpected step's journeys went next.

Both work per aligned (variant, complete) and count journeys per variant, never a row per
journey: the moves of a million alignments are handled as categories and row numbers, the
names and variant ids put back on the few distinct rows left.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from journeys.compare.deviations import GapType
from journeys.compare.gapkey import keyed

__all__ = ["NEXT_SHOWN", "move_members", "next_steps"]

NEXT_SHOWN = 3
"""Where an unexpected step's journeys went next: the most frequent steps named in detail."""


def move_members(aligned: pl.DataFrame) -> pl.DataFrame:
    """skipped_step and unexpected_step, per aligned (variant_id, complete), with a flag for
    model moves after the last touchpoint (``trailing``) and, for unexpected steps, the map
    step that came next (``after``, NULL at the end) and the touchpoint just before, on the map
    or off it (``prior``); neither is part of the gap's key. The moves (a million at 10M
    events) are worked on as categories and an alignment's row number, the names and variant
    ids put back on the few distinct rows left."""
    moves = (
        aligned.select("moves")
        .with_row_index("_row")
        .explode("moves")
        .drop_nulls("moves")
        .unnest("moves")
        .with_columns(pl.col("kind", "touchpoint", "step").cast(pl.Categorical))
        .with_columns(
            anchor=pl.when(pl.col("kind") == "sync").then(pl.col("step")),
            observed=(pl.col("kind") != "model").cast(pl.Int32),
            seen=pl.when(pl.col("kind") != "model").then(pl.col("touchpoint")),
        )
        .with_columns(
            before=pl.col("anchor").forward_fill().over("_row"),
            prior=pl.col("seen").forward_fill().shift(1).over("_row"),
            after=pl.col("anchor").backward_fill().over("_row"),
            # a model move after the journey's last touchpoint
            trailing=pl.col("observed").cum_sum(reverse=True).over("_row") == 0,
        )
    )
    kept = ["_row", "trailing", "position", "after", "prior"]
    skipped = (
        moves.filter(pl.col("kind") == "model")
        .select(*kept[:3], pl.lit(None, pl.Categorical).alias("after"), "prior", "step")
        .unique()
    )
    unexpected = (
        moves.filter(pl.col("kind") == "log").select(*kept, "before", "touchpoint").unique()
    )
    rows = aligned.select("variant_id", "complete")

    def named(part: pl.DataFrame) -> pl.DataFrame:
        names = part.drop("_row", "trailing", "position").cast(pl.String)
        return pl.concat([rows[part["_row"]], part.select(kept[1:3]), names], how="horizontal")

    return pl.concat(
        [
            keyed(named(skipped), gap_type=GapType.SKIPPED_STEP, to_step=pl.col("step")),
            keyed(
                named(unexpected),
                gap_type=GapType.UNEXPECTED_STEP,
                from_step=pl.col("before"),
                touchpoint=pl.col("touchpoint"),
            ),
        ],
        how="vertical_relaxed",
    )


def next_steps(
    moved: pl.DataFrame, catalog: pl.DataFrame, keys: pl.DataFrame, *, by: Sequence[str]
) -> pl.DataFrame:
    """Per unexpected_step gap (and group of ``by``): ``next_step``, the map step most of its
    journeys did next (ties: a step before the end, then alphabetical), and ``next_detail``,
    where they went with the share of the gap's journeys (``'Payment captured' 61%, 'Order
    cancelled' 39%``). A journey with the gap more than once counts where it went after the
    first time. ``moved``: the moves per aligned (variant, complete); every journey of a
    variant has its moves, so each variant counts with its journeys (``keys``: jx, vx,
    finished), never a row per journey."""
    unexpected = catalog.filter(pl.col("gap_type") == GapType.UNEXPECTED_STEP).select("gap_id")
    journeys_of = _journeys_of(keys, by)
    gap = [*by, "gap_id"]
    first = [False] * len(gap)  # by group and gap, then the most journeys first
    logs = (
        moved.join(unexpected, on="gap_id")
        .select("gap_id", "vx", "complete", "position", "after", "prior")
        .sort("gap_id", "vx", "complete", "position")
        .group_by("gap_id", "vx", "complete", maintain_order=True)
        .agg(pl.col("after").first(), pl.col("prior").first())
        .join(journeys_of, left_on=["vx", "complete"], right_on=["vx", "finished"])
    )
    # the touchpoint just before, when most of the gap's journeys came from the same one off
    # the map (a call right after a failed payment): said in the description
    gap_journeys = logs.group_by(gap).agg(pl.col("w").sum().alias("of"))
    via = (
        logs.group_by(*gap, "prior")
        .agg(pl.col("w").sum().alias("n"))
        .join(gap_journeys, on=gap)
        .sort([*gap, "n", "prior"], descending=[*first, True, False], nulls_last=True)
        .group_by(gap, maintain_order=True)
        .first()
        .filter(pl.col("n") * 2 > pl.col("of"))
        .select(*gap, pl.col("prior").alias("_via"))
    )
    step = pl.lit("'") + pl.col("after") + pl.lit("'")
    percent = (100 * pl.col("n") / pl.col("of")).round(0).cast(pl.Int64)
    share = pl.when(percent < 1).then(pl.lit("<1")).otherwise(percent.cast(pl.String))
    return (
        logs.group_by(*gap, "after")
        .agg(pl.col("w").sum().alias("n"))
        .join(gap_journeys, on=gap)
        .sort([*gap, "n", "after"], descending=[*first, True, False], nulls_last=True)
        .with_columns(
            label=pl.coalesce(step, pl.lit("the end")) + pl.lit(" ") + share + pl.lit("%")
        )
        .group_by(gap, maintain_order=True)
        .agg(
            pl.col("after").first().alias("next_step"),
            pl.col("label").head(NEXT_SHOWN).str.join(", ").alias("next_detail"),
            (pl.len() > 1).alias("_mixed"),
        )
        .join(via, on=gap, how="left")
    )


def _journeys_of(keys: pl.DataFrame, by: Sequence[str]) -> pl.DataFrame:
    """by, vx, finished, w: the journeys of each (group,) variant and finished; without groups
    counted on one packed integer (vx and finished), far cheaper than two key columns."""
    if by:
        return keys.group_by(*by, "vx", "finished").agg(pl.len().alias("w"))
    packed = keys["vx"].cast(pl.UInt64) * 3 + keys["finished"].cast(pl.UInt64).fill_null(2)
    counts = packed.alias("_k").value_counts(name="w")
    flag = pl.col("_k") % 3
    return counts.select(
        (pl.col("_k") // 3).cast(keys.schema["vx"]).alias("vx"),
        pl.when(flag < 2).then(flag == 1).alias("finished"),
        "w",
    )
