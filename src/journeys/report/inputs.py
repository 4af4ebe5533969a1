"""What the report reads from the marts, aggregated in DuckDB so memory stays bounded.

The report never holds ``marts.journeys``, ``marts.events`` or ``marts.map_conformance`` in
Python. It reads, per map, with the queries of ``sql/queries/report/``:

- the journeys in the map's scope grouped by (path after ``ignore:``, status, segment, start
  month) with a ``journeys`` count (:func:`journey_groups`): the frame every chart function
  (charts.py, filters.py) takes, as many rows as distinct paths, not journeys;
- the median seconds of each link the Sankey draws, per view (:func:`link_seconds`), computed
  by DuckDB from ``marts.events`` (its sorts and aggregates spill to disk when large);
- counts and bounds (journeys, conformance, first and last event), the example journeys of the
  gap table, and the small marts (``map_steps``, ``map_gaps``, ``data_quality``) as they are.

The marts must have the columns the queries read (:func:`require_marts`); a warehouse built by
an older version is named with the fix (rebuild it), not read around.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import polars as pl

from journeys.errors import ReportError
from journeys.report.charts import SEP, count_journeys
from journeys.report.filters import JourneyView, filter_journeys
from journeys.warehouse import Warehouse

JOURNEYS, EVENTS = "marts.journeys", "marts.events"
CONFORMANCE = "marts.map_conformance"
REQUIRED: Mapping[str, tuple[str, ...]] = {
    JOURNEYS: ("journey_id", "path", "status", "segment", "started_at"),
    EVENTS: ("journey_id", "step_index", "touchpoint", "occurred_at"),
}
"""The columns of the marts the report's queries read."""
LINK_SCHEMA = {
    "view": pl.Int64,
    "pos": pl.Int64,
    "from_touchpoint": pl.String,
    "to_touchpoint": pl.String,
    "median_seconds": pl.Float64,
}
MEDIAN_JOURNEYS = 1_000_000
"""Link medians use every journey of a map's scope up to this many, else a fixed sample."""
PER_MILLION = 1_000_000


def require_marts(wh: Warehouse) -> None:
    """Raise a ReportError naming the fix when a mart the report reads, or a column of it, is
    missing (nothing built yet, or built by an older version)."""
    for table, needed in REQUIRED.items():
        if not wh.table_exists(table):
            where = wh.path or "the warehouse"
            raise ReportError(f"{where}: {table} not found; run `journeys build` first")
        have = set(wh.columns(table))
        missing = [c for c in needed if c not in have]
        if missing:
            raise ReportError(
                f"{table}: column '{missing[0]}' is missing (has {', '.join(sorted(have))}); "
                "rebuild the warehouse with `journeys build --full`"
            )


def path_touchpoints(wh: Warehouse) -> list[str]:
    """The distinct touchpoints of the journeys' paths (what ``ignore:`` globs match)."""
    return wh.query("queries/report/path_touchpoints")["touchpoint"].drop_nulls().to_list()


def journey_groups(wh: Warehouse, *, ignored: Sequence[str], steps: Sequence[str]) -> pl.DataFrame:
    """The map's journeys as groups: path, status, segment, started_at (month), journeys."""
    return wh.query("queries/report/journey_groups", ignored=list(ignored), steps=list(steps))


def sample_rate(journeys: int, *, cap: int = MEDIAN_JOURNEYS) -> int:
    """Journeys kept per million for the link medians: all of them up to ``cap``."""
    if journeys <= cap:
        return PER_MILLION
    return max(1, -(-cap * PER_MILLION // journeys))


def link_seconds(
    wh: Warehouse,
    *,
    ignored: Sequence[str],
    steps: Sequence[str],
    groups: pl.DataFrame,
    views: Sequence[JourneyView],
    layouts: Sequence[pl.DataFrame],
    cap: int = MEDIAN_JOURNEYS,
) -> pl.DataFrame:
    """Median seconds between consecutive steps per (view, pos, from, to) link of the Sankeys.

    A journey counts for a link when the view shows it and its drawn steps (``layouts[i]``,
    from ``sankey_layout`` on the view's groups: the prefix it shares with the top paths)
    reach the link, as :func:`journeys.report.charts.sankey_data` counts it. DuckDB orders the
    events of those journeys in one pass over ``marts.events``. Above ``cap`` journeys in the
    map's scope, the medians come from a fixed sample of about ``cap`` of them (by a hash of
    ``journey_id``, the same every run), so the work and memory stay bounded; journey counts
    and shares are always exact.
    """
    shown = _drawn_paths(groups, views, layouts)
    if shown.is_empty():
        return pl.DataFrame(schema=LINK_SCHEMA)
    frame = wh.query(
        "queries/report/link_seconds",
        ignored=list(ignored),
        steps=list(steps),
        view=shown["view"].to_list(),
        segment=shown["segment"].to_list(),
        month=shown["started_at"].to_list(),
        key=shown["key"].to_list(),
        shown=shown["shown"].to_list(),
        sep=SEP,
        modulus=PER_MILLION,
        kept=sample_rate(count_journeys(groups), cap=cap),
    )
    return frame.select([pl.col(c).cast(t) for c, t in LINK_SCHEMA.items()])


def _drawn_paths(
    groups: pl.DataFrame, views: Sequence[JourneyView], layouts: Sequence[pl.DataFrame]
) -> pl.DataFrame:
    """view, segment, started_at, key, shown: per view, the groups it shows whose path the
    Sankey draws at least two steps of (a link needs two)."""
    cells = []
    for i, (view, layout) in enumerate(zip(views, layouts, strict=True)):
        drawn = layout.filter(pl.col("shown") >= 2).select("key", "shown")
        cells.append(
            filter_journeys(groups, view)
            .select("segment", "started_at", key=pl.col("path").list.join(SEP))
            .unique()
            .join(drawn, on="key")
            .with_columns(view=pl.lit(i, dtype=pl.Int64))
        )
    return pl.concat(cells) if cells else pl.DataFrame()


def count_rows(wh: Warehouse, table: str) -> int:
    return wh.count(table) if wh.table_exists(table) else 0


def conformance_summary(wh: Warehouse, map_name: str) -> tuple[int, float | None] | None:
    """(journeys compared, conforming share) of one map, or None when compare has not run."""
    if not wh.table_exists(CONFORMANCE):
        return None
    row = wh.query("queries/report/conformance_summary", map_name=map_name).row(0)
    return int(row[0]), row[1]


def time_bounds(wh: Warehouse) -> tuple[datetime | None, datetime | None]:
    """First and last event time (``marts.events.occurred_at``)."""
    first, last = wh.query("queries/report/time_bounds").row(0)
    return first, last


def journey_paths(wh: Warehouse, journey_ids: Sequence[str]) -> pl.DataFrame:
    """journey_id, path of the named journeys (the gap table's examples)."""
    if not journey_ids:
        return pl.DataFrame(schema={"journey_id": pl.String, "path": pl.List(pl.String)})
    return wh.query("queries/report/journey_paths", ids=sorted(set(journey_ids)))


def optional_table(wh: Warehouse, table: str) -> pl.DataFrame | None:
    """A small mart (map_steps, map_gaps, data_quality) as it is, or None when not built."""
    return wh.read_table(table) if wh.table_exists(table) else None
