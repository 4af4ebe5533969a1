"""Touchpoint mapping: configuration rules turn source events into named touchpoints.

A rule names a source, an ``event_type`` glob and optional field globs (``page_path:
/pricing*``, ``category: billing``); rules are tried in file order and the first that matches
gives the touchpoint and, where it sets them, channel, team and system (or, ``skip: true``,
leaves the event out of the journeys: int_events holds no row of it). An event no rule maps
keeps its ``event_type`` as its touchpoint, so logs whose event types are meaningful need no
mapping. Fields a rule can test: the source's contract columns and any delivered extra column.
"""

from __future__ import annotations

from journeys.config import Settings
from journeys.warehouse import Warehouse

RULES = "staging.touchpoint_rules"
RULE_COLUMNS = {
    "rule_no": "BIGINT",
    "source": "VARCHAR",
    "event_type_glob": "VARCHAR",
    "touchpoint": "VARCHAR",
    "channel": "VARCHAR",
    "team": "VARCHAR",
    "system": "VARCHAR",
    "skip": "BOOLEAN",
}
CONDITIONS = "staging.touchpoint_conditions"
CONDITION_COLUMNS = {"rule_no": "BIGINT", "field": "VARCHAR", "pattern": "VARCHAR"}


def rule_rows(settings: Settings) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """The configured rules as rows of ``RULE_COLUMNS``, and their field conditions."""
    rules: list[tuple[object, ...]] = [
        (
            i,
            rule.source,
            rule.event_type,
            rule.touchpoint,
            rule.channel,
            rule.team,
            rule.system,
            rule.skip,
        )
        for i, rule in enumerate(settings.touchpoints, start=1)
    ]
    conditions: list[tuple[object, ...]] = [
        (i, field, pattern)
        for i, rule in enumerate(settings.touchpoints, start=1)
        for field, pattern in rule.match.items()
    ]
    return rules, conditions


def write_rules(wh: Warehouse, settings: Settings) -> int:
    rules, conditions = rule_rows(settings)
    wh.write_rows(RULES, RULE_COLUMNS, rules)
    wh.write_rows(CONDITIONS, CONDITION_COLUMNS, conditions)
    return len(rules)
