"""``journeys build``: raw -> staging -> identity -> events -> sessions, journeys -> mining marts.

Incremental by default: only customers touched by new or late events (or whose identifiers
merged) are rebuilt in the path marts; ``full=True`` rebuilds everything.
"""

from __future__ import annotations

import uuid
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from journeys.config import Settings
from journeys.cores import ONE_THREAD_ROWS
from journeys.errors import BuildError, ConfigError
from journeys.ingest.raw import ensure_raw
from journeys.inputs import build_fingerprint, fingerprint
from journeys.warehouse import Warehouse
from journeys.warehouse.sqltext import enum_texts
from journeys.words import numbered

if TYPE_CHECKING:
    from journeys.ingest.identity import IdentityResult
    from journeys.runner import Runner

DIRTY = "intermediate.int_dirty_customers"
NOTHING_LOADED = (
    "nothing is loaded yet, so there is nothing to build; load an event log with "
    "`journeys import-log FILE` (or sources with `journeys ingest SOURCE PATH`), then run "
    "`journeys build`"
)
"""What a build (or a compare) of a warehouse holding no loaded file says."""
CONTACT_MODELS = ("staging/stg_customers", "staging/stg_support", "staging/stg_customer_contacts")
"""Functions of the customer and support files, the phone numbers and the settings alone."""
CUSTOMERS_LATEST = "raw/customers_latest"
"""The CRM row of each customer that counts (a view), read by the models after it and by
compare's customer values."""
CONTACT_VALUES = "raw/contact_values"
"""The CRM's contact values beside its one email and phone: built before the phones are parsed."""
BLOCKED = "staging/stg_blocked"
"""identity.blocked as contact keys, one row: built first, whatever the files (identity reads
it)."""
CONTACT_TABLES = (
    "raw.customers_latest",
    "raw.phone_numbers",
    "raw.contact_values",
    "staging.stg_blocked",
    "staging.stg_customers",
    "staging.stg_support",
    "staging.stg_customer_contacts",
)
"""What contact staging writes: built again when one of them is gone."""
EMPTY_CONTACTS = {
    "staging.stg_customers": {
        "customer_id": "VARCHAR", "email_key": "VARCHAR", "phone_key": "VARCHAR",
        "phone_unparsed": "BOOLEAN", "segment": "VARCHAR", "created_at": "DATE",
        "seq": "BIGINT", "batch_id": "VARCHAR",
    },
    "staging.stg_support": {
        "event_id": "VARCHAR", "ticket_id": "VARCHAR", "email_key": "VARCHAR",
        "phone_key": "VARCHAR", "phone_unparsed": "BOOLEAN", "channel": "VARCHAR",
        "team": "VARCHAR", "system": "VARCHAR", "category": "VARCHAR", "event_type": "VARCHAR",
        "occurred_at": "TIMESTAMP WITH TIME ZONE", "attributes": "JSON", "seq": "BIGINT",
        "batch_id": "VARCHAR", "is_late": "BOOLEAN",
    },
    "staging.stg_customer_contacts": {"customer_id": "VARCHAR", "contact": "VARCHAR"},
}  # fmt: skip
"""The columns of ``CONTACT_MODELS`` (tests/test_unchanged_build.py checks them): written
empty when no customer or support file is loaded (an imported log), without planning the
models, whose timestamp and email macros take 20-30 ms to plan."""
TEXT_ROWS = 100_000
"""From this many loaded rows the build writes int_events' few-valued texts as ENUMs
(``int_event_texts``): below it the look-up costs about what it saves."""
INT_EVENT_TEXTS = ("source", "event_type", "touchpoint", "channel", "team", "system",
                   "batch_id", "topic")  # fmt: skip
"""The columns of sql/queries/int_event_texts.sql, in its order."""
STAGING_MODELS = ("staging/stg_log_changes",)  # what stg_log changes (hashed ids, masked names)
# Views: typing and trimming the event sources is cheaper done again by the few narrow readers
# (identity, int_events) than writing every row once more (about 7 CPU-s at 10M events; the
# log's events at 250,000: 0.13 s written, 0.03 s for the few rows staging changes).
STAGING_VIEWS = ("staging/stg_transactions", "staging/stg_web", "staging/stg_log")


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
    skipped_events: int = 0
    """Accepted events that touchpoint rules leave out of the journeys (``skip: true``)."""

    def summary(self) -> str:
        return (
            f"build: {numbered(self.events, 'event')}, {numbered(self.customers, 'customer')} "
            f"({self.stitched_customers} linked to the CRM), {numbered(self.journeys, 'journey')}; "
            f"{numbered(self.unstitched_events, 'event')} unstitched, {self.unmapped_events} "
            "unmapped"
            + (
                f", {self.skipped_events} skipped by touchpoint rules"
                if self.skipped_events
                else ""
            )
            + "; "
            + (
                "full rebuild"
                if self.full_rebuild
                else f"{numbered(self.rebuilt_customers, 'customer')} rebuilt"
            )
        )


def build_events(
    wh: Warehouse,
    settings: Settings,
    *,
    run_tasks: Runner | None = None,
    full: bool = False,
    rows: int = 0,
) -> tuple[IdentityResult, int]:
    """Staging models, identity stitching and ``intermediate.int_events``; returns the identity
    result and the last build's file number (0 when this is the first build). With
    ``run_tasks`` and ``settings.partitions > 1``, the identity components and the events are
    computed by jobs (``ingest/components.py``, ``ingest/slices.py``), not in this process.
    ``intermediate.int_dirty_customers`` lists the customers an incremental build rebuilds;
    a full build (``full``, or the first) rebuilds every one and leaves it empty. ``rows``:
    the rows loaded (from ``TEXT_ROWS`` on, int_events' texts are written as ENUMs)."""
    # imported here: a build that finds its inputs unchanged needs none of them
    from journeys.ingest.identity import stitch_identities
    from journeys.ingest.slices import build_event_slices
    from journeys.paths.partitions import partition_folder

    spread = run_tasks is not None and settings.partitions > 1 and wh.data is not None
    limits = {"memory_limit": settings.memory_limit, "temp_directory": settings.temp_directory}
    ensure_raw(wh)
    last_file_seq = int(wh.scalar("queries/last_build"))
    every = full or last_file_seq == 0  # every customer is rebuilt: no dirty ones to find
    # Every model here is an unordered table (readers aggregate, join or order explicitly), so
    # writes need not keep insertion order: they run in parallel and hold less in memory.
    with wh.insertion_order(preserve=False):
        build_staging(wh, settings)
        if wh.table_exists("intermediate.int_identity"):
            # the last build's identity, kept as it is (renamed, not copied); a build that
            # stopped after this finds it still there (and no int_identity) and keeps it
            wh.rename_table("intermediate.int_identity", "int_identity_previous")
        first = not wh.table_exists("intermediate.int_identity_previous")
        identity = stitch_identities(
            wh,
            salt=settings.salt,
            parts=settings.partitions,
            folder=partition_folder(settings) / "identity",
            run_tasks=run_tasks if spread else None,
            limits=limits,
        )
        if first and not every:
            wh.run_model("intermediate/int_identity_previous")
        # stored in the customer-hash partitions the path build reads (ADR 0004)
        texts = int_event_texts(wh) if rows >= TEXT_ROWS else {}
        if spread and run_tasks is not None:  # jobs in other processes: no open transaction
            parts = settings.partitions
            build_event_slices(
                wh, slices=parts, parts=parts, run_tasks=run_tasks, texts=texts, **limits
            )
        _store_events(wh, settings.partitions, events=not spread, texts=texts)
        _list_dirty(wh, every=every, last_file_seq=last_file_seq)
    return identity, last_file_seq


def int_event_texts(wh: Warehouse) -> dict[str, list[str]]:
    """Every value of int_events' few-valued text columns (sql/queries/int_event_texts.sql),
    sorted, for the columns an ENUM can hold (``enum_texts``): written as ENUMs of them, the file's
    writing takes a third less (10M events: 9.0-10.3 → 6.5-6.8 CPU-s, the same file)."""
    found: dict[str, set[str]] = {}
    for record in wh.rows("queries/int_event_texts"):
        for column, values in zip(INT_EVENT_TEXTS, record, strict=True):
            found.setdefault(column, set()).update(values or ())
    found["touchpoint"] = found.get("touchpoint", set()) | found.get("event_type", set())
    return enum_texts(found)


def _store_events(
    wh: Warehouse, parts: int, *, events: bool, texts: dict[str, list[str]] | None = None
) -> None:
    """``intermediate.int_events`` (``events``: not already written by jobs; ``texts``: its
    columns written as ENUMs, ``int_event_texts``), the customer profiles and the live
    imports' case horizons, in ``parts`` customer-hash partitions, in one transaction: their
    files recorded in one statement, committed together."""
    from journeys.ingest.slices import SEQ_END, SEQ_MIN

    with wh.transaction():
        if events:
            wh.store_parts(
                "intermediate.int_events",
                "intermediate/int_events",
                parts=parts,
                key="customer_key",
                texts=texts,
                seq_from=SEQ_MIN,
                seq_to=SEQ_END,
            )
        for table in ("int_customer_profiles", "int_case_horizons"):  # of live imports
            wh.store_parts(
                f"intermediate.{table}", f"intermediate/{table}", parts=parts, key="customer_key"
            )
        wh.drop_table("intermediate.int_source_events")  # left by builds before this one


def _list_dirty(wh: Warehouse, *, every: bool, last_file_seq: int) -> None:
    """``intermediate.int_dirty_customers``: the customers with events since the last build or
    whose identifiers moved; empty when ``every`` customer is rebuilt anyway."""
    if every:
        wh.write_rows(DIRTY, {"customer_key": "VARCHAR"}, [])
    else:
        wh.run_model("intermediate/int_dirty_customers", last_file_seq=last_file_seq)


def build_staging(wh: Warehouse, settings: Settings) -> None:
    """The touchpoint rules, the phone numbers, the staging models and views, the exchange
    rates: what identity stitching and ``int_events`` read."""
    from journeys.ingest.money import write_exchange_rates
    from journeys.ingest.touchpoints import write_rules

    write_rules(wh, settings)
    contact_staging(wh, settings)
    wh.run_models(STAGING_MODELS, salt=settings.salt)
    for view in STAGING_VIEWS:
        wh.run_view(view)
    write_exchange_rates(wh, settings)


def contact_staging(wh: Warehouse, settings: Settings) -> bool:
    """Parse the delivered phone numbers into ``raw.phone_numbers`` and build the customers'
    and tickets' staging tables from them (``CONTACT_MODELS``) when their inputs changed (a
    customer or support file loaded, other settings or code; ``--full`` alike: the tables are a
    function of them alone). Returns whether it built them. The inputs are recorded after the
    tables are written: a build stopped in between builds them again."""
    found = wh.record("queries/contact_inputs")
    inputs = fingerprint(
        settings, (), step="contacts", files=found["files"], max_file_seq=found["max_file_seq"]
    )
    if found["fingerprint"] == inputs and all(wh.table_exists(t) for t in CONTACT_TABLES):
        return False
    from journeys.ingest.phones import blocked_numbers, normalize_phones, phone_regions

    _check_contact_columns(wh, settings)
    contacts = list(settings.source("customers").contacts)
    wh.run_view(CUSTOMERS_LATEST)
    wh.run_model(CONTACT_VALUES, contact_columns=contacts)  # the phones among them parsed next
    normalize_phones(wh, settings)
    blocked = settings.identity.blocked
    phones = blocked_numbers(blocked, phone_regions(settings).values())
    wh.run_model(BLOCKED, salt=settings.salt, blocked=list(blocked), blocked_phones=phones)
    if found["files"]:
        wh.run_models(CONTACT_MODELS, salt=settings.salt)
    else:
        for table, columns in EMPTY_CONTACTS.items():
            wh.write_rows(table, columns, [])
    wh.execute("queries/record_step_inputs", step="contacts", fingerprint=inputs)
    return True


def _check_contact_columns(wh: Warehouse, settings: Settings) -> None:
    """Refuse ``sources.customers.contacts`` naming a column no loaded CRM file has: its
    contacts would link nobody without a word (a misspelt name, a column renamed upstream)."""
    columns = list(settings.source("customers").contacts)
    if not columns or not wh.table_exists("raw.customers"):
        return
    missing = wh.rows("queries/missing_contact_columns", contact_columns=columns)
    if missing:
        name, present = missing[0]
        has = ", ".join(present or []) or "none beside the contract's"
        raise ConfigError(
            f"sources.customers.contacts: {name!r} is no column of the loaded CRM files (their "
            f"other columns: {has}); name one of them, as the export writes it"
        )


def build_warehouse(
    wh: Warehouse,
    settings: Settings,
    *,
    full: bool = False,
    run_tasks: Runner | None = None,
) -> BuildResult:
    """Build every mart from what raw holds now (see the module docstring). With
    ``settings.partitions > 1`` the path marts are built in customer-hash partitions by
    ``run_tasks`` (see ``journeys.runner``); the marts are the same."""
    ensure_raw(wh)
    last = wh.record("queries/build_inputs")
    if not last["files"]:
        raise BuildError(NOTHING_LOADED)
    inputs = build_fingerprint(settings, files=last["files"], max_file_seq=last["max_file_seq"])
    if not full and last["fingerprint"] == inputs:
        return _unchanged(wh, last)
    wh.execute("queries/forget_build_inputs")
    # a small build's statements run on one thread: waking the other cores for each of its
    # ~125 statements costs more than it saves (journeys/cores.py). Built here, it commits
    # once (and where identity stitching numbers its nodes): each commit of the work file
    # costs about a millisecond, and it made ~35. A large build commits step by step, and
    # jobs in other processes read only what is committed.
    rows = int(last["rows_accepted"])
    small = rows < ONE_THREAD_ROWS
    once = wh.transaction() if small and run_tasks is None else nullcontext()
    with wh.threads(1 if small else None), once:
        result = _build(wh, settings, full=full, run_tasks=run_tasks, rows=rows)
        wh.execute(
            "queries/record_build_inputs",
            fingerprint=inputs,
            **{name: getattr(result, name) for name in KEPT_COUNTS},
        )
    return result


def _build(
    wh: Warehouse, settings: Settings, *, full: bool, run_tasks: Runner | None, rows: int
) -> BuildResult:
    """Every mart from what raw holds now (``build_warehouse`` after its checks; ``rows``:
    the rows loaded)."""
    from journeys.mining import build_mining
    from journeys.paths import build_paths

    identity, last_file_seq = build_events(wh, settings, run_tasks=run_tasks, full=full, rows=rows)
    full = full or last_file_seq == 0 or not wh.table_exists("marts.journeys")
    counts = wh.record("queries/build_counts")
    with wh.insertion_order(preserve=False):  # the path marts are unordered (no ORDER BY)
        # the session, journey, touchpoint or currency rules changed: a full rebuild after all
        # (the effort marts are built with the paths: paths/effort.py)
        full = build_paths(wh, settings, full=full, run_tasks=run_tasks).full
    # one transaction: the mining marts' files recorded in raw.data_files in one statement
    # before one commit, not an upsert and a commit each (about 10 ms of a small build)
    with wh.transaction():
        build_mining(wh, settings, run_tasks=run_tasks)
        wh.run_model("marts/data_quality")
        _record_build(wh, full=full)
    return BuildResult(
        events=counts["events"],
        customers=identity.customers,
        stitched_customers=identity.stitched_customers,
        unstitched_events=counts["unstitched_events"],
        unmapped_events=counts["unmapped_events"],
        skipped_events=counts["skipped_events"],
        rebuilt_customers=identity.customers if full else counts["dirty_customers"],
        journeys=wh.count("marts.journeys"),
        full_rebuild=full,
    )


KEPT_COUNTS = (
    "events",
    "customers",
    "stitched_customers",
    "unstitched_events",
    "unmapped_events",
    "skipped_events",
    "journeys",
)
"""The counts of a finished build that raw.build_inputs keeps for a build of the same inputs."""


def _record_build(wh: Warehouse, *, full: bool) -> None:
    wh.execute(
        "queries/record_build",
        build_id=f"build_{uuid.uuid4().hex[:12]}",
        built_at=datetime.now(UTC),
        full_rebuild=full,
    )


def _unchanged(wh: Warehouse, last: dict[str, Any]) -> BuildResult:
    """A build of the last finished build's inputs: every table would be written again as it
    is, and no customer's journeys change. It is recorded all the same (compare and the
    micro-batch count builds) and reports the last build's counts."""
    _record_build(wh, full=False)
    counts = {name: int(last[name]) for name in KEPT_COUNTS}
    return BuildResult(**counts, rebuilt_customers=0, full_rebuild=False)
