"""publish.py: one writer at a time, and readers that never see half-built marts."""

from __future__ import annotations

import os
import select
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from journeys import steps
from journeys.config import Settings
from journeys.errors import WarehouseError
from journeys.publish import (
    WriterBusy,
    lock_path,
    open_published,
    open_work,
    publish_marts,
    work_path,
    writer_lock,
)

HOLD_LOCK = """
import sys
from journeys.config import Settings
from journeys.publish import writer_lock

with writer_lock(Settings(warehouse=sys.argv[1]), step="build"):
    print("locked", flush=True)
    sys.stdin.readline()
"""


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(warehouse=tmp_path / "wh" / "journeys.duckdb")


def build_version(settings: Settings, version: int, *, publish: bool = True) -> None:
    with open_work(settings, step="build", publish=publish) as wh:
        wh.write_table("marts.journeys", pl.DataFrame({"journey_id": ["j1", "j2"], "v": version}))


def published_version(settings: Settings) -> int:
    with open_published(settings) as wh:
        return int(wh.read_table("marts.journeys")["v"].max())


def read_line(proc: subprocess.Popen[str], *, timeout: float = 30.0) -> str:
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    assert ready, "the helper process did not answer in time"
    return proc.stdout.readline().strip()


def test_second_writer_is_refused_with_one_clear_line(settings: Settings):
    with (
        writer_lock(settings, step="build"),
        pytest.raises(WriterBusy) as refused,
        writer_lock(settings, step="ingest"),
    ):
        pytest.fail("a second writer got the lock")
    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith("[ingest] ")
    assert f"pid {os.getpid()}, step build" in message
    assert "another journeys run is writing it" in message and "then run again" in message
    assert isinstance(refused.value, WarehouseError)
    # released: the next writer gets it
    with writer_lock(settings, step="ingest"):
        assert str(os.getpid()) in lock_path(settings).read_text()


def test_second_writer_in_another_process_is_refused(settings: Settings):
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(settings.warehouse)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert read_line(proc) == "locked"
        with pytest.raises(WriterBusy, match=rf"pid {proc.pid}, step build"):
            build_version(settings, 1)
        assert not work_path(settings).exists()  # refused before touching the work file
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=30)
    build_version(settings, 1)
    assert published_version(settings) == 1


def test_a_failed_writer_publishes_nothing_and_releases_the_lock(settings: Settings):
    build_version(settings, 1)
    with (
        pytest.raises(RuntimeError, match="half-way"),
        open_work(settings, step="build", publish=True) as wh,
    ):
        wh.write_table("marts.journeys", pl.DataFrame({"journey_id": ["j1"], "v": 2}))
        raise RuntimeError("half-way")
    assert published_version(settings) == 1
    build_version(settings, 3)
    assert published_version(settings) == 3


def test_open_reader_keeps_its_snapshot_while_a_publish_swaps_the_file(settings: Settings):
    build_version(settings, 1)
    with open_published(settings) as before:
        build_version(settings, 2)
        assert int(before.read_table("marts.journeys")["v"].max()) == 1
    # (in one process duckdb shares an open file's instance; other processes: test_concurrency)
    assert published_version(settings) == 2
    leftovers = [p.name for p in settings.warehouse.parent.iterdir() if p.name.endswith(".next")]
    assert leftovers == []


def test_publish_step_takes_the_lock_without_opening_the_work_file(settings: Settings):
    build_version(settings, 1, publish=False)
    with pytest.raises(WarehouseError, match="warehouse not found"):
        open_published(settings)
    assert steps.publish(settings) == settings.warehouse
    assert published_version(settings) == 1
    with writer_lock(settings, step="build"), pytest.raises(WriterBusy, match=r"^\[publish\]"):
        steps.publish(settings)


def test_publish_removes_files_a_killed_publisher_left(settings: Settings):
    build_version(settings, 1, publish=False)
    stale = settings.warehouse.with_name(f".{settings.warehouse.name}.99999.next")
    stale.write_bytes(b"half a file")
    with writer_lock(settings, step="publish"):
        publish_marts(settings)
    assert not stale.exists()
    assert published_version(settings) == 1
