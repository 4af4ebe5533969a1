"""What the report reads: the marts, through the fixed queries of ``sql/queries/report/``.

The report never derives compare's scope itself. ``journeys compare`` writes
``marts.map_journeys`` (per map and journey in its scope: the path after the map's ``ignore:``,
the status for the map, segment, period, conformance and gap ids); every figure of a map page
is one of these queries on it, joined with ``marts.map_gaps``, ``map_steps`` or ``events`` where
it needs them (docs/reports.md lists which query draws what). DuckDB aggregates, so the pages'
memory follows the chart rows, not the journeys or events.

The marts must have the columns the queries read (:func:`require_marts`); a warehouse written
by an older version is named with the fix (rebuild it), never read around.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl

from journeys.compare.gaps import MAP_GAPS_SCHEMA
from journeys.errors import ReportError
from journeys.warehouse import Warehouse

JOURNEYS, EVENTS = "marts.journeys", "marts.events"
MAP_JOURNEYS, MAP_GAPS, MAP_STEPS = "marts.map_journeys", "marts.map_gaps", "marts.map_steps"
QUALITY = "marts.data_quality"
HISTORY = "marts.map_gap_history"
REQUIRED: Mapping[str, tuple[str, ...]] = {
    JOURNEYS: ("journey_id",),
    EVENTS: ("journey_id", "step_index", "touchpoint", "occurred_at", "channel", "team", "system"),
}
"""The marts every report reads, with the columns its queries use."""
COMPARED: Mapping[str, tuple[str, ...]] = {
    MAP_JOURNEYS: (
        "map_name",
        "map_version",
        "journey_id",
        "customer_key",
        "path",
        "status",
        "segment",
        "period",
        "is_conforming",
        "reached_outcome",
        "gap_ids",
    ),
    MAP_GAPS: tuple(MAP_GAPS_SCHEMA),
    MAP_STEPS: (
        "map_name",
        "step",
        "stage",
        "position",
        "journeys_reached",
        "conversion_from_previous",
        "median_seconds_from_previous",
        "sla_breaches",
    ),
}
"""The marts ``journeys compare`` writes, with the columns the map pages read."""
MEDIAN_JOURNEYS = 1_000_000
"""Edge medians use every journey of a map's scope up to this many, else a fixed sample."""
PER_MILLION = 1_000_000


def _check_columns(wh: Warehouse, table: str, needed: Sequence[str], fix: str) -> None:
    have = set(wh.columns(table))
    missing = [c for c in needed if c not in have]
    if missing:
        raise ReportError(
            f"{table}: column '{missing[0]}' is missing (written by an older version); {fix}"
        )


def require_marts(wh: Warehouse) -> None:
    """Raise a ReportError naming the fix when a mart every page reads, or a column of it, is
    missing (nothing built yet, or built by an older version)."""
    for table, needed in REQUIRED.items():
        if not wh.table_exists(table):
            where = wh.path or "the warehouse"
            raise ReportError(f"{where}: {table} not found; run `journeys build` first")
        _check_columns(wh, table, needed, "rebuild with `journeys build --full`")


def compared(wh: Warehouse) -> bool:
    """True when ``journeys compare`` has written its marts (each checked for the columns the
    map pages read); False when it has not run yet."""
    present = [t for t in COMPARED if wh.table_exists(t)]
    if not present:
        return False
    if len(present) < len(COMPARED):
        missing = next(t for t in COMPARED if t not in present)
        raise ReportError(
            f"{missing} not found beside {present[0]} (written by an older version); rebuild "
            "with `journeys build` and `journeys compare`"
        )
    for table, needed in COMPARED.items():
        _check_columns(
            wh, table, needed, "rebuild with `journeys build --full` and `journeys compare`"
        )
    return True


@dataclass(frozen=True)
class MapSummary:
    """The headline figures of one map (sql/queries/report/map_summary.sql)."""

    journeys: int
    customers: int
    conforming: int
    finished: int
    reached_outcome: int
    map_version: str | None

    @property
    def conforming_share(self) -> float | None:
        return self.conforming / self.journeys if self.journeys else None

    @property
    def outcome_rate(self) -> float | None:
        """Of the journeys finished for the map, the share that reached its outcome."""
        return self.reached_outcome / self.finished if self.finished else None


def map_summary(wh: Warehouse, map_name: str) -> MapSummary:
    row = wh.query("queries/report/map_summary", map_name=map_name).row(0, named=True)
    counts = {k: int(v or 0) for k, v in row.items() if k != "map_version"}
    return MapSummary(**counts, map_version=row["map_version"])


def process_nodes(wh: Warehouse, map_name: str) -> pl.DataFrame:
    return wh.query("queries/report/process_nodes", map_name=map_name)


def process_edges(wh: Warehouse, map_name: str, *, cap: int = MEDIAN_JOURNEYS) -> pl.DataFrame:
    """The process map's edges with their median seconds (NULL for starts and ends)."""
    edges = wh.query("queries/report/process_edges", map_name=map_name)
    journeys = int(edges.filter(pl.col("from_touchpoint").is_null())["journeys"].sum())
    seconds = wh.query(
        "queries/report/edge_seconds",
        map_name=map_name,
        modulus=PER_MILLION,
        kept=sample_rate(journeys, cap=cap),
    )
    return edges.join(
        seconds, on=["from_touchpoint", "to_touchpoint"], how="left", maintain_order="left"
    )


def sample_rate(journeys: int, *, cap: int = MEDIAN_JOURNEYS) -> int:
    """Journeys kept per million for the edge medians: all of them up to ``cap``."""
    if journeys <= cap:
        return PER_MILLION
    return max(1, -(-cap * PER_MILLION // journeys))


def sankey_links(
    wh: Warehouse,
    map_name: str,
    *,
    depth: int,
    coverage: float,
    segment: str | None = None,
    period: str | None = None,
) -> pl.DataFrame:
    return wh.query(
        "queries/report/sankey_links",
        map_name=map_name,
        depth=depth,
        coverage=coverage,
        segment=segment,
        period=period,
    )


def map_views(wh: Warehouse, map_name: str) -> pl.DataFrame:
    return wh.query("queries/report/map_views", map_name=map_name)


def map_gaps(wh: Warehouse, map_name: str) -> pl.DataFrame:
    return wh.query("queries/report/map_gaps", map_name=map_name)


def gap_trends(wh: Warehouse, map_name: str) -> pl.DataFrame:
    """gap_id, period, grain, timezone, share, journeys, open of the map's current version in
    marts.map_gap_history; no rows when compare has written no history (a hand-built mart)."""
    if not wh.table_exists(HISTORY):
        return pl.DataFrame(
            schema={"gap_id": pl.Int64, "period": pl.Date, "grain": pl.String,
                    "timezone": pl.String, "share": pl.Float64, "journeys": pl.Int64,
                    "open": pl.Boolean}
        )  # fmt: skip
    return wh.query("queries/report/gap_trends", map_name=map_name)


def gap_segments(wh: Warehouse, map_name: str) -> pl.DataFrame:
    return wh.query("queries/report/gap_segments", map_name=map_name)


def outcome_time(wh: Warehouse, map_name: str, outcomes: Sequence[str]) -> dict[str, Any]:
    """journeys, median_seconds, p90_seconds: from first event to the map's outcome, over the
    finished journeys of its scope that reached it."""
    return wh.query("queries/report/outcome_time", map_name=map_name, outcomes=list(outcomes)).row(
        0, named=True
    )


def map_steps(wh: Warehouse, map_name: str) -> pl.DataFrame:
    return wh.query("queries/report/map_steps", map_name=map_name)


def sla_delays(
    wh: Warehouse, map_name: str, *, steps: Sequence[str], within: Sequence[int | None]
) -> pl.DataFrame:
    return wh.query(
        "queries/report/sla_delays", map_name=map_name, steps=list(steps), within=list(within)
    )


def stage_funnel(
    wh: Warehouse, map_name: str, *, steps: Sequence[str], stage_index: Sequence[int]
) -> pl.DataFrame:
    return wh.query(
        "queries/report/stage_funnel",
        map_name=map_name,
        steps=list(steps),
        stage_index=list(stage_index),
    )


def example_events(wh: Warehouse, map_name: str, journey_ids: Sequence[str]) -> pl.DataFrame:
    return wh.query(
        "queries/report/example_events", map_name=map_name, ids=sorted(set(journey_ids))
    )


def count_rows(wh: Warehouse, table: str) -> int:
    return wh.count(table) if wh.table_exists(table) else 0


def time_bounds(wh: Warehouse) -> tuple[datetime | None, datetime | None]:
    """First and last event time (``marts.events.occurred_at``)."""
    first, last = wh.query("queries/report/time_bounds").row(0)
    return first, last


def data_quality(wh: Warehouse) -> pl.DataFrame | None:
    """marts.data_quality as it is, or None when no load statistics were written."""
    return wh.read_table(QUALITY) if wh.table_exists(QUALITY) else None
