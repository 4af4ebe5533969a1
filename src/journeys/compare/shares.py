"""``share_drift``: a step or transition taken by a share of journeys its map did not expect.

A map step may declare ``expected_share: 0.7`` (the share of the map's journeys expected to
reach it), and a ``next:`` item a transition's (``- {step: Order cancelled, expected_share:
0.05}``: the share expected to go from the step straight to that one). The share is observed
over the **finished** journeys in the map's scope (an in-flight journey may still get there): a
journey takes a step when its step sequence holds it, a transition when the two steps follow
each other in it. When the 95% Wilson interval of the observed share excludes the expected one,
the declaration is a ``share_drift`` gap (docs/maps.md). Its journeys are the finished ones on
the side that is over-represented: those that took it when more did than expected, else those
that did not; they are compared with the other finished journeys in scope (baseline: every
journey), and the gap is measured and ranked like any other.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from journeys.compare.deviations import GapType
from journeys.compare.gapkey import KEY
from journeys.compare.impact import wilson_interval
from journeys.compare.maps import JourneyMap

INFO_SCHEMA = {
    **dict.fromkeys(KEY, pl.String),
    "expected_share": pl.Float64,
    "observed_share": pl.Float64,
    "share_detail": pl.String,
}


def share_members(
    journey_map: JourneyMap,
    variants: pl.DataFrame,
    journeys: pl.DataFrame,
    *,
    by: Sequence[str] = (),
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The ``share_drift`` gaps of one map: members (jx and the ``KEY`` columns, one row per gap
    and journey) and one row per gap with its expected and observed share and the words for
    ``detail``. ``variants``: scope_variants(); ``journeys``: jx, vx, finished. With ``by``
    (columns of ``journeys``), the shares are observed in each group of journeys on its own
    (compare/history.py), and the rows per gap have the ``by`` columns too."""
    declared = journey_map.expected_shares().with_row_index("dx")
    finished = journeys.filter(pl.col("finished")).select("jx", "vx", *by)
    groups = {c: journeys.schema[c] for c in by}
    empty = pl.DataFrame(schema={"jx": pl.UInt32, **dict.fromkeys(KEY, pl.String)})
    no_info = pl.DataFrame(schema={**groups, **INFO_SCHEMA})
    if declared.is_empty() or finished.is_empty():
        return empty, no_info
    took = _taken(declared, variants)
    per_journey = finished.join(took, on="vx", how="left").with_columns(
        pl.col("dx").is_not_null().alias("_took")
    )
    counts = per_journey.filter("_took").group_by(*by, "dx").agg(pl.len().alias("k"))
    sizes = finished.group_by(by).agg(pl.len()) if by else finished.select(pl.len())
    drifting = _drifting(declared, counts, sizes, groups)
    if drifting.is_empty():
        return empty, no_info
    # every finished journey against every drifting declaration (of its group): on its
    # over-represented side?
    sides = (
        finished.join(drifting.select(*by, "dx", "over", *KEY), on=list(by))
        if by
        else finished.join(drifting.select("dx", "over", *KEY), how="cross")
    ).join(took.with_columns(_took=pl.lit(True)), on=["vx", "dx"], how="left")
    members = sides.filter(pl.col("_took").fill_null(False) == pl.col("over")).select("jx", *KEY)
    return members, drifting.select(*by, *INFO_SCHEMA)


def _drifting(
    declared: pl.DataFrame,
    counts: pl.DataFrame,
    sizes: pl.DataFrame,
    groups: dict[str, pl.DataType],
) -> pl.DataFrame:
    """The declarations (dx) whose expected share is outside the 95% interval of the share
    observed (per group: ``groups``, the by columns), with its words and which side is over.
    ``counts``: (by, dx, k) the finished journeys that took each; ``sizes``: (by, n) all."""
    k_of = {tuple(row[:-1]): row[-1] for row in counts.iter_rows()}
    rows = []
    for *group, n in sizes.iter_rows():
        for dx, before, after, expected in declared.iter_rows():
            k = k_of.get((*group, dx), 0)
            low, high = wilson_interval(k, n)
            if low <= expected <= high:
                continue
            detail = (
                f"{k / n:.0%} of finished journeys ({low:.0%}–{high:.0%}), expected {expected:.0%}"
            )
            rows.append((*group, dx, before, after, expected, k / n, detail, k / n > expected))
    return pl.DataFrame(
        rows,
        schema={
            **groups,
            "dx": pl.UInt32,
            "from_step": pl.String,
            "to_step": pl.String,
            "expected_share": pl.Float64,
            "observed_share": pl.Float64,
            "share_detail": pl.String,
            "over": pl.Boolean,
        },
        orient="row",
    ).with_columns(
        gap_type=pl.lit(GapType.SHARE_DRIFT.value),
        touchpoint=pl.lit(None, pl.String),
        detail=pl.lit(None, pl.String),
    )


def _taken(declared: pl.DataFrame, variants: pl.DataFrame) -> pl.DataFrame:
    """vx, dx: the in-scope variants whose step sequence takes declaration dx (a step: holds
    it; a transition: has the two steps one right after the other)."""
    seq = variants.select("vx", step=pl.col("seq"), next_step=pl.col("seq").list.shift(-1)).explode(
        "step", "next_step"
    )
    steps = (
        seq.select("vx", "step")
        .unique()
        .join(
            declared.filter(pl.col("from_step").is_null()).select("dx", step="to_step"), on="step"
        )
    )
    pairs = (
        seq.drop_nulls("next_step")
        .unique()
        .join(
            declared.filter(pl.col("from_step").is_not_null()).select(
                "dx", step="from_step", next_step="to_step"
            ),
            on=["step", "next_step"],
        )
    )
    return pl.concat([steps.select("vx", "dx"), pairs.select("vx", "dx")]).unique()
