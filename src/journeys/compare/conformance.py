"""Compare observed journeys with each assumptive map: map_conformance, map_steps, map_gaps and
map_journeys.

``compare_maps`` reads, for each map, the journeys in its scope (``inscope``), aligns every
distinct in-scope variant once (``alignment.align_variants``) and spreads the results to journeys
with polars joins; the events on the map's steps are read per range of journey ids
(``timing``). Each map's rows replace that map's previous rows in the four tables (rows of other
maps stay), inside one transaction, so readers never see a half-written compare; one map's rows
are in memory at a time, its per-journey tables a part at a time (``comparison``).

``marts.map_journeys`` is the contract the report reads: per (map, journey in scope) the path
after the map's ``ignore:``, the status for the map, segment, period, whether it conforms and
which gaps it has (``gap_ids``, joining ``marts.map_gaps.gap_id``). The report never derives the
scope itself.
"""

from __future__ import annotations

import dataclasses
import shutil
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import polars as pl

from journeys.compare.alignment import align_variants
from journeys.compare.attribution import measure_touchpoints
from journeys.compare.beside import beside
from journeys.compare.cache import ALIGNMENTS, TIMING_TABLES, MapCache
from journeys.compare.comparison import (
    MapComparison,
    align_journeys,
    per_journey,
    to_align,
)
from journeys.compare.funnel import measure_steps
from journeys.compare.gaps import find_gaps, variant_gaps
from journeys.compare.history import GapInputs, measure_history
from journeys.compare.inscope import read_in_scope
from journeys.compare.mapjourneys import map_version
from journeys.compare.maps import JourneyMap, load_map
from journeys.compare.partitioned import PartitionedEvents
from journeys.compare.reads import check_unique, missing_steps, read_variants, require
from journeys.compare.registry import replace_maps
from journeys.compare.results import TABLES, CompareResult, MapSummary
from journeys.compare.scope import (
    EVENT_COLUMNS,
    JOURNEY_COLUMNS,
    distinct_variants,
    scope_journeys,
    scope_variants,
)
from journeys.compare.state import (
    MAPS,
    RUNS,
    SNAPSHOT,
    JourneyChanges,
    can_continue,
    read_changes,
    record_map,
    save_snapshot,
)
from journeys.compare.timing import StepTiming, time_steps
from journeys.compare.update import PARTS, history_periods, update_history, write_rows
from journeys.compare.value import attach_values
from journeys.config import Settings
from journeys.errors import CompareError
from journeys.runner import Runner
from journeys.warehouse import Warehouse

__all__ = [
    "PARTS",
    "TABLES",
    "CompareResult",
    "MapComparison",
    "MapSummary",
    "PreparedMap",
    "align_journeys",
    "compare_map",
    "compare_maps",
    "finish_map",
    "prepare_map",
]


def compare_maps(
    wh: Warehouse,
    settings: Settings,
    maps: Sequence[Path],
    *,
    full: bool = False,
    run_tasks: Runner | None = None,
) -> CompareResult:
    """Align the journeys to each map (``maps``, or ``settings.maps`` when empty); write marts.

    A map compared before, unchanged, on journeys a build has since changed in part, is
    compared again for the changed journeys only (compare/state.py), unless ``full``. With
    ``run_tasks`` and a partitioned build, the step timing of a map compared whole runs as one
    job per partition (``partitioned.py``)."""
    started = time.perf_counter()
    loaded = load_maps(list(maps) or list(settings.maps))
    require(wh, "marts.journeys", JOURNEY_COLUMNS)
    require(wh, "marts.events", EVENT_COLUMNS)
    # the journeys are read map by map (inscope.py); events in batches, never whole
    variants = read_variants(wh)
    touchpoints = sorted(set(variants["path"].explode().drop_nulls().to_list()))
    summaries, drift = [], []
    source = _events_source(wh, settings, run_tasks)
    _look_up_kept(wh)
    with wh.transaction():  # all maps or none
        changes = read_changes(wh, full=full)
        save_snapshot(wh, changes)  # marts.journeys as compared: the next compare diffs it
        replace_maps(wh, loaded)
        total = int(variants["journeys"].sum())
        incremental = []
        for m in loaded:
            summary, events, again = _compare_one(
                wh, settings, m, variants=variants, changes=changes, full=full, source=source
            )
            summaries.append(
                dataclasses.replace(
                    summary,
                    out_of_scope=total - summary.journeys,
                    warnings=missing_steps(m, touchpoints),
                )
            )
            drift.append(events)
            incremental.append(again)
    if isinstance(source, PartitionedEvents):
        shutil.rmtree(source.folder, ignore_errors=True)
    return CompareResult(
        maps=tuple(summaries),
        seconds=time.perf_counter() - started,
        found_drift=pl.concat(drift) if drift else None,
        changed=changes.ids.n_unique() if incremental and all(incremental) else None,
    )


def load_maps(paths: Sequence[Path]) -> list[JourneyMap]:
    """The maps to compare, each checked, and no two of one name (none: an error naming the
    ways to give them)."""
    if not paths:
        raise CompareError(
            "no maps to compare; pass --map FILE or list maps: in the configuration file"
        )
    loaded = [load_map(Path(p)) for p in paths]
    check_unique(loaded)
    return loaded


def _look_up_kept(wh: Warehouse) -> None:
    """Ask about the kept tables the transaction asks about, here one by one (those found are
    remembered): inside it only a listing of every table can answer, as a name not found would
    abort it, and the first listing on a work file just opened takes 7-9 ms."""
    for table in (*TIMING_TABLES, ALIGNMENTS, SNAPSHOT, RUNS, MAPS, "raw.builds"):
        wh.table_exists(table)


def _compare_one(
    wh: Warehouse,
    settings: Settings,
    journey_map: JourneyMap,
    *,
    variants: pl.DataFrame,
    changes: JourneyChanges,
    full: bool,
    source: Warehouse | PartitionedEvents,
) -> tuple[MapSummary, pl.DataFrame, bool]:
    """Compare one map (only the changed journeys when its kept rows allow) and write its rows,
    history and drift events: one map's rows in memory at a time. Returns its summary, its new
    drift events, and whether it was compared incrementally. ``source``: where a map compared
    whole reads its events (``_events_source``)."""
    name, version = journey_map.name, map_version(journey_map)
    grain = f"{settings.drift.grain} in {settings.drift.timezone}"  # the periods kept rows have
    again = not full and can_continue(wh, name=name, version=version, grain=grain,
                                      changes=changes)  # fmt: skip
    prepared = prepare_map(
        journey_map,
        journeys=read_in_scope(wh, settings, journey_map, variants),
        events=wh,  # read per map and journey-id range (timing.time_steps)
        variants=variants,
        value_weighted=settings.ranking == "value_weighted",  # raw_weight: a journeys column
        costs=settings.touchpoint_costs,
        cache=MapCache(
            wh,
            name,
            version,
            incremental=again,
            events=source if isinstance(source, PartitionedEvents) else None,
        ),
    )
    kept = changes if again else None
    periods, replaced = history_periods(wh, prepared.inputs, drift=settings.drift, changes=kept)
    # the history is measured in a second thread, from the journeys aligned and timed, while
    # this one finds the map's gaps and builds and writes its rows: both are polars work of
    # about 1.5 cores each (2.3 s and 3.6 s a map at 10M events; for a small map in turn:
    # beside.py); only this thread uses the warehouse
    with beside(prepared.inputs.scoped.height, "journeys-history") as pool:
        measuring = pool.submit(
            measure_history, journey_map, prepared.inputs, version=version, periods=periods,
            grain=settings.drift.grain, min_support=settings.min_support,
            timezone=settings.drift.timezone,
        )  # fmt: skip
        result = finish_map(prepared, min_support=settings.min_support)
        del prepared
        write_rows(wh, name, result.frames, changes=kept)
        summary = result.summary
        del result  # the history needs only the inputs
        rows = measuring.result()
    events = update_history(
        wh, journey_map, rows, version=version, drift=settings.drift, periods=replaced
    )
    record_map(wh, name=name, version=version, grain=grain, changes=changes)
    return summary, events, again


def _events_source(
    wh: Warehouse, settings: Settings, run_tasks: Runner | None
) -> Warehouse | PartitionedEvents:
    """What step timing reads: the warehouse (per map and journey-id range), or, with
    ``run_tasks`` and a partitioned build, each partition's events in a job of its own."""
    if run_tasks is None or settings.partitions <= 1 or not wh.is_stored("marts.events"):
        return wh
    limits = {"memory_limit": settings.memory_limit, "temp_directory": settings.temp_directory}
    return PartitionedEvents.of(wh, _exchange(settings), run_tasks, **limits)


def _exchange(settings: Settings) -> Path:
    """Where a partitioned compare's jobs exchange files (beside the partitions' folder)."""
    published = Path(settings.warehouse)
    base = Path(settings.partition_folder) if settings.partition_folder else None
    return (base or published.with_name(f"{published.name}.partitions")) / "compare"


def compare_map(
    journey_map: JourneyMap,
    *,
    journeys: pl.DataFrame,
    events: pl.DataFrame | pl.LazyFrame | Warehouse | PartitionedEvents,
    min_support: int,
    variants: pl.DataFrame | None = None,
    values: pl.DataFrame | None = None,
    value_weighted: bool = False,
    costs: Mapping[str, float] | None = None,
    cache: MapCache | None = None,
) -> MapComparison:
    """Compare one map with journeys (marts.journeys columns) and events (marts.events, or the
    warehouse holding it).

    ``variants`` (distinct_variants()) saves re-deriving paths; without it ``journeys`` needs
    its ``path`` column. ``values`` (value.journey_values(); or ``journeys.raw_weight``, see
    value.attach_values): the journeys' segments and customer weights; ``value_weighted``:
    the weights weigh the gaps' value at risk and impact.
    ``costs``: cost per event by touchpoint (marts.touchpoint_impact). ``cache``: the map's
    kept alignments and step timing in the warehouse (compare/cache.py), reused and brought up
    to date instead of computed again.
    """
    prepared = prepare_map(
        journey_map, journeys=journeys, events=events, variants=variants, values=values,
        value_weighted=value_weighted, costs=costs, cache=cache,
    )  # fmt: skip
    return finish_map(prepared, min_support=min_support)


@dataclasses.dataclass(frozen=True)
class PreparedMap:
    """One map's journeys in scope, aligned and timed (``prepare_map``): what its gaps, steps
    and touchpoints (``finish_map``) and its gap history are measured from."""

    journey_map: JourneyMap
    inputs: GapInputs
    medians: pl.DataFrame | None
    """The steps' median times, from the cache (``_align_and_time``)."""
    touchpoints: pl.DataFrame
    """The rows of marts.touchpoint_impact (attribution.py)."""
    journeys: int
    """All the journeys given, in scope or not."""
    started: float


def prepare_map(
    journey_map: JourneyMap,
    *,
    journeys: pl.DataFrame,
    events: pl.DataFrame | pl.LazyFrame | Warehouse | PartitionedEvents,
    variants: pl.DataFrame | None = None,
    values: pl.DataFrame | None = None,
    value_weighted: bool = False,
    costs: Mapping[str, float] | None = None,
    cache: MapCache | None = None,
) -> PreparedMap:
    """The first half of ``compare_map`` (its arguments): the journeys in scope, their
    alignments and step timing, the gaps of each variant, and the touchpoints' measures. The
    gap history needs only these, so compare measures it beside the second half
    (``finish_map``)."""
    started = time.perf_counter()
    all_variants = variants if variants is not None else distinct_variants(journeys)
    variants = scope_variants(journey_map, all_variants)
    scoped = attach_values(
        scope_journeys(journeys, variants), values, value_weighted=value_weighted
    )
    total = journeys.height
    del journeys  # the journeys in scope (``scoped``) from here: one frame of them in memory
    # the touchpoints need neither alignments nor timing: measured in a second thread while
    # this one reads and times the events, which leaves a core partly idle (0.7 s of 2.4 s a
    # map at 10M events; a small map in turn: beside.py)
    with beside(scoped.height, "journeys-touchpoints") as pool:
        touching = pool.submit(
            measure_touchpoints, journey_map, variants=variants, journeys=scoped, costs=costs
        )
        aligned, timing, medians = _align_and_time(
            journey_map, scoped, variants, events=events, cache=cache
        )
        touchpoints = touching.result()
    inputs = GapInputs(
        scoped=scoped,
        variants=variants,
        aligned=aligned,
        timing=timing,
        per_variant=variant_gaps(journey_map, variants=variants, aligned=aligned),
    )
    return PreparedMap(journey_map, inputs, medians, touchpoints, journeys=total, started=started)


def finish_map(prepared: PreparedMap, *, min_support: int) -> MapComparison:
    """The second half of ``compare_map``: the map's gaps, steps and summary, with the
    touchpoints the first half measured."""
    journey_map, inputs = prepared.journey_map, prepared.inputs
    scoped, variants, aligned, timing = (
        inputs.scoped, inputs.variants, inputs.aligned, inputs.timing
    )  # fmt: skip
    found = find_gaps(
        journey_map, variants=variants, aligned=aligned, journeys=scoped, timing=timing,
        min_support=min_support, per_variant=inputs.per_variant,
    )  # fmt: skip
    gaps = found.table
    steps = measure_steps(journey_map, variants=variants, timing=timing, medians=prepared.medians)
    return MapComparison(
        journey_map=journey_map,
        steps=steps,
        gaps=gaps,
        summary=_summary(
            journey_map,
            journeys=prepared.journeys,
            scoped=scoped.height,
            variants=variants.height,
            fitness=per_journey(scoped, aligned, ["fitness", "is_conforming"]),
            gaps=gaps,
            started=prepared.started,
        ),
        touchpoints=prepared.touchpoints,
        inputs=inputs,
        members=found.members,
    )


def _align_and_time(
    journey_map: JourneyMap,
    scoped: pl.DataFrame,
    variants: pl.DataFrame,
    *,
    events: pl.DataFrame | pl.LazyFrame | Warehouse | PartitionedEvents,
    cache: MapCache | None,
) -> tuple[pl.DataFrame, StepTiming, pl.DataFrame | None]:
    """The alignments, step timing and (from the cache) the steps' median times: computed,
    or with ``cache`` the kept ones brought up to date."""
    if cache is not None:
        return cache.align_and_time(journey_map, to_align(scoped, variants), scoped)
    aligned = align_variants(journey_map, to_align(scoped, variants))
    if isinstance(events, PartitionedEvents):
        return aligned, events.time(journey_map, scoped), None
    return aligned, time_steps(journey_map, events, scoped), None


def _summary(
    journey_map: JourneyMap,
    *,
    journeys: int,
    scoped: int,
    variants: int,
    fitness: pl.DataFrame,
    gaps: pl.DataFrame,
    started: float,
) -> MapSummary:
    """``fitness``: fitness and is_conforming of each journey in scope."""
    ranked = gaps.filter(pl.col("rank").is_not_null()).sort("ranking", "rank")
    mean = fitness["fitness"].mean() if fitness.height else None
    return MapSummary(
        map_name=journey_map.name,
        source=journey_map.source,
        journeys=scoped,
        out_of_scope=journeys - scoped,
        variants=variants,
        conforming=int(fitness["is_conforming"].sum()),
        mean_fitness=float(mean) if mean is not None else None,  # type: ignore[arg-type]
        gaps=gaps.height,
        ranked_gaps=ranked.height,
        top_gap=ranked["description"][0] if ranked.height else None,
        seconds=time.perf_counter() - started,
    )
