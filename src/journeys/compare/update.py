"""Writing one map's comparison into the marts: its rows, its gap history, its drift events.

From scratch, each map's rows replace that map's previous rows. Incrementally
(compare/state.py), the rows of ``marts.map_conformance`` and ``marts.map_journeys`` of the
changed and stale journeys are deleted and the changed journeys' rows written, and the other
journeys' rows stay as they are; ``marts.map_gaps``, ``map_steps`` and ``touchpoint_impact``
(one row per gap, step or touchpoint) are written whole. The gap history is measured again
for the periods the changed journeys started in, and the drift events of the map are found
again from its whole history.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date

import polars as pl

from journeys.compare.drift import TABLE as DRIFT
from journeys.compare.drift import empty_drift, find_drift
from journeys.compare.history import TABLE as HISTORY
from journeys.compare.history import GapInputs, periods_of, write_history
from journeys.compare.maps import JourneyMap
from journeys.compare.results import TABLES
from journeys.compare.state import CHANGED, JourneyChanges
from journeys.config import DriftSettings
from journeys.warehouse import Warehouse

PARTS = ("conformance", "steps", "gaps", "journeys", "touchpoints")
"""The MapComparison attribute written to each of TABLES."""
PER_JOURNEY = ("conformance", "journeys")
"""The parts with one row per journey: written for the changed journeys only, incrementally."""
DRIFT_KEY = ["gap_id", "period", "measure", "kind"]


def write_rows(
    wh: Warehouse,
    name: str,
    frames_of: Callable[[str], Iterator[pl.DataFrame]],
    *,
    changes: JourneyChanges | None,
) -> None:
    """Write one map's rows: ``frames_of(part)`` yields the frames of each of ``PARTS`` (in
    the order of ``TABLES``), the tables with a row per journey in parts of the journeys, each
    built when it is written and let go before the next. With ``changes``, the rows of one
    journey each only for the changed journeys (see the module docstring)."""
    for table, attr in zip(TABLES, PARTS, strict=True):
        parts = frames_of(attr)
        if changes is not None and attr in PER_JOURNEY and wh.table_exists(table):
            wh.delete_keys(table, column="journey_id", keys=CHANGED, also={"map_name": name})
            ids = changes.changed.select("journey_id")
            changed = [f.join(ids, on="journey_id", how="semi") for f in parts]
            wh.write_table(table, pl.concat(changed), mode="append", label=name)
        else:
            replace_rows(wh, table, name, parts)


def replace_rows(
    wh: Warehouse, table: str, name: str, frame: pl.DataFrame | Iterable[pl.DataFrame]
) -> None:
    """Replace one map's rows of ``table`` (a frame, or its parts one after another), keeping
    the other maps' rows in place (a stored mart keeps each map's rows in files of their own:
    Warehouse.replace_rows). The work file's format (publish.WAREHOUSE_FORMAT) holds its
    columns: a table of an older version's columns is never read around."""
    wh.replace_rows(table, frame, column="map_name", value=name)


def history_periods(
    wh: Warehouse, inputs: GapInputs, *, drift: DriftSettings, changes: JourneyChanges | None
) -> tuple[list[date], list[date] | None]:
    """The periods whose gap history is measured again (every period of the journeys in
    scope, or with ``changes`` the periods their journeys started in), and those the kept
    history replaces (None: all of it)."""
    grain, timezone = drift.grain, drift.timezone
    if changes is None or not wh.table_exists(HISTORY):
        return periods_of(inputs.scoped, grain, timezone), None
    moved = pl.concat([changes.changed, changes.stale]).select("started_at")
    todo = periods_of(moved, grain, timezone)
    return todo, todo


def update_history(
    wh: Warehouse,
    journey_map: JourneyMap,
    rows: pl.DataFrame,
    *,
    version: str,
    drift: DriftSettings,
    periods: list[date] | None,
) -> pl.DataFrame:
    """Write the map's gap history ``rows`` (measure_history() of ``history_periods``) in place
    of the kept rows of ``periods`` (None: all), find its drift events, and return those the
    marts did not hold before."""
    grain, timezone = drift.grain, drift.timezone
    write_history(
        wh, rows, name=journey_map.name, version=version, grain=grain, timezone=timezone,
        periods=periods,
    )  # fmt: skip
    if periods is None:  # every row of this version is one just written: not read back
        history = rows.sort("period", "gap_id")
    else:
        history = wh.query(
            "queries/compare/map_history", map_name=journey_map.name, map_version=version
        )
    events = find_drift(
        history, grain=grain, baseline_periods=drift.baseline_periods, fdr=drift.fdr
    )
    before = (
        wh.query("queries/compare/map_drift", map_name=journey_map.name)
        if wh.table_exists(DRIFT)
        else empty_drift()
    )
    replace_rows(wh, DRIFT, journey_map.name, events)
    return events.join(before.select(DRIFT_KEY), on=DRIFT_KEY, how="anti")
