"""The daily flow's tasks: one per pipeline step, each a thin call into ``journeys.steps``.

Retries (exponential backoff with jitter) only on the I/O tasks — ingest, publish and report —
and only for transient failures: another writer holding the warehouse lock, or an ``OSError``.
A user error (a bad file, a bad map) fails at once: retrying cannot fix it.

No task caches its result: every step reads or writes the warehouse, whose state is not among
the task's inputs (same settings, new landing files: the step must run again), so a cache keyed
on inputs would be wrong. ``cache_policy=NONE`` and ``persist_result=False`` say so explicitly.

Errors leave a task as a ``JourneysError`` whose ``[step]`` prefix names the pipeline step, with
emails and phone numbers masked, and without chained causes (Prefect stores messages and
tracebacks on its server; raw rows must not travel there).
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict, TypeVar

from prefect import get_run_logger, task
from prefect.cache_policies import NONE, CachePolicy
from prefect.client.schemas.objects import State, TaskRun
from prefect.tasks import Task, exponential_backoff

from journeys import steps
from journeys.config import Settings
from journeys.errors import JourneysError
from journeys.publish import WriterBusy
from journeys.report.text import log_text

if TYPE_CHECKING:
    from journeys.build import BuildResult
    from journeys.ingest.load import BatchResult

T = TypeVar("T")

WRITER_TAG = "journeys-writer"
"""Tag of every task that takes the warehouse's writer lock (for a Prefect concurrency limit)."""

IO_RETRIES = 3
IO_BACKOFF_SECONDS = 30.0
"""First retry after ~30 s, then ~60 s and ~120 s (each +/- 50 % jitter)."""


class StepFailed(JourneysError):
    """A step failed for a reason that is not a journeys error (an OSError, or a bug)."""

    def __init__(self, message: str, *, step: str, transient: bool = False) -> None:
        super().__init__(message, step=step)
        self.transient = transient


@dataclass(frozen=True)
class IngestTotals:
    """What the ingest step loaded, summed over its batches (one batch per file)."""

    files_loaded: int
    files_skipped: int
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    duplicates: int
    late_events: int
    files_refused: int = 0
    files_all_rejected: int = 0
    """Files loaded whose every row was rejected (read again on the next run)."""

    @classmethod
    def of(cls, batches: Sequence[BatchResult]) -> IngestTotals:
        loaded = [b for b in batches if not b.skipped and not b.refused]
        refused = sum(b.refused for b in batches)
        return cls(
            files_loaded=len(loaded),
            files_skipped=len(batches) - len(loaded) - refused,
            files_refused=refused,
            files_all_rejected=sum(b.every_row_rejected for b in loaded),
            rows_read=sum(b.rows_read for b in loaded),
            rows_loaded=sum(b.rows_accepted for b in loaded),
            rows_rejected=sum(b.rows_rejected for b in loaded),
            duplicates=sum(b.duplicates for b in loaded),
            late_events=sum(b.late_events for b in loaded),
        )

    def line(self) -> str:
        return (
            f"ingest: {self.files_loaded} file(s) loaded ({self.files_skipped} already loaded, "
            f"{self.files_refused} refused, {self.files_all_rejected} with every row rejected), "
            f"{self.rows_read} rows read, {self.rows_loaded} loaded, {self.rows_rejected} "
            f"rejected, {self.duplicates} duplicates, {self.late_events} late"
        )


@dataclass(frozen=True)
class BuildTotals:
    """What the build step built, and its summary line (PII masked)."""

    events: int
    customers: int
    journeys: int
    full_rebuild: bool
    text: str

    @classmethod
    def of(cls, result: BuildResult) -> BuildTotals:
        return cls(
            events=result.events,
            customers=result.customers,
            journeys=result.journeys,
            full_rebuild=result.full_rebuild,
            text=log_text(result.summary()),
        )


@dataclass(frozen=True)
class CompareTotals:
    """The maps compared, and the compare step's summary (PII masked)."""

    maps: tuple[Path, ...]
    text: str
    drift: tuple[dict[str, Any], ...] = ()
    """The new drift events (rows of marts.map_drift), to alert on."""


def is_transient(exc: BaseException | None) -> bool:
    """Worth retrying: the writer lock was busy, or the file system failed."""
    return isinstance(exc, WriterBusy | OSError) or (isinstance(exc, StepFailed) and exc.transient)


def retry_if_transient(task: Task[..., Any], task_run: TaskRun, state: State[Any]) -> bool:
    """``retry_condition_fn`` of the I/O tasks."""
    exc = state.data if isinstance(state.data, BaseException) else None
    return is_transient(exc)


def clean_error(exc: BaseException, *, step: str) -> JourneysError:
    """The error to raise from ``step``: ``[step]`` prefixed, PII masked, no chained cause."""
    if isinstance(exc, JourneysError):
        message = log_text(exc.args[0] if exc.args else str(exc))
        if exc.step not in (step, JourneysError.step):
            message = f"{exc.step} error: {message}"
        try:
            cleaned = type(exc)(message, step=step)
        except TypeError:
            cleaned = StepFailed(message, step=step)
        if isinstance(exc, StepFailed) and isinstance(cleaned, StepFailed):
            cleaned.transient = exc.transient
        return cleaned
    if isinstance(exc, OSError):
        return StepFailed(
            f"{type(exc).__name__}: {log_text(exc)}; check the path, free space and "
            "permissions, then run again",
            step=step,
            transient=True,
        )
    return StepFailed(
        f"unexpected {type(exc).__name__}: {log_text(exc)}; this is a bug, the masked "
        "traceback is in the flow run's logs",
        step=step,
    )


def run_step(step: str, call: Callable[[], T]) -> T:
    """Run one step's call; failures leave as ``clean_error``, raised outside the ``except`` so
    the original (its message, its frames and the connections they hold) is not kept."""
    try:
        return call()
    except Exception as exc:
        if not isinstance(exc, JourneysError | OSError):
            get_run_logger().error(log_text("".join(traceback.format_exception(exc))))
        error = clean_error(exc, step=step)
    raise error


class NoCache(TypedDict):
    """Task options: no cache and no stored result (see the module docstring)."""

    cache_policy: CachePolicy
    persist_result: bool


class RetryIO(NoCache):
    """Task options of the I/O tasks: ``NoCache`` plus retries of transient failures."""

    retries: int
    retry_delay_seconds: Callable[[int], list[float]]
    retry_jitter_factor: float
    retry_condition_fn: Callable[[Task[..., Any], TaskRun, State[Any]], bool]


_NO_CACHE = NoCache(cache_policy=NONE, persist_result=False)
_IO = RetryIO(
    **_NO_CACHE,
    retries=IO_RETRIES,
    retry_delay_seconds=exponential_backoff(backoff_factor=IO_BACKOFF_SECONDS),
    retry_jitter_factor=0.5,
    retry_condition_fn=retry_if_transient,
)


@task(name="ingest", tags=[WRITER_TAG], **_IO)
def ingest(settings: Settings) -> IngestTotals:
    """Load every configured source's new files into raw (files loaded before are skipped)."""
    from pipelines.partitions import task_runner

    runner = task_runner(settings)
    batches = run_step("ingest", lambda: steps.ingest_landing(settings, run_tasks=runner))
    logger = get_run_logger()
    for batch in batches:
        logger.info(log_text(batch.summary()))
    totals = IngestTotals.of(batches)
    logger.info(log_text(totals.line()))
    return totals


@task(name="build", tags=[WRITER_TAG], **_NO_CACHE)
def build(settings: Settings, *, full: bool = False) -> BuildTotals:
    """Identity, events, sessions, journeys and mining marts, in the work file (not published).
    With ``settings.partitions > 1`` the stages' jobs run as mapped tasks
    (``pipelines.partitions``) while this task holds the writer lock."""
    from pipelines.partitions import task_runner

    runner = task_runner(settings)
    result = run_step(
        "build",
        lambda: steps.build_marts(settings, full=full, publish=False, run_tasks=runner),
    )
    totals = BuildTotals.of(result)
    get_run_logger().info(log_text(totals.text))
    return totals


@task(name="compare", tags=[WRITER_TAG], **_NO_CACHE)
def compare(settings: Settings, *, full: bool = False) -> CompareTotals:
    """Align the journeys to each configured map (only the changed journeys, unless ``full``);
    write the map_* marts, gap history and drift events (not published)."""
    drift: tuple[dict[str, Any], ...] = ()
    if not settings.maps:
        text = "compare: skipped, no maps configured"
    else:
        from pipelines.partitions import task_runner

        runner = task_runner(settings)
        result = run_step(
            "compare",
            lambda: steps.compare_maps(settings, publish=False, full=full, run_tasks=runner),
        )
        text, drift = log_text(result.summary()), tuple(result.drift.to_dicts())
    get_run_logger().info(text)
    return CompareTotals(maps=tuple(settings.maps), text=text, drift=drift)


@dataclass(frozen=True)
class NewFilesTotals:
    """What a micro-batch's ingest loaded, and whether there is anything to build or compare."""

    ingest: IngestTotals
    anything_new: bool


@task(name="ingest-new", tags=[WRITER_TAG], **_NO_CACHE)
def ingest_new(settings: Settings) -> NewFilesTotals:
    """journeys-micro's ingest: load the new files; no retries (a busy writer means another
    run is on it: this one stops, the next interval carries on)."""
    found = run_step("ingest", lambda: steps.ingest_new_files(settings))
    totals = IngestTotals.of(found.batches)
    get_run_logger().info(log_text(totals.line()))
    return NewFilesTotals(ingest=totals, anything_new=found.anything_new)


@task(name="publish", tags=[WRITER_TAG], **_IO)
def publish(settings: Settings) -> Path:
    """Swap the work file's marts in as the published warehouse, atomically."""
    published = run_step("publish", lambda: steps.publish(settings))
    get_run_logger().info(f"publish: marts published to {published}")
    return published


@task(name="report", **_IO)
def report(settings: Settings) -> Path:
    """Write index.html and one page per map from the published marts."""
    index = run_step("report", lambda: steps.write_reports(settings))
    get_run_logger().info(f"report: {index}")
    return Path(index)
