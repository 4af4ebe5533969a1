"""A small trend line per gap: the share of each period's journeys that had it.

``trend_data`` turns the rows of sql/queries/report/gap_trends.sql (marts.map_gap_history of the
map's current version, one row per gap and period, 0 where a period had none) into one row per
gap with its periods and shares in order; ``trend_svg`` draws one as an inline SVG line of a few
hundred bytes (no script), scaled to the gap's own largest share, with the newest period dotted.
The periods still **open** (some of their journeys in flight: their gaps may still come, and a
drop-off is only known a horizon later) are drawn dashed, so a fall at the end is not read as a
fix. The fix-first list shows it under each gap's journeys.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

import polars as pl

from journeys.report.text import html_text

if TYPE_CHECKING:
    from polars._typing import PolarsDataType

WIDTH, HEIGHT, PAD = 88, 22, 2
GRAIN_WORDS = {"week": "week of", "day": "day"}

TRENDS_SCHEMA: dict[str, PolarsDataType] = {
    "gap_id": pl.Int64,
    "periods": pl.List(pl.Date),
    "shares": pl.List(pl.Float64),
    "journeys": pl.List(pl.Int64),
    "open": pl.List(pl.Boolean),
}


def trend_data(rows: pl.DataFrame) -> pl.DataFrame:
    """gap_id, periods, shares, journeys, open: one row per gap with two periods or more, in
    period order. ``rows``: gap_id, period, share, journeys, open (gap_trends.sql)."""
    if rows.is_empty():
        return pl.DataFrame(schema=TRENDS_SCHEMA)
    return (
        rows.sort("gap_id", "period")
        .group_by("gap_id", maintain_order=True)
        .agg(
            pl.col("period").alias("periods"),
            pl.col("share").alias("shares"),
            pl.col("journeys").alias("journeys"),
            pl.col("open").alias("open"),
        )
        .filter(pl.col("periods").list.len() >= 2)
        .cast(pl.Schema(TRENDS_SCHEMA))
    )


def trend_svg(
    periods: Sequence[date],
    shares: Sequence[float],
    *,
    grain: str = "week",
    timezone: str = "UTC",
    open_periods: Sequence[bool] = (),
) -> str:
    """An inline SVG line of ``shares`` over ``periods`` (empty for fewer than two), with
    its first and last value in its title and label, and whose days or weeks the periods are
    (``timezone``: a week of Berlin's is not UTC's); the trailing ``open_periods`` dashed."""
    if len(shares) < 2:
        return ""
    still = 0
    for is_open in reversed(list(open_periods)):
        if not is_open:
            break
        still += 1
    top = max(max(shares), 0.01)
    step = (WIDTH - 2 * PAD) / (len(shares) - 1)
    points = [
        (PAD + i * step, HEIGHT - PAD - (HEIGHT - 2 * PAD) * share / top)
        for i, share in enumerate(shares)
    ]
    cut = len(points) - still  # points from cut - 1 on are drawn dashed
    words = GRAIN_WORDS.get(grain, grain)
    text = (
        f"Share of journeys with this gap per {grain} in {timezone}: {shares[0]:.1%} ({words} "
        f"{periods[0]}) to {shares[-1]:.1%} ({words} {periods[-1]}), {len(shares)} {grain}s"
    )
    if still:
        text += f"; the last {still} still open (journeys in flight)"
    label = html_text(text)
    last_x, last_y = points[-1]
    lines = [_polyline(points[: max(cut, 1)], "")] if cut > 0 else []
    if still:
        lines.append(_polyline(points[max(cut - 1, 0) :], ' class="open"'))
    return (
        f'<svg class="trend" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-label="{label}"><title>{label}</title>'
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}"/>'
        + "".join(lines)
        + f'<circle cx="{last_x:.1f}" cy="{last_y:.1f}" r="2.2"/></svg>'
    )


def _polyline(points: Sequence[tuple[float, float]], attributes: str) -> str:
    if len(points) < 2:
        return ""
    return f'<polyline{attributes} points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in points)}"/>'
