"""The path marts of the customers in scope: the steps one process and one partition share.

``build_scope_marts`` writes ``marts.events``, ``marts.sessions`` and ``marts.journeys``
(status still NULL) with the SQL models of ``sql/marts/``; ``build.py`` runs it on the writer's
warehouse, ``partitions.py`` on each partition's own file. The table names live here, below
both, so neither imports the other's internals.
"""

from __future__ import annotations

import math

import polars as pl

from journeys.paths.rules import PathRules
from journeys.warehouse import Warehouse

EVENTS = "intermediate.int_events"
PROFILES = "intermediate.int_customer_profiles"
CASE_HORIZONS = "intermediate.int_case_horizons"
SCOPE = "intermediate.int_path_scope"
EVENTS_PER_PART = 20_000_000
"""Sessions and journeys are aggregated in parts of about this many events (customer hash
buckets), so their per-session and per-journey lists stay within DuckDB's memory limit."""
PROFILE_SCHEMA = pl.Schema(
    {
        "customer_key": pl.String(),
        "n_identities": pl.Int64(),
        "segment": pl.String(),
        "created_at": pl.Datetime("us", "UTC"),
        "is_stitched": pl.Boolean(),
    }
)
SCOPE_SCHEMA = pl.Schema({"customer_key": pl.String})


def build_scope_marts(wh: Warehouse, rules: PathRules, *, full: bool) -> int:
    """``marts.events``, ``marts.sessions`` and ``marts.journeys`` (status still NULL) for the
    customers in scope (all when ``full``; else ``intermediate.int_path_scope``, whose old rows
    are deleted first); return the events written. The same steps build one partition."""
    params = rules.params(full=full)
    if full:
        events = wh.run_model("marts/events", **params)
    else:
        wh.delete_keys("marts.events", column="customer_key", keys=SCOPE)
        events = wh.append_model("marts/events", **params)
    split_sessions(wh, rules, full=full)
    parts = max(1, math.ceil(events / EVENTS_PER_PART))
    for model in ("marts/sessions", "marts/journeys"):
        if not full:
            wh.delete_keys(model.replace("/", "."), column="customer_key", keys=SCOPE)
        for part in range(parts):
            if full and part == 0:
                wh.run_model(model, **params, parts=parts, part=part)
            else:
                wh.append_model(model, **params, parts=parts, part=part)
    return events


def split_sessions(wh: Warehouse, rules: PathRules, *, full: bool) -> int:
    """Apply the optional per-channel sessions and the max-length cut to the events in scope;
    return how many events moved to a cut session."""
    params = rules.params(full=full)
    if rules.split_by_channel:
        wh.execute("marts/updates/events_sessions_by_channel", **params)
    moved = wh.run_model("intermediate/int_session_cuts", **params)
    if moved:
        wh.execute("marts/updates/events_session_cuts")
    return moved


def ensure_profiles(wh: Warehouse) -> None:
    """An imported event log has no CRM: give it an empty ``int_customer_profiles``; events
    written without ``build_events`` have no live imports: an empty ``int_case_horizons``."""
    if not wh.table_exists(PROFILES):
        wh.write_table(PROFILES, pl.DataFrame(schema=PROFILE_SCHEMA))
    if not wh.table_exists(CASE_HORIZONS):
        schema = {"case_id": pl.String, "open_cases_horizon_seconds": pl.Int64}
        wh.write_table(CASE_HORIZONS, pl.DataFrame(schema=schema))


def empty_scope(wh: Warehouse) -> None:
    """``intermediate.int_path_scope`` with no rows: a full build names no customers."""
    wh.write_table(SCOPE, pl.DataFrame(schema=SCOPE_SCHEMA))
