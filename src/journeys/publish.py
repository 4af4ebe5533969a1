"""One writer at a time, and readers that never see half-built marts.

Writers work in a private file beside the published one (``journeys.work.duckdb`` next to
``journeys.duckdb``), holding an exclusive lock file (``journeys.duckdb.lock``). When a step
has finished, ``publish_marts`` copies every ``marts.*`` table into a new file and renames it
over the published warehouse in one atomic step. Analysts open the published file read-only:
they never block a run (the run never opens that file for writing) and a connection opened
before a publish keeps reading the snapshot it opened. Raw and staging stay in the work file,
where direct identifiers are allowed to live; ``raw.rejects`` is published with emails and
phone numbers in its raw text masked, so analysts see why rows were rejected.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import sys
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from journeys.config import Settings
from journeys.errors import WarehouseError, os_failure
from journeys.warehouse import Warehouse, quote_ident, read_sql

PUBLISHED_MODELS = ("raw/rejects",)
"""Published tables made by a model from the work file rather than copied."""
MAX_CHANGED_SHARE = 0.5
"""Update a copy of the published file only when at most this share of its rows changed..."""
MAX_FREE_SHARE = 0.25
"""...and at most this share of its blocks is free; else write a fresh, compact file."""
SOURCE = "source_wh"
"""The catalog name of the work file while it is attached to the file being published."""


def work_path(settings: Settings) -> Path:
    """The writer's private warehouse file beside the published one."""
    published = Path(settings.warehouse)
    return published.with_name(f"{published.stem}.work{published.suffix or '.duckdb'}")


def lock_path(settings: Settings) -> Path:
    published = Path(settings.warehouse)
    return published.with_name(published.name + ".lock")


class WriterBusy(WarehouseError):
    """Another process holds the warehouse's writer lock (transient: retrying later may work)."""


def _describe_holder(text: str) -> str:
    try:
        holder = json.loads(text)
        return f"pid {holder['pid']}, step {holder['step']}, since {holder['since']}"
    except (ValueError, TypeError, KeyError):
        return text or "another process"


@contextmanager
def writer_lock(settings: Settings, *, step: str) -> Iterator[None]:
    """Hold the warehouse's writer lock, or refuse at once naming who holds it."""
    path = lock_path(settings)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("a+")
    except OSError as exc:
        raise WarehouseError(
            os_failure(path, exc, doing="take the writer lock"), step=step
        ) from None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = _describe_holder(handle.read().strip())
        handle.close()
        raise WriterBusy(
            f"{settings.warehouse}: another journeys run is writing it ({holder}); wait for it to "
            "finish, or stop it, then run again",
            step=step,
        ) from None
    try:
        handle.seek(0)
        handle.truncate()
        handle.write(
            json.dumps(
                {
                    "pid": os.getpid(),
                    "step": step,
                    "since": datetime.now(UTC).isoformat(timespec="seconds"),
                    "argv": " ".join(sys.argv[:3]),
                }
            )
        )
        handle.flush()
        yield
    finally:
        handle.seek(0)
        handle.truncate()
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


@contextmanager
def open_work(settings: Settings, *, step: str, publish: bool = False) -> Iterator[Warehouse]:
    """The writer's warehouse, under the lock. With ``publish=True`` the marts are published when
    the block succeeds, after the work file is closed and before the lock is released (so no
    other writer can touch the work file in between)."""
    with writer_lock(settings, step=step):
        with _open(settings, work_path(settings)) as wh:
            yield wh
        if publish:
            publish_marts(settings)


def publish_marts(settings: Settings) -> Path:
    """Copy every marts table of the work file into a new file and swap it in atomically.

    The new file starts as a copy of the published one when it can (``_update_copy``): the
    tables whose rows have not changed since then are kept, and only the others are copied.
    Call it holding the writer lock with the work file closed (``open_work(publish=True)``)."""
    published = Path(settings.warehouse)
    work = work_path(settings)
    if not work.exists():
        raise WarehouseError(f"{work}: nothing built yet; run `journeys build` first")
    for stale in published.parent.glob(f".{published.name}.*.next*"):  # and its .wal
        stale.unlink(missing_ok=True)  # left by a publisher that was killed; we hold the lock
    staging = published.with_name(f".{published.name}.{os.getpid()}.next")
    try:
        if not _update_copy(settings, published, staging, work):
            with _open(settings, staging) as target:
                _copy_marts(target, work)
        _set_aside_stale_wal(published)
        os.replace(staging, published)
    except (OSError, WarehouseError) as exc:
        for leftover in (staging, staging.with_name(staging.name + ".wal")):
            leftover.unlink(missing_ok=True)  # the published file stays as it was
        if isinstance(exc, WarehouseError):
            raise
        raise WarehouseError(os_failure(published, exc, doing="publish the marts")) from None
    return published


def _set_aside_stale_wal(published: Path) -> None:
    """A write-ahead log beside the published file was left by a program that wrote to it
    (readers are meant to open it read-only) and was killed before a checkpoint. The file it
    belonged to is being replaced: the log would no longer match, and every later open would
    fail ("WAL does not match database file"). Moved aside before the swap, as
    ``<name>.wal.stale`` (the latest one is kept for inspection; its writes are lost anyway)."""
    wal = published.with_name(published.name + ".wal")
    if wal.exists():
        os.replace(wal, wal.with_name(wal.name + ".stale"))


def _update_copy(settings: Settings, published: Path, staging: Path, work: Path) -> bool:
    """Make ``staging`` a copy of the published file brought up to date with the work file:
    the tables with unchanged rows kept, the others copied, gone ones dropped, the models
    re-run. Returns False (and leaves no staging file) when a fresh file is the better start:
    no usable published file, more than ``MAX_CHANGED_SHARE`` of its rows changed, or more
    than ``MAX_FREE_SHARE`` of its blocks free (so the file stays compact)."""
    wal = published.with_name(published.name + ".wal")
    if not published.is_file() or wal.exists():  # a .wal: the file alone is not the marts
        return False
    try:
        with _open(settings, published, read_only=True) as old:
            same = _same_tables(old, work)
            rows = {name: old.count(name) for name in same}
            total, free = old.query("queries/database_blocks").row(0)
        changed = sum(n for name, n in rows.items() if not same[name])
        if free > MAX_FREE_SHARE * total or changed > MAX_CHANGED_SHARE * sum(rows.values()):
            return False
        shutil.copyfile(published, staging)
        with _open(settings, staging) as target:
            _copy_marts(target, work, keep=[name for name, equal in same.items() if equal])
        return True
    except (WarehouseError, duckdb.Error):  # not a warehouse this version can update
        for leftover in (staging, staging.with_name(staging.name + ".wal")):
            leftover.unlink(missing_ok=True)
        return False


def _copy_marts(target: Warehouse, work: Path, *, keep: Collection[str] = ()) -> None:
    """Make ``target``'s marts those of the work file: copy every ``marts`` table, then
    materialise ``PUBLISHED_MODELS`` (they read the work file as ``source_wh``; one whose
    source tables the work file lacks is skipped). ``keep``: tables ``target`` already holds
    with the work file's rows (``_same_tables``), left as they are; any other table of
    ``target`` that is neither copied nor materialised now is dropped."""
    with target.attached(work, alias=SOURCE):
        for name in _base_tables(target):
            if name not in keep:  # replaced or gone (models: re-made below)
                target.drop_table(name)
        present = _base_tables(target, catalog=SOURCE)
        for name in present:
            if name.startswith("marts.") and name not in keep:
                target.copy_table(f"{SOURCE}.{name}", name)
        for model in PUBLISHED_MODELS:
            if set(re.findall(rf"{SOURCE}\.(\w+\.\w+)", read_sql(model))) <= set(present):
                target.run_model(model)


def _same_tables(old: Warehouse, work: Path) -> dict[str, bool]:
    """Per marts table of ``old`` (``marts.name``): whether the work file holds it with the same
    rows, in any order (``_same_rows``). Opens nothing for writing."""
    with old.attached(work, alias=SOURCE):
        theirs = set(_base_tables(old, catalog=SOURCE))
        return {
            name: name in theirs and _same_rows(old, name)
            for name in _base_tables(old)
            if name.startswith("marts.")
        }


def _base_tables(wh: Warehouse, *, catalog: str | None = None) -> list[str]:
    """``schema.name`` of the base tables of ``wh``'s file, or of an attached ``catalog``."""
    return wh.query("queries/base_tables", catalog=catalog)["name"].to_list()


def _column_types(
    wh: Warehouse, table: str, *, catalog: str | None = None
) -> list[tuple[str, str]]:
    schema, _, name = table.partition(".")
    found = wh.query("queries/table_columns", catalog=catalog, schema=schema, name=name)
    return found.rows()


_EXACT_TYPES = frozenset(
    (
        "BOOLEAN", "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT",
        "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT", "DATE", "TIMESTAMP",
        "TIMESTAMP WITH TIME ZONE", "VARCHAR",
    )
)  # fmt: skip
"""Types DuckDB hashes by their exact value (DOUBLE: all but the sign of zero and NaN)."""


def _same_rows(wh: Warehouse, table: str) -> bool:
    """Whether ``table`` holds the same rows in ``wh`` as in the attached work file, in any
    order: the same columns and types, the same count, and the same sum of row hashes, plus
    what DuckDB's hash does not tell apart (a NULL, empty or [NULL] list; -0.0 and 0.0).
    Column types outside a known exact set never count as the same. Equal sums of 64-bit
    hashes with unequal rows would need a hash collision (about 2^-64)."""
    columns = _column_types(wh, table)
    measures = _fingerprint(columns)
    if measures is None or columns != _column_types(wh, table, catalog=SOURCE):
        return False
    there = f"{SOURCE}.{table}"
    if wh.measure(table, ["count(*)"]) != wh.measure(there, ["count(*)"]):
        return False
    return wh.measure(table, measures) == wh.measure(there, measures)


def _fingerprint(columns: Sequence[tuple[str, str]]) -> list[str] | None:
    """The aggregates that measure a table's rows, order-free (see ``_same_rows``), or None
    when a column's type is not one they compare exactly."""
    if not columns:
        return None
    measures = ["count(*)"]
    for column, data_type in columns:
        col = quote_ident(column)
        if data_type in ("DOUBLE", "FLOAT"):  # hash(-0.0) = hash(0.0), and NaN's sign
            measures.append(f"count_if(({col} = 0 OR isnan({col})) AND signbit({col}))")
        elif data_type.endswith("[]") and data_type[:-2] in _EXACT_TYPES:
            measures += [f"count_if({col} IS NULL)", f"sum(len({col}))"]
        elif data_type not in _EXACT_TYPES:
            return None
    row = ", ".join(quote_ident(c) for c, _ in columns)
    measures.append(f"sum(hash({row})::HUGEINT)")
    return measures


def open_published(settings: Settings) -> Warehouse:
    """A read-only connection to the published marts (what analysts and reports read)."""
    return _open(settings, Path(settings.warehouse), read_only=True)


def _open(settings: Settings, path: Path, *, read_only: bool = False) -> Warehouse:
    """Every warehouse file a step opens, with the configured ``memory_limit`` and spill folder
    (the work file, the file being published, the published one)."""
    return Warehouse(
        path,
        read_only=read_only,
        memory_limit=settings.memory_limit,
        temp_directory=settings.temp_directory,
    )
