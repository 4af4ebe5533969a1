"""Build ``marts.events``, ``marts.sessions``, ``marts.journeys`` and ``marts.customers``.

The SQL lives in ``sql/marts/`` and ``sql/intermediate/``; this module only orders the steps.
Every rule (ordering by occurred_at then seq, strict gaps, the greedy max-length cut, journey
boundaries, status) is written once, in SQL, and documented in the model headers.

Incremental builds: when the marts exist and ``intermediate.int_dirty_customers`` lists the
customers whose events changed, only their rows are deleted and rebuilt (a customer's journeys
depend on that customer's events only). Journey status depends on the cut-off, which moves with
every build, so it is recomputed for every journey (cheap: one row per journey), and
``marts.customers`` is rebuilt whole (one row per customer). Incremental == full rebuild.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import polars as pl

from journeys.config import Settings
from journeys.errors import BuildError
from journeys.warehouse import Warehouse

if TYPE_CHECKING:
    from journeys.paths.partitions import PartitionRunner

EVENTS = "intermediate.int_events"
PROFILES = "intermediate.int_customer_profiles"
CASE_HORIZONS = "intermediate.int_case_horizons"
DIRTY = "intermediate.int_dirty_customers"
SCOPE = "intermediate.int_path_scope"
RULES = "intermediate.int_path_rules"
"""The session and journey rules of the last build: a change forces a full rebuild."""
PATH_MARTS = ("marts.events", "marts.sessions", "marts.journeys")
EVENTS_PER_PART = 20_000_000
"""Sessions and journeys are aggregated in parts of about this many events (customer hash
buckets), so their per-session and per-journey lists stay within DuckDB's memory limit."""
PROFILE_SCHEMA = {
    "customer_key": pl.String,
    "n_identities": pl.Int64,
    "segment": pl.String,
    "created_at": pl.Datetime("us", "UTC"),
    "is_stitched": pl.Boolean,
}


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


def _path_params(settings: Settings, *, full: bool) -> dict[str, Any]:
    """The ``$parameters`` of the path models, from the settings."""
    return {
        "full": full,
        "gap_seconds": settings.sessions.gap_seconds,
        "max_seconds": settings.sessions.max_seconds,
        "horizon_seconds": settings.journeys.horizon_seconds,
        "start_touchpoints": list(settings.journeys.start_touchpoints),
        "end_touchpoints": list(settings.journeys.end_touchpoints),
        "cutoff": settings.journeys.cutoff,
    }


def path_rules(settings: Settings) -> pl.DataFrame:
    """The settings that shape the events, sessions and journeys of every customer, as one row
    (not the moving cut-off): the touchpoint rules and the currency included, since a changed
    rule or rate must reach the customers with no new events too."""
    events = {
        "touchpoints": [rule.model_dump(mode="json") for rule in settings.touchpoints],
        "currency": settings.currency,
        "exchange_rates": settings.exchange_rates,
    }
    return pl.DataFrame(
        {
            "event_rules": [json.dumps(events, sort_keys=True)],
            "gap_seconds": [settings.sessions.gap_seconds],
            "max_seconds": [settings.sessions.max_seconds],
            "split_by_channel": [settings.sessions.split_by_channel],
            "horizon_seconds": [settings.journeys.horizon_seconds],
            "start_touchpoints": [list(settings.journeys.start_touchpoints)],
            "end_touchpoints": [list(settings.journeys.end_touchpoints)],
        },
        schema_overrides={
            "start_touchpoints": pl.List(pl.String),
            "end_touchpoints": pl.List(pl.String),
        },
    )


def build_paths(
    wh: Warehouse,
    settings: Settings,
    *,
    full: bool = False,
    run_partitions: PartitionRunner | None = None,
) -> PathsResult:
    """Sessions, journeys, their events and customers from ``intermediate.int_events``.

    ``full=False`` rebuilds only the customers of ``intermediate.int_dirty_customers`` when the
    path marts already exist and were built with the same rules (``path_rules``); otherwise
    (or with ``full=True``) everything is rebuilt. With ``settings.partitions > 1`` the customers
    in scope are split into hash partitions that ``run_partitions`` builds (default: one after
    the other in this process; the flows pass a Prefect task runner) and merged here.
    """
    from journeys.paths.partitions import build_partitioned

    started = time.perf_counter()
    if not wh.table_exists(EVENTS):
        raise BuildError(
            f"{EVENTS}: table not found; load events first (`journeys ingest` or "
            "`journeys import-log`), then run `journeys build`"
        )
    rules = path_rules(settings)
    full = (
        full
        or not wh.table_exists(DIRTY)
        or not all(wh.table_exists(t) for t in PATH_MARTS)
        or not wh.table_exists(RULES)
        or not wh.read_table(RULES).equals(rules)
    )
    ensure_profiles(wh)
    params = _path_params(settings, full=full)
    rebuilt = 0
    with wh.transaction():
        if full:
            wh.write_table(SCOPE, pl.DataFrame(schema={"customer_key": pl.String}))
        else:
            rebuilt = wh.run_model("intermediate/int_path_scope")
        if settings.partitions <= 1 or not build_partitioned(
            wh, settings, full=full, run_partitions=run_partitions
        ):
            build_scope_marts(
                wh, params, split_by_channel=settings.sessions.split_by_channel, full=full
            )
        wh.run_model("intermediate/int_path_cutoff", **params)
        wh.run_model("intermediate/int_journey_status", **params)
        wh.execute("marts/updates/journeys_status")
        wh.run_model("marts/customers")
        wh.write_table(RULES, rules)
    cutoff = wh.read_table("intermediate.int_path_cutoff")["cutoff_at"].item()
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


def build_scope_marts(
    wh: Warehouse, params: dict[str, Any], *, split_by_channel: bool, full: bool
) -> int:
    """``marts.events``, ``marts.sessions`` and ``marts.journeys`` (status still NULL) for the
    customers in scope (all when ``full``; else ``intermediate.int_path_scope``, whose old rows
    are deleted first); return the events written. The same steps build one partition."""
    if full:
        events = wh.run_model("marts/events", **params)
    else:
        wh.delete_keys("marts.events", column="customer_key", keys=SCOPE)
        events = wh.append_model("marts/events", **params)
    split_sessions(wh, params, split_by_channel=split_by_channel)
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


def split_sessions(wh: Warehouse, params: dict[str, Any], *, split_by_channel: bool) -> int:
    """Apply the optional per-channel sessions and the max-length cut to the events in scope;
    return how many events moved to a cut session."""
    if split_by_channel:
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
