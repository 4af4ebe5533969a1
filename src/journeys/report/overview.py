"""The index page: one row per map with its headline, the data's freshness, and data quality."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import polars as pl

from journeys.report.templates import Cell, card, num_cell, table, text_cell
from journeys.report.text import (
    format_count,
    format_pct,
    format_seconds,
    format_timestamp,
    html_text,
    prose_html,
)
from journeys.report.units import format_share

QUALITY_COLUMNS = (
    "rows_read",
    "rows_accepted",
    "rows_rejected",
    "duplicates",
    "late_events",
    "unstitched",
)
MAX_BATCH_ROWS = 40


@dataclass(frozen=True)
class MapHeadline:
    """The index page's row for one map."""

    name: str
    description: str
    slug: str
    journeys: int
    conforming_share: float | None
    outcome_rate: float | None
    fix_first: str | None
    """What happens in the costliest gap (the fix-first list's first row)."""
    cost: str | None
    """What it costs, formatted in the currency or in goals."""
    time_to_goal: float | None = None
    """The median seconds from a journey's first event to the goal, of those reaching it."""


def quality_data(
    data_quality: pl.DataFrame, columns: Sequence[str] = QUALITY_COLUMNS
) -> pl.DataFrame:
    """Totals per source: batches, files, the row counts (``columns``) and the reject rate."""
    return (
        data_quality.group_by("source")
        .agg(
            pl.col("batch_id").n_unique().alias("batches"),
            pl.col("file").n_unique().alias("files"),
            *[pl.col(c).sum().cast(pl.Int64) for c in columns],
        )
        .with_columns(
            reject_rate=pl.when(pl.col("rows_read") > 0).then(
                pl.col("rows_rejected") / pl.col("rows_read")
            )
        )
        .sort("source")
    )


def index_header() -> str:
    return (
        '<header class="page"><h1>Customer journeys</h1><p class="lead">How customers really '
        "move, beside the journeys we designed for them. Open a map to see what to fix first, "
        "how its journeys flow, and its funnel by stage.</p></header>"
    )


def index_cards(
    journeys: int,
    first: datetime | None,
    last: datetime | None,
    published: datetime | None,
    built_at: datetime,
) -> str:
    cards = [
        card("Journeys observed", format_count(journeys)),
        card("First event", format_timestamp(first), small=True),
        card("Last event", format_timestamp(last), small=True),
        card("Marts published", format_timestamp(published), small=True),
        card("Report built", format_timestamp(built_at), small=True),
    ]
    return f'<section class="cards">{"".join(cards)}</section>'


def map_list(maps: Sequence[MapHeadline]) -> str:
    head = '<section id="maps"><h2>Journey maps</h2>'
    if not maps:
        return head + (
            '<p class="note">No maps configured: list map files under <code>maps:</code> in the '
            "configuration, then run <code>journeys compare</code> and "
            "<code>journeys report</code>."
            "</p></section>"
        )
    rows = [
        [
            Cell(f'<a href="{h.slug}.html">{html_text(h.name)}</a>'),
            Cell(prose_html(h.description)),
            num_cell(format_count(h.journeys)),
            num_cell(format_share(h.conforming_share)),
            num_cell(format_share(h.outcome_rate)),
            num_cell(format_seconds(h.time_to_goal) if h.time_to_goal is not None else "–"),
            text_cell(h.fix_first or "–"),
            num_cell(h.cost or "–"),
        ]
        for h in maps
    ]
    headers = [
        ("Map", False),
        ("What it describes", False),
        ("Journeys", True),
        ("Follow the map", True),
        ("Reach the goal", True),
        ("Time to the goal", True),
        ("Fix first", False),
        ("Its cost", True),
    ]
    return (
        head
        + '<p class="explain">One row per assumptive journey map: how many journeys it covers, '
        "the share that follow it exactly and that reach its goal, how long reaching it takes "
        "(the median, from a journey's first event), and the gap that costs most.</p>"
        + table(headers, rows, id="map-table")
        + "</section>"
    )


def quality(data_quality: pl.DataFrame | None) -> str:
    head = '<section id="quality"><h2>Data quality</h2>'
    if data_quality is None:
        return head + '<p class="note">No load statistics (marts.data_quality) yet.</p></section>'
    # events touchpoint rules leave out (skip: true): a column where there are any
    skipping = "skipped" in data_quality.columns and bool(data_quality["skipped"].sum())
    columns = [*QUALITY_COLUMNS, *(["skipped"] if skipping else [])]
    totals = quality_data(data_quality, columns)
    rows = [
        [text_cell(r["source"]), num_cell(format_count(r["batches"]))]
        + [num_cell(format_count(r[c])) for c in columns]
        + [num_cell(format_pct(r["reject_rate"]))]
        for r in totals.iter_rows(named=True)
    ]
    names = ["Rows read", "Accepted", "Rejected", "Duplicates", "Late events", "Unstitched"]
    names += ["Left out"] if skipping else []
    headers = [("Source", False), ("Batches", True)] + [(n, True) for n in names]
    headers.append(("Rejected share", True))
    recent = data_quality.sort("batch_id", descending=True).head(MAX_BATCH_ROWS)
    batch_rows = [
        [text_cell(r["batch_id"]), text_cell(r["source"]), text_cell(r["file"])]
        + [num_cell(format_count(r[c])) for c in columns]
        for r in recent.iter_rows(named=True)
    ]
    batch_headers = [("Batch", False), ("Source", False), ("File", False)]
    batch_headers += [(n, True) for n in names]
    left_out = (
        "; left out: accepted events a touchpoint rule skips (skip: true), in no journey"
        if skipping
        else ""
    )
    return (
        head + '<p class="explain">Rows loaded per source: rejected rows are kept in raw.rejects '
        f"with the reason; unstitched events could not be tied to a known customer{left_out}.</p>"
        + table(headers, rows, id="quality-table")
        + (
            "<details><summary>The load batch</summary>"
            if recent.height == 1
            else f"<details><summary>The {recent.height} most recent load batches</summary>"
        )
        + table(batch_headers, batch_rows)
        + "</details></section>"
    )
