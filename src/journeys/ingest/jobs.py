"""Ingest of many files as jobs: each file read and checked on a worker, merged by the writer.

With ``settings.partitions > 1`` and a task runner, ``load_landing`` hands every new file to a
job (``check_file``): in a private in-memory DuckDB it reads the file (``landing.py``: records
counted from the bytes, the contract's columns named), checks every row against the contract
(``validate_<source>``: types, timestamps at their instant, reasons for the bad rows), and
writes three Parquet files to the exchange folder: the checked rows, the delivered text of
the rejected ones and the records the reader could not parse. That is the work that grows
with the file. The writer then merges the files in delivery order, exactly as a file loaded
in one process (``load.py``): a batch number, duplicates by key against every earlier batch
and late events against the newest earlier event (both need the arrival order, so they stay
with the one writer), the valid rows appended to ``raw.<source>``, the rest to
``raw.rejects``, and the manifest, in one transaction per file. A file a job could not read is
refused alone, as in one process.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from journeys.config import Settings
from journeys.errors import IngestError
from journeys.ingest.hashing import ContentHashes
from journeys.ingest.landing import TEMP_TABLES, Landing
from journeys.ingest.load import (
    BatchResult,
    _append,
    _Batch,
    _record,
    _refuse,
    check_landing,
    landing_files,
    read_delivered,
    record_empty,
    source_reading,
    source_spec,
)
from journeys.ingest.raw import ensure_raw
from journeys.runner import Runner
from journeys.warehouse import Warehouse

CHECKED = ("landing_checked", "landing_reject_text", "landing_parse_rejects")
"""What a job writes, one Parquet file each, and what the writer reads them back as."""


@dataclass(frozen=True)
class CheckJob:
    source: str
    path: Path
    folder: Path
    settings: Settings
    """The source's reading settings (format, encoding, timezone, column map); no secret is
    used (rows are hashed later, in staging)."""


@dataclass(frozen=True)
class CheckResult:
    files: tuple[str, ...] = ()
    """CHECKED, in order (none for an empty file or a refused one)."""
    parse_rejects: int = 0
    empty: bool = False
    error: str | None = None


def load_landing_as_jobs(
    wh: Warehouse, settings: Settings, *, run_tasks: Runner
) -> list[BatchResult]:
    """``load.load_landing`` with a job per new file (see the module docstring)."""
    return load_as_jobs(wh, settings, landing_files(settings), run_tasks=run_tasks)


def load_as_jobs(
    wh: Warehouse, settings: Settings, files: list[tuple[str, Path]], *, run_tasks: Runner
) -> list[BatchResult]:
    """Load ``files`` ((source, path), in delivery order) with a job per new file."""
    ensure_raw(wh)
    folder = _folder(settings)
    shutil.rmtree(folder, ignore_errors=True)
    new: list[tuple[str, Path]] = []
    results: dict[int, BatchResult] = {}
    hashes = ContentHashes(wh, [path.resolve() for _, path in files])  # new paths: meanwhile
    for i, (source, path) in enumerate(files):
        path = path.resolve()
        earlier = hashes.earlier_batch(path)
        if earlier is not None:
            results[i] = BatchResult.already_loaded(earlier, source, path)
        else:
            new.append((source, path))
    keyless = settings.replace(salt="not-used-by-file-jobs")  # no secret travels
    jobs = [
        CheckJob(source, path, folder / f"f{i:05d}", keyless)
        for i, (source, path) in enumerate(new)
    ]
    try:
        checked = run_tasks(check_file, jobs)
        merged = iter(
            _merge(wh, settings, source, path, hashes.of(path), result)
            for (source, path), result in zip(new, checked, strict=True)
        )
        for i in range(len(files)):
            results[i] = results[i] if i in results else next(merged)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        with contextlib.suppress(OSError):
            folder.parent.rmdir()  # the exchange folder, when nothing else is in it
    return [results[i] for i in range(len(files))]


def _folder(settings: Settings) -> Path:
    published = Path(settings.warehouse)
    base = Path(settings.partition_folder) if settings.partition_folder else None
    return (base or published.with_name(f"{published.name}.partitions")) / "ingest"


def check_file(job: CheckJob) -> CheckResult:
    """Read and check one delivered file into Parquet files (see the module docstring)."""
    try:
        configured = job.settings.source(job.source)
        contract = source_spec(job.settings, job.source)
        with Warehouse(
            memory_limit=job.settings.memory_limit, temp_directory=job.settings.temp_directory
        ) as wh:
            ensure_raw(wh)  # the macros the checks use
            landing = read_delivered(wh, job.settings, job.source, job.path, contract)
            if landing is None:
                return CheckResult(empty=True)
            job.folder.mkdir(parents=True, exist_ok=True)
            check_landing(
                wh,
                job.source,
                landing,
                tz=configured.timezone,
                decimal=configured.decimal,
                reading=source_reading(job.settings, job.source),
            )
            wh.view_temp("landing_marked", "ingest/checked_marks")
            wh.materialize_temp("landing_reject_text", landing.text_model)
            files = []
            for name in CHECKED:
                out = job.folder / f"{name}.parquet"
                wh.export_parquet(name, out)
                files.append(str(out))
        return CheckResult(files=tuple(files), parse_rejects=landing.parse_rejects)
    except IngestError as exc:
        return CheckResult(error=str(exc.args[0]).removeprefix(f"{job.path.name}: "))


def _merge(
    wh: Warehouse,
    settings: Settings,
    source: str,
    path: Path,
    content_hash: str,
    result: CheckResult,
) -> BatchResult:
    """One checked file's batch, as ``load.load_file`` records it."""
    if result.error is not None:
        return _refuse(wh, source, path, result.error)
    batch = _Batch.new(wh, source, path, content_hash)
    if result.empty:
        return record_empty(wh, batch)
    for name, file in zip(CHECKED, result.files, strict=True):
        wh.file_view_temp(name, [file])
    landing = Landing(text_model="", parse_rejects=result.parse_rejects)
    with wh.transaction():
        reading = source_reading(settings, source)  # the day and month check
        tz = settings.source(source).timezone
        merged = _append(wh, batch, landing, tz=tz, checked=True, reading=reading)
        _record(wh, batch, merged)
    wh.drop_temp(*TEMP_TABLES)
    for name in CHECKED:
        os.unlink(Path(result.files[CHECKED.index(name)]))
    return merged
