"""What compare keeps per map in the work file, so a micro-batch redoes only what changed.

- ``intermediate.map_alignments``: the alignment of each (map version, variant, complete): an
  alignment depends on the map and the path only (and on whether the journey is finished), so
  it is kept for as long as the map's version lasts, and only variants never seen are aligned.
- ``intermediate.map_step_seconds``, ``map_sla_breaches``, ``map_channel_switches``: the step
  timing of each journey in the map's scope (time from the previous map step, one row per
  journey with its steps and seconds as two lists; the SLA breaches; the unplanned channel
  switches), keyed by journey_id. The events are read again only for the
  changed journeys (``intermediate.compare_changed``); the medians of ``marts.map_steps`` are
  taken in the warehouse over every kept row.

Every row is what a compare from scratch computes for the same journey (compare/state.py says
which journeys changed), so a compare that reuses them writes the same marts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import polars as pl

from journeys.compare.alignment import align_variants
from journeys.compare.beside import beside
from journeys.compare.maps import JourneyMap
from journeys.compare.state import CHANGED
from journeys.compare.timing import StepTiming, time_steps
from journeys.warehouse import LOOSE_FILES, Warehouse

if TYPE_CHECKING:
    from journeys.compare.partitioned import PartitionedEvents

ALIGNMENTS = "intermediate.map_alignments"
SECONDS = "intermediate.map_step_seconds"
BREACHES = "intermediate.map_sla_breaches"
SWITCHES = "intermediate.map_channel_switches"
TIMING_TABLES = (SECONDS, BREACHES, SWITCHES)
SECONDS_COLUMNS = ["map_name", "journey_id", "steps", "seconds"]
"""The kept seconds: per map and journey in scope, its map steps with a previous map step (their
places among the map's steps, 0-based) and the seconds from it, in journey order (two lists)."""


@dataclass(frozen=True)
class MapCache:
    """One map's kept alignments and step timing in ``wh``. ``incremental``: only the journeys
    of ``intermediate.compare_changed`` changed since the kept rows were written."""

    wh: Warehouse
    name: str
    version: str
    incremental: bool
    events: PartitionedEvents | None = None
    """A partitioned build's events: a map compared whole reads them in one job per
    partition (a micro-batch's few changed journeys are read here, from the warehouse)."""

    def align_and_time(
        self, journey_map: JourneyMap, to_align: pl.DataFrame, scoped: pl.DataFrame
    ) -> tuple[pl.DataFrame, StepTiming, pl.DataFrame]:
        """The alignments of ``to_align`` (variant_id, complete, path): the kept rows of this
        map version, and the variants never aligned before, aligned now and kept; with the
        step timing of ``scoped`` and its medians (``time``). The new variants are aligned in
        a second thread while this one reads and times the events: the alignment is NumPy on
        one core and releases the interpreter's lock in its array work, as the warehouse and
        polars do in theirs (at 10M events 1.2 s of alignment beside 2.9 s of timing, which
        leaves a core partly idle). Only this thread uses the warehouse."""
        keys = ["variant_id", "complete"]
        kept = self._kept_alignments()
        missing = to_align if kept is None else to_align.join(kept, on=keys, how="anti")
        with beside(scoped.height, "journeys-align") as pool:  # a small map: in turn
            aligning = (
                pool.submit(align_variants, journey_map, missing)
                if kept is None or missing.height
                else None
            )
            timing, medians = self.time(journey_map, scoped)
            new = aligning.result() if aligning is not None else kept[:0]  # type: ignore[index]
        if new.height:
            self.wh.write_table(
                ALIGNMENTS,
                new.select(
                    pl.lit(self.name).alias("map_name"),
                    pl.lit(self.version).alias("map_version"),
                    pl.all(),
                ),  # fmt: skip
                mode="append",
                through_file=True,
                label=self.name,
            )
        if kept is None:
            return new, timing, medians
        found = to_align.select(keys).join(kept, on=keys).select(new.columns)
        return pl.concat([found, new.cast(found.schema)]).sort(keys), timing, medians

    def _kept_alignments(self) -> pl.DataFrame | None:
        """The kept alignments of this map version (None: none kept of any map), those of its
        other versions forgotten."""
        wh = self.wh
        if not wh.table_exists(ALIGNMENTS):
            return None
        wh.execute("queries/compare/drop_other_versions", map_name=self.name,
                   map_version=self.version)  # fmt: skip
        return wh.query(
            "queries/compare/kept_alignments", map_name=self.name, map_version=self.version
        )

    def time(
        self, journey_map: JourneyMap, scoped: pl.DataFrame
    ) -> tuple[StepTiming, pl.DataFrame]:
        """The step timing of every journey in ``scoped`` (scope_journeys()), its seconds kept
        in the warehouse, and the medians per step over them (step,
        median_seconds_from_previous). Reads the events of the changed journeys only when
        ``incremental``, else of every journey in scope (and replaces the kept rows)."""
        wh = self.wh
        for table in TIMING_TABLES:
            if not wh.table_exists(table):
                continue
            if self.incremental:
                wh.delete_keys(table, column="journey_id", keys=CHANGED,
                               also={"map_name": self.name})  # fmt: skip
            else:
                wh.delete_where(table, column="map_name", value=self.name)
        todo = scoped
        if self.incremental:
            todo = scoped.join(wh.read_table(CHANGED), on="journey_id", how="semi")
        kept = _HeldSeconds(self, journeys=todo.height)
        if self.events is not None and not self.incremental:
            timed = self.events.time(journey_map, todo, keep=kept.add)
        else:
            timed = time_steps(journey_map, wh, todo, listed=self.incremental, keep=kept.add)
        kept.write()
        ids = todo.select("jx", "journey_id")
        for table, frame in ((BREACHES, timed.breaches), (SWITCHES, timed.switches)):
            rows = frame.join(ids, on="jx").drop("jx")
            wh.write_table(
                table, self._with_map(rows), mode="append", through_file=True, label=self.name
            )
        if self.incremental:  # the kept rows of the other journeys too
            return self._kept_timing(journey_map, scoped), self._medians(journey_map)
        jx = scoped.schema["jx"]  # every journey in scope timed just now: none to read back
        breaches = timed.breaches.with_columns(pl.col("jx").cast(jx))
        switches = timed.switches.with_columns(pl.col("jx").cast(jx))
        return _timing(journey_map, breaches, switches), self._medians(journey_map)

    def seconds_rows(self, seconds: pl.DataFrame) -> pl.DataFrame:
        """A pass's seconds (journey_id, step, seconds_from_previous) as kept rows, one per
        journey: its steps (as codes) and their seconds, in order (SECONDS_COLUMNS)."""
        # a journey's seconds come together (timing.time_steps), so its run of rows is the
        # group: cheaper than hashing the ids (a journey in two runs would just keep two rows)
        run = pl.col("journey_id").rle_id()
        rows = seconds.group_by(run.alias("_run"), maintain_order=True).agg(
            pl.col("journey_id").first(),
            steps=pl.col("step").to_physical().cast(pl.UInt16),  # maps.MAX_STEPS: 1,000
            seconds=pl.col("seconds_from_previous"),
        )
        rows = rows.drop("_run")
        return rows.select(pl.lit(self.name).alias("map_name"), pl.all())

    def _with_map(self, frame: pl.DataFrame) -> pl.DataFrame:
        steps = [c for c in ("prev_step", "step") if c in frame.columns]
        return frame.select(
            pl.lit(self.name).alias("map_name"),
            pl.all().exclude(steps),
            *(pl.col(c).cast(pl.String) for c in steps),
        )

    def _kept_timing(self, journey_map: JourneyMap, scoped: pl.DataFrame) -> StepTiming:
        ids = scoped.select("journey_id", "jx")
        breaches = self.wh.query("queries/compare/kept_breaches", map_name=self.name)
        switches = self.wh.query("queries/compare/kept_switches", map_name=self.name)
        return _timing(
            journey_map,
            breaches.join(ids, on="journey_id"),
            switches.join(ids, on="journey_id"),
        )

    def _medians(self, journey_map: JourneyMap) -> pl.DataFrame:
        steps = list(journey_map.step_names)
        return self.wh.query("queries/compare/step_medians", map_name=self.name, steps=steps)


def _timing(journey_map: JourneyMap, breaches: pl.DataFrame, switches: pl.DataFrame) -> StepTiming:
    """The StepTiming compare measures gaps with, from breaches and switches keyed by jx (kept
    in the warehouse, or timed just now): steps as the map's Enum, the seconds left out (their
    medians come from the warehouse: ``MapCache._medians``)."""
    step = pl.Enum(journey_map.step_names)
    return StepTiming(
        seconds=pl.DataFrame(schema={"step": step, "seconds_from_previous": pl.Float64}),
        breaches=breaches.select("jx", pl.col("step").cast(step), "seconds"),
        switches=switches.select(
            "jx",
            pl.col("prev_step").cast(step),
            pl.col("step").cast(step),
            "prev_channel",
            "channel",
        ),  # fmt: skip
    )


@dataclass
class _HeldSeconds:
    """A map's kept seconds as the passes of its step timing hand them (``add``), written as at
    most ``LOOSE_FILES`` files of the table: rows are held until they make up a share of the
    journeys timed, then written together (``write`` writes what is left). Written pass by
    pass, a compare of 100M events' 8.75M journeys in one map (44 passes of
    ``timing.PART_JOURNEYS``) appended 44 files, and the table's appends were merged five times
    over as they grew (storage.StoredTables._compacted, which then merged every loose file:
    13.7 s of that compare's 123 s); now it writes at most eight and merges nothing. Merging
    only runs of like size (``storage._merge_run``), 44 such appends would still write 14.7M
    rows again (simulated on row counts). What is held is one file's worth of rows (1.25M
    journeys there), beside the pass at work."""

    cache: MapCache
    journeys: int
    """The journeys timed: their rows are written as at most ``LOOSE_FILES`` files."""
    held: list[pl.DataFrame] = field(default_factory=list)

    def add(self, seconds: pl.DataFrame) -> None:
        self.held.append(self.cache.seconds_rows(seconds))
        share = math.ceil(self.journeys / (LOOSE_FILES - 1))  # the remainder's file is the last
        if sum(rows.height for rows in self.held) >= share:
            self.write()

    def write(self) -> None:
        if not self.held:
            return
        rows = pl.concat(self.held, rechunk=False)
        self.held = []
        self.cache.wh.write_table(
            SECONDS, rows, mode="append", through_file=True, label=self.cache.name
        )
