"""``journeys serve``: run the scheduled deployments of ``prefect.yaml`` from this process.

``DAILY`` mirrors the ``journeys-daily`` entry of ``prefect.yaml`` (a test keeps them equal):
``prefect deploy`` hands the schedule to a work pool's workers, ``journeys serve`` runs it here
with ``prefect.serve``. Schedules are created by a Prefect server's scheduler, which a temporary
(ephemeral) server does not run, so serving needs ``PREFECT_API_URL`` pointing at a server.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import cast

from prefect import serve
from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron
from prefect.settings import PREFECT_API_URL
from prefect.types.entrypoint import EntrypointType

from journeys.errors import JourneysError
from pipelines.daily import journeys_daily


@dataclass(frozen=True)
class DeploymentSpec:
    name: str
    entrypoint: str
    cron: str
    timezone: str
    work_pool: str
    tags: tuple[str, ...]
    concurrency_limit: int
    description: str


DAILY = DeploymentSpec(
    name="journeys-daily",
    entrypoint="pipelines/daily.py:journeys_daily",
    cron="0 6 * * *",
    timezone="Europe/Berlin",
    work_pool="journeys",
    tags=("journeys",),
    concurrency_limit=1,
    description="Daily: ingest new landing files, build, compare maps, publish marts, report.",
)


def build_deployments(*, warehouse: Path | None = None) -> list[RunnerDeployment]:
    """The deployments ``journeys serve`` runs (importable entrypoints, so any folder works);
    ``warehouse`` (the CLI's ``--warehouse``) becomes the runs' parameter."""
    parameters = {} if warehouse is None else {"params": {"warehouse": str(warehouse.resolve())}}
    daily = journeys_daily.to_deployment(
        name=DAILY.name,
        schedules=[Cron(DAILY.cron, timezone=DAILY.timezone)],
        tags=list(DAILY.tags),
        description=DAILY.description,
        concurrency_limit=DAILY.concurrency_limit,
        entrypoint_type=EntrypointType.MODULE_PATH,
        parameters=parameters,
    )
    # to_deployment is typed for both callers (async_dispatch); called outside an event loop
    # it returns the deployment, not a coroutine
    return [cast(RunnerDeployment, daily)]


def serve_deployments(*, warehouse: Path | None = None, limit: int | None = None) -> None:
    """Serve the deployments until interrupted (Ctrl-C); ``limit`` caps concurrent runs."""
    if not PREFECT_API_URL.value():
        raise JourneysError(
            "no Prefect server: schedules need one. Start it with `prefect server start` and set "
            "PREFECT_API_URL=http://127.0.0.1:4200/api, then run `journeys serve` again",
            step="serve",
        )
    serve(*build_deployments(warehouse=warehouse), limit=limit)
