"""What the report reads from the marts, aggregated in DuckDB so memory stays bounded.

The report never holds ``marts.journeys``, ``marts.events`` or ``marts.map_conformance`` in
Python. It reads, per map:

- the journeys in the map's scope grouped by (path after ``ignore:``, status, segment, start
  month) with a ``journeys`` count (:func:`journey_groups`): the frame every chart function
  (charts.py, filters.py) takes, as many rows as distinct paths, not journeys;
- the median seconds of each link the Sankey draws, per view (:func:`link_seconds`), computed
  by DuckDB from ``marts.events`` (its sorts and aggregates spill to disk when large);
- counts and bounds (journeys, conformance, first and last event), the example journeys of the
  gap table, and the small marts (``map_steps``, ``map_gaps``, ``data_quality``) as they are.

The marts' optional columns (``status``, ``started_at``, ``segment`` or the customers'
segment) decide the shape of the SQL, so it is composed here with ``quote_ident`` and every
value is bound as a parameter; the warehouse runs it into a small temporary table.
"""

from __future__ import annotations

import fnmatch
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import polars as pl

from journeys.errors import ReportError
from journeys.report.charts import SEP, WEIGHT, count_journeys
from journeys.report.filters import JourneyView, filter_journeys
from journeys.warehouse import Warehouse, quote_ident

JOURNEYS, EVENTS, CUSTOMERS = "marts.journeys", "marts.events", "marts.customers"
CONFORMANCE = "marts.map_conformance"


def _fetch(wh: Warehouse, select: str, **params: object) -> pl.DataFrame:
    """Run a composed SELECT into a temporary table, read it, drop it (results are small)."""
    name = f"report_{uuid.uuid4().hex[:12]}"
    wh.materialize_temp(name, select=select, **params)
    try:
        return wh.read_table(name)
    finally:
        wh.drop_temp(name)


def _col(alias: str, name: str) -> str:
    return f"{alias}.{quote_ident(name)}"


@dataclass(frozen=True)
class JourneySource:
    """``marts.journeys`` as the report needs it, whatever optional columns it has."""

    select: str
    """A SELECT of journey_id, path, status, segment, started_at (NULL when missing)."""


def journey_source(wh: Warehouse) -> JourneySource:
    if not wh.table_exists(JOURNEYS):
        where = wh.path or "the warehouse"
        raise ReportError(f"{where}: marts.journeys not found; run `journeys build` first")
    have = set(wh.columns(JOURNEYS))
    for needed in ("journey_id", "path"):
        if needed not in have:
            raise ReportError(
                f"marts.journeys: column '{needed}' is missing (has {', '.join(sorted(have))})"
                "; rebuild it with `journeys build` / `journeys compare`"
            )
    status = (
        f"CAST({_col('j', 'status')} AS VARCHAR)" if "status" in have else "CAST(NULL AS VARCHAR)"
    )
    started = _col("j", "started_at") if "started_at" in have else "CAST(NULL AS TIMESTAMPTZ)"
    join = ""
    if "segment" in have:
        segment = f"CAST({_col('j', 'segment')} AS VARCHAR)"
    elif (
        "customer_key" in have and wh.table_exists(CUSTOMERS) and "segment" in wh.columns(CUSTOMERS)
    ):
        segment = f"CAST({_col('c', 'segment')} AS VARCHAR)"
        join = (
            f" LEFT JOIN {quote_ident(CUSTOMERS)} AS c "
            f"ON {_col('c', 'customer_key')} = {_col('j', 'customer_key')}"
        )
    else:
        segment = "CAST(NULL AS VARCHAR)"
    return JourneySource(
        select=(
            f"SELECT {_col('j', 'journey_id')} AS journey_id, {_col('j', 'path')} AS path, "
            f"{status} AS status, {segment} AS segment, {started} AS started_at "
            f"FROM {quote_ident(JOURNEYS)} AS j{join}"
        )
    )


def _scoped(source: JourneySource) -> str:
    """The map's journeys: ignored touchpoints dropped from the path, at least one step left."""
    return (
        "SELECT journey_id, list_filter(path, lambda t: NOT list_contains("
        "CAST($ignored AS VARCHAR[]), t)) AS path, status, segment, "
        f"date_trunc('month', started_at) AS started_at FROM ({source.select})"
    )


def ignored_in_paths(wh: Warehouse, ignore: Sequence[str]) -> list[str]:
    """The distinct touchpoints of the journeys' paths that match an ``ignore:`` glob."""
    if not ignore:
        return []
    names = _fetch(
        wh,
        f"SELECT DISTINCT unnest({quote_ident('path')}) AS touchpoint FROM {quote_ident(JOURNEYS)}",
    )["touchpoint"].drop_nulls()
    return sorted(t for t in names if any(fnmatch.fnmatchcase(t, p) for p in ignore))


def journey_groups(
    wh: Warehouse, source: JourneySource, *, ignored: Sequence[str], steps: Sequence[str]
) -> pl.DataFrame:
    """The map's journeys as groups: path, status, segment, started_at (month), journeys."""
    select = (
        f"SELECT path, status, segment, started_at, count(*) AS {quote_ident(WEIGHT)} "
        f"FROM ({_scoped(source)}) WHERE list_has_any(path, CAST($steps AS VARCHAR[])) "
        "GROUP BY ALL ORDER BY ALL"
    )
    return _fetch(wh, select, ignored=list(ignored), steps=list(steps))


MEDIAN_JOURNEYS = 1_000_000
"""Link medians use every journey of a map's scope up to this many, else a fixed sample."""
PER_MILLION = 1_000_000


def sample_rate(journeys: int, *, cap: int = MEDIAN_JOURNEYS) -> int:
    """Journeys kept per million for the link medians: all of them up to ``cap``."""
    if journeys <= cap:
        return PER_MILLION
    return max(1, -(-cap * PER_MILLION // journeys))


def link_seconds(
    wh: Warehouse,
    source: JourneySource,
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
    columns = {"view": pl.Int64, "pos": pl.Int64, "from_touchpoint": pl.String,
               "to_touchpoint": pl.String, "median_seconds": pl.Float64}  # fmt: skip
    if not wh.table_exists(EVENTS) or not views:
        return pl.DataFrame(schema=columns)
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
    shown = pl.concat(cells) if cells else pl.DataFrame()
    if shown.is_empty():
        return pl.DataFrame(schema=columns)
    e = quote_ident
    select = f"""
        WITH shown AS (
            SELECT unnest(CAST($view AS BIGINT[])) AS view,
                   unnest(CAST($segment AS VARCHAR[])) AS segment,
                   unnest(CAST($month AS TIMESTAMPTZ[])) AS month,
                   unnest(CAST($key AS VARCHAR[])) AS key,
                   unnest(CAST($shown AS BIGINT[])) AS shown
        ),
        scoped AS (
            SELECT journey_id, array_to_string(path, $sep) AS key, segment, started_at
            FROM ({_scoped(source)})
            WHERE list_has_any(path, CAST($steps AS VARCHAR[]))
            AND hash(journey_id) % {PER_MILLION} < $per_million
        ),
        drawn AS (
            SELECT j.journey_id, s.view, s.shown FROM scoped AS j JOIN shown AS s
            ON j.key = s.key AND j.segment IS NOT DISTINCT FROM s.segment
            AND j.started_at IS NOT DISTINCT FROM s.month
        ),
        events AS (
            SELECT {e("journey_id")} AS journey_id, {e("step_index")} AS step_index,
                   {e("touchpoint")} AS touchpoint, {e("occurred_at")} AS occurred_at
            FROM {e(EVENTS)}
            WHERE NOT list_contains(CAST($ignored AS VARCHAR[]), {e("touchpoint")})
            AND {e("journey_id")} IN (SELECT journey_id FROM drawn)
        ),
        steps AS (
            SELECT journey_id, row_number() OVER w AS pos,
                   lag(touchpoint) OVER w AS from_touchpoint, touchpoint AS to_touchpoint,
                   (epoch_us(occurred_at) - epoch_us(lag(occurred_at) OVER w)) // 1000 AS ms
            FROM events
            WINDOW w AS (PARTITION BY journey_id ORDER BY step_index)
        )
        SELECT d.view, s.pos, s.from_touchpoint, s.to_touchpoint,
               median(s.ms / 1000.0) AS median_seconds
        FROM steps AS s JOIN drawn AS d
        ON s.journey_id = d.journey_id AND s.pos >= 2 AND s.pos <= d.shown
        GROUP BY ALL
        ORDER BY ALL
    """
    frame = _fetch(
        wh,
        select,
        ignored=list(ignored),
        steps=list(steps),
        view=shown["view"].to_list(),
        segment=shown["segment"].to_list(),
        month=shown["started_at"].to_list(),
        key=shown["key"].to_list(),
        shown=shown["shown"].to_list(),
        sep=SEP,
        per_million=sample_rate(count_journeys(groups), cap=cap),
    )
    return frame.select([pl.col(c).cast(t) for c, t in columns.items()])


def count_rows(wh: Warehouse, table: str) -> int:
    return wh.count(table) if wh.table_exists(table) else 0


def conformance_summary(wh: Warehouse, map_name: str) -> tuple[int, float | None] | None:
    """(journeys compared, conforming share) of one map, or None when compare has not run."""
    if not wh.table_exists(CONFORMANCE):
        return None
    if not {"map_name", "is_conforming"} <= set(wh.columns(CONFORMANCE)):
        return None
    row = _fetch(
        wh,
        f"SELECT count(*) AS n, avg(CAST({quote_ident('is_conforming')} AS DOUBLE)) AS share "
        f"FROM {quote_ident(CONFORMANCE)} WHERE {quote_ident('map_name')} = $map_name",
        map_name=map_name,
    ).row(0)
    return int(row[0]), row[1]


def time_bounds(wh: Warehouse) -> tuple[datetime | None, datetime | None]:
    """First and last event time (``marts.events.occurred_at``, else the journeys' bounds)."""
    if wh.table_exists(EVENTS) and "occurred_at" in wh.columns(EVENTS):
        at = quote_ident("occurred_at")
        row = _fetch(
            wh, f"SELECT min({at}) AS first, max({at}) AS last FROM {quote_ident(EVENTS)}"
        ).row(0)
        if row[0] is not None:
            return row[0], row[1]
    have = set(wh.columns(JOURNEYS)) if wh.table_exists(JOURNEYS) else set()
    if "started_at" in have:
        last = "ended_at" if "ended_at" in have else "started_at"
        row = _fetch(
            wh,
            f"SELECT min({quote_ident('started_at')}) AS first, max({quote_ident(last)}) AS last "
            f"FROM {quote_ident(JOURNEYS)}",
        ).row(0)
        return row[0], row[1]
    return None, None


def journey_paths(wh: Warehouse, journey_ids: Sequence[str]) -> pl.DataFrame:
    """journey_id, path of the named journeys (the gap table's examples)."""
    if not journey_ids:
        return pl.DataFrame(schema={"journey_id": pl.String, "path": pl.List(pl.String)})
    return _fetch(
        wh,
        f"SELECT {quote_ident('journey_id')} AS journey_id, {quote_ident('path')} AS path "
        f"FROM {quote_ident(JOURNEYS)} WHERE {quote_ident('journey_id')} IN "
        "(SELECT unnest(CAST($ids AS VARCHAR[])))",
        ids=sorted(set(journey_ids)),
    )


def optional_table(wh: Warehouse, table: str) -> pl.DataFrame | None:
    """A small mart (map_steps, map_gaps, data_quality) as it is, or None when not built."""
    return wh.read_table(table) if wh.table_exists(table) else None
