"""Faults: a process killed (SIGKILL) during ingest, build, compare, publish or report, then run
again, ends with exactly the marts of a run that was never killed: no row lost, none twice.

A small synthetic shop (``journeys generate``) is delivered in two parts: the first delivery is
loaded, built, compared and published by a clean run; the second (its late/ folder) is then
processed by a child process that kills itself at a chosen point. The point is deterministic:
the child replaces one journeys function with a wrapper that sends itself SIGKILL on the n-th
matching call, before or after the original runs. The next run (the same steps, in this
process) must complete, and its published marts, raw layer and rejects must equal those of a
run of both deliveries without any kill. test_concurrency.py kills a build half-way; this file
covers the other steps and more points of each.

Also here: two real CLI processes writing one warehouse (one refuses with one line naming the
holder, exit 1) while readers go on reading.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from journeys import steps
from journeys.config import Settings, load_settings
from journeys.demo import SAMPLE_DIR
from journeys.publish import lock_path, work_path

pytestmark = pytest.mark.slow
TIMEOUT = 120.0
JOURNEYS = Path(sys.executable).with_name("journeys")
STEPS = ("ingest_landing", "build_marts", "compare_maps", "write_reports")

KILLED_RUN = r"""
import importlib, json, os, signal, sys
from journeys import steps
from journeys.config import Settings, validate_settings

settings = validate_settings(json.loads(sys.argv[1]))
module, attr, nth, when, match = json.loads(sys.argv[2])
owner = importlib.import_module(module)
for part in attr.split(".")[:-1]:
    owner = getattr(owner, part)
name = attr.split(".")[-1]
original = getattr(owner, name)
calls = 0

def die():
    print("killed", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)

def hook(*args, **kwargs):
    global calls
    hit = match is None or any(match in str(a) for a in (*args, *kwargs.values()))
    calls += hit
    if hit and calls == nth and when == "before":
        die()
    result = original(*args, **kwargs)
    if hit and calls == nth and when == "after":
        die()
    return result

setattr(owner, name, hook)
for step in sys.argv[3].split(","):
    getattr(steps, step)(settings)
print("finished", flush=True)
"""


@dataclass(frozen=True)
class KillPoint:
    module: str
    attr: str
    nth: int
    when: str
    match: str | None
    published_after_kill: str
    """Which marts readers see right after the kill: 'day1', 'day2' or 'any'."""


KILL_POINTS = {
    # ingest: inside the first new file's transaction (rows and manifest written, not committed)
    "ingest-in-transaction": KillPoint("journeys.ingest.load", "_record", 1, "after", None, "day1"),
    # ingest: the first new file committed, the second not started
    "ingest-between-files": KillPoint(
        "journeys.ingest.load", "load_file", 1, "before", "late/support", "day1"
    ),
    # build: events of the changed customers deleted and appended, paths transaction open
    "build-in-paths": KillPoint(
        "journeys.warehouse", "Warehouse.append_model", 1, "after", "marts/events", "day1"
    ),
    # build: everything built and recorded in the work file, nothing published
    "build-before-publish": KillPoint(
        "journeys.warehouse", "Warehouse.execute", 1, "after", "queries/record_build", "day1"
    ),
    # publish: the next catalog attached and its views committed, not yet detached (its
    # write-ahead log beside it)
    "publish-mid-catalog": KillPoint(
        "journeys.warehouse", "Warehouse._run", 1, "before", "DETACH", "day1"
    ),
    # publish: the next file complete, not yet renamed over the published one
    "publish-before-rename": KillPoint(
        "journeys.publish", "os.replace", 1, "before", ".next", "day1"
    ),
    # publish: renamed, the writer lock still held by the dying process
    "publish-after-rename": KillPoint(
        "journeys.publish", "os.replace", 1, "after", ".next", "day2"
    ),
    # compare: map_conformance replaced inside compare's transaction
    "compare-in-transaction": KillPoint(
        "journeys.warehouse", "Warehouse.replace_rows", 1, "after", "marts.map_", "day2"
    ),
    # report: one map page written, the index not yet
    "report-between-pages": KillPoint(
        "journeys.report.pages", "_write", 1, "after", ".html", "any"
    ),
}


def make_settings(root: Path) -> Settings:
    """The sample's configuration (touchpoint rules, maps) over this folder's landing files."""
    config = root / "landing" / "journeys.yaml"
    return load_settings(
        config, warehouse=root / "warehouse" / "journeys.duckdb", reports=root / "reports"
    )


def deliver(root: Path, shop: Path, *, day: int) -> None:
    land = root / "landing"
    if day == 1:
        land.mkdir(parents=True)
        for file in shop.glob("*.*"):
            if file.suffix in (".csv", ".jsonl"):
                shutil.copy(file, land / file.name)
        shutil.copy(SAMPLE_DIR / "journeys.yaml", land / "journeys.yaml")
        shutil.copytree(SAMPLE_DIR / "maps", land / "maps")
    else:
        shutil.copytree(shop / "late", land / "late")


def run_steps(settings: Settings, names: tuple[str, ...] = STEPS[:3]) -> None:
    for name in names:
        getattr(steps, name)(settings)


def snapshot(settings: Settings) -> dict[str, Any]:
    """What must be equal to a clean run: every published table (order-free; batch ids and load
    times, which name a run, left out) and the writer's raw layer, counted."""
    tables: dict[str, Any] = {}
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        names = con.execute(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables "
            "WHERE table_catalog = current_database() ORDER BY 1"
        ).fetchall()
        for (name,) in names:
            relation = con.sql(f"SELECT * FROM {name}")
            keep = [c for c in relation.columns if c not in ("batch_id", "loaded_at")]
            rows = con.sql(f"SELECT {', '.join(keep)} FROM {name}").fetchall()
            tables[name] = sorted(map(repr, rows))
    with duckdb.connect(str(work_path(settings)), read_only=True) as con:
        tables["work: raw.manifest"] = sorted(con.execute(
            "SELECT source, regexp_extract(file, 'landing/.*'), rows_read, rows_accepted, "
            "rows_rejected, duplicates, late_events FROM raw.manifest").fetchall())  # fmt: skip
        for source in ("customers", "transactions", "web", "support", "rejects"):
            tables[f"work: raw.{source}"] = con.execute(
                f"SELECT count(*) FROM raw.{source}"
            ).fetchall()
        for source in ("transactions", "web", "support"):  # each event id accepted once
            tables[f"work: raw.{source} ids accepted twice"] = con.execute(
                f"SELECT count(*) - count(DISTINCT trim(event_id)) FROM raw.{source} "
                "WHERE NOT _is_duplicate"
            ).fetchall()
    return tables


def events_are_unique(settings: Settings) -> None:
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        total, distinct = con.execute(
            "SELECT count(*), count(DISTINCT (source, event_id)) FROM marts.events"
        ).fetchone()  # type: ignore[misc]
    assert total == distinct > 0


@dataclass(frozen=True)
class Baseline:
    shop: Path
    day1: Path  # a root after the clean first delivery: landing, warehouse, work file
    day1_marts: dict[str, Any]
    clean: dict[str, Any]


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Baseline:
    from journeys.generate import generate_sources

    shop = tmp_path_factory.mktemp("shop")
    generate_sources(shop, customers=40, seed=11)
    day1 = tmp_path_factory.mktemp("day1")
    deliver(day1, shop, day=1)
    run_steps(make_settings(day1))
    clean = tmp_path_factory.mktemp("clean")
    shutil.copytree(day1, clean, dirs_exist_ok=True)
    deliver(clean, shop, day=2)
    run_steps(make_settings(clean))
    events_are_unique(make_settings(clean))
    return Baseline(shop, day1, snapshot(make_settings(day1)), snapshot(make_settings(clean)))


def kill_child(settings: Settings, point: KillPoint, steps_csv: str) -> str:
    spec = json.dumps([point.module, point.attr, point.nth, point.when, point.match])
    proc = subprocess.run(
        [sys.executable, "-c", KILLED_RUN, json.dumps(settings.as_json()), spec, steps_csv],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    assert proc.stdout.splitlines()[-1:] == ["killed"], proc.stdout
    return proc.stderr


@pytest.mark.parametrize("point", KILL_POINTS.values(), ids=KILL_POINTS.keys())
def test_a_run_killed_anywhere_recovers_to_what_a_clean_run_gives(
    baseline: Baseline, tmp_path: Path, point: KillPoint
):
    root = tmp_path / "run"
    shutil.copytree(baseline.day1, root)
    deliver(root, baseline.shop, day=2)
    settings = make_settings(root)
    reporting = point.module == "journeys.report.pages"
    kill_child(settings, point, ",".join(STEPS if reporting else STEPS[:3]))

    # readers see whole marts, yesterday's or today's, never a mix and never an error
    after_kill = snapshot(settings)
    published = {k: v for k, v in after_kill.items() if not k.startswith("work:")}
    day1 = {k: v for k, v in baseline.day1_marts.items() if not k.startswith("work:")}
    if point.published_after_kill == "day1":
        assert published == day1
    elif point.published_after_kill == "day2":
        assert published["marts.events"] == baseline.clean["marts.events"]

    run_steps(settings, STEPS if reporting else STEPS[:3])  # the lock died with the process
    assert snapshot(settings) == baseline.clean
    events_are_unique(settings)
    assert not list(settings.warehouse.parent.glob(".*.next*"))  # nor their .wal
    if reporting:  # every page rewritten whole, no half-written temporary left
        pages = sorted(p.name for p in Path(settings.reports).iterdir())
        assert pages == [
            "index.html",
            "online-purchase.html",
            "plotly.min.js",
            "support-resolution.html",
        ]


# -- two writers, readers ------------------------------------------------------------------------

HOLDING_CLI = r"""
import sys
import journeys.ingest.load as load
from journeys.cli import main

original = load.load_file

def held(*args, **kwargs):
    print("holding", flush=True)
    sys.stdin.readline()  # parked inside `journeys ingest`, holding the writer lock
    return original(*args, **kwargs)

load.load_file = held
sys.exit(main(sys.argv[1:]))
"""


def read_line(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    deadline = time.monotonic() + TIMEOUT
    ready: list[Any] = []
    while not ready and time.monotonic() < deadline:
        ready = select.select([proc.stdout], [], [], deadline - time.monotonic())[0]
    assert ready, "the helper process is silent"
    return proc.stdout.readline().strip()


def journeys_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DO_NOT_TRACK": "1"}
    return subprocess.run(
        [str(JOURNEYS), *args], capture_output=True, text=True, timeout=TIMEOUT, env=env
    )


def test_a_second_writer_process_is_refused_while_readers_read(baseline: Baseline, tmp_path: Path):
    root = tmp_path / "run"
    shutil.copytree(baseline.day1, root)
    deliver(root, baseline.shop, day=2)
    settings = make_settings(root)
    config, warehouse = str(root / "landing" / "journeys.yaml"), str(settings.warehouse)
    new_file = str(root / "landing" / "late" / "transactions.csv")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            HOLDING_CLI,
            "--warehouse",
            warehouse,
            "ingest",
            "transactions",
            new_file,
            "--config",
            config,
        ],  # fmt: skip
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert read_line(holder) == "holding"
        for command in (["build"], ["ingest", "web", new_file]):
            refused = journeys_cli("--warehouse", warehouse, *command, "--config", config)
            assert refused.returncode == 1 and refused.stdout == ""
            [line] = refused.stderr.splitlines()  # one line, no traceback
            assert line.startswith(f"[{command[0]}] {warehouse}: another journeys run is writing")
            assert f"(pid {holder.pid}, step ingest, since " in line
        # readers are not writers: the report and a read-only connection work meanwhile
        report = journeys_cli("--warehouse", warehouse, "report", "--config", config,
                              "--out", str(tmp_path / "reports"))  # fmt: skip
        assert report.returncode == 0, report.stderr
        with duckdb.connect(warehouse, read_only=True) as con:
            assert con.execute("SELECT count(*) FROM marts.journeys").fetchone()[0] > 0
    finally:
        out, err = holder.communicate(input="\n", timeout=TIMEOUT)  # let the holder finish
    assert holder.returncode == 0, err
    assert "transactions.csv: " in out and "accepted" in out
    assert lock_path(settings).read_text() == ""  # released: nobody holds it
    assert journeys_cli("--warehouse", warehouse, "build", "--config", config).returncode == 0
