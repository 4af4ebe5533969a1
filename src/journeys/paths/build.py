"""Build ``marts.events``, ``marts.sessions``, ``marts.journeys``, the effort marts and
``marts.customers``.

The SQL lives in ``sql/marts/`` and ``sql/intermediate/``; this module only orders the steps.
Every rule (ordering by occurred_at then seq, strict gaps, the greedy max-length cut, journey
boundaries, status) is written once, in SQL, and documented in the model headers.

A warehouse with a data folder (every writer's work file, ADR 0004) builds in customer-hash
partitions (``partitions.py``: one job per partition, one partition by default), each writing
its marts' Parquet files, which the writer adds to its catalog. A warehouse without one (an
in-memory test warehouse) builds the same marts with the same SQL on its own connection.

Incremental builds: when the marts exist and ``intermediate.int_dirty_customers`` lists the
customers whose events changed, only their rows are rebuilt (a customer's journeys depend on
that customer's events only). Journey status depends on the cut-off, which moves with every
build, so it is recomputed for every journey (cheap: one row per journey), and
``marts.customers`` is rebuilt whole (one row per customer). Incremental == full rebuild.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from typing import Any

from journeys.config import Settings
from journeys.cores import ONE_THREAD_ROWS
from journeys.errors import BuildError
from journeys.paths.effort import EffortRules, effort_changed
from journeys.paths.partitions import (
    build_partition,
    in_lanes,
    merge_partitions,
    partition_folder,
    partition_jobs,
    run_lanes,
)
from journeys.paths.rules import RULE_COLUMNS, PathRules, rules_row
from journeys.paths.scope import (
    EVENTS,
    PATH_MARTS,
    alias_events_text,
    build_part,
    empty_scope,
    ensure_profiles,
)
from journeys.runner import Runner
from journeys.warehouse import Warehouse

DIRTY = "intermediate.int_dirty_customers"
RULES = "intermediate.int_path_rules"
"""The session and journey rules of the last build: a change forces a full rebuild."""


@dataclass(frozen=True)
class PathsResult:
    """What ``build_paths`` wrote."""

    events: int
    sessions: int
    journeys: int
    customers: int
    rebuilt_customers: int
    """Customers whose rows were rebuilt (every customer on a full build)."""
    full: bool
    cutoff: datetime | None
    seconds: float

    def summary(self) -> str:
        how = "full rebuild" if self.full else f"{self.rebuilt_customers} customers rebuilt"
        return (
            f"paths: {self.events} events, {self.sessions} sessions, {self.journeys} journeys, "
            f"{self.customers} customers ({how}, cut-off {self.cutoff}) in {self.seconds:.1f}s"
        )


def build_paths(
    wh: Warehouse,
    settings: Settings,
    *,
    full: bool = False,
    run_tasks: Runner | None = None,
) -> PathsResult:
    """Sessions, journeys, their events and customers from ``intermediate.int_events``.

    ``full=False`` rebuilds only the customers of ``intermediate.int_dirty_customers`` when the
    path marts already exist and were built with the same rules (``rules_row``); otherwise
    (or with ``full=True``) everything is rebuilt. A warehouse with a data folder builds its
    ``settings.partitions`` partitions with ``run_tasks`` (default: one after the other in
    this process; the flows pass a Prefect task runner) and adds their files to its catalog.
    """
    started = time.perf_counter()
    if not wh.table_exists(EVENTS):
        raise BuildError(
            f"{EVENTS}: table not found; load events first (`journeys ingest` or "
            "`journeys import-log`), then run `journeys build`"
        )
    rules = rules_row(settings)
    full = full or _rules_changed(wh, rules)
    ensure_profiles(wh)
    path_rules = PathRules.of(settings)
    effort = EffortRules.of(settings)  # the effort marts are built with the path marts
    effort_full = full or effort_changed(wh, effort)
    with wh.transaction():
        rebuilt = 0 if full else wh.run_model("intermediate/int_path_scope")
        if full:
            empty_scope(wh)
        params = path_rules.params(full=full, cutoff=settings.journeys.cutoff)
        wh.run_model("intermediate/int_path_cutoff", **params)
        cutoff = wh.scalar("queries/path_cutoff")
        if wh.is_stored("marts.events"):
            steps = {"full": full, "cutoff": cutoff, "effort": effort, "effort_full": effort_full}
            _run_partitions(wh, settings, steps, run_tasks=run_tasks)
        else:
            alias_events_text(wh)
            build_part(
                wh, path_rules, full=full, cutoff=cutoff, effort=effort, effort_full=effort_full
            )
        wh.write_rows(RULES, RULE_COLUMNS, [rules])
        effort.write(wh)
    customers = wh.count("marts.customers")
    return PathsResult(
        events=wh.count("marts.events"),
        sessions=wh.count("marts.sessions"),
        journeys=wh.count("marts.journeys"),
        customers=customers,
        rebuilt_customers=customers if full else rebuilt,
        full=full,
        cutoff=cutoff,
        seconds=time.perf_counter() - started,
    )


def _run_partitions(
    wh: Warehouse, settings: Settings, steps: dict[str, Any], *, run_tasks: Runner | None
) -> None:
    """The partitions' jobs (``partition_jobs`` with ``steps``), run by ``run_tasks`` (default:
    here, a large partition's lanes side by side: ``in_lanes``); their files become the path
    and effort marts. The exchange folder is removed after."""
    try:
        jobs = partition_jobs(wh, settings, **steps)
        if run_tasks is None:
            events: dict[int, int] = {}
            for stored in wh.stored_files().get(EVENTS, []):
                part = stored.part or 0
                events[part] = events.get(part, 0) + stored.rows
            jobs = in_lanes(jobs, events)
            if sum(events.values()) < ONE_THREAD_ROWS:  # as the writer's statements then
                jobs = [replace(job, threads=1) for job in jobs]
                # one small job after the other here: in the writer's DuckDB, not a new one
                merge_partitions(wh, jobs, run_lanes(partial(build_partition, host=wh), jobs))
                return
        merge_partitions(wh, jobs, (run_tasks or run_lanes)(build_partition, jobs))
    finally:
        shutil.rmtree(partition_folder(settings), ignore_errors=True)


def _rules_changed(wh: Warehouse, rules: tuple[object, ...]) -> bool:
    """Whether every customer must be rebuilt: no dirty customers listed, path marts missing,
    or the last build's rules (``intermediate.int_path_rules``) differ from ``rules``."""
    return (
        not wh.table_exists(DIRTY)
        or not all(wh.table_exists(t) for t in PATH_MARTS)
        or not wh.table_exists(RULES)
        or wh.rows("queries/path_rules") != [rules]
    )
