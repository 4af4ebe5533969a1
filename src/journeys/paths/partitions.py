"""The path build in customer-hash partitions, each a job that reads and writes Parquet files.

A customer's sessions and journeys depend on that customer's events only, so the customers are
split by ``hash(customer_key) % partitions``. The writer stores ``intermediate.int_events`` and
the profiles in those partitions already (one or more files per partition, ADR 0004), so a job
needs no export: ``build_partition`` opens a private in-memory DuckDB, reads its partition's
files, builds ``marts.events``, ``marts.sessions``, ``marts.journeys`` (with their status at the
cut-off the writer computed) and ``marts.customers`` with the same SQL as a one-process build
(``scope.build_part``), and writes them as new Parquet files into the data folder. The writer
only adds the files to its catalog (``merge_partitions``): no row is copied back. Everything that
looks across customers -- the mining marts' medians, conformance -- runs afterwards on the
merged marts, so nothing is combined from partial results it cannot be combined from.

An incremental build gives each job the files its partition holds now and the customers to
rebuild (``intermediate.int_path_scope``); a partition without such customers keeps its events
and sessions files and only re-derives journey status (the cut-off moves) and its customers.

A job carries no secrets (no salt, no raw identifiers: int_events holds hashed customer keys),
only file names and the rules, so it can run on any worker (a Dask cluster) that sees the data
and partition folders at the same paths.
"""

from __future__ import annotations

import os
import resource
import shutil
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from journeys.config import Settings
from journeys.errors import BuildError
from journeys.paths.rules import PathRules
from journeys.paths.scope import (
    EVENTS,
    PART_COUNTS,
    PATH_MARTS,
    PROFILES,
    SCOPE,
    build_part,
    empty_scope,
    ensure_profiles,
)
from journeys.warehouse import Warehouse

PART_MARTS = (*PATH_MARTS, "marts.customers", *PART_COUNTS)
"""What each partition writes, one file each: its marts and its mining counts."""
KEPT = (*PATH_MARTS[:2], *PART_COUNTS)
"""What a partition without customers to rebuild keeps as it is (its events did not change)."""


@dataclass(frozen=True)
class PartitionJob:
    """One partition's work: the files it reads, where it writes, and the rules."""

    part: int
    parts: int
    data: Path
    """The data folder: the job writes its marts' files there."""
    events: tuple[str, ...]
    profiles: tuple[str, ...]
    rules: PathRules
    cutoff: datetime | None
    """The cut-off of journey status, computed over every partition by the writer."""
    full: bool = True
    scope: tuple[str, ...] = ()
    """Incremental: files listing this partition's customers to rebuild (none: keep them)."""
    current: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Incremental: this partition's current files of each path mart."""
    memory_limit: str | None = None
    temp_directory: Path | None = None


@dataclass(frozen=True)
class PartitionResult:
    """What one partition wrote: its files per mart (PART_MARTS order), and where it ran."""

    part: int
    events: int
    files: tuple[tuple[str, ...], ...]
    host: str
    pid: int
    seconds: float
    cpu_seconds: float
    """CPU time of the whole worker process meanwhile (DuckDB works in its own threads; on the
    thread runner this includes the other partitions running beside it)."""


def partition_folder(settings: Settings) -> Path:
    """The exchange folder of the partitions (``<warehouse>.partitions`` by default)."""
    if settings.partition_folder is not None:
        return Path(settings.partition_folder)
    published = Path(settings.warehouse)
    return published.with_name(f"{published.name}.partitions")


def partition_jobs(
    wh: Warehouse, settings: Settings, *, full: bool, cutoff: datetime | None
) -> list[PartitionJob]:
    """One job per partition that has events, profiles or marts. An incremental build writes
    each partition's customers in scope as Parquet into the partition folder first."""
    parts = settings.partitions
    stored = wh.stored_files()
    scope: dict[int, list[str]] = {}
    if not full:
        folder = partition_folder(settings) / "scope"
        shutil.rmtree(folder, ignore_errors=True)
        wh.export_model_parquet("queries/partition_scope", folder, partition_by="part", parts=parts)
        for file in sorted(folder.glob("part=*/*.parquet")):
            scope.setdefault(int(file.parent.name.partition("=")[2]), []).append(str(file))

    def of(table: str, part: int) -> tuple[str, ...]:
        return tuple(f.file for f in stored.get(table, []) if f.part == part)

    jobs = []
    for part in range(parts):
        job = PartitionJob(
            part=part,
            parts=parts,
            data=Path(wh.data or "."),
            events=of(EVENTS, part),
            profiles=of(PROFILES, part),
            rules=PathRules.of(settings),
            cutoff=cutoff,
            full=full,
            scope=tuple(scope.get(part, ())),
            current={} if full else {mart: of(mart, part) for mart in PART_MARTS},
            memory_limit=settings.memory_limit,
            temp_directory=settings.temp_directory,
        )
        if job.events or job.profiles or any(job.current.values()):
            jobs.append(job)
    return jobs


def build_partition(job: PartitionJob) -> PartitionResult:
    """Build one partition's marts in a private in-memory DuckDB from its files and write them
    as new Parquet files into the data folder (unchanged events and sessions keep their files)."""
    started, cpu = time.perf_counter(), _cpu_seconds()
    with (
        Warehouse(memory_limit=job.memory_limit, temp_directory=job.temp_directory) as wh,
        wh.insertion_order(preserve=False),
    ):
        if job.events:
            wh.define_stored_view(EVENTS, job.events)
        if job.profiles:
            wh.define_stored_view(PROFILES, job.profiles)
        ensure_profiles(wh)
        # a partition without marts yet (its customers are all new, so all in scope) is built
        # whole: the same rows, without the current tables the incremental path starts from
        full = job.full or not job.current.get("marts.journeys")
        rebuild = full or bool(job.scope)
        if full:
            empty_scope(wh)
        else:
            if job.scope:
                wh.load_parquet(SCOPE, [Path(f) for f in job.scope])
            else:
                empty_scope(wh)
            wanted = PATH_MARTS if rebuild else ("marts.journeys",)
            for mart in wanted:
                wh.load_parquet(mart, [Path(f) for f in job.current.get(mart, ())])
        if not job.events:
            raise BuildError(f"partition {job.part}: no events files; run `journeys build --full`")
        events = build_part(wh, job.rules, full=full, cutoff=job.cutoff, rebuild=rebuild)
        files = []
        for mart in PART_MARTS:
            if not rebuild and mart in KEPT:
                files.append(job.current.get(mart, ()))
                continue
            path = _out_file(job, mart)
            wh.export_parquet(mart, path)
            files.append((str(path),))
    return PartitionResult(
        part=job.part,
        events=events,
        files=tuple(files),
        host=socket.gethostname(),
        pid=os.getpid(),
        seconds=time.perf_counter() - started,
        cpu_seconds=_cpu_seconds() - cpu,
    )


def _out_file(job: PartitionJob, mart: str) -> Path:
    schema, _, name = mart.partition(".")
    folder = job.data / schema / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"p{job.part:05d}-{os.urandom(8).hex()}.parquet"


def merge_partitions(
    wh: Warehouse, jobs: Sequence[PartitionJob], results: Sequence[PartitionResult]
) -> int:
    """Make every partition's files the rows of the path marts and ``marts.customers``: the
    files are added to the catalog, nothing is copied. Returns the events rebuilt."""
    done = {r.part: r for r in results}
    missing = sorted({j.part for j in jobs} - set(done))
    if missing:
        raise BuildError(
            f"partitions {missing} returned no result; check the workers' logs, then run again"
        )
    ordered = [done[j.part] for j in sorted(jobs, key=lambda j: j.part)]
    for i, mart in enumerate(PART_MARTS):
        wh.adopt_files(mart, [(f, r.part) for r in ordered for f in r.files[i]])
    return sum(r.events for r in ordered)


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
