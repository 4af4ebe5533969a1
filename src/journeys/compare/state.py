"""What compare keeps between runs in the writer's work file, to redo only what changed.

Tables (schema ``intermediate``: the work file only, never published):

- ``compare_journeys``: ``marts.journeys`` as the last compare read it, the journey_id and the
  columns a journey's comparison depends on (``FINGERPRINT``). The next compare diffs
  ``marts.journeys`` against it: a journey that is new or whose row differs is **changed**; a
  row of the snapshot with no equal row now is **stale** (the rows compare wrote for it go).
- ``compare_runs``: one row, the snapshot's id and the newest build (``raw.builds``) it saw.
- ``compare_maps``: per map, the version, history grain (with its zone: ``week in UTC``) and
  snapshot its marts rows match.
- ``compare_changed``: the changed and stale journey ids of the compare running now.

A map is compared **incrementally** when its record matches (same version and grain, rows of
the snapshot just read) and no full build has run since; else from scratch: the first compare,
a changed map, grain or ``drift.timezone``, ``journeys build --full``, ``journeys compare --full``.

What this relies on (the build's contract, paths/build.py): an incremental build changes a
journey only by rebuilding its customer's journeys, and a rebuilt journey whose events differ
differs in one of the ``FINGERPRINT`` columns (its path and so its variant, start, end, length,
value); a change of the touchpoint, session or journey rules is a full build
(``raw.builds.full_rebuild``). Journey status is in the fingerprint: the cut-off moves with every
build and changes the status of journeys that were not rebuilt.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import polars as pl

from journeys.warehouse import Warehouse

FINGERPRINT = (
    "customer_key",
    "variant_id",
    "status",
    "value",
    "segment",
    "started_at",
    "ended_at",
    "n_steps",
)
"""The marts.journeys columns a journey's comparison depends on (those the mart has)."""
SNAPSHOT = "intermediate.compare_journeys"
RUNS = "intermediate.compare_runs"
MAPS = "intermediate.compare_maps"
CHANGED = "intermediate.compare_changed"


@dataclass(frozen=True)
class JourneyChanges:
    """The journeys that changed since the last compare (see the module docstring)."""

    snapshot: str
    """The id of the snapshot this compare writes."""
    previous: str | None
    """The id of the snapshot read; None when there is none to compare with."""
    changed: pl.DataFrame
    """journey_id, started_at: the journeys now that are new or differ. Empty when there is
    no snapshot to diff (``previous`` None): every journey is new then, listed only in
    ``compare_changed``, as no map can be compared incrementally."""
    stale: pl.DataFrame
    """journey_id, started_at: the snapshot's rows that are gone or differ."""
    newest_build: object
    """raw.builds' newest built_at now (None: no build recorded)."""

    @property
    def ids(self) -> pl.DataFrame:
        """journey_id of every changed or stale journey (the rows to redo)."""
        return pl.concat([self.changed.select("journey_id"), self.stale.select("journey_id")])


def snapshot_columns(wh: Warehouse, table: str = "marts.journeys") -> list[str]:
    """journey_id and the ``FINGERPRINT`` columns ``table`` has, in its order."""
    return [c for c in wh.columns(table) if c == "journey_id" or c in FINGERPRINT]


def read_changes(wh: Warehouse, *, full: bool = False) -> JourneyChanges:
    """Diff marts.journeys (its ``FINGERPRINT`` columns) against the last compare's snapshot,
    in the warehouse; record the changed and stale ids in ``compare_changed``. Not diffed when
    no kept row could be used (``full``, or a full build since the snapshot): every journey
    is then new, as with no snapshot (the diff took 1.2 s of a compare at 10M events)."""
    columns = snapshot_columns(wh)
    newest = wh.scalar("queries/newest_build") if wh.table_exists("raw.builds") else None
    previous = None
    if not full and wh.table_exists(SNAPSHOT) and wh.table_exists(RUNS) and wh.count(RUNS) == 1:
        snapshot, seen = wh.read_table(RUNS).row(0)
        full_build = wh.table_exists("raw.builds") and bool(
            wh.scalar("queries/full_builds_since", seen=seen)
        )  # since the snapshot: nothing kept can be used
        if snapshot_columns(wh, SNAPSHOT) == columns and not full_build:
            previous = snapshot
    if previous is None:  # nothing to diff: every journey is new, listed in the warehouse only
        wh.run_model("intermediate/compare_changed")
        changed = stale = _with_start(pl.DataFrame(schema={"journey_id": pl.String}))
    else:  # equal rows on every column, nulls equal: unchanged; the rest changed or stale
        found = wh.query("queries/compare/journey_changes", columns=columns)
        changed, stale = (
            _with_start(found.filter(pl.col("side") == side).drop("side"))
            for side in ("changed", "stale")
        )
        ids = pl.concat([changed.select("journey_id"), stale.select("journey_id")]).unique()
        wh.write_table(CHANGED, ids, through_file=True)
    return JourneyChanges(
        snapshot=uuid.uuid4().hex,
        previous=previous,
        changed=changed,
        stale=stale,
        newest_build=newest,
    )


def _with_start(frame: pl.DataFrame) -> pl.DataFrame:
    if "started_at" in frame.columns:
        return frame
    return frame.with_columns(started_at=pl.lit(None, pl.Datetime("us", "UTC")))


def save_snapshot(wh: Warehouse, changes: JourneyChanges) -> None:
    """marts.journeys as this compare read it becomes the snapshot the next one diffs against.
    In a warehouse of data files the snapshot reads the files marts.journeys reads now (a build
    writes new files, never into these): nothing is copied, and the snapshot has every column
    of the mart. Else (marts.journeys a table) its ``FINGERPRINT`` columns are copied: with a
    snapshot read, its changed and stale rows replaced (a micro-batch's few thousand), else
    taken whole; in the warehouse, no journey passing through memory."""
    if not wh.share_files(SNAPSHOT, "marts.journeys"):
        columns = snapshot_columns(wh)
        if changes.previous is None:
            wh.run_model("intermediate/compare_journeys", columns=columns, only_changed=False)
        else:  # read_changes diffed the snapshot with these columns, listed the ids in CHANGED
            wh.delete_keys(SNAPSHOT, column="journey_id", keys=CHANGED)
            wh.append_model("intermediate/compare_journeys", columns=columns, only_changed=True)
    runs = pl.DataFrame(
        {"snapshot": [changes.snapshot], "built_at": [changes.newest_build]},
        schema={"snapshot": pl.String, "built_at": pl.Datetime("us", "UTC")},
    )
    wh.write_table(RUNS, runs)


def can_continue(
    wh: Warehouse, *, name: str, version: str, grain: str, changes: JourneyChanges
) -> bool:
    """Whether the map's rows were written from the snapshot just read, with this version and
    grain, and no full build has run since (``read_changes`` then read no snapshot): then only
    the changed journeys are compared."""
    if changes.previous is None or not wh.table_exists(MAPS):
        return False
    record = wh.read_table(MAPS).filter(pl.col("map_name") == name)
    return record.height == 1 and record.row(0, named=True) == {
        "map_name": name,
        "map_version": version,
        "grain": grain,
        "snapshot": changes.previous,
    }


def record_map(
    wh: Warehouse, *, name: str, version: str, grain: str, changes: JourneyChanges
) -> None:
    """The map's rows now match this compare's snapshot."""
    row = pl.DataFrame(
        {"map_name": [name], "map_version": [version], "grain": [grain]},
        schema={"map_name": pl.String, "map_version": pl.String, "grain": pl.String},
    ).with_columns(snapshot=pl.lit(changes.snapshot, pl.String))
    if wh.table_exists(MAPS):
        wh.delete_where(MAPS, column="map_name", value=name)
    wh.write_table(MAPS, row, mode="append")
