"""``journeys-micro``: a micro-batch every few minutes, beside the daily run.

ingest-new -> (nothing new: stop) -> build (incremental) -> compare (the changed journeys) ->
publish -> alert. The deployment in ``prefect.yaml`` (entrypoint
``pipelines/micro.py:journeys_micro``) runs it on an interval, one run at a time (a run due while
one is running is cancelled, not queued). It loads only the files no run loaded before, rebuilds
only the customers they touch (the build's dirty customers) and compares only the journeys that
changed (compare/state.py); the marts are published once, atomically, after build and compare
have both succeeded, so readers never see half a batch. A run that finds another writer at work
(the daily run) stops at once, Completed, and the next interval carries on. New drift events are
alerted (pipelines/alerts.py). No report: the daily run writes it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from prefect import State, flow, get_run_logger
from prefect.artifacts import create_markdown_artifact
from prefect.states import Completed

from journeys.errors import JourneysError
from journeys.publish import WriterBusy
from journeys.report.text import redact_text
from pipelines import tasks
from pipelines.alerts import AlertTotals, alert_drift
from pipelines.daily import failed
from pipelines.params import MicroParams

FLOW_NAME = "journeys-micro"
SUMMARY_KEY = "journeys-micro-summary"


@dataclass(frozen=True)
class MicroRun:
    """What one micro-batch did; ``skipped`` says why it stopped early (nothing new, or another
    writer at work)."""

    warehouse: Path | None
    ingest: tasks.IngestTotals | None = None
    build: tasks.BuildTotals | None = None
    compare: tasks.CompareTotals | None = None
    published: Path | None = None
    alerts: AlertTotals | None = None
    skipped: str | None = None

    def summary(self) -> str:
        lines = [self.ingest.line() if self.ingest else "ingest: not run"]
        if self.skipped:
            return "\n".join([*lines, f"skipped: {self.skipped}"])
        lines.append(self.build.text if self.build else "build: not run")
        lines.append(self.compare.text if self.compare else "compare: not run")
        lines.append(f"publish: {self.published}" if self.published else "publish: not run")
        if self.alerts is not None:
            lines.append(f"alert: {self.alerts.events} new drift event(s)")
        return "\n".join(lines)


@flow(name=FLOW_NAME, persist_result=False, validate_parameters=True)
def journeys_micro(params: MicroParams | None = None) -> MicroRun | State[Any]:
    """Load the new landing files, rebuild and compare what they changed, publish, alert.

    Stops early, Completed, when no file is new and nothing is left to build or compare, or when
    another run holds the warehouse's writer lock. A step's error ends the run Failed with its
    one line, as journeys-daily; the published marts stay as they were."""
    params = params or MicroParams()
    try:
        settings = params.to_settings(environ=os.environ)
    except JourneysError as exc:
        return failed(exc)
    logger = get_run_logger()
    run = MicroRun(warehouse=settings.warehouse)
    try:
        found = tasks.ingest_new(settings)
        run = replace(run, ingest=found.ingest)
        if not found.anything_new:
            return _skipped(run, "no new files, nothing left to build or compare")
        run = replace(run, build=tasks.build(settings, full=False))
        run = replace(run, compare=tasks.compare(settings))
        run = replace(run, published=tasks.publish(settings))
        run = replace(run, alerts=alert_drift(run.compare.drift if run.compare else (), settings))
    except WriterBusy as exc:
        return _skipped(run, str(exc))
    except JourneysError as exc:
        create_markdown_artifact(markdown=_markdown(run, error=str(exc)), key=SUMMARY_KEY)
        return failed(exc)
    create_markdown_artifact(markdown=_markdown(run), key=SUMMARY_KEY,
                             description="journeys-micro: what the micro-batch did")  # fmt: skip
    logger.info(f"journeys-micro: done, {run.alerts.events if run.alerts else 0} drift event(s)")
    return run


def _skipped(run: MicroRun, why: str) -> State[Any]:
    """A run with nothing to do ends Completed, with why as its message (no artifact: an
    interval of a few minutes would bury the others)."""
    done = replace(run, skipped=redact_text(why))
    get_run_logger().info(f"journeys-micro: skipped, {done.skipped}")
    return Completed(message=f"skipped: {done.skipped}", data=done)


def _markdown(run: MicroRun, *, error: str | None = None) -> str:
    status = f"failed: {redact_text(error)}" if error else "completed"
    lines = [f"# journeys micro-batch: {status}", ""]
    lines += [f"- {redact_text(line)}" for line in run.summary().splitlines()]
    return "\n".join(lines) + "\n"
