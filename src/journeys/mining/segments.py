"""Compare two groups of journeys (two segments, two periods) side by side.

For each touchpoint, transition and variant, the share of each group's journeys that contain it;
plus headline rates (completed, abandoned). A difference is flagged when it is large
(``min_difference`` in absolute share), supported by enough journeys (``min_journeys`` in the two
groups together) and unlikely to be chance: a two-proportion z-test, with the p-values adjusted
for the many comparisons (Benjamini-Hochberg), below ``alpha``.
"""

from __future__ import annotations

import math
from datetime import datetime

import numpy as np
import polars as pl

from journeys.errors import BuildError
from journeys.mining.filters import Selection, filter_selection
from journeys.mining.stats import ordered_steps, require_columns

COMPARISON_SCHEMA = {
    "kind": pl.String,
    "item": pl.String,
    "journeys_a": pl.Int64,
    "share_a": pl.Float64,
    "journeys_b": pl.Int64,
    "share_b": pl.Float64,
}


def group_profiles(journeys: pl.DataFrame, *, by: str = "segment") -> pl.DataFrame:
    """Headline measures per group: journeys, customers, completed / in-flight / abandoned
    shares, median steps and duration, total value."""
    require_columns(
        journeys, (by, "journey_id", "customer_key", "status", "n_steps"), what="journeys"
    )
    value = pl.col("value").sum() if "value" in journeys.columns else pl.lit(None, pl.Float64)
    duration = (
        pl.col("duration_seconds").median()
        if "duration_seconds" in journeys.columns
        else pl.lit(None, pl.Float64)
    )
    return (
        journeys.group_by(by)
        .agg(
            journeys=pl.len().cast(pl.Int64),
            customers=pl.col("customer_key").n_unique().cast(pl.Int64),
            completed_share=(pl.col("status") == "completed").mean(),
            in_flight_share=(pl.col("status") == "in_flight").mean(),
            abandoned_share=(pl.col("status") == "abandoned").mean(),
            median_steps=pl.col("n_steps").median(),
            median_duration_seconds=duration,
            value=value,
        )
        .sort(by, nulls_last=True)
    )


def _presence(selection: Selection) -> pl.DataFrame:
    """(kind, item, journeys containing it) for touchpoints, transitions, variants, statuses."""
    events = selection.events
    journeys = selection.journeys
    touchpoints = events.group_by("touchpoint").agg(n=pl.col("journey_id").n_unique())
    steps = ordered_steps(events).filter(pl.col("next_touchpoint").is_not_null())
    transitions = steps.group_by(
        item=pl.col("touchpoint") + " -> " + pl.col("next_touchpoint")
    ).agg(n=pl.col("journey_id").n_unique())
    variants = journeys.group_by(item=pl.col("path").list.join(" > ")).agg(n=pl.len())
    parts = [
        touchpoints.select(kind=pl.lit("touchpoint"), item="touchpoint", n="n"),
        transitions.select(kind=pl.lit("transition"), item="item", n="n"),
        variants.select(kind=pl.lit("variant"), item="item", n="n"),
    ]
    if "status" in journeys.columns:
        statuses = journeys.group_by(item=pl.col("status")).agg(n=pl.len())
        parts.append(statuses.select(kind=pl.lit("status"), item="item", n="n"))
    return pl.concat([p.cast({"n": pl.Int64}) for p in parts])


def _tested_shares(a: Selection, b: Selection) -> pl.DataFrame:
    """kind, item, journeys and share of each side, difference (b - a), and the two-proportion
    test of each item: z, p_value and q_value (Benjamini-Hochberg over all items)."""
    n_a, n_b = a.n_journeys, b.n_journeys
    side_a = _presence(a).rename({"n": "journeys_a"})
    side_b = _presence(b).rename({"n": "journeys_b"})
    both = (
        side_a.join(side_b, on=["kind", "item"], how="full", coalesce=True)
        .with_columns(pl.col("journeys_a", "journeys_b").fill_null(0))
        .with_columns(
            share_a=pl.col("journeys_a") / n_a,
            share_b=pl.col("journeys_b") / n_b,
        )
        .with_columns(difference=pl.col("share_b") - pl.col("share_a"))
    )
    z, p = two_proportion_test(
        both["journeys_a"].to_numpy(), n_a, both["journeys_b"].to_numpy(), n_b
    )
    both = both.with_columns(z=pl.Series(z), p_value=pl.Series(p))
    return both.with_columns(q_value=pl.Series(benjamini_hochberg(both["p_value"].to_numpy())))


def compare_selections(
    a: Selection,
    b: Selection,
    *,
    min_journeys: int = 20,
    min_difference: float = 0.05,
    alpha: float = 0.05,
) -> pl.DataFrame:
    """Side by side: for every item, the share of each group's journeys that contain it.

    Columns: kind (touchpoint, transition, variant, status), item, journeys_a, share_a,
    journeys_b, share_b, difference (b - a), z, p_value, q_value (BH-adjusted), flagged.
    Sorted flagged first, then by the absolute difference.
    """
    for name, selection in (("a", a), ("b", b)):
        require_columns(selection.journeys, ("journey_id", "path"), what=f"selection {name}")
        if selection.n_journeys == 0:
            raise BuildError(
                f"compare_selections: selection {name} has no journeys; widen its filter"
            )
    both = _tested_shares(a, b)
    supported = (pl.col("journeys_a") + pl.col("journeys_b")) >= min_journeys
    flagged = (
        supported & (pl.col("difference").abs() >= min_difference) & (pl.col("q_value") < alpha)
    )
    return (
        both.with_columns(flagged=flagged.fill_null(False))
        .select(
            "kind",
            "item",
            "journeys_a",
            "share_a",
            "journeys_b",
            "share_b",
            "difference",
            "z",
            "p_value",
            "q_value",
            "flagged",
        )  # fmt: skip
        .sort(
            ["flagged", pl.col("difference").abs(), "kind", "item"],
            descending=[True, True, False, False],
        )
    )


def compare_segments(
    selection: Selection,
    first: str,
    second: str,
    *,
    min_journeys: int = 20,
    min_difference: float = 0.05,
    alpha: float = 0.05,
) -> pl.DataFrame:
    """``compare_selections`` of two segments of one selection (a = ``first``)."""
    return compare_selections(
        filter_selection(selection, segments=[first]),
        filter_selection(selection, segments=[second]),
        min_journeys=min_journeys,
        min_difference=min_difference,
        alpha=alpha,
    )


def compare_periods(
    selection: Selection,
    first: tuple[datetime, datetime],
    second: tuple[datetime, datetime],
    *,
    min_journeys: int = 20,
    min_difference: float = 0.05,
    alpha: float = 0.05,
) -> pl.DataFrame:
    """``compare_selections`` of journeys started in two periods ``[since, until)``."""
    return compare_selections(
        filter_selection(selection, since=first[0], until=first[1]),
        filter_selection(selection, since=second[0], until=second[1]),
        min_journeys=min_journeys,
        min_difference=min_difference,
        alpha=alpha,
    )


def two_proportion_test(
    x_a: np.ndarray, n_a: int, x_b: np.ndarray, n_b: int
) -> tuple[np.ndarray, np.ndarray]:
    """Two-sided two-proportion z-test (pooled); returns (z, p). p is 1 when both shares are
    0 or 1 (no variance: nothing to test)."""
    x_a, x_b = np.asarray(x_a, dtype=float), np.asarray(x_b, dtype=float)
    pooled = (x_a + x_b) / (n_a + n_b)
    se = np.sqrt(pooled * (1.0 - pooled) * (1.0 / n_a + 1.0 / n_b))
    diff = x_b / n_b - x_a / n_a
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, diff / se, 0.0)
    p = np.vectorize(math.erfc, otypes=[float])(np.abs(z) / math.sqrt(2.0)) if len(z) else z
    return z, p


def benjamini_hochberg(p_values: np.ndarray) -> np.ndarray:
    """False-discovery-rate adjusted p-values (q-values), in the input order."""
    p = np.asarray(p_values, dtype=float)
    m = len(p)
    if m == 0:
        return p
    order = np.argsort(p, kind="stable")
    scaled = p[order] * m / np.arange(1, m + 1)
    adjusted = np.minimum.accumulate(scaled[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(adjusted, 1.0)
    return out
