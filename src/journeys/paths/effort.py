"""Effort per journey: ``marts.journey_handoffs``, ``marts.journey_effort`` and the effort columns
of ``marts.journeys`` (teams, handoffs, missed handoffs, contacts, repeat contacts, waiting).

The definitions are written once, in the SQL model headers (``sql/marts/journey_effort.sql``,
``journey_handoffs.sql``, ``sql/intermediate/int_effort_events.sql``) and so in docs/marts.md.
Everything is SQL over ``marts.events``: the handoffs are the events flagged ``is_team_handoff``
joined to the event before them, the contacts a filtered window over the contacts only, and each
repeat contact or reopening finds its handoff with an ASOF join: no pass per journey.

Incremental like the path marts: a customer's effort depends on that customer's events only
(repeat contacts are customer-wide), so only the customers of ``intermediate.int_path_scope`` are
rebuilt, unless the effort rules (``effort:`` and the maps' SLAs) changed since the last build.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from journeys.compare.maps import JourneyMap, load_map
from journeys.config import Settings
from journeys.errors import MapError
from journeys.warehouse import Warehouse

SCOPE = "intermediate.int_path_scope"
SLAS = "intermediate.int_handoff_slas"
RULES = "intermediate.int_effort_rules"
MODELS = ("intermediate/int_effort_events", "marts/journey_handoffs", "marts/journey_effort")
"""In this order: the handoffs count the repeat contacts after them; the journeys add up both."""
SLA_SCHEMA = pl.Schema(
    {"from_touchpoint": pl.String, "to_touchpoint": pl.String, "sla_seconds": pl.Int64}
)


@dataclass(frozen=True)
class EffortResult:
    """What ``build_effort`` wrote (totals over every journey)."""

    journeys: int
    handoffs: int
    missed_handoffs: int
    contacts: int
    repeat_contacts: int
    full: bool
    seconds: float

    def summary(self) -> str:
        return (
            f"effort: {self.handoffs} handoffs ({self.missed_handoffs} missed), "
            f"{self.contacts} contacts ({self.repeat_contacts} repeat) in {self.journeys} "
            f"journeys in {self.seconds:.1f}s"
        )


def handoff_slas(maps: Sequence[JourneyMap]) -> pl.DataFrame:
    """from_touchpoint, to_touchpoint, sla_seconds: for each map step with ``within``, every
    other step of the same map as the touchpoint before it (the shortest SLA over maps)."""
    rows = [
        (before.name, step.name, step.within_seconds)
        for m in maps
        for step in m.steps
        if step.within_seconds is not None
        for before in m.steps
        if before.name != step.name
    ]
    frame = pl.DataFrame(rows, schema=SLA_SCHEMA, orient="row")
    return (
        frame.group_by("from_touchpoint", "to_touchpoint")
        .agg(pl.col("sla_seconds").min())
        .sort("from_touchpoint", "to_touchpoint")
    )


def configured_maps(settings: Settings) -> list[JourneyMap]:
    """The configured maps that load; a missing or broken map is compare's error to report
    (``journeys compare`` names it and the fix), so the build does without its SLAs."""
    loaded = []
    for path in settings.maps:
        try:
            loaded.append(load_map(Path(path)))
        except MapError:
            continue
    return loaded


def effort_rules(settings: Settings, slas: pl.DataFrame) -> str:
    """Everything the effort marts depend on besides the events, as one JSON text."""
    return json.dumps(
        {"effort": settings.effort.model_dump(mode="json"), "slas": slas.rows()},
        sort_keys=True,
    )


def build_effort(
    wh: Warehouse, settings: Settings, *, full: bool, maps: Sequence[JourneyMap] | None = None
) -> EffortResult:
    """Rebuild the effort marts for the customers in scope (all when ``full``, when they are
    missing, or when the rules changed) and copy the effort into ``marts.journeys``.
    ``maps``: whose SLAs apply (default: the configured maps)."""
    started = time.perf_counter()
    slas = handoff_slas(list(maps) if maps is not None else configured_maps(settings))
    rules = pl.DataFrame({"rules": [effort_rules(settings, slas)]})
    full = (
        full
        or not all(wh.table_exists(m.replace("/", ".")) for m in MODELS)
        or not wh.table_exists(RULES)
        or not wh.read_table(RULES).equals(rules)
        or not wh.table_exists(SCOPE)
    )
    effort = settings.effort
    params = {
        "full": full,
        "contact_touchpoints": list(effort.contact_touchpoints),
        "reopen_touchpoints": list(effort.reopen_touchpoints),
        "repeat_window_seconds": effort.repeat_window_seconds,
        "handoff_sla_seconds": effort.handoff_sla_seconds,
    }
    with wh.transaction():
        wh.write_table(SLAS, slas)
        for model in MODELS:
            _refresh(wh, model, full=full, params=params)
        wh.execute("marts/updates/journeys_effort", full=full)
        wh.write_table(RULES, rules)
    totals = wh.query("queries/effort_totals").row(0, named=True)
    return EffortResult(**totals, full=full, seconds=time.perf_counter() - started)


def _refresh(wh: Warehouse, model: str, *, full: bool, params: dict[str, object]) -> None:
    """Rebuild ``model`` whole, or only the rows of the customers in scope (each model takes
    the parameters its SQL names)."""
    if full:
        wh.run_model(model, **params)
        return
    wh.delete_keys(model.replace("/", "."), column="customer_key", keys=SCOPE)
    wh.append_model(model, **params)
