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
from journeys.config import Settings, SourceSettings
from journeys.publish import WriterBusy, open_published, open_work_file, work_path
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
from journeys.config import Settings, SourceSettings, validate_settings

def half_build(wh, settings, *, full=False, **_):
    wh.write_table("marts.events", pl.DataFrame({"v": [2]}))
    print("halfway", flush=True)
    sys.stdin.readline()  # parked here, holding the lock, until the test kills the process
    wh.write_table("marts.journeys", pl.DataFrame({"v": [2]}))
    wh.write_table("marts.customers", pl.DataFrame({"v": [2]}))

journeys.build.build_warehouse = half_build
steps.build_marts(Settings(warehouse=sys.argv[1]))
print("finished", flush=True)
"""

KILLED_REAL_BUILD = """
import json, sys
from journeys import steps
from journeys.config import Settings, SourceSettings, validate_settings
from journeys.warehouse import Warehouse

original = Warehouse.run_model

def run_model(self, model, **params):
    if model == "marts/transitions":  # paths committed, mining half done, build not recorded
        print("halfway", flush=True)
        sys.stdin.readline()  # parked here until the test kills the process
    return original(self, model, **params)

Warehouse.run_model = run_model
steps.build_marts(validate_settings(json.loads(sys.argv[1])))
print("finished", flush=True)
"""


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(warehouse=tmp_path / "wh" / "journeys.duckdb")


@pytest.fixture
def versioned_build(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> list[int]:
    """Replace the builder: each build writes the next version into every mart, table by table.
    The work file is made first, as a load makes it (a build finds nothing loaded without it)."""
    open_work_file(settings).close()
    versions: list[int] = []

    def build(wh: Warehouse, settings: Settings, *, full: bool = False, **_: object) -> int:
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


def write_events(folder: Path, name: str, customers: range, *, days_later: int = 0) -> None:
    """Web and transaction events of a few customers, one file per source."""
    web, tx = folder / "web", folder / "transactions"
    web.mkdir(parents=True, exist_ok=True)
    tx.mkdir(parents=True, exist_ok=True)
    web_rows = ["event_id,anonymous_id,user_id,event_type,occurred_at,page_path,referrer,device"]
    tx_rows = ["event_id,customer_id,order_id,event_type,occurred_at,amount,currency"]
    for c in customers:
        day, e = 1 + c % 20 + days_later, f"{name}-{c}"
        web_rows += [
            f"w{e}a,a{c},c{c},page_view,2026-03-{day:02d}T10:00:00Z,/,,mobile",
            f"w{e}b,a{c},c{c},add_to_cart,2026-03-{day:02d}T10:0{c % 7}:00Z,/cart,,mobile",
        ]
        tx_rows += [f"t{e},c{c},o{e},payment_captured,2026-03-{day:02d}T10:30:00Z,{c}.5,EUR"]
        if c % 3:
            tx_rows += [f"t{e}s,c{c},o{e},order_shipped,2026-03-{day + 1:02d}T08:00:00Z,,EUR"]
    (web / f"web_{name}.csv").write_text("\n".join(web_rows) + "\n", encoding="utf-8")
    (tx / f"transactions_{name}.csv").write_text("\n".join(tx_rows) + "\n", encoding="utf-8")


def landing_settings(root: Path) -> Settings:
    sources = {s: SourceSettings(path=str(root / "landing" / s)) for s in ("web", "transactions")}
    return Settings(warehouse=root / "wh" / "journeys.duckdb", sources=sources)


def mart_rows(settings: Settings) -> dict[str, list[Any]]:
    """Every path and mining mart's rows, order-free and without generated ids."""
    with open_published(settings) as wh:
        return {
            "journeys": sorted(
                str(r) for r in wh.read_table("marts.journeys", columns=["path", "status"]).rows()
            ),
            "events": [wh.count("marts.events")],
            "transitions": sorted(str(r) for r in wh.read_table("marts.transitions").rows()),
            "variants": sorted(
                str(r) for r in wh.read_table("marts.variants", columns=["path", "journeys"]).rows()
            ),
        }


def test_a_real_build_killed_half_way_recovers_to_what_a_clean_build_gives(tmp_path: Path):
    settings = landing_settings(tmp_path)
    write_events(tmp_path / "landing", "day1", range(0, 12))
    steps.ingest_landing(settings)
    steps.build_marts(settings)
    day1 = mart_rows(settings)

    write_events(tmp_path / "landing", "day2", range(8, 20), days_later=5)  # new, returning
    steps.ingest_landing(settings)
    build = Helper(KILLED_REAL_BUILD, json.dumps(settings.as_json()))
    try:
        assert build.next_message() == "halfway"
    finally:
        assert build.kill() == -signal.SIGKILL
    assert mart_rows(settings) == day1  # readers still see day 1, whole

    steps.build_marts(settings)  # the next run completes ...
    recovered = mart_rows(settings)
    clean = landing_settings(tmp_path / "clean")
    write_events(tmp_path / "clean" / "landing", "day1", range(0, 12))
    write_events(tmp_path / "clean" / "landing", "day2", range(8, 20), days_later=5)
    steps.ingest_landing(clean)
    steps.build_marts(clean)
    assert recovered == mart_rows(clean)  # ... with the marts a build without the kill gives
    assert recovered != day1
