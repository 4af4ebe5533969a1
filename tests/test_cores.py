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
from journeys.cores import ONE_CORE_JOURNEYS, one_core
from journeys.publish import open_work
from test_micro import FIRST, shop_settings

pytestmark = pytest.mark.skipif(
    not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2,
    reason="needs Linux thread affinity and two cores",
)


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


def test_compare_runs_on_one_core_only_below_the_threshold(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    """A warehouse of a few hundred journeys compares on one core; with the threshold at its
    journeys, on every core (the decision follows the journeys)."""
    seen: list[bool] = []

    @contextmanager
    def spy(enabled: bool = True) -> Iterator[None]:
        seen.append(enabled)
        yield

    monkeypatch.setattr(steps, "one_core", spy)
    settings = shop_settings(tmp_path)
    feed = sample_feed(random.Random(3), first=FIRST, days=7, per_day=12, mix=Mix(), prefix="c")
    write_feed(tmp_path / "landing", journey_rows(feed, known=set()), name="delivery-0")
    steps.ingest_landing(settings)
    steps.build_marts(settings, publish=False)
    with open_work(settings, step="test") as wh:
        journeys = wh.count("marts.journeys")
        assert 0 < journeys < ONE_CORE_JOURNEYS
        steps.compare_in(wh, settings, full=True)
        monkeypatch.setattr(steps, "ONE_CORE_JOURNEYS", journeys)
        steps.compare_in(wh, settings, full=True)
    assert seen == [True, False]
