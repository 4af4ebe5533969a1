"""Partitioned path builds: customers split into hash partitions, built apart, merged exactly.

A customer's sessions and journeys depend on that customer's events only, so the customers in
scope are split by ``hash(customer_key) % partitions``. The writer exports each partition's slice
of ``intermediate.int_events`` (and of the profiles, for the journeys' segment) as Parquet in one
pass; ``build_partition`` builds that partition's ``marts.events``, ``marts.sessions`` and
``marts.journeys`` in its own temporary DuckDB file with the same SQL models as a one-process
build, and writes them as Parquet; the writer loads them back into its warehouse. Everything
that looks across customers — the cut-off and journey status, ``marts.customers``, the mining
marts, conformance — runs afterwards in the writer on the merged marts, so medians and counts
are computed over all the data, never combined from partial results.

A partition job carries no secrets (no salt, no raw identifiers: int_events holds hashed
customer keys), only its files and the session and journey rules, so it can travel to any
worker (a Dask cluster) that sees the exchange folder.
"""

from __future__ import annotations

import os
import resource
import shutil
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from journeys.config import Settings
from journeys.errors import BuildError
from journeys.paths.rules import PathRules
from journeys.paths.scope import (
    EVENTS,
    PROFILES,
    SCOPE,
    build_scope_marts,
    empty_scope,
    ensure_profiles,
)
from journeys.warehouse import Warehouse

PARTITION_MARTS = ("events", "sessions", "journeys")


@dataclass(frozen=True)
class PartitionJob:
    """One partition's work: its input files, where to write, and the path rules (a partition
    is always built whole)."""

    part: int
    parts: int
    folder: Path
    """The run's exchange folder (shared with the workers)."""
    events: tuple[Path, ...]
    profiles: tuple[Path, ...]
    rules: PathRules
    memory_limit: str | None = None
    temp_directory: Path | None = None


@dataclass(frozen=True)
class PartitionResult:
    """What one partition wrote: one Parquet file per path mart, and where and how it ran."""

    part: int
    events: int
    files: tuple[Path, ...]
    """events, sessions, journeys (PARTITION_MARTS order)."""
    host: str
    pid: int
    seconds: float
    cpu_seconds: float
    """CPU time of the whole worker process meanwhile (DuckDB works in its own threads; on the
    thread runner this includes the other partitions running beside it)."""


PartitionRunner = Callable[[Sequence[PartitionJob]], Sequence[PartitionResult]]
"""Builds every job and returns their results (in any order): ``run_here`` one after the other
in this process; the Prefect flows map them as tasks on threads or a Dask cluster."""


def partition_folder(settings: Settings) -> Path:
    """The exchange folder of the partitions (``<warehouse>.partitions`` by default)."""
    if settings.partition_folder is not None:
        return Path(settings.partition_folder)
    published = Path(settings.warehouse)
    return published.with_name(f"{published.name}.partitions")


def export_partitions(wh: Warehouse, settings: Settings, *, full: bool) -> list[PartitionJob]:
    """Write the scope's events and profiles as Parquet, one folder per partition, in one pass
    each; return one job per partition that has events (none when the scope is empty)."""
    folder = partition_folder(settings)
    shutil.rmtree(folder, ignore_errors=True)
    inputs = folder / "in"
    parts = settings.partitions
    wh.export_model_parquet(
        "queries/partition_events", inputs / "events", partition_by="part", parts=parts, full=full
    )
    wh.export_model_parquet(
        "queries/partition_profiles",
        inputs / "profiles",
        partition_by="part",
        parts=parts,
        full=full,
    )
    rules = PathRules.of(settings)
    jobs = []
    for part in range(parts):
        events = tuple(sorted((inputs / "events" / f"part={part}").glob("*.parquet")))
        if not events:
            continue
        jobs.append(
            PartitionJob(
                part=part,
                parts=parts,
                folder=folder,
                events=events,
                profiles=tuple(sorted((inputs / "profiles" / f"part={part}").glob("*.parquet"))),
                rules=rules,
                memory_limit=settings.memory_limit,
                temp_directory=settings.temp_directory,
            )
        )
    return jobs


def build_partition(job: PartitionJob) -> PartitionResult:
    """Build one partition's path marts in a temporary DuckDB file and write them as Parquet
    (``<folder>/out/part=<n>/<mart>.parquet``); the temporary file is removed."""
    started, cpu = time.perf_counter(), _cpu_seconds()
    out = job.folder / "out" / f"part={job.part}"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    database = out / "work.duckdb"
    try:
        with (
            Warehouse(
                database, memory_limit=job.memory_limit, temp_directory=job.temp_directory
            ) as wh,
            wh.insertion_order(preserve=False),
        ):
            wh.load_parquet(EVENTS, job.events)
            if job.profiles:
                wh.load_parquet(PROFILES, job.profiles)
            ensure_profiles(wh)
            empty_scope(wh)
            events = build_scope_marts(wh, job.rules, full=True)
            files = tuple(out / f"{mart}.parquet" for mart in PARTITION_MARTS)
            for mart, path in zip(PARTITION_MARTS, files, strict=True):
                wh.export_parquet(f"marts.{mart}", path)
    finally:
        for leftover in (database, database.with_name(database.name + ".wal")):
            leftover.unlink(missing_ok=True)
    return PartitionResult(
        part=job.part,
        events=events,
        files=files,
        host=socket.gethostname(),
        pid=os.getpid(),
        seconds=time.perf_counter() - started,
        cpu_seconds=_cpu_seconds() - cpu,
    )


def run_here(jobs: Sequence[PartitionJob]) -> list[PartitionResult]:
    """The default runner: every partition in this process, one after the other."""
    return [build_partition(job) for job in jobs]


def merge_partitions(
    wh: Warehouse, jobs: Sequence[PartitionJob], results: Sequence[PartitionResult], *, full: bool
) -> int:
    """Load every partition's path marts into the writer's warehouse: replace them (``full``) or
    delete the scope's rows and append; return the events merged."""
    done = {r.part: r for r in results}
    missing = sorted({j.part for j in jobs} - set(done))
    if missing:
        raise BuildError(
            f"partitions {missing} returned no result; check the workers' logs, then run again"
        )
    ordered = [done[j.part] for j in sorted(jobs, key=lambda j: j.part)]
    for i, mart in enumerate(PARTITION_MARTS):
        table = f"marts.{mart}"
        if not full:
            wh.delete_keys(table, column="customer_key", keys=SCOPE)
        wh.load_parquet(table, [r.files[i] for r in ordered], mode="replace" if full else "append")
    return sum(r.events for r in ordered)


def build_partitioned(
    wh: Warehouse, settings: Settings, *, full: bool, run_partitions: PartitionRunner | None
) -> bool:
    """Export, build (with ``run_partitions``) and merge the partitions of the scope; return
    False, having done nothing, when the scope has no events (the caller builds it directly)."""
    folder = partition_folder(settings)
    try:
        jobs = export_partitions(wh, settings, full=full)
        if not jobs:
            return False
        results = list((run_partitions or run_here)(jobs))
        merge_partitions(wh, jobs, results, full=full)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return True


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
