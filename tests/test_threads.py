"""A journey never splits the events of one thread (an order, a ticket): an end touchpoint ends
it only once the threads it holds are closed (fixtures/threads: a hand-written shop's orders
and help-desk export)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from journeys.build import build_warehouse
from journeys.config import JourneySettings, Settings, TouchpointRule
from journeys.ingest.load import load_source
from journeys.warehouse import Warehouse

FIXTURES = Path(__file__).parent / "fixtures" / "threads"
NAMES = {
    "order_placed": "Order placed",
    "payment_captured": "Payment captured",
    "order_shipped": "Order shipped",
    "order_delivered": "Order delivered",
    "ticket_opened": "Ticket opened",
    "contact": "Contact",
    "ticket_resolved": "Ticket resolved",
}


def _journeys(**journeys: object) -> tuple[pl.DataFrame, pl.DataFrame]:
    settings = Settings(
        touchpoints=tuple(
            TouchpointRule(source=source, event_type=kind, touchpoint=name)
            for kind, name in NAMES.items()
            for source in ("transactions", "support")
        ),
        journeys=JourneySettings(**journeys),  # type: ignore[arg-type]
    )
    with Warehouse() as wh:
        for source, name in (
            ("customers", "customers.csv"),
            ("transactions", "orders.csv"),
            ("support", "tickets.csv"),
        ):
            load_source(wh, settings, source, [FIXTURES / name])
        build_warehouse(wh, settings)
        events = wh.read_table("marts.events", columns=["event_id", "journey_id", "step_index"])
        journeys_ = wh.read_table("marts.journeys", columns=["journey_id", "path", "status"])
    return events, journeys_


def _grouped(events: pl.DataFrame) -> list[list[str]]:
    """The event ids of each journey in step order (journeys sorted by their ids' text)."""
    groups = events.sort("journey_id", "step_index").group_by("journey_id").agg("event_id")
    return sorted(groups["event_id"].to_list())


def test_a_ticket_spanning_the_delivery_stays_in_the_order_journey():
    events, journeys = _journeys(end_touchpoints=("Order delivered",))
    assert _grouped(events) == sorted(
        [
            # Ruth's ticket opened before the delivery, resolved after it: one journey
            ["o-1", "o-2", "o-3", "f-1", "f-2", "o-4", "f-3"],
            ["o-5", "o-6", "o-7", "o-8"],
            # Omar's return ticket came after his order was closed: a journey of its own
            ["o-9", "o-10", "o-11", "o-12"],
            # Ines's two orders overlap: the second is not cut in two at the first delivery
            ["o-13", "o-14", "o-15", "o-16", "o-17", "o-18", "o-19", "o-20"],
            ["f-4", "f-5"],
        ]
    )
    # no lone 'Ticket resolved'; a journey that reached the end touchpoint is completed, even
    # when its open ticket made it end on a later step
    paths = {tuple(p): s for p, s in journeys.select("path", "status").iter_rows()}
    assert ("Ticket resolved",) not in paths
    ruth = (
        "Order placed", "Payment captured", "Order shipped", "Ticket opened", "Contact",
        "Order delivered", "Ticket resolved",
    )  # fmt: skip
    assert paths[ruth] == "completed"
    assert journeys.filter(pl.col("status") == "completed").height == 4


def test_threads_also_hold_the_horizon_and_start_touchpoints():
    # a 1-day horizon would cut Ruth's order at the 2-day wait for the delivery, and every
    # 'Order placed' would start a journey inside Ines's first order: the threads keep them
    events, _ = _journeys(horizon_seconds="1d", start_touchpoints=("Order placed",))
    grouped = _grouped(events)
    assert ["o-13", "o-14", "o-15", "o-16", "o-17", "o-18", "o-19", "o-20"] in grouped
    assert ["o-1", "o-2", "o-3", "f-1", "f-2", "o-4", "f-3"] in grouped
