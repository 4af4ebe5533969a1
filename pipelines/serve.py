"""``journeys serve``: run the scheduled deployments of ``prefect.yaml`` from this process.

``DAILY`` and ``MICRO`` mirror the ``journeys-daily`` and ``journeys-micro`` entries of
``prefect.yaml`` (a test keeps them equal):
``prefect deploy`` hands the schedule to a work pool's workers, ``journeys serve`` runs it here
with ``prefect.serve``. Schedules are created by a Prefect server's scheduler, which a temporary
(ephemeral) server does not run, so serving needs ``PREFECT_API_URL`` pointing at a server.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import cast

from prefect import serve
from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron, Interval, Schedule
from prefect.settings import PREFECT_API_URL
from prefect.types.entrypoint import EntrypointType

from journeys.errors import JourneysError
from pipelines.daily import journeys_daily
from pipelines.micro import journeys_micro


@dataclass(frozen=True)
class DeploymentSpec:
    name: str
    entrypoint: str
    cron: str | None
    timezone: str
    work_pool: str
    tags: tuple[str, ...]
    concurrency_limit: int
    description: str
    interval_seconds: int | None = None
    """An interval schedule instead of ``cron``."""
    collision_strategy: str | None = None
    """What a run due while ``concurrency_limit`` runs are running does (Prefect's
    ``ENQUEUE``, the default, or ``CANCEL_NEW``)."""

    def schedule(self) -> Schedule:
        if self.interval_seconds is not None:
            return Interval(self.interval_seconds, timezone=self.timezone)
        return Cron(str(self.cron), timezone=self.timezone)

    def limit(self) -> int | ConcurrencyLimitConfig:
        if self.collision_strategy is None:
            return self.concurrency_limit
        return ConcurrencyLimitConfig(
            limit=self.concurrency_limit,
            collision_strategy=ConcurrencyLimitStrategy(self.collision_strategy),
        )


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
MICRO = DeploymentSpec(
    name="journeys-micro",
    entrypoint="pipelines/micro.py:journeys_micro",
    cron=None,
    interval_seconds=300,
    timezone="Europe/Berlin",
    work_pool="journeys",
    tags=("journeys",),
    concurrency_limit=1,
    collision_strategy="CANCEL_NEW",
    description="Every 5 minutes: new files only, the customers and journeys they change; "
    "publish marts and gaps, alert on drift.",
)


def build_deployments(*, warehouse: Path | None = None) -> list[RunnerDeployment]:
    """The deployments ``journeys serve`` runs (importable entrypoints, so any folder works);
    ``warehouse`` (the CLI's ``--warehouse``) becomes the runs' parameter."""
    parameters = {} if warehouse is None else {"params": {"warehouse": str(warehouse.resolve())}}
    deployments = [
        flow.to_deployment(
            name=spec.name,
            schedules=[spec.schedule()],
            tags=list(spec.tags),
            description=spec.description,
            concurrency_limit=spec.limit(),
            entrypoint_type=EntrypointType.MODULE_PATH,
            parameters=parameters,
        )
        for flow, spec in ((journeys_daily, DAILY), (journeys_micro, MICRO))
    ]
    # to_deployment is typed for both callers (async_dispatch); called outside an event loop
    # it returns the deployment, not a coroutine
    return [cast(RunnerDeployment, d) for d in deployments]


def serve_deployments(*, warehouse: Path | None = None, limit: int | None = None) -> None:
    """Serve the deployments until interrupted (Ctrl-C); ``limit`` caps concurrent runs."""
    if not PREFECT_API_URL.value():
        raise JourneysError(
            "no Prefect server: schedules need one. Start it with `prefect server start` and set "
            "PREFECT_API_URL=http://127.0.0.1:4200/api, then run `journeys serve` again",
            step="serve",
        )
    serve(*build_deployments(warehouse=warehouse), limit=limit)
