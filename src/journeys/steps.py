"""The pipeline's steps as the CLI and the Prefect flows call them.

Each writing step takes the writer lock, works in the work file and publishes the marts when it
has finished, so a failure half-way leaves the previously published marts as they were.
Reports read the published marts only. The stages are imported when a step runs, so the CLI's
``--help`` does not load them all.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from journeys.config import Settings
from journeys.publish import open_published, open_work, publish_marts, writer_lock

if TYPE_CHECKING:
    from journeys.build import BuildResult
    from journeys.compare.conformance import CompareResult
    from journeys.ingest.eventlog import ImportResult
    from journeys.ingest.load import BatchResult
    from journeys.paths.partitions import PartitionRunner


def ingest_landing(settings: Settings) -> list[BatchResult]:
    """Load every configured source's new files (``journeys run``'s first step)."""
    from journeys.ingest.load import load_landing

    with open_work(settings, step="ingest") as wh:
        return load_landing(wh, settings)


def ingest_files(settings: Settings, source: str, paths: Sequence[Path]) -> list[BatchResult]:
    """Load the files under ``paths`` as ``source`` (``journeys ingest``)."""
    from journeys.ingest.load import load_source

    with open_work(settings, step="ingest") as wh:
        return load_source(wh, settings, source, paths)


def import_event_log(
    settings: Settings,
    path: Path,
    *,
    case_col: str,
    activity_col: str,
    timestamp_col: str,
    channel_col: str | None = None,
    fmt: str | None = None,
) -> ImportResult:
    """Load one event log file, each case one journey (``journeys import-log``)."""
    from journeys.ingest.eventlog import import_log

    with open_work(settings, step="import-log") as wh:
        return import_log(
            wh,
            settings,
            path,
            case_col=case_col,
            activity_col=activity_col,
            timestamp_col=timestamp_col,
            channel_col=channel_col,
            fmt=fmt,
        )


def build_marts(
    settings: Settings,
    *,
    full: bool = False,
    publish: bool = True,
    run_partitions: PartitionRunner | None = None,
) -> BuildResult:
    """Build the marts under the writer lock. With ``settings.partitions > 1``,
    ``run_partitions`` builds the partitions (default: one after the other in this process; the
    flows map them as tasks on threads or a Dask cluster) while this writer holds the lock."""
    from journeys.build import build_warehouse

    with open_work(settings, step="build", publish=publish) as wh:
        return build_warehouse(wh, settings, full=full, run_partitions=run_partitions)


def compare_maps(
    settings: Settings, maps: Sequence[Path] = (), *, publish: bool = True
) -> CompareResult:
    """Align the journeys to ``maps`` (default: the configured ones); write the map_* marts."""
    from journeys.compare.conformance import compare_maps as compare

    with open_work(settings, step="compare", publish=publish) as wh:
        return compare(wh, settings, list(maps) or list(settings.maps))


def publish(settings: Settings) -> Path:
    """Publish the work file's marts (under the writer lock, without opening the work file)."""
    with writer_lock(settings, step="publish"):
        return publish_marts(settings)


def write_reports(settings: Settings, out: Path | None = None) -> Path:
    """Write the HTML reports from the published marts; return the index page."""
    from journeys.report.pages import write_reports as write

    with open_published(settings) as wh:
        return write(wh, settings, Path(out or settings.reports))


def suggest_map(settings: Settings, map_file: Path, *, coverage: float, out: Path | None) -> str:
    """Revise ``map_file`` to explain ``coverage`` of the journeys; return the diff."""
    from journeys.compare.suggest import suggest_map as suggest

    with open_published(settings) as wh:
        return suggest(wh, settings, map_file, coverage=coverage, out=out)
