"""``journeys build``: raw -> staging -> identity -> events -> sessions, journeys -> mining marts.

Incremental by default: only customers touched by new or late events (or whose identifiers
merged) are rebuilt in the path marts; ``full=True`` rebuilds everything.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from journeys.config import Settings
from journeys.errors import BuildError
from journeys.ingest.identity import IdentityResult, stitch_identities
from journeys.ingest.load import ensure_raw
from journeys.ingest.money import write_exchange_rates
from journeys.ingest.phones import normalize_phones
from journeys.ingest.touchpoints import write_rules
from journeys.warehouse import Warehouse

if TYPE_CHECKING:
    from journeys.paths.partitions import PartitionRunner

STAGING_MODELS = (
    "staging/stg_customers",
    "staging/stg_support",
    "staging/stg_log",
)
# Views: typing and trimming the event sources is cheaper done again by the few narrow readers
# (identity, int_events) than writing every row once more (about 7 CPU-s at 10M events).
STAGING_VIEWS = ("staging/stg_transactions", "staging/stg_web")


@dataclass(frozen=True)
class BuildResult:
    events: int
    customers: int
    stitched_customers: int
    unstitched_events: int
    unmapped_events: int
    rebuilt_customers: int
    journeys: int
    full_rebuild: bool

    def summary(self) -> str:
        return (
            f"build: {self.events} events, {self.customers} customers "
            f"({self.stitched_customers} linked to the CRM), {self.journeys} journeys; "
            f"{self.unstitched_events} events unstitched, {self.unmapped_events} unmapped; "
            + (
                "full rebuild"
                if self.full_rebuild
                else f"{self.rebuilt_customers} customers rebuilt"
            )
        )


def build_events(wh: Warehouse, settings: Settings) -> tuple[IdentityResult, int]:
    """Staging models, identity stitching and ``intermediate.int_events``; returns the identity
    result and the last build's file number (0 when this is the first build)."""
    ensure_raw(wh)
    # Every model here is an unordered table (readers aggregate, join or order explicitly), so
    # writes need not keep insertion order: they run in parallel and hold less in memory.
    with wh.insertion_order(preserve=False):
        write_rules(wh, settings)
        normalize_phones(wh, settings)  # raw.phone_numbers, which the staging models join
        wh.run_models(STAGING_MODELS, salt=settings.salt)
        for view in STAGING_VIEWS:
            wh.run_view(view)
        write_exchange_rates(wh, settings)
        first = not wh.table_exists("intermediate.int_identity")
        if not first:
            wh.run_model("intermediate/int_identity_previous")
        identity = stitch_identities(wh, salt=settings.salt)
        if first:
            wh.run_model("intermediate/int_identity_previous")
        wh.run_models(("intermediate/int_events", "intermediate/int_customer_profiles"))
        wh.run_model("intermediate/int_case_horizons")  # the live imports' open cases
        wh.drop_table("intermediate.int_source_events")  # left by builds before this one
        last_file_seq = int(wh.scalar("queries/last_build"))
        wh.run_model("intermediate/int_dirty_customers", last_file_seq=last_file_seq)
    return identity, last_file_seq


def build_warehouse(
    wh: Warehouse,
    settings: Settings,
    *,
    full: bool = False,
    run_partitions: PartitionRunner | None = None,
) -> BuildResult:
    """Build every mart from what raw holds now (see the module docstring). With
    ``settings.partitions > 1`` the path marts are built in customer-hash partitions by
    ``run_partitions`` (see ``journeys.paths.partitions``); the marts are the same."""
    from journeys.mining import build_mining
    from journeys.paths import build_paths
    from journeys.paths.effort import build_effort

    ensure_raw(wh)
    if not wh.scalar("queries/loaded_files"):
        raise BuildError(
            "nothing is loaded yet, so there is nothing to build; load an event log with "
            "`journeys import-log FILE` (or sources with `journeys ingest SOURCE PATH`), then "
            "run `journeys build`"
        )
    identity, last_file_seq = build_events(wh, settings)
    full = full or last_file_seq == 0 or not wh.table_exists("marts.journeys")
    counts = wh.query("queries/build_counts").row(0, named=True)
    with wh.insertion_order(preserve=False):  # the path marts are unordered (no ORDER BY)
        # the session, journey, touchpoint or currency rules changed: a full rebuild after all
        full = build_paths(wh, settings, full=full, run_partitions=run_partitions).full
        build_effort(wh, settings, full=full)
    build_mining(wh, settings)
    wh.run_model("marts/data_quality")
    wh.execute(
        "queries/record_build",
        build_id=f"build_{uuid.uuid4().hex[:12]}",
        built_at=datetime.now(UTC),
        full_rebuild=full,
    )
    return BuildResult(
        events=counts["events"],
        customers=identity.customers,
        stitched_customers=identity.stitched_customers,
        unstitched_events=counts["unstitched_events"],
        unmapped_events=counts["unmapped_events"],
        rebuilt_customers=counts["dirty_customers"],
        journeys=wh.count("marts.journeys"),
        full_rebuild=full,
    )
