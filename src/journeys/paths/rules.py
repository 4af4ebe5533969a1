"""The rules that shape a customer's sessions and journeys, written once.

``PathRules`` is what the path models need (``params`` gives their ``$parameters``), what a
partition job carries to a worker, and, with the event rules (``rules_row``), what a build
compares with the last build's to decide whether every customer must be rebuilt.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from journeys.config import Settings


@dataclass(frozen=True)
class PathRules:
    """Sessions (inactivity gap, longest session, per channel) and journeys (horizon, start and
    end touchpoints), from the settings; picklable, so a partition job can carry it."""

    gap_seconds: int
    max_seconds: int
    split_by_channel: bool
    horizon_seconds: int
    start_touchpoints: tuple[str, ...]
    end_touchpoints: tuple[str, ...]

    @classmethod
    def of(cls, settings: Settings) -> PathRules:
        return cls(
            gap_seconds=settings.sessions.gap_seconds,
            max_seconds=settings.sessions.max_seconds,
            split_by_channel=settings.sessions.split_by_channel,
            horizon_seconds=settings.journeys.horizon_seconds,
            start_touchpoints=tuple(settings.journeys.start_touchpoints),
            end_touchpoints=tuple(settings.journeys.end_touchpoints),
        )

    def params(self, *, full: bool, cutoff: datetime | None = None) -> dict[str, object]:
        """The ``$parameters`` of the path models (``full``: every customer is rebuilt;
        ``cutoff``: the data's cut-off for journey status, default the latest event)."""
        return {
            "full": full,
            "gap_seconds": self.gap_seconds,
            "max_seconds": self.max_seconds,
            "horizon_seconds": self.horizon_seconds,
            "start_touchpoints": list(self.start_touchpoints),
            "end_touchpoints": list(self.end_touchpoints),
            "cutoff": cutoff,
        }


RULE_COLUMNS = {
    "event_rules": "VARCHAR",
    "gap_seconds": "BIGINT",
    "max_seconds": "BIGINT",
    "split_by_channel": "BOOLEAN",
    "horizon_seconds": "BIGINT",
    "start_touchpoints": "VARCHAR[]",
    "end_touchpoints": "VARCHAR[]",
    "partitions": "BIGINT",
}
"""The columns of ``intermediate.int_path_rules`` (``rules_row``)."""


def rules_row(settings: Settings) -> tuple[object, ...]:
    """Every setting that shapes the events, sessions and journeys of every customer, as one row
    of ``RULE_COLUMNS`` (not the moving cut-off): the path rules plus the touchpoint rules and
    the currency, since a changed rule or rate must reach the customers with no new events too."""
    rules = PathRules.of(settings)
    events = {
        "touchpoints": [rule.as_json() for rule in settings.touchpoints],
        "currency": settings.currency,
        "exchange_rates": settings.exchange_rates,
    }
    return (
        json.dumps(events, sort_keys=True),
        rules.gap_seconds,
        rules.max_seconds,
        rules.split_by_channel,
        rules.horizon_seconds,
        list(rules.start_touchpoints),
        list(rules.end_touchpoints),
        # the marts are stored in this many customer-hash partitions (ADR 0004)
        settings.partitions,
    )
