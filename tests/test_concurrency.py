"""Readers in other processes while the build publishes; a build killed half-way.

The builder here is a stand-in for ``journeys.build.build_warehouse`` that writes three marts
one statement at a time, all stamped with one version, so a reader can tell a consistent
snapshot (every table the same version) from a half-built one. Helper processes talk to the
test through pipes and a stop file; the test itself never sleeps, it waits on bounded reads.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import polars as pl
import pytest

import journeys.build
from journeys import steps
from journeys.config import Settings
from journeys.publish import WriterBusy, open_published, work_path
from journeys.warehouse import Warehouse

TABLES = ("marts.events", "marts.journeys", "marts.customers")
TIMEOUT = 60.0

READER = """
import json, pathlib, sys, time
import duckdb

path, stop, mode = sys.argv[1], pathlib.Path(sys.argv[2]), sys.argv[3]
SQL = ("SELECT (SELECT max(v) FROM marts.events), (SELECT max(v) FROM marts.journeys), "
       "(SELECT max(v) FROM marts.customers)")

def snapshot(con):
    return list(con.execute(SQL).fetchone())

held = duckdb.connect(path, read_only=True) if mode == "hold" else None
first = snapshot(held) if held else None
print(json.dumps({"ready": True}), flush=True)
queries, errors, seen = 0, [], []
while not stop.exists():
    try:
        if held:
            current = snapshot(held)
            if current != first:
                errors.append(f"held connection changed: {first} -> {current}")
        else:
            con = duckdb.connect(path, read_only=True)
            try:
                current = snapshot(con)
            finally:
                con.close()
            if len(set(current)) != 1:
                errors.append(f"half-built marts: {current}")
            if current[0] not in seen:
                seen.append(current[0])
                print(json.dumps({"version": current[0]}), flush=True)
        queries += 1
    except Exception as exc:
        errors.append(repr(exc))
    time.sleep(0.01)
print(json.dumps({"queries": queries, "errors": errors, "seen": seen, "first": first}), flush=True)
"""

KILLED_BUILD = """
import sys
import polars as pl
import journeys.build
from journeys import steps
from journeys.config import Settings

def half_build(wh, settings, *, full=False):
    wh.write_table("marts.events", pl.DataFrame({"v": [2]}))
    print("halfway", flush=True)
    sys.stdin.readline()  # parked here, holding the lock, until the test kills the process
    wh.write_table("marts.journeys", pl.DataFrame({"v": [2]}))
    wh.write_table("marts.customers", pl.DataFrame({"v": [2]}))

journeys.build.build_warehouse = half_build
steps.build_marts(Settings(warehouse=sys.argv[1]))
print("finished", flush=True)
"""


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(warehouse=tmp_path / "wh" / "journeys.duckdb")


@pytest.fixture
def versioned_build(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Replace the builder: each build writes the next version into every mart, table by table."""
    versions: list[int] = []

    def build(wh: Warehouse, settings: Settings, *, full: bool = False) -> int:
        version = len(versions) + 1
        for table in TABLES:
            wh.write_table(table, pl.DataFrame({"v": [version] * 100}))
        versions.append(version)
        return version

    monkeypatch.setattr(journeys.build, "build_warehouse", build)
    return versions


def published_versions(settings: Settings) -> list[int]:
    with open_published(settings) as wh:
        return [int(wh.read_table(t)["v"].max()) for t in TABLES]


class Helper:
    """A helper process speaking one line at a time (JSON or a word) on its stdout."""

    def __init__(self, script: str, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", script, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.pid = self.proc.pid
        self._buffer = b""

    def next_message(self) -> Any:
        """The next line, waiting at most TIMEOUT seconds in all."""
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + TIMEOUT
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            assert left > 0 and select.select([fd], [], [], left)[0], "the helper is silent"
            chunk = os.read(fd, 1 << 16)
            assert chunk, f"the helper ended: {self.proc.stderr.read()!r}"  # type: ignore[union-attr]
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        text = line.decode()
        return json.loads(text) if text.startswith("{") else text

    def finish(self) -> Any:
        """Wait for the helper to end; its last line."""
        out, err = self.proc.communicate(timeout=TIMEOUT)
        lines = (self._buffer + out).decode().splitlines()
        assert self.proc.returncode == 0, err.decode()
        return json.loads(lines[-1])

    def kill(self) -> int:
        os.kill(self.pid, signal.SIGKILL)
        self.proc.communicate(timeout=TIMEOUT)
        return self.proc.returncode


def test_readers_in_other_processes_and_the_build_both_succeed(
    settings: Settings, tmp_path: Path, versioned_build: list[int]
):
    steps.build_marts(settings)
    assert published_versions(settings) == [1, 1, 1]
    stop = tmp_path / "stop"
    holder = Helper(READER, str(settings.warehouse), str(stop), "hold")
    poller = Helper(READER, str(settings.warehouse), str(stop), "poll")
    try:
        assert holder.next_message() == {"ready": True}
        assert poller.next_message() == {"ready": True}
        assert poller.next_message() == {"version": 1}
        for _ in range(4):  # build and publish while both readers keep their connections
            steps.build_marts(settings)
        assert published_versions(settings) == [5, 5, 5]
        seen = [1]
        for _ in range(10):  # bounded: the poller reports each new version it sees
            if seen[-1] == 5:
                break
            seen.append(poller.next_message()["version"])
        assert seen[-1] == 5 and seen == sorted(seen)
    finally:
        stop.touch()
    held, polled = holder.finish(), poller.finish()
    # the held connection kept its snapshot across four swaps; fresh ones never saw a mix
    assert held["errors"] == [] and held["first"] == [1, 1, 1] and held["queries"] > 0
    assert polled["errors"] == [] and polled["queries"] > len(polled["seen"])


def test_a_build_killed_half_way_leaves_the_old_marts_and_the_next_run_completes(
    settings: Settings, versioned_build: list[int]
):
    steps.build_marts(settings)
    assert published_versions(settings) == [1, 1, 1]
    build = Helper(KILLED_BUILD, str(settings.warehouse))
    try:
        assert build.next_message() == "halfway"
        with pytest.raises(WriterBusy, match=rf"pid {build.pid}, step build"):
            steps.build_marts(settings)
    finally:
        returncode = build.kill()
    assert returncode == -signal.SIGKILL
    with Warehouse(work_path(settings), read_only=True) as work:  # the half-built work file
        assert int(work.read_table("marts.events")["v"].max()) == 2
    assert published_versions(settings) == [1, 1, 1]  # readers still see the old marts

    steps.build_marts(settings)  # the lock died with the process: the next run just works
    assert published_versions(settings) == [2, 2, 2]
