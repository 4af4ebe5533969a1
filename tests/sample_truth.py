"""The sample's ground truth, tied to the published sample warehouse: which journeys hold the
orders, tickets and calls that data/sample/ground_truth.json names (by the source files' event
ids, read here with polars, not with the ingest code)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl

from journeys.warehouse import Warehouse

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


@cache
def truth() -> dict[str, Any]:
    return json.loads((SAMPLE / "ground_truth.json").read_text(encoding="utf-8"))


def behaviour(name: str) -> dict[str, Any]:
    return truth()["behaviours"][name]


@cache
def source_rows(name: str) -> pl.DataFrame:
    """Both deliveries of a CSV source (``transactions`` or ``support_interactions``), as text."""
    frames = [
        pl.read_csv(SAMPLE / folder / f"{name}.csv", infer_schema=False) for folder in (".", "late")
    ]
    return pl.concat(frames, how="diagonal").unique("event_id", keep="first")


def _events(warehouse: Path) -> pl.DataFrame:
    with Warehouse(warehouse, read_only=True) as wh:
        return wh.read_table(
            "marts.events", columns=["event_id", "journey_id", "step_index", "touchpoint", "team"]
        )


events = cache(_events)


def order_journeys(warehouse: Path, orders: Iterable[str]) -> pl.DataFrame:
    """order_id, journey_id: the journey of each order's ``order_placed`` event."""
    placed = source_rows("transactions").filter(
        pl.col("order_id").is_in(list(orders)) & (pl.col("event_type") == "order_placed")
    )
    return placed.join(events(warehouse), on="event_id").select("order_id", "journey_id")


def ticket_events(warehouse: Path, tickets: Iterable[str]) -> pl.DataFrame:
    """ticket_id, event_type, and the event's journey_id, step_index, touchpoint and team."""
    rows = source_rows("support_interactions").filter(pl.col("ticket_id").is_in(list(tickets)))
    return rows.select("event_id", "ticket_id", "event_type").join(events(warehouse), on="event_id")


def damaged_events() -> set[str]:
    """Event ids of the rows the generator broke on purpose (rejected at ingest)."""
    return {row["event_id"] for row in truth()["data_quality"]["malformed_rows"]}
