"""One writer at a time, and readers that never see half-built marts.

Writers work in a private file beside the published one (``journeys.work.duckdb`` next to
``journeys.duckdb``), holding an exclusive lock file (``journeys.duckdb.lock``). When a step
has finished, ``publish_marts`` copies every ``marts.*`` table into a new file and renames it
over the published warehouse in one atomic step. Analysts open the published file read-only:
they never block a run (the run never opens that file for writing) and a connection opened
before a publish keeps reading the snapshot it opened. Raw, staging and rejects stay in the
work file, where direct identifiers are allowed to live.
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
from journeys.errors import WarehouseError
from journeys.warehouse import Warehouse


def work_path(settings: Settings) -> Path:
    """The writer's private warehouse file beside the published one."""
    published = Path(settings.warehouse)
    return published.with_name(f"{published.stem}.work{published.suffix or '.duckdb'}")


def lock_path(settings: Settings) -> Path:
    published = Path(settings.warehouse)
    return published.with_name(published.name + ".lock")


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
        holder = handle.read().strip() or "another process"
        handle.close()
        raise WarehouseError(
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
def open_work(settings: Settings, *, step: str) -> Iterator[Warehouse]:
    """The writer's warehouse, under the lock. Publish after the block with ``publish_marts``."""
    with writer_lock(settings, step=step), Warehouse(work_path(settings)) as wh:
        yield wh


def publish_marts(settings: Settings) -> Path:
    """Copy every marts table of the work file into a new file and swap it in atomically."""
    published = Path(settings.warehouse)
    work = work_path(settings)
    if not work.exists():
        raise WarehouseError(f"{work}: nothing built yet; run `journeys build` first")
    staging = published.with_name(f".{published.name}.{os.getpid()}.next")
    staging.unlink(missing_ok=True)
    with Warehouse(staging) as target:
        target.copy_schema_from(work, schema="marts")
    os.replace(staging, published)
    return published


def open_published(settings: Settings) -> Warehouse:
    """A read-only connection to the published marts (what analysts and reports read)."""
    return Warehouse(settings.warehouse, read_only=True)
