"""The page's filter menu: all journeys, each large segment, each recent period.

Each view is drawn as its own Sankey trace; the page's dropdown shows one at a time. Like the
chart data, these take one row per journey or grouped rows with a ``journeys`` count.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from journeys.report.charts import WEIGHT, count_journeys


@dataclass(frozen=True)
class JourneyView:
    """One entry of the page's filter menu: ``kind`` is ``all``, ``segment`` or ``period``."""

    label: str
    kind: str
    value: str | None
    journeys: int


NO_SEGMENT = "(no segment)"


def _with_period(journeys: pl.DataFrame, *, max_periods: int) -> pl.DataFrame:
    """Adds ``period``: the start month, or quarter, or year, the finest that gives few periods."""
    if "started_at" not in journeys.columns:
        return journeys.with_columns(period=pl.lit(None, dtype=pl.String))
    started = pl.col("started_at")
    month = started.dt.strftime("%Y-%m")
    quarter = started.dt.year().cast(pl.String) + "-Q" + started.dt.quarter().cast(pl.String)
    for expr in (month, quarter, started.dt.year().cast(pl.String)):
        frame = journeys.with_columns(period=expr)
        if frame["period"].n_unique() <= max_periods:
            return frame
    return frame


def view_data(
    journeys: pl.DataFrame, *, max_segments: int = 12, max_periods: int = 12
) -> tuple[JourneyView, ...]:
    """The filter menu: all journeys, then the largest segments, then the latest periods."""
    views = [JourneyView("All journeys", "all", None, count_journeys(journeys))]
    counted = (
        pl.col(WEIGHT).sum().cast(pl.Int64) if WEIGHT in journeys.columns else pl.len()
    ).alias("journeys")
    if "segment" in journeys.columns:
        segments = (
            journeys.group_by(value=pl.col("segment").cast(pl.String).fill_null(NO_SEGMENT))
            .agg(counted)
            .sort(["journeys", "value"], descending=[True, False])
            .head(max_segments)
        )
        if segments.height > 1:
            views += [
                JourneyView(f"Segment: {v}", "segment", v, n) for v, n in segments.iter_rows()
            ]
    periods = (
        _with_period(journeys, max_periods=max_periods)
        .drop_nulls("period")
        .group_by(value="period")
        .agg(counted)
        .sort("value", descending=True)
        .head(max_periods)
        .sort("value")
    )
    if periods.height > 1:
        views += [JourneyView(f"Started {v}", "period", v, n) for v, n in periods.iter_rows()]
    return tuple(views)


def filter_journeys(
    journeys: pl.DataFrame, view: JourneyView, *, max_periods: int = 12
) -> pl.DataFrame:
    """The journeys one view shows."""
    if view.kind == "segment":
        segment = pl.col("segment").cast(pl.String).fill_null(NO_SEGMENT)
        return journeys.filter(segment == view.value)
    if view.kind == "period":
        framed = _with_period(journeys, max_periods=max_periods)
        return framed.filter(pl.col("period") == view.value).drop("period")
    return journeys
