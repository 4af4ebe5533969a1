"""Effort per journey: ``marts.journey_handoffs``, ``marts.journey_effort`` and the effort columns
of ``marts.journeys`` (teams, handoffs, missed handoffs, contacts, repeat contacts, waiting).

The definitions are written once, in the SQL model headers (``sql/marts/journey_effort.sql``,
``journey_handoffs.sql``, ``sql/intermediate/int_effort_events.sql``) and so in docs/marts.md.
Everything is SQL over ``marts.events``: the handoffs are the events flagged ``is_team_handoff``
joined to the event before them, the contacts a filtered window over the contacts only, and each
repeat contact or reopening finds its handoff with an ASOF join: no pass per journey.

A customer's effort depends on that customer's events only (repeat contacts are customer-wide),
so the effort is built with the path marts, by the same step (``scope.build_part``): in one
process, or in each customer-hash partition job of a partitioned build, which carries the rules
(``EffortRules``: the effort settings and the maps' SLAs) and writes the effort marts' files
beside its path marts'. Incremental like the path marts: only the customers of
``intermediate.int_path_scope`` are rebuilt, unless the effort rules changed since the last
build (``effort_changed``). ``build_effort`` rebuilds them on their own in a warehouse without
a data folder (a test's, with other maps' SLAs).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from journeys.config import Settings
from journeys.errors import BuildError, MapError
from journeys.warehouse import Warehouse

if TYPE_CHECKING:
    from journeys.compare.maps import JourneyMap

SCOPE = "intermediate.int_path_scope"
SLAS = "intermediate.int_handoff_slas"
RULES = "intermediate.int_effort_rules"
MODELS = ("intermediate/int_effort_events", "marts/journey_handoffs", "marts/journey_effort")
"""In this order: the handoffs count the repeat contacts after them; the journeys add up both.
int_effort_events holds only the customers in scope (its readers read no others)."""
EFFORT_MARTS = ("marts.journey_handoffs", "marts.journey_effort")
SLA_COLUMNS = {"from_touchpoint": "VARCHAR", "to_touchpoint": "VARCHAR", "sla_seconds": "BIGINT"}


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


@dataclass(frozen=True)
class EffortRules:
    """What the effort marts depend on besides the events: the effort settings and the maps'
    handoff SLAs (from_touchpoint, to_touchpoint, sla_seconds); picklable, so a partition job
    can carry it."""

    contact_touchpoints: tuple[str, ...]
    reopen_touchpoints: tuple[str, ...]
    repeat_window_seconds: int
    handoff_sla_seconds: int
    slas: tuple[tuple[str, str, int], ...]

    @classmethod
    def of(cls, settings: Settings, maps: Sequence[JourneyMap] | None = None) -> EffortRules:
        """The rules of ``settings``, with the SLAs of ``maps`` (default: the configured maps)."""
        effort = settings.effort
        chosen = list(maps) if maps is not None else configured_maps(settings)
        slas: tuple[tuple[str, str, int], ...] = ()
        if chosen:  # the map model only with maps
            from journeys.compare.maps import handoff_slas

            slas = handoff_slas(chosen)
        return cls(
            contact_touchpoints=tuple(effort.contact_touchpoints),
            reopen_touchpoints=tuple(effort.reopen_touchpoints),
            repeat_window_seconds=effort.repeat_window_seconds,
            handoff_sla_seconds=effort.handoff_sla_seconds,
            slas=slas,
        )

    def params(self, *, full: bool) -> dict[str, object]:
        """The ``$parameters`` of the effort models (``full``: every customer is rebuilt)."""
        return {
            "full": full,
            "contact_touchpoints": list(self.contact_touchpoints),
            "reopen_touchpoints": list(self.reopen_touchpoints),
            "repeat_window_seconds": self.repeat_window_seconds,
            "handoff_sla_seconds": self.handoff_sla_seconds,
        }

    def text(self) -> str:
        """The rules as one JSON text (``intermediate.int_effort_rules``): a change rebuilds
        every customer's effort."""
        rules = {k: v for k, v in self.params(full=True).items() if k != "full"}
        return json.dumps({"effort": rules, "slas": [list(s) for s in self.slas]}, sort_keys=True)

    def write(self, wh: Warehouse) -> None:
        """Record the rules the effort marts were built with (``intermediate.int_effort_rules``)."""
        wh.write_rows(RULES, {"rules": "VARCHAR"}, [(self.text(),)])


def configured_maps(settings: Settings) -> list[JourneyMap]:
    """The configured maps that load; a missing or broken map is compare's error to report
    (``journeys compare`` names it and the fix), so the build does without its SLAs."""
    if not settings.maps:
        return []
    from journeys.compare.maps import load_map  # YAML and the map model: only with maps

    loaded = []
    for path in settings.maps:
        try:
            loaded.append(load_map(Path(path)))
        except MapError:
            continue
    return loaded


def effort_changed(wh: Warehouse, rules: EffortRules) -> bool:
    """Whether every customer's effort must be rebuilt: the effort marts are missing, or were
    built with other rules (``intermediate.int_effort_rules``)."""
    return (
        not all(wh.table_exists(m) for m in EFFORT_MARTS)
        or not wh.table_exists(RULES)
        or wh.rows("queries/effort_rules") != [(rules.text(),)]
    )


def refresh_effort(wh: Warehouse, rules: EffortRules, *, full: bool) -> None:
    """Rebuild the effort marts of the customers in scope (every customer when ``full``) and
    copy their effort into ``marts.journeys``: on a connection holding ``marts.events``,
    ``marts.journeys`` and ``intermediate.int_events`` of these customers (and, unless ``full``,
    the effort marts of the others)."""
    params = rules.params(full=full)
    wh.write_rows(SLAS, SLA_COLUMNS, rules.slas)
    for model in MODELS:
        if full or model.startswith("intermediate/"):
            wh.run_model(model, **params)
        else:
            wh.delete_keys(model.replace("/", "."), column="customer_key", keys=SCOPE)
            wh.append_model(model, **params)
    wh.execute("marts/updates/journeys_effort", full=full)


def build_effort(
    wh: Warehouse, settings: Settings, *, full: bool, maps: Sequence[JourneyMap] | None = None
) -> EffortResult:
    """Rebuild the effort marts on their own, for the customers in scope (all when ``full``,
    when they are missing, or when the rules changed), in a warehouse without a data folder
    (a build builds them with the path marts). ``maps``: whose SLAs apply (default: the
    configured maps)."""
    started = time.perf_counter()
    if wh.is_stored("marts.journeys"):
        raise BuildError(
            "the effort marts of a stored warehouse are built with its path marts; run "
            "`journeys build`"
        )
    rules = EffortRules.of(settings, maps)
    full = full or effort_changed(wh, rules) or not wh.table_exists(SCOPE)
    with wh.transaction():
        refresh_effort(wh, rules, full=full)
        rules.write(wh)
    totals = wh.record("queries/effort_totals")
    return EffortResult(**totals, full=full, seconds=time.perf_counter() - started)
