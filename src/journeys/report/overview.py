"""Index-page data: one headline per map, and the data quality summary per source."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from journeys.report.charts import gap_table_data, require_columns

QUALITY_COLUMNS = (
    "rows_read",
    "rows_accepted",
    "rows_rejected",
    "duplicates",
    "late_events",
    "unstitched",
)


@dataclass(frozen=True)
class MapHeadline:
    """The index page's row for one map."""

    journeys: int
    conforming_share: float | None
    top_gap: str | None
    value_at_risk: float | None
    impact: float | None = None
    """The top gap's signed impact (marts.map_gaps ``impact``), NULL on older marts."""
    impact_unit: str | None = None


def headline_data(
    *, journeys: int, conformance: pl.DataFrame | None, gaps: pl.DataFrame | None
) -> MapHeadline:
    """Journeys in the map's scope, conforming share (from map_conformance) and the top gap."""
    share = None
    if conformance is not None and conformance.height:
        journeys = conformance.height
        share = float(conformance["is_conforming"].cast(pl.Float64).mean())
    top, risk, impact, unit = None, None, None, None
    ranked = gap_table_data(gaps).filter("ranked") if gaps is not None else None
    if ranked is not None and ranked.height:
        first = ranked.row(0, named=True)
        top = f"{first['gap']}: {first['what']}" if first["what"] else first["gap"]
        risk, impact, unit = first["value_at_risk"], first["net_impact"], first["impact_unit"]
    return MapHeadline(
        journeys=journeys,
        conforming_share=share,
        top_gap=top,
        value_at_risk=risk,
        impact=impact,
        impact_unit=unit,
    )


def quality_data(data_quality: pl.DataFrame) -> pl.DataFrame:
    """Totals per source: batches, files, the row counts and the reject rate."""
    require_columns(
        data_quality, ("batch_id", "source", "file", *QUALITY_COLUMNS), table="marts.data_quality"
    )
    return (
        data_quality.group_by("source")
        .agg(
            pl.col("batch_id").n_unique().alias("batches"),
            pl.col("file").n_unique().alias("files"),
            *[pl.col(c).sum().cast(pl.Int64) for c in QUALITY_COLUMNS],
        )
        .with_columns(
            reject_rate=pl.when(pl.col("rows_read") > 0).then(
                pl.col("rows_rejected") / pl.col("rows_read")
            )
        )
        .sort("source")
    )
