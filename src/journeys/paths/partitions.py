"""The path build in customer-hash partitions, each a job that reads and writes Parquet files.

A customer's sessions and journeys depend on that customer's events only, so the customers are
split by ``hash(customer_key) % partitions``. The writer stores ``intermediate.int_events``, the
profiles and the live imports' case horizons in those partitions already (one or more files per
partition, ADR 0004), so a job needs no export: ``build_partition`` opens a private in-memory
DuckDB, reads its partition's files, builds ``marts.events``, ``marts.sessions``,
``marts.journeys`` (with their status at the cut-off the writer computed, and their effort),
``marts.journey_handoffs``, ``marts.journey_effort`` (the effort rules travel with the job) and
``marts.customers`` with the same SQL as a one-process build (``scope.build_part``), and writes
them as new Parquet files into the data folder. The writer
only adds the files to its catalog (``merge_partitions``): no row is copied back. Everything that
looks across customers -- the mining marts' medians, conformance -- runs afterwards on the
merged marts, so nothing is combined from partial results it cannot be combined from.

An incremental build gives each job the files its partition holds now and the customers to
rebuild (``intermediate.int_path_scope``); a partition without such customers keeps its events,
sessions and effort files and only re-derives journey status (the cut-off moves) and its
customers; when the effort rules changed, every partition re-derives its effort too.

In one process (no task runner) a large partition is split into lanes, each a job over the
customers ``(hash(customer_key) // partitions) % lanes`` picks, run side by side on threads:
``marts.events`` reads the events in one order with streaming windows, which run on one core,
so one job leaves the other cores idle for most of its time. A lane's files are its
partition's, as a partition's files are the table's.

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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from journeys.config import Settings, memory_bytes
from journeys.errors import BuildError
from journeys.paths.effort import EFFORT_MARTS, EffortRules
from journeys.paths.rules import PathRules
from journeys.paths.scope import (
    CASE_HORIZONS,
    EVENTS,
    EVENTS_MART,
    EVENTS_TEXT,
    PART_COUNTS,
    PATH_MARTS,
    PROFILES,
    SCOPE,
    SESSIONS_MART,
    MartFile,
    build_part,
    empty_scope,
    ensure_profiles,
)
from journeys.runner import available_cores, run_here
from journeys.warehouse import Warehouse
from journeys.warehouse.sqltext import enum_texts

PART_MARTS = (*PATH_MARTS, "marts.customers", *EFFORT_MARTS, *PART_COUNTS)
"""What each partition writes, one file each: its marts and its mining counts."""
KEPT = (*PATH_MARTS[:2], *PART_COUNTS)
"""What a partition without customers to rebuild keeps as it is (its events did not change);
the effort marts too, unless the effort rules changed."""
LANE_EVENTS = 100_000
"""A partition is split into lanes of at least this many events: a lane's own DuckDB, files and
statements cost about 0.05 s, which a smaller lane does not win back."""
TEXT_EVENTS = 100_000
"""A full job of a partition of at least this many events reads its events' few-valued text
columns as ENUMs (``_define_events``); a smaller one would not win back the statements."""
EXPORT_TEXTS = {
    "marts.journeys": {
        "first_touchpoint": "touchpoint", "last_touchpoint": "touchpoint", "path": "touchpoint",
    },
    "marts.journey_handoffs": {
        "from_touchpoint": "touchpoint", "touchpoint": "touchpoint",
        "from_team": "team", "to_team": "team",
    },
    "marts.sessions": {"channels": "channel"},
}  # fmt: skip
"""Columns of a job's marts that hold texts of its events' columns (``_define_events``), which
a job that read those as ENUMs writes as ENUMs too: the same Parquet columns of text, written
faster (``path`` and ``channels`` are lists of them: ``EXPORT_LISTS``)."""
EXPORT_LISTS = ("path", "channels")
TEXT_COLUMNS = ("source", "channel", "team", "system")
"""The few-valued text columns of ``intermediate.int_events`` besides the touchpoint and the
event type (which share one ENUM: marts/events.sql coalesces them)."""


@dataclass(frozen=True)
class PartitionJob:
    """One partition's work: the files it reads, where it writes, and the rules."""

    part: int
    parts: int
    data: Path
    """The data folder: the job writes its marts' files there."""
    events: tuple[str, ...]
    profiles: tuple[str, ...]
    horizons: tuple[str, ...]
    """The partition's cases of live imports (``intermediate.int_case_horizons``)."""
    rules: PathRules
    effort: EffortRules
    """The effort rules (settings and the maps' SLAs): the effort marts are built here too."""
    cutoff: datetime | None
    """The cut-off of journey status, computed over every partition by the writer."""
    full: bool = True
    scope: tuple[str, ...] = ()
    """Incremental: files listing this partition's customers to rebuild (none: keep them)."""
    current: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Incremental: this partition's current files of each path mart."""
    effort_full: bool = False
    """The effort rules changed: every customer's effort is rebuilt (events unchanged or not)."""
    memory_limit: str | None = None
    temp_directory: Path | None = None
    lane: int = 0
    lanes: int = 1
    """A full job may be one of ``lanes`` over the partition's customers (``in_lanes``)."""
    threads: int | None = None
    """DuckDB's threads for the job (None: one per core)."""
    enums: bool = False
    """A full job reads its events' few-valued texts as ENUMs (``_define_events``): set for a
    partition of ``TEXT_EVENTS`` or more."""

    def lane_filter(self) -> str | None:
        """The SQL condition that picks this lane's customers (None: the whole partition)."""
        if self.lanes <= 1:
            return None
        return f"(hash(customer_key) // {int(self.parts)}) % {int(self.lanes)} = {int(self.lane)}"


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
    wh: Warehouse,
    settings: Settings,
    *,
    full: bool,
    cutoff: datetime | None,
    effort: EffortRules,
    effort_full: bool = False,
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
            enums=sum(f.rows for f in stored.get(EVENTS, []) if f.part == part) >= TEXT_EVENTS,
            profiles=of(PROFILES, part),
            horizons=of(CASE_HORIZONS, part),
            rules=PathRules.of(settings),
            effort=effort,
            cutoff=cutoff,
            full=full,
            scope=tuple(scope.get(part, ())),
            current={} if full else {mart: of(mart, part) for mart in PART_MARTS},
            effort_full=effort_full,
            memory_limit=settings.memory_limit,
            temp_directory=settings.temp_directory,
        )
        if job.events or job.profiles or any(job.current.values()):
            jobs.append(job)
    return jobs


def build_partition(job: PartitionJob, host: Warehouse | None = None) -> PartitionResult:
    """Build one partition's marts in a private in-memory DuckDB from its files and write them
    as new Parquet files into the data folder (unchanged events and sessions keep their files).
    ``host``: the writer, when the job runs in its process, one at a time: the in-memory
    database is then attached to the writer's DuckDB (``Connection._attach_to``), not one of
    its own."""
    started, cpu = time.perf_counter(), _cpu_seconds()
    with (
        Warehouse(
            memory_limit=job.memory_limit,
            temp_directory=job.temp_directory,
            threads=job.threads,
            host=host,
        ) as wh,
        wh.insertion_order(preserve=False),
    ):
        # a partition without marts yet (its customers are all new, so all in scope) is built
        # whole: the same rows, without the current tables the incremental path starts from
        full = job.full or not job.current.get("marts.journeys")
        texts = _define_events(wh, job, full=full) if job.events else {}
        for table, inputs in ((PROFILES, job.profiles), (CASE_HORIZONS, job.horizons)):
            if inputs:
                wh.define_stored_view(table, inputs, where=job.lane_filter())
        ensure_profiles(wh)
        rebuild = full or bool(job.scope)
        effort = rebuild or job.effort_full  # the effort marts are written anew
        if not job.events:
            raise BuildError(f"partition {job.part}: no events files; run `journeys build --full`")
        _start_from(wh, job, full=full, rebuild=rebuild)
        straight = _straight_files(job, texts) if full else {}
        events = build_part(
            wh,
            job.rules,
            full=full,
            cutoff=job.cutoff,
            rebuild=rebuild,
            effort=job.effort,
            effort_full=job.effort_full,
            files=straight,
        )
        files = []
        for mart in PART_MARTS:
            if (not rebuild and mart in KEPT) or (not effort and mart in EFFORT_MARTS):
                files.append(job.current.get(mart, ()))
                continue
            if mart in straight and straight[mart].path.exists():
                files.append((str(straight[mart].path),))  # written already, and still the mart
                continue
            path = _out_file(job, mart)
            wh.export_parquet(mart, path, texts=_enum_texts(mart, texts), lists=EXPORT_LISTS)
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


def _straight_files(job: PartitionJob, texts: dict[str, list[str]]) -> dict[str, MartFile]:
    """The files a whole rebuild writes its events and sessions straight into
    (``scope.build_scope_marts``), with their texts written as ENUMs."""
    return {
        mart: MartFile(_out_file(job, mart), _enum_texts(mart, texts), EXPORT_LISTS)
        for mart in (EVENTS_MART, SESSIONS_MART)
    }


def _enum_texts(mart: str, texts: dict[str, list[str]]) -> dict[str, list[str]]:
    """The columns of a job's ``mart`` written as ENUMs of its events' texts (``EXPORT_TEXTS``;
    ``texts``: what ``_define_events`` read as ENUMs)."""
    return {c: texts[t] for c, t in EXPORT_TEXTS.get(mart, {}).items() if t in texts}


def _define_events(wh: Warehouse, job: PartitionJob, *, full: bool) -> dict[str, list[str]]:
    """``intermediate.int_events``: a view of the job's files (of its lane's customers). A full
    job of a large partition (``enums``) reads the few-valued text columns as ENUMs of the
    values the whole partition holds, sorted as text sorts (every lane has the same types, and
    an order by them is the text's order). The marts are the same; DuckDB sorts and carries
    one-byte codes instead of the texts, and its Parquet writer encodes marts.events' seven
    such columns several times faster (a 5M-event lane's writing 4.1 -> 2.4 CPU-s; the 10M
    build 1.2 % faster). An incremental job appends to tables of text, and keeps the text.
    Returns the values of each column read as an ENUM (none: every column read as text)."""
    where = job.lane_filter()
    wh.define_stored_view(EVENTS_TEXT, job.events, where=where)
    if not full or not job.enums:
        wh.define_stored_view(EVENTS, job.events, where=where)
        return {}
    wh.define_stored_view(EVENTS, job.events)  # the whole partition's values, every lane's
    # looked up here, not handed in from the writer's int_event_texts (which holds them too):
    # that was tried and the 10M build was 1-5 % slower; this look-up reads the columns once
    # before the lane's two scans of the file
    found = wh.record("queries/event_texts")
    steps = [*(found["touchpoint"] or ()), *(found["event_type"] or ())]
    texts = {"touchpoint": steps, "event_type": steps}
    kept = enum_texts(texts | {column: found[column] or () for column in TEXT_COLUMNS})
    wh.define_stored_view(EVENTS, job.events, where=where, texts=kept)
    return kept


def _start_from(wh: Warehouse, job: PartitionJob, *, full: bool, rebuild: bool) -> None:
    """The scope and the current marts an incremental job starts from: the path marts it
    rebuilds rows of (only ``marts.journeys`` when it rebuilds none: status moves), the effort
    marts it rebuilds rows of, and the events whose effort it recomputes."""
    if full:
        empty_scope(wh)
        return
    if job.scope:
        wh.load_parquet(SCOPE, [Path(f) for f in job.scope])
    else:
        empty_scope(wh)
    wanted = list(PATH_MARTS if rebuild else ("marts.journeys",))
    if rebuild and not job.effort_full:
        wanted += EFFORT_MARTS  # the other customers' effort rows stay
    for mart in wanted:
        wh.load_parquet(mart, [Path(f) for f in job.current.get(mart, ())])
    if job.effort_full and not rebuild:
        wh.define_stored_view("marts.events", job.current.get("marts.events", ()))


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
    done = {r.part for r in results}
    missing = sorted({j.part for j in jobs} - done)
    if missing or len(results) != len(jobs):
        raise BuildError(
            f"partitions {missing or sorted(done)} returned no result or too many; check the "
            "workers' logs, then run again"
        )
    ordered = sorted(results, key=lambda r: r.part)  # a partition's lanes in the jobs' order
    wh.adopt_tables(
        {
            mart: [(f, r.part) for r in ordered for f in r.files[i]]
            for i, mart in enumerate(PART_MARTS)
        }
    )
    return sum(r.events for r in ordered)


def in_lanes(
    jobs: Sequence[PartitionJob], events: dict[int, int], *, cores: int | None = None
) -> list[PartitionJob]:
    """The jobs, each full one of ``LANE_EVENTS`` or more ``events`` (per partition) split into
    up to ``cores`` lanes, each lane's DuckDB with its share of the threads and of the memory
    limit (they run side by side: ``run_lanes``; they share the job's spill folder, as duckdb 2
    names its spill files after the process and the instance). An incremental job stays whole:
    it rebuilds a few customers and keeps the others' files."""
    cores = cores or available_cores()
    out: list[PartitionJob] = []
    for job in jobs:
        lanes = min(cores, events.get(job.part, 0) // LANE_EVENTS)
        memory = _share(job.memory_limit, lanes) if lanes > 1 else None
        if lanes <= 1 or not job.full or (job.memory_limit and memory is None):
            out.append(job)
            continue
        threads = max(1, cores // lanes)
        out += [
            replace(job, lane=lane, lanes=lanes, threads=threads, memory_limit=memory)
            for lane in range(lanes)
        ]
    return out


def run_lanes(
    function: Callable[[PartitionJob], PartitionResult], jobs: Sequence[PartitionJob]
) -> list[PartitionResult]:
    """Run the jobs in this process: the lanes of a partition side by side on threads (DuckDB
    lets go of the interpreter while it works), whole jobs one after the other; results in the
    jobs' order."""
    lanes = max((job.lanes for job in jobs), default=1)
    if lanes <= 1:
        return run_here(function, jobs)
    # imported here: it brings logging and the executor machinery into every build (4 ms),
    # which a build of one lane does not use
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=lanes, thread_name_prefix="journeys-lane") as pool:
        return list(pool.map(function, jobs))


def _share(limit: str | None, ways: int) -> str | None:
    """A DuckDB memory limit split ``ways`` ways ('6GB', 3 -> '2000000000B'); None when there
    is no limit, or one in bytes cannot say ('80%': the job then runs whole, with the limit as
    given)."""
    size = memory_bytes(limit) if limit is not None else None
    return None if size is None else f"{size // ways}B"


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
