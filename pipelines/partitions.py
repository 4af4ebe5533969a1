"""Stage jobs as mapped Prefect tasks, on threads or on a Dask cluster.

Each writing task holds the writer lock and calls ``journeys.steps`` with
``task_runner(settings)``: the stage splits its work into jobs (files in, files out; see
``journeys.runner``), this runner maps them with the subflow ``journeys-jobs`` (one task per
job, named after the job's function: ``build-partition``, ``compute-medians``, ...) on the task
runner the settings choose, and the writer adopts what they wrote. The task runner:

* ``dask_address`` unset: threads in the flow's process (DuckDB releases the GIL);
* ``dask_address: local``: a local Dask cluster for the run (one worker process per core);
* ``dask_address: tcp://host:8786``: an existing Dask cluster (prefect-dask's DaskTaskRunner);
  the workers need journeys installed and must see the data and partition folders (and, for
  the stages that read it, the work file) at the same paths.

A job task touches no warehouse for writing: it reads files (or the work file, read-only) and
writes new files, so it does not take the writer lock and is safe to retry on another worker.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

from prefect import flow, task, unmapped
from prefect.task_runners import ThreadPoolTaskRunner

from journeys.config import Settings
from journeys.runner import Runner
from pipelines.tasks import _NO_CACHE, run_step

LOCAL_CLUSTER = "local"


@task(name="job", **_NO_CACHE)
def run_job(function: Callable[[Any], Any], job: Any) -> Any:
    """One job of a stage (its errors leave as the stage's one-line ``[build]`` errors)."""
    return run_step("build", lambda: function(job))


@flow(name="journeys-jobs", persist_result=False, validate_parameters=False)
def run_jobs(function: Callable[[Any], Any], jobs: list[Any]) -> list[Any]:
    """Map ``function`` over the jobs as tasks on this flow's task runner; wait for all, and
    return the results in the jobs' order."""
    named = run_job.with_options(name=function.__name__.replace("_", "-"))
    futures = named.map(unmapped(function), jobs)
    return [future.result() for future in futures]


def task_runner_for(settings: Settings) -> Any:
    """Threads by default; a ``DaskTaskRunner`` when ``settings.dask_address`` is set."""
    address = settings.dask_address
    if not address:
        return ThreadPoolTaskRunner(max_workers=min(settings.partitions, os.cpu_count() or 1))
    from prefect_dask.task_runners import DaskTaskRunner

    if address == LOCAL_CLUSTER:
        workers = max(1, min(settings.partitions, os.cpu_count() or 1))
        return DaskTaskRunner(
            cluster_class="distributed.LocalCluster",
            cluster_kwargs={"n_workers": workers, "processes": True, "threads_per_worker": 1},
        )
    return DaskTaskRunner(address=address)


def task_runner(settings: Settings) -> Runner | None:
    """What ``steps`` runs the stages' jobs with (None: not partitioned, all in this process)."""
    if settings.partitions <= 1:
        return None
    runner_flow = run_jobs.with_options(task_runner=task_runner_for(settings))

    def run(function: Callable[[Any], Any], jobs: Sequence[Any]) -> list[Any]:
        return runner_flow(function, list(jobs)) if jobs else []

    return run
