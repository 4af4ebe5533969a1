"""One writer at a time, and readers that never see half-built marts.

Writers work in a private file beside the published one (``journeys.work.duckdb`` next to
``journeys.duckdb``), holding an exclusive lock file (``journeys.duckdb.lock``). The marts are
Parquet files in the data folder (``journeys.data/``), written once by build and compare; the work
file lists them and reads them through views (ADR 0004). When a step has finished,
``publish_catalog`` writes a new, tiny ``journeys.duckdb`` holding the same views and renames it
over the published one in one atomic step: no row is copied. Analysts open the published file
read-only: they never block a run and a connection opened before a publish keeps reading the
files it opened (kept until the publish after next). Raw and staging stay in the work file,
where direct identifiers are allowed to live; ``raw.rejects`` is published with emails and
phone numbers in its raw text masked, so analysts see why rows were rejected.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from journeys.config import Settings
from journeys.errors import WarehouseError, os_failure
from journeys.warehouse import Warehouse

KEEP_PUBLISHED_SECONDS = 3600
"""A replaced catalog's files stay this long (and at least until the next publish), so a reader
that opened it keeps reading its snapshot (ADR 0004)."""
PUBLISHED_REJECTS = "raw.rejects"
"""The one published table that is not a mart: the work file's rejects, masked."""


WAREHOUSE_FORMAT = 14
"""The work file's layout, recorded in raw.warehouse_format: 4 = marts as Parquet files behind a
catalog of views (ADR 0004); 5 = raw.log_imports records each log's --date-format; 6 =
raw.transactions.amount_value, the amount read with the source's decimal separator; 7 = the
tables and columns recorded in tests/warehouse_layout.txt; 8 = compare's state is stored
files: its snapshot (``intermediate.compare_journeys``: the files of marts.journeys it read),
the changed ids and the kept step timing (compare/cache.py); 9 = the kept alignments
(``intermediate.map_alignments``) are stored files too; 10 = ``raw.data_home``, the data
folder the stored files were written in (a moved or copied warehouse folder reads its own);
11 = ``raw.log.team``, an imported log's team or resource column (``--team-col``); 12 =
``raw.phone_numbers.is_placeholder`` (a phone number that numbers nobody), and the ids that
name nobody: ``raw.web.no_anonymous_id``, ``no_user_id``, ``raw.transactions.no_customer_id``;
``raw.transactions.amount_currency``, the currency an amount names itself (``19,90 €``); 13 =
``raw.build_inputs.skipped_events`` and ``marts.data_quality.skipped``, the events touchpoint
rules leave out of the journeys (``skip: true``), and ``raw.web.order_id``, the order a web
purchase made (a GA4 export's ``ecommerce.transaction_id``); 14 = ``_key_hash`` in the raw
tables that keep delivered rows (the hash a file's keys are looked up by, ingest/landing_key_hits)
and ``raw.warehouse_format.key_hash`` (``_rehash_raw_keys``).
Raise it with every change of a table's columns (tests/test_warehouse_layout.py fails until
then): a step never reads around an older version's tables, it refuses the work file with the
rebuild."""


KEY_HASH_PROBE = "journeys: the hash of a duplicate key"
"""The text whose hash() the work file records with its format (``raw.warehouse_format``): the
raw tables' ``_key_hash`` (what a delivered file's keys are looked up by) were written by the
hash() that gives that number."""


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
    the block succeeds (before the lock is released, so no other writer runs in between); then
    the data files no catalog refers to any more are deleted."""
    with writer_lock(settings, step=step), open_work_file(settings) as wh:
        yield wh
        if publish and not is_published(settings, wh):
            publish_catalog(settings, wh)
        collect_garbage(settings, wh)


def is_published(settings: Settings, wh: Warehouse) -> bool:
    """Whether the published catalog reads the work file's marts and rejects as they are: this
    step changed no stored table, and the newest catalog lists the files the work file lists
    (no step before it wrote without publishing). Publishing again would write the same views."""
    if wh.stored_changed or not Path(settings.warehouse).is_file() or not _rejects_current(wh):
        return False
    files = {
        f.file
        for name, stored in wh.stored_files().items()
        if name.startswith("marts.") or name == PUBLISHED_REJECTS
        for f in stored
    }
    return files == set(wh.newest_published())


def open_work_file(settings: Settings) -> Warehouse:
    """The work file with its data folder (call it holding the writer lock). A work file of
    another layout (``WAREHOUSE_FORMAT``) raises ``StaleWarehouse`` naming the fix."""
    wh = _open(settings, work_path(settings), data=data_path(settings))
    try:
        _check_format(settings, wh)
    except WarehouseError:  # another layout, or moved without its data folder
        wh.close()
        raise
    return wh


class StaleWarehouse(WarehouseError):
    """The work file was written by another version's layout: rebuild it, never read around."""


def _check_format(settings: Settings, wh: Warehouse) -> None:
    """Mark a new work file with ``WAREHOUSE_FORMAT`` and the engine's hash of
    ``KEY_HASH_PROBE``; refuse one holding tables of another; write raw's key hashes again when
    the engine's hash() is not the one recorded (``_rehash_raw_keys``). Then see that it reads
    its own data folder (``_check_home``)."""
    found = wh.record("queries/warehouse_version", probe=KEY_HASH_PROBE)
    if found["version"] != WAREHOUSE_FORMAT:
        layout = wh.record("queries/warehouse_format")
        if layout["version"] is not None or layout["pipeline_tables"]:
            folder = Path(settings.warehouse).parent
            raise StaleWarehouse(
                f"{work_path(settings)}: written by an older version of journeys (not layout "
                f"{WAREHOUSE_FORMAT}, docs/adr/0004); rebuild it: move {folder}/ aside and load "
                "your files again with `journeys run` (or `journeys ingest`, `journeys import-log` "
                "for an event log, then `journeys build`)"
            )
        wh.execute("queries/mark_warehouse_format", version=WAREHOUSE_FORMAT, probe=KEY_HASH_PROBE)
    elif found["key_hash_moved"]:
        _rehash_raw_keys(wh)
    _check_home(wh, found["home"])


def _rehash_raw_keys(wh: Warehouse) -> None:
    """The engine's hash() changed since the raw tables' ``_key_hash`` were written (a DuckDB
    of another version: DuckDB promises no stable hash()): write them again, in one
    transaction, or no file's key would be found delivered before. ``_check_format`` finds the
    change with the query every open runs (``queries/warehouse_version``)."""
    with wh.transaction():
        wh.run_script("ingest/rehash_raw_keys")
        wh.execute("queries/mark_key_hash", probe=KEY_HASH_PROBE)


def _check_home(wh: Warehouse, home: str | None) -> None:
    """The work file's stored tables read the data folder it was opened with (``data_path``,
    ``Warehouse.data``). The folder they were written in is recorded (``raw.data_home``); a
    warehouse folder moved or copied (a backup, a copy for an analyst) is pointed at its own
    copy of the files, in one transaction, so that it never reads, nor depends on, the folder it
    came from. Its published catalog still reads the old place: the next publishing step writes
    it again (``is_published`` finds other files)."""
    folder = wh.data
    assert folder is not None  # open_work_file opens the work file with its data folder
    if home == str(folder):
        return
    if home is None:  # a new work file
        wh.execute("queries/record_data_home", folder=str(folder))
        return
    with wh.transaction():
        wh.relocate(Path(home), folder)
        wh.execute("queries/record_data_home", folder=str(folder))


def data_path(settings: Settings) -> Path:
    """The folder of the marts' Parquet files (``<warehouse>.data`` beside the published file)."""
    if settings.data_folder is not None:
        return Path(settings.data_folder).resolve()
    published = Path(settings.warehouse).resolve()
    return published.with_name(f"{published.stem}.data")


def publish_marts(settings: Settings) -> Path:
    """Publish the work file's marts (``journeys run``'s publish step): open the work file and
    swap in a catalog of its stored tables. Call it holding the writer lock."""
    work = work_path(settings)
    if not work.exists():
        raise WarehouseError(f"{work}: nothing built yet; run `journeys build` first")
    with open_work_file(settings) as wh:
        published = publish_catalog(settings, wh)
        collect_garbage(settings, wh)
    return published


def publish_catalog(settings: Settings, wh: Warehouse) -> Path:
    """Write a new published catalog (views over the work file's stored marts, and the masked
    rejects) and rename it over the published file in one atomic step (ADR 0004). No row is
    copied: the views read the Parquet files the build and compare wrote."""
    published = Path(settings.warehouse)
    for stale in published.parent.glob(f".{published.name}.*.next*"):  # and its .wal
        stale.unlink(missing_ok=True)  # left by a publisher that was killed; we hold the lock
    _publish_rejects(wh)
    tables = {
        name: [f.file for f in files]
        for name, files in wh.stored_files().items()
        if name.startswith("marts.") or name == PUBLISHED_REJECTS
    }
    staging = published.with_name(f".{published.name}.{os.getpid()}.next")
    try:
        wh.write_catalog(staging, tables)  # views only, in one transaction
        _set_aside_stale_wal(published)
        os.replace(staging, published)
    except (OSError, WarehouseError) as exc:
        for leftover in (staging, staging.with_name(staging.name + ".wal")):
            leftover.unlink(missing_ok=True)  # the published file stays as it was
        if isinstance(exc, WarehouseError):
            raise
        raise WarehouseError(os_failure(published, exc, doing="publish the marts")) from None
    wh.record_published(
        [f for files in tables.values() for f in files], keep_seconds=KEEP_PUBLISHED_SECONDS
    )
    return published


def _publish_rejects(wh: Warehouse) -> None:
    """``raw.rejects`` as published (``sql/raw/rejects.sql``: raw text masked) as a stored file,
    written again only when the work file's rejects changed (they are only ever appended)."""
    if not _rejects_current(wh):
        wh.store_model(PUBLISHED_REJECTS, "raw/rejects", view=False)


def _rejects_current(wh: Warehouse) -> bool:
    """Whether the published rejects' file holds every row of the work file's ``raw.rejects``
    (or there is no such table)."""
    if not wh.table_exists("raw.rejects"):
        return True
    files = wh.stored_files(PUBLISHED_REJECTS).get(PUBLISHED_REJECTS, [])
    return bool(files) and sum(f.rows for f in files) == wh.count("raw.rejects")


def collect_garbage(settings: Settings, wh: Warehouse) -> int:
    """Delete the data files that no catalog refers to: not the work file's, nor the published
    one's, nor those published in the last hour or just before (a reader keeps its snapshot).
    Files a killed run left behind go too. Returns how many were deleted."""
    folder = data_path(settings)
    if not folder.is_dir():
        return 0
    kept = set(wh.referenced_files())
    if not wh.published_count():  # a new work file: the published catalog is not recorded
        kept |= _published_files(settings)
    gone = 0
    # os.walk, not Path.rglob: 1.3 against 4 ms over the 850 files a day of small runs leaves
    for parent, _, names in os.walk(folder):
        for name in names:
            file = os.path.join(parent, name)
            if name.endswith(".parquet") and file not in kept:
                Path(file).unlink(missing_ok=True)
                gone += 1
    return gone


def _published_files(settings: Settings) -> set[str]:
    """The data files the published catalog reads, from its views (none when it cannot be
    read): kept even when the work file that wrote them is gone."""
    published = Path(settings.warehouse)
    if not published.is_file():
        return set()
    try:
        with open_published(settings) as old:
            return set(old.view_files())
    except WarehouseError:
        return set()


def _set_aside_stale_wal(published: Path) -> None:
    """A write-ahead log beside the published file was left by a program that wrote to it
    (readers are meant to open it read-only) and was killed before a checkpoint. The file it
    belonged to is being replaced: the log would no longer match, and every later open would
    fail ("WAL does not match database file"). Moved aside before the swap, as
    ``<name>.wal.stale`` (the latest one is kept for inspection; its writes are lost anyway)."""
    wal = published.with_name(published.name + ".wal")
    if wal.exists():
        os.replace(wal, wal.with_name(wal.name + ".stale"))


def open_published(settings: Settings) -> Warehouse:
    """A read-only connection to the published marts (what analysts and reports read). A
    catalog moved or copied with its warehouse folder and not published since reads the files
    of the folder it came from: while they are there, they are its rows (a data file never
    changes); when they are gone it is refused, naming the step that publishes it from its new
    place (``_check_home``), rather than failing on the first missing file."""
    wh = _open(settings, Path(settings.warehouse), read_only=True)
    home = f"{data_path(settings)}{os.sep}"
    gone = [f for f in wh.view_files() if not f.startswith(home) and not os.path.exists(f)]
    if gone:
        wh.close()
        raise WarehouseError(
            f"{settings.warehouse}: its marts read files that are gone, such as {gone[0]}, "
            f"not those in {home}: the warehouse folder was moved or copied; run `journeys "
            "build` once to publish it from its new place"
        )
    return wh


def _open(
    settings: Settings, path: Path, *, read_only: bool = False, data: Path | None = None
) -> Warehouse:
    """Every warehouse file a step opens, with the configured ``memory_limit`` and spill folder
    (the work file, the file being published, the published one)."""
    return Warehouse(
        path,
        read_only=read_only,
        memory_limit=settings.memory_limit,
        temp_directory=settings.temp_directory,
        data=data,
    )
