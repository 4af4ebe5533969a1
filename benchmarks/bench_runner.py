"""Runners for ``benchmarks/run.py --runner``: how the stages' jobs run in a benchmark.

``here`` (one after the other in the stage's process), ``threads`` (a thread per core) or
``dask:N`` (a local Dask cluster of N worker processes, one thread each, reached through a
plain ``distributed.Client``: the jobs as journeys runs them on a cluster, without the
Prefect task bookkeeping the flows add). Every job is timed where it runs (CPU-seconds of its
whole process: exact when a process runs one job at a time); the totals per job
function (jobs, wall seconds, CPU-seconds, worker processes) are written as JSON to the file
named by ``JOURNEYS_BENCH_JOBS`` when the stage's process ends.
"""

from __future__ import annotations

import atexit
import json
import os
import resource
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from journeys.runner import Runner

TIMINGS: dict[str, dict[str, Any]] = {}


class Timed:
    """A job function that also returns where it ran and how long it took (picklable)."""

    def __init__(self, function: Callable[[Any], Any]) -> None:
        self.function = function

    def __call__(self, job: Any) -> tuple[Any, float, float, int]:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        started = time.perf_counter()
        result = self.function(job)
        after = resource.getrusage(resource.RUSAGE_SELF)
        cpu = after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime
        return result, time.perf_counter() - started, cpu, os.getpid()


def _record(
    function: Callable[[Any], Any], timed: list[tuple[Any, float, float, int]]
) -> list[Any]:
    entry = TIMINGS.setdefault(
        function.__name__, {"calls": 0, "jobs": 0, "seconds": 0.0, "cpu_seconds": 0.0, "pids": []}
    )
    entry["calls"] += 1
    entry["jobs"] += len(timed)
    entry["seconds"] = round(entry["seconds"] + sum(t[1] for t in timed), 3)
    entry["cpu_seconds"] = round(entry["cpu_seconds"] + sum(t[2] for t in timed), 3)
    entry["pids"] = sorted(set(entry["pids"]) | {t[3] for t in timed})
    return [t[0] for t in timed]


@atexit.register
def _write() -> None:
    target = os.environ.get("JOURNEYS_BENCH_JOBS")
    if target and TIMINGS:
        Path(target).write_text(json.dumps(TIMINGS, indent=2))


def runner(spec: str) -> Runner:
    if spec == "here":

        def here(function: Callable[[Any], Any], jobs: Sequence[Any]) -> list[Any]:
            return _record(function, [Timed(function)(job) for job in jobs])

        return here
    if spec == "threads":
        pool = ThreadPoolExecutor(max_workers=os.cpu_count() or 1)

        def threaded(function: Callable[[Any], Any], jobs: Sequence[Any]) -> list[Any]:
            return _record(function, list(pool.map(Timed(function), jobs)))

        return threaded
    if spec.startswith("dask:"):
        from distributed import Client, LocalCluster

        cluster = LocalCluster(
            n_workers=int(spec.partition(":")[2]),
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        )
        client = Client(cluster)

        def on_dask(function: Callable[[Any], Any], jobs: Sequence[Any]) -> list[Any]:
            if not jobs:
                return []
            futures = client.map(Timed(function), list(jobs), pure=False)
            return _record(function, list(client.gather(futures)))

        return on_dask
    raise SystemExit(f"--runner {spec}: use here, threads or dask:N")
