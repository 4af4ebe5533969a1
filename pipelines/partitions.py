"""Partitioned builds: the path build's customer-hash partitions as mapped Prefect tasks.

The ``build`` task holds the writer lock and calls ``journeys.steps.build_marts`` with
``partition_runner(settings)``: the writer exports the partitions, this runner builds them with
the subflow ``journeys-build-partitions`` (one mapped ``build-partition`` task per partition) on
the task runner the settings choose, and the writer merges the results. The task runner:

* ``dask_address`` unset: threads in the flow's process (DuckDB releases the GIL);
* ``dask_address: local``: a local Dask cluster for the run (one worker process per core);
* ``dask_address: tcp://host:8786``: an existing Dask cluster (prefect-dask's DaskTaskRunner);
  the workers need journeys installed and must see the partition folder at the same path.

A partition task touches no warehouse: it reads its Parquet slice and writes Parquet, so it does
not take the writer lock and is safe to retry on another worker.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from prefect import flow, task
from prefect.task_runners import ThreadPoolTaskRunner

from journeys.config import Settings
from journeys.paths import partitions
from journeys.paths.partitions import PartitionJob, PartitionResult, PartitionRunner
from pipelines.tasks import _NO_CACHE, run_step

LOCAL_CLUSTER = "local"


@task(name="build-partition", **_NO_CACHE)
def build_partition(job: PartitionJob) -> PartitionResult:
    """Build one partition's events, sessions and journeys into Parquet files."""
    return run_step("build", lambda: partitions.build_partition(job))


@flow(name="journeys-build-partitions", persist_result=False, validate_parameters=False)
def build_partitions(jobs: list[PartitionJob]) -> list[PartitionResult]:
    """Map ``build-partition`` over the jobs on this flow's task runner; wait for all."""
    futures = build_partition.map(jobs)
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


def partition_runner(settings: Settings) -> PartitionRunner | None:
    """What ``steps.build_marts`` runs the partitions with (None: not partitioned)."""
    if settings.partitions <= 1:
        return None
    runner_flow = build_partitions.with_options(task_runner=task_runner_for(settings))

    def run(jobs: Sequence[PartitionJob]) -> list[PartitionResult]:
        return runner_flow(list(jobs))

    return run
