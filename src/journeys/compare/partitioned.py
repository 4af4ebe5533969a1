"""Step timing of a map as one job per customer partition (a partitioned compare).

Compare reads the journeys once, aligns every distinct in-scope variant once and spreads the
alignments to the journeys (``conformance.align_journeys``): that work is per variant and per
journey. The part that grows with the events -- reading each in-scope journey's events on the
map's steps, in order, for the time from the previous step, SLA breaches and channel switches
(``timing.time_steps``) -- runs as one job per partition when the build was partitioned and a
task runner is given: the job reads only its partition's ``marts.events`` files and its in-scope
journeys (a journey's events are all in its customer's partition), and writes its seconds,
breaches and switches as Parquet. The writer concatenates them; gaps and step measures are
computed from them as in one process, so the marts are the same.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from journeys.compare.maps import JourneyMap
from journeys.compare.timing import StepTiming, time_steps
from journeys.runner import Runner
from journeys.warehouse import Warehouse

EVENT_SCHEMA = pl.Schema(
    {
        "journey_id": pl.String(),
        "step_index": pl.Int64(),
        "touchpoint": pl.String(),
        "occurred_at": pl.Datetime("us", "UTC"),
        "channel": pl.String(),
    }
)
TIMING_COLUMNS = (
    ("journey_id", "step", "seconds_from_previous"),
    ("jx", "step"),
    ("jx", "prev_step", "step", "prev_channel", "channel"),
)


@dataclass(frozen=True)
class TimingJob:
    part: int
    journey_map: JourneyMap
    events: tuple[str, ...]
    """The partition's marts.events files."""
    keys: str
    """journey_id, jx of the partition's in-scope journeys (Parquet)."""
    folder: Path
    memory_limit: str | None = None
    temp_directory: Path | None = None


@dataclass(frozen=True)
class PartitionedEvents:
    """The path marts' files per partition, and how to run jobs: what ``time_steps`` reads
    instead of the warehouse in a partitioned compare."""

    events: dict[int, tuple[str, ...]]
    journeys: pl.DataFrame
    """journey_id, part: each journey's partition."""
    folder: Path
    run_tasks: Runner
    memory_limit: str | None = None
    temp_directory: Path | None = None

    @classmethod
    def of(
        cls, wh: Warehouse, folder: Path, run_tasks: Runner, **limits: object
    ) -> PartitionedEvents:
        stored = wh.stored_files()
        events: dict[int, list[str]] = {}
        for f in stored["marts.events"]:
            events.setdefault(int(f.part or 0), []).append(f.file)
        parts = {f.file: int(f.part or 0) for f in stored["marts.journeys"]}
        journeys = (
            pl.scan_parquet(list(parts), include_file_paths="file")
            .select("journey_id", part=pl.col("file").replace_strict(parts, return_dtype=pl.Int64))
            .collect()
        )
        return cls(
            {k: tuple(v) for k, v in events.items()},
            journeys,
            folder,
            run_tasks,
            memory_limit=limits.get("memory_limit"),  # type: ignore[arg-type]
            temp_directory=limits.get("temp_directory"),  # type: ignore[arg-type]
        )

    def time(
        self,
        journey_map: JourneyMap,
        scoped: pl.DataFrame,
        *,
        keep: Callable[[pl.DataFrame], None] | None = None,
    ) -> StepTiming:
        """``time_steps`` of ``scoped`` (scope_journeys()), one job per partition; ``keep``
        is handed the seconds with their journey_id, a partition at a time, and the timing
        returned then holds none (as ``time_steps``)."""
        keyed = scoped.select("journey_id", "jx").join(self.journeys, on="journey_id")
        self.folder.mkdir(parents=True, exist_ok=True)
        jobs = []
        for (part,), keys in sorted(keyed.partition_by("part", as_dict=True).items()):
            file = self.folder / f"keys-{part:05d}-{os.urandom(4).hex()}.parquet"
            keys.drop("part").sort("journey_id").write_parquet(file)
            jobs.append(
                TimingJob(
                    part,
                    journey_map,
                    self.events.get(part, ()),
                    str(file),
                    self.folder,
                    self.memory_limit,
                    self.temp_directory,
                )
            )
        if not jobs:  # nothing in scope: the empty timing of one process
            return time_steps(journey_map, pl.DataFrame(schema=EVENT_SCHEMA), scoped, keep=keep)
        found = self.run_tasks(time_partition, jobs)
        step = pl.Enum(list(journey_map.step_names))

        def read(i: int, files: Sequence[str]) -> pl.DataFrame:
            return pl.concat([pl.read_parquet(f) for f in files]).with_columns(
                pl.col(c).cast(step) for c in ("step", "prev_step") if c in TIMING_COLUMNS[i]
            )

        breaches, switches = (read(i, [files[i] for files in found]) for i in (1, 2))
        if keep is None:
            seconds = read(0, [files[0] for files in found]).drop("journey_id")
            return StepTiming(seconds, breaches, switches)
        for files in found:  # one partition's seconds at a time, as time_steps hands them
            keep(read(0, [files[0]]))
        empty = pl.DataFrame(schema={"step": step, "seconds_from_previous": pl.Float64})
        return StepTiming(empty, breaches, switches)


def time_partition(job: TimingJob) -> tuple[str, str, str]:
    """One partition's step timing, from its events files, as three Parquet files."""
    keys = pl.read_parquet(job.keys)
    seconds: list[pl.DataFrame] = []  # with their journey_id (time_steps drops it)
    with Warehouse(memory_limit=job.memory_limit, temp_directory=job.temp_directory) as wh:
        wh.define_stored_view("marts.events", job.events)
        timing = time_steps(job.journey_map, wh, keys, keep=seconds.append)
    out = []
    frames = (pl.concat(seconds), timing.breaches, timing.switches)
    for name, frame in zip(("seconds", "breaches", "switches"), frames, strict=True):
        path = job.folder / f"{name}-{job.part:05d}-{os.urandom(4).hex()}.parquet"
        frame.write_parquet(path)
        out.append(str(path))
    return out[0], out[1], out[2]
