"""``marts.map_gap_history``: each gap of a map measured per period, kept across runs.

A **period** is the day or the week (Monday; ``drift.grain``) a journey started in, in
``drift.timezone`` (UTC unless set: an evening's journeys in New York belong to that day), and a
period's measures are the gaps found among the journeys that started in it, exactly as
``marts.map_gaps`` measures them among all journeys (share of the period's journeys in scope,
outcome rates of its finished journeys, the interval, impact). So the history is a function of
the events, not of when runs happened: a full rebuild writes the same rows, and a micro-batch
re-measures only the periods its changed journeys started in (the newest, still open, period,
and older ones whose journeys changed status). Rows of the map's earlier versions are kept as
they were (the key holds the version); a change of grain or zone starts the map's history
again. Each row names its zone (``timezone``), so a reader knows whose days and weeks they are.

Gap key columns are the stable key (compare/gapkey.py): an unexpected_step's to_step and detail
are NULL here, since where its journeys went next differs from period to period. Unused
transitions (no journeys) have no rows: a gap absent from a period had no journey in it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import polars as pl

from journeys.compare.gapkey import KEY
from journeys.compare.gaps import VariantGaps, gaps_by
from journeys.compare.maps import JourneyMap
from journeys.compare.timing import StepTiming
from journeys.warehouse import Warehouse

TABLE = "marts.map_gap_history"
EVERY = {"day": "1d", "week": "1w"}
"""drift.grain -> the polars truncation of started_at (weeks start on Monday)."""
MEASURES = (
    "journeys",
    "share",
    "outcome_rate_with",
    "outcome_rate_without",
    "ci_low",
    "ci_high",
    "impact",
    "impact_unit",
    "effect",
    "finished_with",
    "outcomes_with",
    "baseline_journeys",
    "outcomes_without",
    "expected_share",
    "observed_share",
    "description",
)
"""The marts.map_gaps columns a history row keeps (baseline_journeys as finished_without)."""
HISTORY_JOURNEYS = 1_000_000
"""Journeys measured at a time in the gap history (whole periods): its memory follows this, not
the map's journeys (measure_history)."""
UNWEIGHTED = ("weight", "rank_weight")
"""value.attach_values' columns, left out of the history (see measure_history)."""


@dataclass(frozen=True)
class GapInputs:
    """What one map's gaps are found from (compare_map's intermediate frames)."""

    scoped: pl.DataFrame
    """scope_journeys(): with started_at."""
    variants: pl.DataFrame
    """scope_variants()."""
    aligned: pl.DataFrame
    timing: StepTiming
    per_variant: VariantGaps | None = None
    """gaps.variant_gaps() of variants and aligned (found for the map's gaps), or None: found
    again."""


def period_of(column: str, grain: str, timezone: str = "UTC") -> pl.Expr:
    """The period (its first day) of a UTC timestamp column at ``grain``, in ``timezone``:
    truncated as a wall-clock time there (no instant to look up: a midnight the clocks skip, as
    in America/Santiago, is no error)."""
    local = pl.col(column).dt.convert_time_zone(timezone).dt.replace_time_zone(None)
    return local.dt.truncate(EVERY[grain]).dt.date()


def periods_of(frame: pl.DataFrame, grain: str, timezone: str = "UTC") -> list[date]:
    """The distinct periods of ``frame.started_at`` (NULL ones left out), sorted."""
    found = frame.select(period_of("started_at", grain, timezone).alias("p")).drop_nulls().unique()
    return sorted(found["p"].to_list())


def measure_history(
    journey_map: JourneyMap,
    inputs: GapInputs,
    *,
    version: str,
    periods: Iterable[date],
    grain: str,
    min_support: int,
    timezone: str = "UTC",
    batch: int | None = None,
) -> pl.DataFrame:
    """The history rows of ``periods`` (each measured over the journeys that started in it).

    Many periods in one pass (gaps.gaps_by, the period a column of the journey-level work),
    in batches of whole periods of about ``batch`` journeys (default HISTORY_JOURNEYS; a period
    measures only its own journeys, so the batches change no row), unweighted: a customer's
    weight (``ranking: value_weighted``) is relative to the map's journeys of every period, so
    each batch would move the weights of periods it does not measure again."""
    wanted = pl.Series(sorted(set(periods)), dtype=pl.Date)
    scoped = inputs.scoped.with_columns(_period=period_of("started_at", grain, timezone)).filter(
        pl.col("_period").is_in(wanted.implode())
    )
    sizes = scoped.group_by("_period").agg(pl.len()).sort("_period")
    batch = batch or HISTORY_JOURNEYS
    rows: list[pl.DataFrame] = []
    todo: list[date] = []
    size = 0
    for period, journeys in sizes.iter_rows():
        if todo and size + journeys > batch:
            rows.append(_measure_periods(journey_map, inputs, scoped, todo, min_support))
            todo, size = [], 0
        todo.append(period)
        size += journeys
    if todo:
        rows.append(_measure_periods(journey_map, inputs, scoped, todo, min_support))
    found = [r for r in rows if not r.is_empty()]
    if not found:
        return empty_history()
    frame = pl.concat(found).rename({"_period": "period"})
    return _history_rows(
        frame, name=journey_map.name, version=version, grain=grain, timezone=timezone
    )


def _measure_periods(
    journey_map: JourneyMap,
    inputs: GapInputs,
    scoped: pl.DataFrame,
    periods: list[date],
    min_support: int,
) -> pl.DataFrame:
    """gaps_by of the journeys of ``scoped`` (with _period) that started in ``periods``, with
    each period's journeys and finished journeys in scope. The journeys are renumbered (jx is
    a row number), with the variants, alignments and timing rows of those journeys only."""
    chosen = scoped.filter(pl.col("_period").is_in(pl.Series(periods, dtype=pl.Date).implode()))
    journeys = chosen.drop(*UNWEIGHTED, strict=False).rename({"jx": "_all"}).with_row_index("jx")
    del chosen
    renumber = journeys.select("_all", "jx")
    variants = inputs.variants.join(journeys.select("vx").unique(), on="vx", how="semi")
    aligned = inputs.aligned.join(variants.select("variant_id"), on="variant_id", how="semi")
    timing = inputs.timing

    def local(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.rename({"jx": "_all"}).join(renumber, on="_all").drop("_all")

    found = gaps_by(
        journey_map,
        variants=variants,
        aligned=aligned,
        journeys=journeys.drop("_all"),
        timing=StepTiming(
            seconds=timing.seconds.clear(),
            breaches=local(timing.breaches).select("jx", "step", "seconds"),
            switches=local(timing.switches).select(
                "jx", "prev_step", "step", "prev_channel", "channel"
            ),
        ),
        min_support=min_support,
        by=["_period"],
        per_variant=inputs.per_variant.of(variants, aligned) if inputs.per_variant else None,
    )
    sizes = journeys.group_by("_period").agg(
        journeys_in_scope=pl.len().cast(pl.Int64),
        finished_in_scope=pl.col("finished").sum().cast(pl.Int64),
    )
    return found.join(sizes, on="_period", maintain_order="left")


def _history_rows(
    frame: pl.DataFrame, *, name: str, version: str, grain: str, timezone: str
) -> pl.DataFrame:
    keys = [tuple(json.loads(k)) for k in frame["gap_key"].to_list()]
    stable = pl.DataFrame(keys, schema=dict.fromkeys(KEY, pl.String), orient="row")
    return pl.concat(
        [
            frame.select(
                pl.lit(name).alias("map_name"),
                pl.lit(version).alias("map_version"),
                pl.lit(grain).alias("grain"),
                pl.lit(timezone).alias("timezone"),
                "period",
                "gap_id",
                "gap_key",
            ),
            stable,
            frame.select(
                *MEASURES[:-1],
                "journeys_in_scope",
                "finished_in_scope",
                "description",
                "ranking",
                "rank",
                "same_behaviour_as",
            ).rename({"baseline_journeys": "finished_without"}),
        ],
        how="horizontal",
    ).cast(HISTORY_SCHEMA)  # type: ignore[arg-type]


HISTORY_SCHEMA = {
    "map_name": pl.String,
    "map_version": pl.String,
    "grain": pl.String,
    "timezone": pl.String,
    "period": pl.Date,
    "gap_id": pl.Int64,
    "gap_key": pl.String,
    **dict.fromkeys(KEY, pl.String),
    "journeys": pl.Int64,
    "share": pl.Float64,
    "outcome_rate_with": pl.Float64,
    "outcome_rate_without": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "impact": pl.Float64,
    "impact_unit": pl.String,
    "effect": pl.String,
    "finished_with": pl.Int64,
    "outcomes_with": pl.Int64,
    "finished_without": pl.Int64,
    "outcomes_without": pl.Int64,
    "expected_share": pl.Float64,
    "observed_share": pl.Float64,
    "journeys_in_scope": pl.Int64,
    "finished_in_scope": pl.Int64,
    "description": pl.String,
    "ranking": pl.String,
    "rank": pl.Int64,
    "same_behaviour_as": pl.Int64,
}


def empty_history() -> pl.DataFrame:
    return pl.DataFrame(schema=HISTORY_SCHEMA)


def write_history(
    wh: Warehouse,
    rows: pl.DataFrame,
    *,
    name: str,
    version: str,
    grain: str,
    timezone: str,
    periods: Iterable[date] | None,
) -> None:
    """Replace the map's rows of this version and grain for ``periods`` (None: every period)
    with ``rows``; rows of another grain or zone go (the history starts again: another zone's
    days and weeks are other periods), those of other versions stay."""
    if not wh.table_exists(TABLE):
        wh.write_table(TABLE, rows)
        return
    wh.execute(
        "queries/compare/drop_history",
        map_name=name,
        map_version=version,
        grain=grain,
        timezone=timezone,
        periods=None if periods is None else sorted(periods),
    )
    wh.write_table(TABLE, rows, mode="append")
