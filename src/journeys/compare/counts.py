"""Counting a map's gap members for impact.py: per gap (and group), its journeys, customers,
finished journeys and outcomes with the gap and at its baseline, weight sums and examples.

The members (one row per gap and journey: 20M at 100M events) are counted per packed (group,
gap, kind of journey) integer, a slice of the journeys at a time (slices.py), never as a wide
row per member; customers a slice of the customers at a time. The counts are integers, so the
slices change none of them.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from journeys.compare.slices import journey_slices
from journeys.compare.value import weight_columns

__all__ = ["gap_counts"]


def _fixed_sum(values: pl.Expr, exact: bool) -> pl.Expr:
    """The sum of a group's ``values``. The members' rows come in the order of parallel joins,
    and a float sum depends on its order in the last bit: unless every value is the same
    (``exact``), they are added in sorted order, so a micro-batch and a full rebuild agree."""
    return values.sum() if exact else values.sort().sum()


def gap_counts(
    members: pl.DataFrame,
    journeys: pl.DataFrame,
    *,
    variants: pl.DataFrame,
    gap_sets: pl.DataFrame,
    reach: pl.DataFrame,
    by: Sequence[str],
    who: bool,
) -> pl.DataFrame:
    """Per (by, gap_id, bx), sorted by (by, gap_id): journeys, customers, finished journeys with
    the gap (n_with) and their outcomes (k_with), the same at the baseline (n_with_base,
    k_with_base), every finished journey at the baseline (n_base, k_base), weight sums and five
    examples (customers and examples only with ``who``)."""
    finished = journeys.select(*by, "vx", "finished", "outcome").filter(pl.col("finished"))
    per_variant = finished.group_by(*by, "vx").agg(
        pl.len().alias("n"), pl.col("outcome").sum().alias("k")
    )
    reached = (
        reach.join(per_variant, on="vx")
        .group_by(*by, "bx")
        .agg(pl.col("n").sum().alias("n_base"), pl.col("k").sum().alias("k_base"))
    )
    # jx is the journeys' row number (scope_journeys()): a gather, and one integer key per
    # (baseline, variant), rather than joins of the millions of members
    radix = int(variants["vx"].max() or 0) + 1  # type: ignore[arg-type]
    at_base = pl.col("bx").cast(pl.Int64) * radix + pl.col("vx")
    reached_keys = reach.select(at_base.alias("key"))["key"]
    gap = [*by, "gap_id"]
    counted = (
        _cells(members, journeys, by=by)
        .join(gap_sets, on="gap_id")
        .with_columns(at_base=at_base.is_in(reached_keys.implode()))
        .with_columns(
            fin=pl.col("finished"),
            won=pl.col("finished") & pl.col("outcome"),
            fin_base=pl.col("finished") & pl.col("at_base"),
            won_base=pl.col("finished") & pl.col("outcome") & pl.col("at_base"),
        )
        .group_by(*gap, "bx")  # one bx per gap
        .agg(
            pl.col("n").sum().alias("journeys"),
            *(pl.col("n").filter(c).sum().alias(a) for c, a in _COUNTED),
        )
        .with_columns(pl.exclude(*gap, "bx").cast(pl.get_index_type()))
    )
    if who:
        counted = counted.join(_who(members, journeys, by=by), on=gap)
    if _all_ones(journeys):  # each weight 1: its sum is the count, as adding ones gives it
        weighed = counted.with_columns(
            w_with=pl.col("n_with").cast(pl.Float64), rw_with=pl.col("n_with").cast(pl.Float64)
        )
    else:
        weighed = counted.join(_weight_sums(members, journeys, by=by), on=gap)
    return weighed.join(reached, on=[*by, "bx"], how="left").sort(gap)


FLAGS = ("finished", "outcome")
_COUNTED = (
    ("fin", "n_with"),
    ("won", "k_with"),
    ("fin_base", "n_with_base"),
    ("won_base", "k_with_base"),
)


def _cells(members: pl.DataFrame, journeys: pl.DataFrame, *, by: Sequence[str]) -> pl.DataFrame:
    """by, gap_id, vx, finished, outcome, n: the members counted per group, gap and kind of
    journey (variant, finished, outcome): everything the counts of a gap depend on, in a few
    rows per gap and variant instead of a wide row per member. Group, gap and kind are packed
    into one integer key, which groups far cheaper than several columns."""
    finished, outcome = (pl.col(c).fill_null(False).cast(pl.UInt64) for c in FLAGS)
    kind = journeys.select(pl.col("vx").cast(pl.UInt64) * 4 + finished * 2 + outcome)["vx"]
    span = int(kind.max() or 0) + 1  # type: ignore[arg-type]
    gaps = int(members["gap_id"].max() or 0) + 1  # type: ignore[arg-type]
    group, groups = _group_codes(journeys, by)

    def counted(part: pl.DataFrame) -> pl.DataFrame:
        jx, gap = part["jx"], part["gap_id"].cast(pl.UInt64)
        key = (group.gather(jx) * gaps + gap) * span + kind.gather(jx)
        return key.alias("_key").value_counts(name="n")

    found = pl.concat([counted(part) for part in journey_slices(members)])
    if found["_key"].is_duplicated().any():  # a key in several slices: its counts added
        found = found.group_by("_key").agg(pl.col("n").sum())
    kinds = pl.col("_key") % span
    return (
        found.select(
            (pl.col("_key") // span // gaps).alias("_group"),
            (pl.col("_key") // span % gaps).cast(members.schema["gap_id"]).alias("gap_id"),
            (kinds // 4).cast(journeys.schema["vx"]).alias("vx"),
            ((kinds // 2) % 2 == 1).alias("finished"),
            (kinds % 2 == 1).alias("outcome"),
            pl.col("n").cast(pl.get_index_type()),
        )
        .join(groups, on="_group")
        .select(*by, "gap_id", "vx", "finished", "outcome", "n")
    )


def _group_codes(journeys: pl.DataFrame, by: Sequence[str]) -> tuple[pl.Series, pl.DataFrame]:
    """A code of each journey's group of the ``by`` columns (UInt64; all 0 without them), and
    the groups by code (_group and the by columns)."""
    if not by:
        return pl.zeros(journeys.height, pl.UInt64, eager=True), pl.DataFrame(
            {"_group": [0]}, schema={"_group": pl.UInt64}
        )
    code = pl.lit(0, pl.UInt64)
    for column in by:  # each column's dense rank (0: NULL), as digits of one number
        rank = pl.col(column).rank("dense").fill_null(0).cast(pl.UInt64)
        code = code * (rank.max() + 1) + rank
    coded = journeys.select(*by, code.alias("_group"))
    return coded["_group"], coded.unique("_group")


def _who(members: pl.DataFrame, journeys: pl.DataFrame, *, by: Sequence[str]) -> pl.DataFrame:
    """by, gap_id, customers (distinct), examples (the five lowest jx, sorted) of each gap.
    Taken a slice of customers at a time (each customer in one slice: the distinct counts add
    up), the examples the lowest five of the slices' lowest five."""
    cx = journeys["cx"]
    gap = [*by, "gap_id"]
    parts = [
        part.group_by(gap).agg(
            pl.col("cx").n_unique().alias("customers"),
            pl.col("jx").bottom_k(5).alias("examples"),
        )
        for part in journey_slices(
            pl.DataFrame([*members.select(*gap, "jx"), cx.gather(members["jx"])]), column="cx"
        )
    ]
    return (
        pl.concat(parts)
        .group_by(gap)
        .agg(
            pl.col("customers").sum().cast(pl.get_index_type()),
            pl.col("examples")
            .list.explode(keep_nulls=False, empty_as_null=False)
            .bottom_k(5)
            .sort(),
        )
    )


def _all_ones(journeys: pl.DataFrame) -> bool:
    """Whether every journey weighs 1 in both weights (value.weight_columns): no customer
    value configured, or the unweighted history."""
    weights = [c for c in ("weight", "rank_weight") if c in journeys.columns]
    return all((journeys[c] == 1.0).all() for c in weights)


def _weight_sums(
    members: pl.DataFrame, journeys: pl.DataFrame, *, by: Sequence[str]
) -> pl.DataFrame:
    """by, gap_id, w_with, rw_with: the sums of the weights (value.weight_columns) of each gap's
    finished journeys, added in sorted order unless they are all one weight (_fixed_sum)."""
    gap = [*by, "gap_id"]
    weighed = members.select(*gap).hstack(
        journeys.select("finished", *weight_columns(journeys))[members["jx"]]
    )
    exact = all(weighed[c].n_unique() <= 1 for c in ("w", "rw"))  # sums of one weight
    return weighed.group_by(gap).agg(
        _fixed_sum(pl.col("w") * pl.col("finished"), exact).alias("w_with"),
        _fixed_sum(pl.col("rw") * pl.col("finished"), exact).alias("rw_with"),
    )
