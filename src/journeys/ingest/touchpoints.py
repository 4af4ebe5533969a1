"""Touchpoint mapping: configuration rules turn source events into named touchpoints.

A rule names a source, an ``event_type`` glob and optional field globs (``page_path:
/pricing*``, ``category: billing``); rules are tried in file order and the first that matches
gives the touchpoint and, where it sets them, channel, team and system. An event no rule maps
keeps its ``event_type`` as its touchpoint, so logs whose event types are meaningful need no
mapping. Fields a rule can test: the source's contract columns and any delivered extra column.
"""

from __future__ import annotations

import polars as pl

from journeys.config import Settings
from journeys.warehouse import Warehouse


def rules_frames(settings: Settings) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The configured rules as two frames: rules and their field conditions."""
    rules = pl.DataFrame(
        [
            {
                "rule_no": i,
                "source": rule.source,
                "event_type_glob": rule.event_type,
                "touchpoint": rule.touchpoint,
                "channel": rule.channel,
                "team": rule.team,
                "system": rule.system,
            }
            for i, rule in enumerate(settings.touchpoints, start=1)
        ],
        schema={
            "rule_no": pl.Int64,
            "source": pl.String,
            "event_type_glob": pl.String,
            "touchpoint": pl.String,
            "channel": pl.String,
            "team": pl.String,
            "system": pl.String,
        },
    )
    conditions = pl.DataFrame(
        [
            {"rule_no": i, "field": field, "pattern": pattern}
            for i, rule in enumerate(settings.touchpoints, start=1)
            for field, pattern in rule.match.items()
        ],
        schema={"rule_no": pl.Int64, "field": pl.String, "pattern": pl.String},
    )
    return rules, conditions


def write_rules(wh: Warehouse, settings: Settings) -> int:
    rules, conditions = rules_frames(settings)
    wh.write_table("staging.touchpoint_rules", rules)
    wh.write_table("staging.touchpoint_conditions", conditions)
    return rules.height
