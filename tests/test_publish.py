"""publish.py: one writer at a time, and readers that never see half-built marts."""

from __future__ import annotations

import os
import re
import select
import shutil
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
    WAREHOUSE_FORMAT,
    StaleWarehouse,
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


def test_publish_step_takes_the_lock_and_publishes_the_work_files_marts(settings: Settings):
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


# -- publishing a catalog, not rows (ADR 0004) ---------------------------------------------------


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


def published_files(settings: Settings) -> dict[str, set[str]]:
    """The data files each published view reads (from the views' SQL)."""
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        views = con.execute(
            "SELECT schema_name || '.' || view_name, sql FROM duckdb_views() WHERE NOT internal"
        ).fetchall()
    return {name: set(re.findall(r"'([^']+\.parquet)'", sql)) for name, sql in views}


@pytest.fixture
def writes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every statement that writes rows (a table, or a Parquet file) while it is on."""
    seen: list[str] = []
    run = Warehouse._run

    def spy(self: Warehouse, sql: str, params: object = None, **labels: object) -> object:
        if re.match(r"\s*(COPY|CREATE (OR REPLACE )?TABLE|INSERT INTO marts)", sql):
            seen.append(sql.split("\n")[0][:80])
        return run(self, sql, params, **labels)  # type: ignore[arg-type]

    monkeypatch.setattr(Warehouse, "_run", spy)
    return seen


def test_publishing_copies_no_row_and_keeps_unchanged_tables_files(
    settings: Settings, writes: list[str]
):
    big = pl.DataFrame({"id": list(range(1000)), "name": [f"n{i}" for i in range(1000)]})
    write_work(settings, {"marts.big": big, "marts.small": pl.DataFrame({"v": [1.0, 2.0]})})
    first = published_files(settings)
    assert set(first) == {"marts.big", "marts.small"}
    assert all(Path(f).is_file() for files in first.values() for f in files)
    writes.clear()
    with writer_lock(settings, step="publish"):
        publish_marts(settings)  # a publish alone writes a catalog, not rows
    assert writes == []
    write_work(settings, {"marts.small": pl.DataFrame({"v": [1.0, 3.0]})})
    second = published_files(settings)
    assert second["marts.big"] == first["marts.big"]  # not rewritten
    assert second["marts.small"].isdisjoint(first["marts.small"])
    assert published_rows(settings)["marts.small"] == ["(1.0,)", "(3.0,)"]
    assert settings.warehouse.stat().st_size < 2_000_000  # views, not data


def test_publish_drops_tables_gone_from_the_work_file(settings: Settings):
    write_work(settings, {"marts.a": pl.DataFrame({"v": [1]}), "marts.b": pl.DataFrame({"v": [2]})})
    write_work(settings, {}, drop=("marts.b",))
    assert list(published_rows(settings)) == ["marts.a"]


def test_replaced_files_stay_while_a_recent_catalog_may_read_them_then_go(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
):
    data = settings.warehouse.with_name("journeys.data")
    write_work(settings, {"marts.t": pl.DataFrame({"v": [1]})})
    one = published_files(settings)["marts.t"]
    write_work(settings, {"marts.t": pl.DataFrame({"v": [2]})})
    write_work(settings, {"marts.t": pl.DataFrame({"v": [3]})})
    assert all(Path(f).is_file() for f in one)  # published within the hour: kept
    monkeypatch.setattr("journeys.publish.KEEP_PUBLISHED_SECONDS", 0)
    write_work(settings, {"marts.t": pl.DataFrame({"v": [4]})})
    assert not any(Path(f).exists() for f in one)  # neither the last two nor recent enough
    left = {str(p) for p in data.rglob("*.parquet")}
    kept = published_files(settings)["marts.t"]
    assert kept <= left and len(left) == 2  # the published catalog's and the one before it
    stray = data / "marts" / "t" / "left-by-a-killed-run.parquet"
    stray.write_bytes(b"PAR1")
    write_work(settings, {})
    assert not stray.exists()  # a file no catalog lists is garbage


def test_publish_replaces_a_published_file_it_cannot_read(settings: Settings):
    write_work(settings, {"marts.a": pl.DataFrame({"v": [1]})})
    settings.warehouse.write_bytes(b"not a warehouse")
    with writer_lock(settings, step="publish"):
        publish_marts(settings)
    assert published_rows(settings) == {"marts.a": ["(1,)"]}
    assert not list(settings.warehouse.parent.glob(".*.next*"))


def test_a_new_work_file_keeps_the_files_the_published_catalog_reads(settings: Settings):
    """Someone deletes the work file to start afresh: the next writer must not take the
    published marts' files for garbage (readers would find them gone)."""
    write_work(settings, {"marts.t": pl.DataFrame({"v": [1, 2]})})
    work_path(settings).unlink()
    with open_work(settings, step="ingest"):
        pass  # a writing step ends: garbage is collected
    assert published_rows(settings) == {"marts.t": ["(1,)", "(2,)"]}


def test_work_file_of_an_older_layout_is_refused_with_the_fix(settings: Settings):
    """A work file whose marts are DuckDB tables (the layout before ADR 0004) and that records no
    format is not built on: one line naming the file and the rebuild, nothing changed in it."""
    work = work_path(settings)
    work.parent.mkdir(parents=True)
    with duckdb.connect(str(work)) as con:  # what a build of the older version left
        con.execute("CREATE SCHEMA marts; CREATE TABLE marts.journeys (journey_id VARCHAR)")
        con.execute("INSERT INTO marts.journeys VALUES ('j1')")
    with pytest.raises(StaleWarehouse, match="older version") as raised:
        steps.build_marts(settings)
    message = str(raised.value)
    assert str(work) in message and "journeys run" in message and "\n" not in message
    assert "journeys import-log" in message  # a warehouse of imported logs is loaded so
    with duckdb.connect(str(work), read_only=True) as con:
        assert con.execute("SELECT journey_id FROM marts.journeys").fetchall() == [("j1",)]


def test_a_new_work_file_records_its_layout_and_opens_again(settings: Settings):
    build_version(settings, 1)
    build_version(settings, 2)  # the second open finds its own format
    assert published_version(settings) == 2
    with duckdb.connect(str(work_path(settings)), read_only=True) as con:
        assert con.execute("SELECT version FROM raw.warehouse_format").fetchall() == [
            (WAREHOUSE_FORMAT,)
        ]


def test_demo_warehouse_of_an_older_layout_is_loaded_again(settings: Settings):
    from journeys.demo import reset_stale_demo

    assert not reset_stale_demo(settings)  # nothing there
    build_version(settings, 1)
    assert not reset_stale_demo(settings)  # a current one is kept
    assert published_version(settings) == 1
    with duckdb.connect(str(work_path(settings))) as con:
        con.execute("UPDATE raw.warehouse_format SET version = 3")
    assert reset_stale_demo(settings)
    assert not work_path(settings).exists() and not Path(settings.warehouse).exists()


# -- a warehouse folder moved or copied ------------------------------------------------------------


def recorded_files(settings: Settings) -> list[str]:
    with duckdb.connect(str(work_path(settings)), read_only=True) as con:
        return [f for (files,) in con.execute("SELECT files FROM raw.data_files").fetchall()
                for f in files]  # fmt: skip


def test_a_copied_warehouse_folder_reads_its_own_files_and_outlives_the_original(
    settings: Settings, tmp_path: Path
):
    """cp -r of a warehouse folder (a backup, a copy for an analyst): the copy's catalogs must
    read the copy's Parquet files, not the original's, so that the copy still works, and does not
    change, once the original is deleted or moves on."""
    two_marts = {"marts.a": pl.DataFrame({"v": [1, 2]}), "marts.b": pl.DataFrame({"w": ["x"]})}
    write_work(settings, two_marts)
    copy = Settings(warehouse=tmp_path / "copy" / "journeys.duckdb")
    shutil.copytree(settings.warehouse.parent, copy.warehouse.parent)
    with open_work(copy, step="build", publish=True):
        pass  # any writing step: the copy is pointed at its own data folder and published
    write_work(settings, {"marts.a": pl.DataFrame({"v": [9]})})  # the original moves on
    shutil.rmtree(settings.warehouse.parent)
    home = str(copy.warehouse.with_name("journeys.data")) + os.sep
    assert recorded_files(copy) and all(f.startswith(home) for f in recorded_files(copy))
    assert all(f.startswith(home) for files in published_files(copy).values() for f in files)
    assert published_rows(copy) == {"marts.a": ["(1,)", "(2,)"], "marts.b": ["('x',)"]}
    write_work(copy, {"marts.b": pl.DataFrame({"w": ["y"]})})  # and it is built on
    assert published_rows(copy) == {"marts.a": ["(1,)", "(2,)"], "marts.b": ["('y',)"]}


def test_a_moved_warehouse_folder_is_published_again_from_its_new_place(
    settings: Settings, tmp_path: Path
):
    write_work(settings, {"marts.a": pl.DataFrame({"v": [1]})})
    moved = Settings(warehouse=tmp_path / "moved" / "journeys.duckdb")
    shutil.move(settings.warehouse.parent, moved.warehouse.parent)
    with open_work(moved, step="build", publish=True) as wh:
        assert wh.read_table("marts.a")["v"].to_list() == [1]  # the work file's view, too
    assert published_rows(moved) == {"marts.a": ["(1,)"]}
    assert not settings.warehouse.parent.exists()


def test_a_work_file_moved_without_its_data_folder_is_refused_with_the_fix(
    settings: Settings, tmp_path: Path
):
    write_work(settings, {"marts.a": pl.DataFrame({"v": [1]})})
    moved = Settings(warehouse=tmp_path / "moved" / "journeys.duckdb")
    moved.warehouse.parent.mkdir()
    shutil.copy(work_path(settings), work_path(moved))  # the work file alone
    with pytest.raises(WarehouseError) as raised, open_work(moved, step="build", publish=True):
        pass
    message = str(raised.value)
    old = settings.warehouse.with_name("journeys.data")
    new = moved.warehouse.with_name("journeys.data")
    assert str(old) in message and str(new) in message and "copy" in message
    assert "\n" not in message
    shutil.copytree(old, new)  # the fix it names
    with open_work(moved, step="build", publish=True):
        pass
    assert published_rows(moved) == {"marts.a": ["(1,)"]}


def test_a_moved_catalog_read_before_it_is_published_again_names_the_step(
    settings: Settings, tmp_path: Path
):
    write_work(settings, {"marts.a": pl.DataFrame({"v": [1]})})
    moved = Settings(warehouse=tmp_path / "moved" / "journeys.duckdb")
    shutil.move(settings.warehouse.parent, moved.warehouse.parent)
    with pytest.raises(WarehouseError, match="moved or copied; run `journeys build` once"):
        open_published(moved)  # its views read the files of a folder that is gone
    with open_work(moved, step="build", publish=True):
        pass
    with open_published(moved) as wh:
        assert wh.read_table("marts.a")["v"].to_list() == [1]
