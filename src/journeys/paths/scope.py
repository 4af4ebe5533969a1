"""The path marts of the customers in scope: the steps one process and one partition share.

``build_part`` writes ``marts.events``, ``marts.sessions``, ``marts.journeys`` (with their status
at the cut-off and their effort), the effort marts (``effort.py``) and ``marts.customers`` with
the SQL models of ``sql/marts/``, on any connection that holds ``intermediate.int_events``, the
profiles and the live imports' case horizons: the writer's own (a warehouse without
a data folder, such as a test's) or a partition's private one (``partitions.py``). The table
names live here, below both, so neither imports the other's internals.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from journeys.paths.effort import EffortRules, refresh_effort
from journeys.paths.rules import PathRules
from journeys.warehouse import Warehouse

EVENTS = "intermediate.int_events"
EVENTS_TEXT = "intermediate.int_events_text"
"""``EVENTS`` with its texts as stored: where a partition job reads some of them as ENUMs
(``partitions._define_events``), marts/events.sql's spans read them from this, uncast."""
PROFILES = "intermediate.int_customer_profiles"
CASE_HORIZONS = "intermediate.int_case_horizons"
SCOPE = "intermediate.int_path_scope"
EVENTS_MART = "marts.events"
SESSIONS_MART = "marts.sessions"
PATH_MARTS = (EVENTS_MART, SESSIONS_MART, "marts.journeys")
PART_COUNTS = (
    "intermediate.part_variants",
    "intermediate.part_subpaths",
    "intermediate.part_pairs",
)
"""The mining counts of one partition (sql/intermediate/part_*.sql), which the mining marts add
up exactly (journeys.mining.marts)."""
EVENTS_PER_PART = 20_000_000
"""Sessions and journeys are aggregated in parts of about this many events (customer hash
buckets), so their per-session and per-journey lists stay within DuckDB's memory limit."""


@dataclass(frozen=True)
class MartFile:
    """A Parquet file a full rebuild writes a mart straight into (``build_scope_marts``), with
    the text columns it writes as ENUMs (``texts``; ``lists``: lists of such texts), as the
    mart's export would (``Tables.export_parquet``)."""

    path: Path
    texts: Mapping[str, Sequence[str]] = field(default_factory=dict)
    lists: Collection[str] = ()


PROFILE_COLUMNS = {
    "customer_key": "VARCHAR",
    "n_identities": "BIGINT",
    "segment": "VARCHAR",
    "created_at": "TIMESTAMPTZ",
    "is_stitched": "BOOLEAN",
}
SCOPE_COLUMNS = {"customer_key": "VARCHAR"}
HORIZON_COLUMNS = {
    "case_id": "VARCHAR",
    "customer_key": "VARCHAR",
    "open_cases_horizon_seconds": "BIGINT",
}


def build_part(
    wh: Warehouse,
    rules: PathRules,
    *,
    full: bool,
    cutoff: datetime | None,
    rebuild: bool = True,
    effort: EffortRules | None = None,
    effort_full: bool = False,
    files: Mapping[str, MartFile] | None = None,
) -> int:
    """The path marts and ``marts.customers`` of the customers ``wh`` holds: every customer's
    events, sessions and journeys rebuilt (``full``), or only those of ``int_path_scope``
    (``rebuild=False``: none, the path marts are kept); then every journey's status at the
    cut-off (``cutoff``, else the latest event in ``wh``), the effort marts of the customers
    rebuilt (``effort``; of every customer when ``effort_full``: its rules changed) and the
    customers. ``files``: where a full rebuild writes ``marts.events`` and ``marts.sessions``
    (see ``build_scope_marts``). Returns the events written."""
    events = build_scope_marts(wh, rules, full=full, files=files) if rebuild else 0
    params = rules.params(full=full, cutoff=cutoff)
    wh.run_model("intermediate/int_path_cutoff", **params)
    wh.run_model("intermediate/int_journey_status", **params)
    wh.execute("marts/updates/journeys_status")
    if effort is not None and (rebuild or effort_full):
        refresh_effort(wh, effort, full=full or effort_full)
    wh.run_model("marts/customers")
    if rebuild:  # else the counts of the kept events and journeys are kept too
        for table in PART_COUNTS:
            wh.run_model(table.replace(".", "/"))
    return events


def build_scope_marts(
    wh: Warehouse, rules: PathRules, *, full: bool, files: Mapping[str, MartFile] | None = None
) -> int:
    """``marts.events``, ``marts.sessions`` and ``marts.journeys`` (status still NULL) for the
    customers in scope (all when ``full``; else ``intermediate.int_path_scope``, whose old rows
    are deleted first); return the events written.

    ``files`` (a full rebuild of a partition, which writes its marts as files): the events are
    written straight into their Parquet file and read back through a view, instead of into a
    table of this DuckDB that is then written out. The rows are the same; the copy into the
    table is saved (about half a microsecond an event, 2.6 s of a 5M-event lane), and reading
    the file costs the models below what reading the table did. Should the sessions be changed
    afterwards (``split_sessions``), the file becomes a table again and is deleted: the caller
    writes the table out as before. The sessions, which no model here reads, are written
    straight into theirs when they are aggregated in one part; else the caller writes out their
    table."""
    params: dict[str, Any] = rules.params(full=full)  # model parameters, none named partition_by
    straight = dict(files or {}) if full else {}  # only a full rebuild writes the files
    events_file = straight[EVENTS_MART].path if EVENTS_MART in straight else None
    if events_file is not None:
        events = wh.export_model_parquet("marts/events", events_file, **params)
        wh.define_stored_view(EVENTS_MART, [str(events_file)])
    elif full:
        events = wh.run_model("marts/events", **params)
    else:
        wh.delete_keys(EVENTS_MART, column="customer_key", keys=SCOPE)
        events = wh.append_model("marts/events", **params)
    split_sessions(wh, rules, full=full, events_file=events_file)
    parts = max(1, math.ceil(events / EVENTS_PER_PART))
    models = ["marts/sessions", "marts/journeys"]
    sessions = straight.get(SESSIONS_MART)
    if sessions is not None and parts == 1:
        wh.export_model_parquet(
            "marts/sessions",
            sessions.path,
            texts=sessions.texts,
            lists=sessions.lists,
            **params,
            parts=1,
            part=0,
        )
        wh.define_stored_view(SESSIONS_MART, [str(sessions.path)])
        models.remove("marts/sessions")
    for model in models:
        if not full:
            wh.delete_keys(model.replace("/", "."), column="customer_key", keys=SCOPE)
        for part in range(parts):
            if full and part == 0:
                wh.run_model(model, **params, parts=parts, part=part)
            else:
                wh.append_model(model, **params, parts=parts, part=part)
    if wh.scalar("queries/journeys_distinct_missing"):  # a part of more than 64 teams, ...
        wh.execute("marts/updates/journeys_distinct")
    if wh.scalar("queries/journeys_path_missing"):  # events not aggregated in step order
        wh.execute("marts/updates/journeys_path")
    return events


def split_sessions(
    wh: Warehouse, rules: PathRules, *, full: bool, events_file: Path | None = None
) -> int:
    """Apply the optional per-channel sessions and the max-length cut to the events in scope;
    return how many events moved to a cut session. ``events_file``: ``marts.events`` is a view
    of that file; an update first makes it a table (``_events_as_table``)."""
    params = rules.params(full=full)
    if rules.split_by_channel:
        _events_as_table(wh, events_file)
        wh.execute("marts/updates/events_sessions_by_channel", **params)
    moved = wh.run_model("intermediate/int_session_cuts", **params)
    if moved:
        _events_as_table(wh, events_file)
        wh.execute("marts/updates/events_session_cuts")
    return moved


def _events_as_table(wh: Warehouse, events_file: Path | None) -> None:
    """``marts.events`` as a table that an UPDATE can change: the rows of ``events_file`` (when
    the mart is a view of it: the file is there) loaded, and the file deleted, as it no longer
    holds the mart."""
    if events_file is None or not events_file.exists():
        return
    wh.drop_view(EVENTS_MART)
    wh.load_parquet(EVENTS_MART, [events_file])
    events_file.unlink()


def alias_events_text(wh: Warehouse) -> None:
    """``EVENTS_TEXT`` on a connection whose ``EVENTS`` is a table of texts: a view of it."""
    wh.run_view("intermediate/int_events_text")


def ensure_profiles(wh: Warehouse) -> None:
    """An imported event log has no CRM: give it an empty ``int_customer_profiles``; events
    written without ``build_events`` have no live imports: an empty ``int_case_horizons``."""
    if not wh.table_exists(PROFILES):
        wh.write_rows(PROFILES, PROFILE_COLUMNS, [])
    if not wh.table_exists(CASE_HORIZONS):
        wh.write_rows(CASE_HORIZONS, HORIZON_COLUMNS, [])


def empty_scope(wh: Warehouse) -> None:
    """``intermediate.int_path_scope`` with no rows: a full build names no customers."""
    wh.write_rows(SCOPE, SCOPE_COLUMNS, [])
