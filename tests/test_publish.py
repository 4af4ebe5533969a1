"""publish.py: one writer at a time, and readers that never see half-built marts."""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
from pathlib import Path

import duckdb
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
from journeys.warehouse import Warehouse

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


WRITE_AND_WAIT = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("SET checkpoint_threshold = '1TB'")  # the rows stay in the write-ahead log
con.execute("CREATE TABLE main.scribble AS SELECT * FROM range(1000)")
print("written", flush=True)
sys.stdin.readline()
"""


def kill_a_client_writing_to_the_published_file(settings: Settings) -> Path:
    """A program opens the published file for writing (against the contract) and is killed
    before a checkpoint: its write-ahead log stays beside the file."""
    client = subprocess.Popen(
        [sys.executable, "-c", WRITE_AND_WAIT, str(settings.warehouse)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert read_line(client) == "written"
    client.kill()
    client.wait()
    wal = settings.warehouse.with_name(settings.warehouse.name + ".wal")
    assert wal.stat().st_size > 0
    return wal


def test_a_stale_write_ahead_log_is_named_with_its_fix_and_set_aside_by_publishing(
    settings: Settings,
):
    """Issue #23: once a publish replaced the file, the killed client's log no longer matched
    and every later open failed, saying another process was writing it."""
    build_version(settings, 1)
    wal = kill_a_client_writing_to_the_published_file(settings)
    stale = wal.with_name(wal.name + ".stale")
    build_version(settings, 2)  # publishing sets the log aside before the swap
    assert not wal.exists() and stale.exists()
    assert published_version(settings) == 2
    with open_published(settings) as wh:  # and a reader does not replay it
        assert not wh.table_exists("main.scribble")

    # a log beside a file it does not belong to (set there by hand, or by an older journeys)
    os.replace(stale, wal)
    with pytest.raises(WarehouseError) as refused:
        open_published(settings)
    message = str(refused.value)
    assert message.startswith(f"[warehouse] {settings.warehouse}: cannot open the warehouse: ")
    assert f"{wal} does not belong to it" in message
    assert f"mv '{wal}' '{wal}.stale'" in message and "another process" not in message
    assert "\n" not in message
    build_version(settings, 3)
    assert published_version(settings) == 3


# -- publishing only what changed ----------------------------------------------------------------


def write_work(settings: Settings, tables: dict[str, pl.DataFrame], *, drop: tuple[str, ...] = ()):
    with open_work(settings, step="build", publish=True) as wh:
        for table, frame in tables.items():
            wh.write_table(table, frame)
        for table in drop:
            wh.drop_table(table)


def published_rows(settings: Settings) -> dict[str, list[tuple[object, ...]]]:
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        names = con.execute(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables ORDER BY 1"
        ).fetchall()
        return {n: sorted(map(repr, con.sql(f"SELECT * FROM {n}").fetchall())) for (n,) in names}


@pytest.fixture
def copied(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The tables each publish copies from the work file (CREATE ... AS SELECT FROM source_wh)."""
    seen: list[str] = []
    run = Warehouse._run

    def spy(self: Warehouse, sql: str, params: object = None, **labels: object) -> object:
        found = re.match(r"CREATE OR REPLACE TABLE (\S+) AS SELECT \* FROM \"?source_wh", sql)
        if found:
            seen.append(found.group(1).replace('"', ""))
        return run(self, sql, params, **labels)  # type: ignore[arg-type]

    monkeypatch.setattr(Warehouse, "_run", spy)
    return seen


def test_publish_copies_only_the_tables_that_changed(settings: Settings, copied: list[str]):
    big = pl.DataFrame({"id": list(range(1000)), "name": [f"n{i}" for i in range(1000)]})
    small = pl.DataFrame({"v": [1.0, 2.0]})
    write_work(settings, {"marts.big": big, "marts.more": big, "marts.small": small})
    assert sorted(copied) == ["marts.big", "marts.more", "marts.small"]  # the first: all
    copied.clear()
    write_work(settings, {"marts.small": pl.DataFrame({"v": [1.0, 3.0]})})
    assert copied == ["marts.small"]
    copied.clear()
    write_work(settings, {"marts.big": big.sample(fraction=1.0, shuffle=True, seed=1)})
    assert copied == []  # the same rows in another order are the same table
    write_work(settings, {"marts.big": big.with_columns(name=pl.col("name").reverse())})
    assert copied == ["marts.big"]  # same count, same values, other rows
    copied.clear()
    shuffled = big.with_columns(name=pl.col("name").shuffle(seed=2))
    write_work(settings, {"marts.big": shuffled, "marts.more": shuffled})
    assert sorted(copied) == ["marts.big", "marts.more", "marts.small"]  # most rows: a fresh file
    with open_work(settings, step="build") as wh:
        expected = {
            f"marts.{t}": sorted(map(repr, wh.read_table(f"marts.{t}").rows()))
            for t in ("big", "more", "small")
        }
    assert published_rows(settings) == expected


def test_publish_drops_tables_gone_from_the_work_file(settings: Settings):
    write_work(settings, {"marts.a": pl.DataFrame({"v": [1]}), "marts.b": pl.DataFrame({"v": [2]})})
    write_work(settings, {}, drop=("marts.b",))
    assert list(published_rows(settings)) == ["marts.a"]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ([0.0], [-0.0]),  # equal as numbers, and DuckDB hashes them alike
        ([["a"], []], [["a"], None]),  # NULL, empty and [NULL] lists hash alike
        ([[], ["b"]], [[None], ["b"]]),
        ([[None, "x"]], [["x", None]]),
        ([[1.0]], [[-0.0]]),  # a list of doubles is never compared: always copied
    ],
)
def test_publish_tells_apart_what_the_row_hash_does_not(
    settings: Settings, copied: list[str], before: list[object], after: list[object]
):
    write_work(settings, {"marts.t": pl.DataFrame({"k": range(len(before)), "v": before})})
    copied.clear()
    write_work(settings, {"marts.t": pl.DataFrame({"k": range(len(after)), "v": after})})
    assert copied == ["marts.t"]
    shown = []
    for path in (settings.warehouse, work_path(settings)):
        with duckdb.connect(str(path), read_only=True) as con:
            shown.append(con.execute("SELECT CAST(v AS VARCHAR) FROM marts.t").fetchall())
    assert shown[0] == shown[1]


def test_publish_writes_a_fresh_file_when_the_published_one_cannot_be_updated(
    settings: Settings, copied: list[str], monkeypatch: pytest.MonkeyPatch
):
    write_work(settings, {"marts.a": pl.DataFrame({"v": [1]})})
    settings.warehouse.write_bytes(b"not a warehouse")
    copied.clear()
    with writer_lock(settings, step="publish"):
        publish_marts(settings)
    assert copied == ["marts.a"]
    assert published_rows(settings) == {"marts.a": ["(1,)"]}
    monkeypatch.setattr("journeys.publish.MAX_FREE_SHARE", -1.0)  # too many free blocks
    copied.clear()
    with writer_lock(settings, step="publish"):
        publish_marts(settings)
    assert copied == ["marts.a"]
    assert published_rows(settings) == {"marts.a": ["(1,)"]}
    assert not list(settings.warehouse.parent.glob(".*.next*"))
