"""The pipeline's steps as the CLI and the Prefect flows call them.

Each writing step takes the writer lock, works in the work file and publishes the marts when it
has finished, so a failure half-way leaves the previously published marts as they were.
Reports read the published marts only. The stages are imported when a step runs, so the CLI's
``--help`` does not load them all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Unpack

from journeys.config import Settings
from journeys.cores import ONE_CORE_JOURNEYS, one_core
from journeys.errors import BuildError, CompareError
from journeys.publish import open_published, open_work, publish_marts, work_path, writer_lock

if TYPE_CHECKING:
    from journeys.build import BuildResult
    from journeys.compare.results import CompareResult
    from journeys.ingest.eventlog import ImportResult, LogOptions
    from journeys.ingest.load import BatchResult
    from journeys.runner import Runner
    from journeys.warehouse import Warehouse


def ingest_landing(settings: Settings, *, run_tasks: Runner | None = None) -> list[BatchResult]:
    """Load every configured source's new files (``journeys run``'s first step); with
    ``run_tasks`` and ``settings.partitions > 1`` jobs read and check the files."""
    from journeys.ingest.load import load_landing

    with open_work(settings, step="ingest") as wh:
        if run_tasks is not None and settings.partitions > 1:
            from journeys.ingest.jobs import load_landing_as_jobs

            return load_landing_as_jobs(wh, settings, run_tasks=run_tasks)
        return load_landing(wh, settings)


@dataclass(frozen=True)
class NewFiles:
    """What a micro-batch found: the batches it loaded, and the work still to do."""

    batches: list[BatchResult]
    unbuilt: int
    """Files with accepted rows loaded since the last build (this run's or a failed run's)."""
    uncompared: int
    """Builds the compare has not seen yet."""

    @property
    def anything_new(self) -> bool:
        return bool(self.unbuilt or self.uncompared)


def ingest_new_files(settings: Settings) -> NewFiles:
    """Load every configured source's new files, and say whether anything is left to build or
    compare (``journeys-micro`` stops there when nothing is)."""
    from journeys.compare.state import RUNS
    from journeys.ingest.load import load_landing

    with open_work(settings, step="ingest") as wh:
        batches = load_landing(wh, settings)
        if not wh.table_exists("raw.builds"):  # nothing loaded, and never built
            return NewFiles(batches, unbuilt=len(batches), uncompared=0)
        unbuilt = int(wh.scalar("queries/unbuilt_files"))
        uncompared = 0
        if settings.maps:
            uncompared = int(
                wh.scalar("queries/compare/uncompared_builds")
                if wh.table_exists(RUNS)
                else wh.count("raw.builds")
            )
        return NewFiles(batches, unbuilt=unbuilt, uncompared=uncompared)


def ingest_files(settings: Settings, source: str, paths: Sequence[Path]) -> list[BatchResult]:
    """Load the files under ``paths`` as ``source`` (``journeys ingest``)."""
    from journeys.ingest.load import load_source

    with open_work(settings, step="ingest") as wh:
        return [batch.with_reasons(wh) for batch in load_source(wh, settings, source, paths)]


def import_event_log(settings: Settings, path: Path, **options: Unpack[LogOptions]) -> ImportResult:
    """Load one event log file, each case one journey (``journeys import-log``); the options
    are ``ingest.eventlog.import_log``'s."""
    from journeys.ingest.eventlog import import_log

    with open_work(settings, step="import-log") as wh:
        return import_log(wh, settings, path, **options)


def build_marts(
    settings: Settings,
    *,
    full: bool = False,
    publish: bool = True,
    run_tasks: Runner | None = None,
) -> BuildResult:
    """Build the marts under the writer lock. With ``settings.partitions > 1``,
    ``run_tasks`` runs the stages' jobs (default: one after the other in this process; the
    flows map them as tasks on threads or a Dask cluster) while this writer holds the lock."""
    from journeys.build import NOTHING_LOADED, build_warehouse

    if not work_path(settings).exists():  # say so without making an empty work file there
        raise BuildError(NOTHING_LOADED)
    with open_work(settings, step="build", publish=publish) as wh:
        return build_warehouse(wh, settings, full=full, run_tasks=run_tasks)


def compare_maps(
    settings: Settings,
    maps: Sequence[Path] = (),
    *,
    publish: bool = True,
    full: bool = False,
    run_tasks: Runner | None = None,
) -> CompareResult:
    """Align the journeys to ``maps`` (default: the configured ones); write the map_* marts.
    Only the journeys changed since the last compare are compared again, unless ``full``; a
    compare whose inputs are the last finished compare's reports that one (compare/unchanged.py).
    With ``run_tasks`` and ``settings.partitions > 1``, step timing runs per partition."""
    if not work_path(settings).exists():  # say so without making an empty work file there
        from journeys.build import NOTHING_LOADED
        from journeys.compare.conformance import load_maps

        load_maps(list(maps) or list(settings.maps))  # a map's mistake first, as compare does
        raise CompareError(f"{Path(settings.warehouse)}: {NOTHING_LOADED}, then compare")
    with open_work(settings, step="compare", publish=publish) as wh:
        return compare_in(wh, settings, maps, full=full, run_tasks=run_tasks)


def compare_in(
    wh: Warehouse,
    settings: Settings,
    maps: Sequence[Path] = (),
    *,
    full: bool = False,
    run_tasks: Runner | None = None,
) -> CompareResult:
    """``compare_maps`` in an open work file (``journeys analyze`` runs it after its build)."""
    from journeys.compare import unchanged

    paths = list(maps) or list(settings.maps)
    inputs = unchanged.compare_fingerprint(wh, settings, paths)
    kept = None if full else unchanged.last_compare(wh, inputs)
    if kept is not None:  # the same marts, maps and settings: the same rows again
        return kept
    unchanged.forget_compare(wh)
    with one_core(_few_journeys(wh)):  # small: polars' hand-offs stay on this core
        from journeys.compare.conformance import compare_maps as compare

        result = compare(wh, settings, paths, full=full, run_tasks=run_tasks)
    unchanged.record_compare(wh, inputs, result)
    return result


def _few_journeys(wh: Warehouse) -> bool:
    """Whether the warehouse holds fewer journeys than ``ONE_CORE_JOURNEYS``: compare and report
    then run on one core (journeys/cores.py)."""
    journeys = wh.count("marts.journeys") if wh.table_exists("marts.journeys") else 0
    return journeys < ONE_CORE_JOURNEYS


def publish(settings: Settings) -> Path:
    """Publish the work file's marts: a new catalog of views over their files (writer lock)."""
    with writer_lock(settings, step="publish"):
        return publish_marts(settings)


def write_reports(settings: Settings, out: Path | None = None, maps: Sequence[Path] = ()) -> Path:
    """A page per map: ``maps``, else the configured maps, else every map compare recorded."""
    return report_maps(settings, out, maps).index


@dataclass(frozen=True)
class Reports:
    """``write_reports``' pages: the index, and the maps whose page shows no comparison of them
    as they are (never compared, or edited since), with why."""

    index: Path
    not_compared: tuple[tuple[str, str, str], ...] = ()
    """(map name, its file, why)."""


def report_maps(settings: Settings, out: Path | None = None, maps: Sequence[Path] = ()) -> Reports:
    """``write_reports``, saying which pages show no comparison of their map as it is."""
    from journeys.compare.registry import not_compared, stored_maps
    from journeys.report.pages import load_maps
    from journeys.report.pages import write_reports as write

    with open_published(settings) as wh:
        if maps or settings.maps:
            specs = load_maps(list(maps) or list(settings.maps))
        else:
            specs = stored_maps(wh)
        with one_core(_few_journeys(wh)):  # small: as compare (journeys/cores.py)
            index = write(wh, settings, Path(out or settings.reports), maps=specs)
        missing = not_compared(wh, specs) if maps or settings.maps else []
    return Reports(index, tuple((m.name, m.source, why) for m, why in missing))


def drift_lines(settings: Settings, *, since_seconds: int) -> list[str]:
    """The published drift events of the latest periods, one line each (``journeys drift``)."""
    from journeys.compare.drift import drift_line, read_drift

    with open_published(settings) as wh:
        found, newest = read_drift(wh, since_seconds=since_seconds)
    days = since_seconds / 86400
    head = (
        f"drift: {found.height} event(s) in the periods that ended within {days:g} days of "
        f"the newest event ({newest:%Y-%m-%d %H:%M} UTC)"
        if newest is not None
        else "drift: no journeys yet"
    )
    return [head, *(drift_line(e) for e in found.iter_rows(named=True))]


def suggest_map(
    settings: Settings,
    map_file: Path | None,
    *,
    coverage: float,
    out: Path | None,
    name: str | None = None,
    min_share: float | None = None,
) -> str:
    """Revise ``map_file`` from the journeys, or without one discover a first map (``min_share``:
    see ``suggest.revise_map``; None: 0 for a revision, ``MIN_VARIANT_SHARE`` to discover)."""
    with open_published(settings) as wh:
        if map_file is None:
            from journeys.compare.discover import discover_map

            return discover_map(
                wh, settings, coverage=coverage, min_share=min_share, out=out, name=name
            )
        from journeys.compare.suggest import suggest_map as suggest

        share = min_share or 0.0
        return suggest(wh, settings, map_file, coverage=coverage, min_share=share, out=out)
