"""How a stage runs its jobs: here, one after the other, or as tasks elsewhere.

Every stage that grows with the events splits its work into jobs (frozen dataclasses naming the
files they read and the folder they write to) and hands them, with the module-level function
that does one job, to a ``Runner``. ``run_here`` runs them in this process; the Prefect flows
pass a runner that maps them as tasks on threads or on a Dask cluster
(``pipelines.partitions.task_runner``). The library never imports the flows.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

J = TypeVar("J")
R = TypeVar("R")

Runner = Callable[[Callable[[Any], Any], Sequence[Any]], Sequence[Any]]
"""``runner(function, jobs)`` returns ``[function(job) for job in jobs]``, in the jobs' order,
computed wherever the runner chooses (``function`` is a module-level function: picklable)."""


def run_here(function: Callable[[J], R], jobs: Sequence[J]) -> list[R]:
    """The default runner: every job in this process, one after the other."""
    return [function(job) for job in jobs]


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity where the system has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
