"""Tiny builders shared by unit tests: rows of intermediate.int_events (the paths' input)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import polars as pl

INT_EVENTS_SCHEMA = {
    "case_id": pl.String,
    "team": pl.String,
    "system": pl.String,
    "channel": pl.String,
    "thread_id": pl.String,
}


def int_event(
    customer: str, at: datetime, touchpoint: str, *, seq: int, **extra: Any
) -> dict[str, Any]:
    """One int_events row with defaults (web, no team or system, no value); ``extra`` overrides
    any column (case_id, channel, team, system, value, event_type, thread_id…)."""
    row: dict[str, Any] = {
        "event_id": f"e{seq}",
        "source": "web",
        "customer_key": customer,
        "case_id": None,
        "occurred_at": at,
        "seq": seq,
        "event_type": touchpoint.lower(),
        "touchpoint": touchpoint,
        "channel": "web",
        "team": None,
        "system": None,
        "value": 0.0,
        "batch_id": "b1",
        "thread_id": None,
    }
    row.update(extra)
    return row


def int_events_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema_overrides=INT_EVENTS_SCHEMA)


def after(t0: datetime, seconds: float) -> datetime:
    return t0 + timedelta(seconds=seconds)
