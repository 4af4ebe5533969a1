"""The sample's variety from real systems (ground_truth.json): national phone numbers from the
German phone system, and tickets that outlive their order. Every one must be found."""

from __future__ import annotations

import polars as pl
import pytest

from journeys.config import load_settings
from journeys.ingest.identity import customer_key
from journeys.warehouse import Warehouse
from sample_fixtures import sample_warehouse
from sample_truth import SAMPLE, behaviour, damaged_events, source_rows

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def events() -> pl.DataFrame:
    with Warehouse(sample_warehouse(), read_only=True) as wh:
        return wh.read_table("marts.events", columns=["event_id", "customer_key", "journey_id"])


def _stitched(events: pl.DataFrame, name: str) -> tuple[dict[str, str], dict[str, str]]:
    """The behaviour's events (not damaged ones), each with its true customer's key, and the
    key each got."""
    salt = load_settings(SAMPLE / "journeys.yaml").salt
    expected = {
        event: customer_key(f"c:{customer}", salt)
        for event, customer in behaviour(name)["events"].items()
        if event not in damaged_events()
    }
    found = dict(
        events.filter(pl.col("event_id").is_in(list(expected)))
        .select("event_id", "customer_key")
        .iter_rows()
    )
    return expected, found


def test_every_national_phone_number_stitches_to_its_crm_customer(events: pl.DataFrame):
    expected, found = _stitched(events, "national_phones")
    assert len(expected) > 100 and found == expected


def test_every_email_shown_as_a_mails_sender_stitches_to_its_crm_customer(events: pl.DataFrame):
    expected, found = _stitched(events, "sender_emails")
    assert len(expected) > 100 and found == expected


def test_every_ticket_outliving_its_order_stays_in_the_orders_journey(events: pl.DataFrame):
    outliving = behaviour("tickets_outliving_orders")["tickets"]
    assert len(outliving) > 50
    rows = pl.concat(
        [
            source_rows("support_interactions")
            .filter(pl.col("ticket_id").is_in(list(outliving)))
            .select("event_id", thread="ticket_id"),
            source_rows("transactions")
            .filter(pl.col("order_id").is_in(list(outliving.values())))
            .select("event_id", pl.col("order_id").alias("thread")),
        ]
    ).join(events, on="event_id")
    journey_of = dict(rows.group_by("thread").agg(pl.col("journey_id").unique()).iter_rows())
    for ticket, order in outliving.items():
        assert journey_of[ticket] == journey_of[order], (ticket, order)  # one journey, whole
        assert len(journey_of[ticket]) == 1


def test_no_lone_ticket_resolution_journeys(events: pl.DataFrame):
    sizes = events.group_by("journey_id").len()
    lone = sizes.filter(pl.col("len") == 1).join(events, on="journey_id")
    resolved = source_rows("support_interactions").filter(pl.col("event_type") == "ticket_resolved")
    assert lone.join(resolved.select("event_id"), on="event_id").height == 0
