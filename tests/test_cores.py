"""Small work on one core (journeys/cores.py): every thread pinned inside, every thread put back."""

from __future__ import annotations

import os
import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import polars as pl
import pytest

from feed import Mix, journey_rows, sample_feed, write_feed
from journeys import steps
from journeys.config import Settings
from journeys.cores import ONE_CORE_JOURNEYS, one_core
from journeys.publish import open_work
from test_micro import FIRST, shop_settings

pytestmark = pytest.mark.skipif(
    not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2,
    reason="needs Linux thread affinity and two cores",
)


def _ingested_week(root: Path, *, seed: int) -> Settings:
    """A shop's settings in ``root`` with a week of its journeys (a few hundred) ingested."""
    settings = shop_settings(root)
    feed = sample_feed(random.Random(seed), first=FIRST, days=7, per_day=12, mix=Mix(), prefix="c")
    write_feed(root / "landing", journey_rows(feed, known=set()), name="delivery-0")
    steps.ingest_landing(settings)
    return settings


def _masks() -> dict[int, set[int]]:
    masks = {}
    for name in os.listdir("/proc/self/task"):
        with suppress(OSError):  # ended meanwhile
            masks[int(name)] = os.sched_getaffinity(int(name))
    return masks


def test_every_thread_runs_on_one_core_inside_and_as_before_after():
    frame = pl.DataFrame({"a": list(range(100))})
    assert len(frame.filter(pl.col("a") > 10)) == 89  # polars' pool threads exist
    before = _masks()
    allowed = os.sched_getaffinity(0)
    started: list[int] = []
    with one_core():
        inside = _masks()
        cores = {frozenset(mask) for tid, mask in inside.items() if tid in before}
        assert len(cores) == 1 and len(next(iter(cores))) == 1  # all of them, the same one core
        assert next(iter(cores)) <= allowed
        assert len(frame.filter(pl.col("a") > 10)) == 89  # the work itself is the same

        def record() -> None:
            started.append(threading.get_native_id())
            running.set()
            done.wait()

        running, done = threading.Event(), threading.Event()
        thread = threading.Thread(target=record)
        thread.start()
        running.wait()
        assert os.sched_getaffinity(started[0]) == next(iter(cores))  # inherits the pin
    after = _masks()
    for tid, mask in before.items():
        if tid in after:
            assert after[tid] == mask
    assert after[started[0]] == allowed  # started inside: given the caller's cores
    done.set()
    thread.join()


def test_disabled_it_changes_nothing():
    before = _masks()
    with one_core(False):
        assert _masks() == before


def test_compare_and_report_run_on_one_core_only_below_the_threshold(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    """A warehouse of a few hundred journeys compares on one core; with the threshold at its
    journeys, on every core (the decision follows the journeys); its report the same way."""
    seen: list[bool] = []

    @contextmanager
    def spy(enabled: bool = True) -> Iterator[None]:
        seen.append(enabled)
        yield

    monkeypatch.setattr(steps, "one_core", spy)
    settings = _ingested_week(tmp_path, seed=3)
    steps.build_marts(settings, publish=False)
    with open_work(settings, step="test") as wh:
        journeys = wh.count("marts.journeys")
        assert 0 < journeys < ONE_CORE_JOURNEYS
        steps.compare_in(wh, settings, full=True)
        monkeypatch.setattr(steps, "ONE_CORE_JOURNEYS", journeys)
        steps.compare_in(wh, settings, full=True)
    steps.publish(settings)
    steps.write_reports(settings, tmp_path / "reports")  # the report decides the same way
    monkeypatch.setattr(steps, "ONE_CORE_JOURNEYS", journeys + 1)
    steps.write_reports(settings, tmp_path / "reports")
    assert seen == [True, False, False, True]


def _threads(wh) -> int:
    return int(wh._run("SELECT current_setting('threads')")[0][0])


def test_a_connection_runs_on_one_thread_inside_and_as_configured_after(tmp_path: Path):
    """``Connection.threads``: one thread inside the block, kept when the file is closed and
    opened again inside it (``released``), DuckDB's own count (or the configured one) after."""
    from journeys.warehouse import Warehouse

    with Warehouse(tmp_path / "w.duckdb") as wh:
        default = _threads(wh)
        assert default > 1  # DuckDB's own: one per core (the module is skipped on one core)
        with wh.threads(1):
            assert _threads(wh) == 1
            with wh.released():
                pass
            assert _threads(wh) == 1
        assert _threads(wh) == default
    with Warehouse(tmp_path / "w.duckdb", threads=2) as wh, wh.threads(1):
        assert _threads(wh) == 1
    with Warehouse(tmp_path / "w.duckdb", threads=2) as wh:
        with wh.threads(1):
            pass
        assert _threads(wh) == 2


def test_a_small_build_runs_on_one_thread_and_a_large_one_on_every_core(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    """Below ``ONE_THREAD_ROWS`` loaded rows the build's statements run on one thread; at the
    threshold on DuckDB's own count; either way the connection is as before after the build."""
    import journeys.build as build
    from journeys.warehouse import Warehouse

    seen: list[int | None] = []
    threads = Warehouse.threads

    @contextmanager
    def spy(self: Warehouse, count: int | None) -> Iterator[None]:
        seen.append(count)
        with threads(self, count):
            assert count is None or _threads(self) == count
            yield

    monkeypatch.setattr(Warehouse, "threads", spy)
    settings = _ingested_week(tmp_path, seed=5)
    with open_work(settings, step="test") as wh:
        rows = int(wh._run("SELECT sum(rows_accepted) FROM raw.manifest")[0][0])
        assert 0 < rows < build.ONE_THREAD_ROWS
        before = _threads(wh)
        build.build_warehouse(wh, settings, full=True)
        assert _threads(wh) == before > 1
        monkeypatch.setattr(build, "ONE_THREAD_ROWS", rows)
        build.build_warehouse(wh, settings, full=True)
    assert seen == [1, None]


def test_numpy_blas_threads_started_before_run_as_one_inside():
    """NumPy's OpenBLAS starts a worker thread per core at its first use; put on one core with
    the thread handing them work, they spin beside it: a 130 x 130 solve took 128 ms instead of
    0.13 ms, and `journeys analyze` of a log with 128 touchpoints spent 13.8 s in the 128 solves
    of its removal effects. Inside the block a BLAS already started runs on one thread."""
    import numpy as np
    from threadpoolctl import threadpool_info

    np.linalg.solve(np.eye(200) + 0.001, np.ones(200))  # the pool has started, on every core

    def blas_threads() -> list[int]:
        return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]

    outside = blas_threads()
    assert outside  # NumPy's wheels carry OpenBLAS
    if max(outside) == 1:
        pytest.skip("NumPy's BLAS runs on one thread here already (OPENBLAS_NUM_THREADS=1)")
    with one_core():
        assert blas_threads() == [1] * len(outside)
        solved = np.linalg.solve(np.eye(130) * 2.0, np.ones(130))
        assert solved.tolist() == [0.5] * 130  # the same answer, on one thread
    assert blas_threads() == outside
