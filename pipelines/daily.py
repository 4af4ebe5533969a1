"""``journeys-daily``: ingest -> build -> compare -> publish -> report, then the run's artifacts.

The deployment in ``prefect.yaml`` runs this flow (entrypoint ``pipelines/daily.py:journeys_daily``)
and ``journeys run`` calls ``run_daily``. Build and compare work in the writer's private file;
the marts are published once, after both have succeeded, so readers see either yesterday's
marts or today's, never a mix, and a failure leaves the published marts as they were.
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any, cast

from prefect import State, flow, get_run_logger
from prefect.settings import PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS, temporary_settings
from prefect.states import Failed

from journeys.config import Settings
from journeys.errors import JourneysError
from pipelines import tasks
from pipelines.alerts import alert_drift
from pipelines.artifacts import DailyRun, create_run_artifacts
from pipelines.ephemeral import ephemeral_server_dies_with_us
from pipelines.params import DailyParams

FLOW_NAME = "journeys-daily"
EPHEMERAL_STARTUP_SECONDS = 90
"""A temporary Prefect server takes 15-20 s to start on a fresh home; Prefect waits 20 s."""


@flow(name=FLOW_NAME, persist_result=False, validate_parameters=True)
def journeys_daily(params: DailyParams | None = None) -> DailyRun | State[Any]:
    """Load new landing files, rebuild the marts, compare the maps, publish, write the reports.

    ``params`` default to ``$JOURNEYS_CONFIG`` (and ``$JOURNEYS_WAREHOUSE``) read here, at the
    flow edge. A step's error ends the run Failed with the error's one line (``[build] ...``)
    as the state message, after recording the summary artifact; calling the flow raises it.
    Nothing is published before ``publish``, so the previous marts stay as they were.
    """
    params = params or DailyParams()
    try:
        settings = params.to_settings(environ=os.environ)
    except JourneysError as exc:
        create_run_artifacts(DailyRun(warehouse=None, failed_step=exc.step, error=str(exc)), None)
        return failed(exc)
    logger = get_run_logger()
    logger.info(f"journeys-daily: warehouse {settings.warehouse}, {len(settings.maps)} map(s)")
    run = DailyRun(warehouse=settings.warehouse)
    try:
        run = replace(run, ingest=tasks.ingest(settings))
        run = replace(run, build=tasks.build(settings, full=params.full))
        run = replace(run, compare=tasks.compare(settings, full=params.full))
        run = replace(run, published=tasks.publish(settings))
        alert_drift(run.compare.drift if run.compare else (), settings)
        run = replace(run, report_index=tasks.report(settings))
    except JourneysError as exc:
        run = replace(run, failed_step=exc.step, error=str(exc))
        create_run_artifacts(run, settings)
        return failed(exc)
    create_run_artifacts(run, settings)
    # each task logged its own line; the caller (journeys run/demo) prints the summary once
    logger.info(f"journeys-daily: done, report {run.report_index}")
    return run


def failed(error: JourneysError) -> State[Any]:
    """The final state of a run a journeys error stopped: its one-line message, no traceback
    (the message names the step, the place and the fix); calling the flow raises ``error``."""
    return Failed(message=str(error), data=error)


def run_daily(settings: Settings) -> str:
    """Run ``journeys-daily`` on ``settings`` (``journeys run``); return what ran and where the
    report index is. Raises the failing step's ``JourneysError``."""
    defaults = {PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS: EPHEMERAL_STARTUP_SECONDS}
    # a kill -9 of journeys run takes Prefect's temporary server along
    with ephemeral_server_dies_with_us(), temporary_settings(set_defaults=defaults):
        state = journeys_daily(DailyParams(settings=settings), return_state=True)
    # raises the failed step's JourneysError; so what it returns is the flow's DailyRun
    run = cast(DailyRun, state.result())
    return run.summary()
