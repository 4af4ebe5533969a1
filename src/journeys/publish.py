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
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from journeys.config import Settings
from journeys.errors import WarehouseError
from journeys.warehouse import Warehouse

PUBLISHED_MODELS = ("raw/rejects",)
"""Published tables made by a model from the work file rather than copied."""
MAX_CHANGED_SHARE = 0.5
"""Update a copy of the published file only when at most this share of its rows changed..."""
MAX_FREE_SHARE = 0.25
"""...and at most this share of its blocks is free; else write a fresh, compact file."""


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
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+")
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
    if not _update_copy(settings, published, staging, work):
        with _open(settings, staging) as target:
            target.copy_schema_from(work, schema="marts", models=PUBLISHED_MODELS)
    os.replace(staging, published)
    return published


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
            same = old.same_tables(work, schema="marts")
            rows = {name: old.count(name) for name in same}
            free = old.free_share()
        changed = sum(n for name, n in rows.items() if not same[name])
        if free > MAX_FREE_SHARE or changed > MAX_CHANGED_SHARE * sum(rows.values()):
            return False
        shutil.copyfile(published, staging)
        with _open(settings, staging) as target:
            keep = [name for name, equal in same.items() if equal]
            target.copy_schema_from(work, schema="marts", models=PUBLISHED_MODELS, keep=keep)
        return True
    except (WarehouseError, duckdb.Error):  # not a warehouse this version can update
        for leftover in (staging, staging.with_name(staging.name + ".wal")):
            leftover.unlink(missing_ok=True)
        return False


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
