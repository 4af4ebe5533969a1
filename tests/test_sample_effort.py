"""Effort on the sample shop: every repeat contact and every bounce the generator hid
(ground_truth.json: repeat_contacts, delivery_bounce) is found, and the repeat contacts of each
journey agree with a count made here with polars from the help-desk files themselves."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from journeys.warehouse import Warehouse
from sample_fixtures import sample_warehouse
from sample_truth import behaviour, source_rows, ticket_events

pytestmark = pytest.mark.slow

WINDOW_US = 7 * 86400 * 1_000_000  # effort.repeat_window_seconds, the default


@pytest.fixture(scope="module")
def warehouse() -> Path:
    return sample_warehouse()


@pytest.fixture(scope="module")
def marts(warehouse: Path) -> dict[str, pl.DataFrame]:
    with Warehouse(warehouse, read_only=True) as wh:
        return {
            name: wh.read_table(f"marts.{name}")
            for name in ("journey_effort", "journey_handoffs", "journeys")
        }


@pytest.fixture(scope="module")
def contacts(warehouse: Path) -> pl.DataFrame:
    """Every help-desk contact with its journey, and whether it repeats the customer's previous
    contact on the same ticket or category within 7 days (computed here, not by the marts)."""
    with Warehouse(warehouse, read_only=True) as wh:
        events = wh.read_table(
            "marts.events", columns=["event_id", "customer_key", "journey_id", "occurred_at", "seq"]
        )
    rows = source_rows("support_interactions").filter(pl.col("event_type") == "contact")
    at = pl.col("occurred_at").dt.epoch("us")
    by_time = ["occurred_at", "seq"]
    return (
        rows.select("event_id", "ticket_id", "category")
        .join(events, on="event_id")
        .sort(by_time)
        .with_columns(
            since_ticket=at - at.shift(1).over("customer_key", "ticket_id", order_by=by_time),
            since_topic=at - at.shift(1).over("customer_key", "category", order_by=by_time),
        )
        .with_columns(
            repeat=pl.min_horizontal("since_ticket", "since_topic").fill_null(WINDOW_US + 1)
            <= WINDOW_US
        )
    )


def test_every_hidden_repeat_contact_is_found(contacts: pl.DataFrame):
    """Each ticket with three or more contacts: every contact after the first repeats it."""
    truth = behaviour("repeat_contacts")
    per_ticket = (
        contacts.filter(pl.col("ticket_id").is_in(truth["tickets"]))
        .group_by("ticket_id")
        .agg(pl.len().alias("contacts"), pl.col("repeat").sum().alias("repeats"))
    )
    assert per_ticket.height == truth["count"] > 100
    for ticket, n, repeats in per_ticket.iter_rows():
        assert (n, repeats) == (truth["contacts"][ticket], n - 1), ticket


def test_the_repeat_contacts_of_each_journey(contacts: pl.DataFrame, marts: dict):
    expected = contacts.group_by("journey_id").agg(
        pl.len().alias("contacts"), pl.col("repeat").sum().cast(pl.Int64).alias("repeats")
    )
    effort = marts["journey_effort"].filter(pl.col("contacts") > 0)
    got = effort.select(
        "journey_id", "contacts", pl.col("repeat_contacts").cast(pl.Int64).alias("repeats")
    )
    assert got.sort("journey_id").equals(
        expected.with_columns(pl.col("contacts").cast(got["contacts"].dtype)).sort("journey_id")
    )
    assert expected["repeats"].sum() > 300


def test_every_hidden_bounce_is_found(warehouse: Path, marts: dict):
    """Delivery tickets passed between Logistics and Tier 1 three to five times: each transfer
    is a handoff, and every one after the first hands the ticket straight back."""
    truth = behaviour("delivery_bounce")
    transfers = ticket_events(warehouse, truth["tickets"]).filter(
        pl.col("event_type") == "ticket_transferred"
    )
    found = transfers.join(
        marts["journey_handoffs"], on=["journey_id", "step_index"], how="left"
    ).sort("ticket_id", "step_index")
    assert found["ticket_id"].n_unique() == truth["count"] > 50
    assert found["from_team"].null_count() == 0  # every transfer is a handoff
    for ticket, group in found.group_by("ticket_id"):
        assert group.height == truth["transfers"][ticket[0]]
        assert group["is_bounce"].to_list()[1:] == [True] * (group.height - 1), ticket
        assert set(group["to_team"]) == {"Logistics", "Tier 1"}


def test_a_reopened_ticket_stays_in_its_journey_and_counts_there(warehouse: Path, marts: dict):
    """A ticket reopened days after 'Ticket resolved' (an end touchpoint) is one thread, so it
    stays whole in the journey it was opened in, and that journey counts the reopening and the
    contact after it as a repeat of the ticket's first contact."""
    rows = source_rows("support_interactions")
    reopened = rows.filter(pl.col("event_type") == "ticket_reopened")["ticket_id"].unique()
    events = ticket_events(warehouse, reopened)
    per_ticket = events.group_by("ticket_id").agg(
        pl.col("journey_id").n_unique().alias("journeys"),
        pl.col("journey_id").first(),
        (pl.col("event_type") == "contact").sum().alias("contacts"),
    )
    assert per_ticket.height == reopened.len() >= 10
    assert per_ticket["journeys"].to_list() == [1] * per_ticket.height
    effort = per_ticket.join(marts["journey_effort"], on="journey_id")
    assert effort.height == per_ticket.height
    assert (effort["reopens"] >= 1).all()
    assert marts["journey_effort"]["reopens"].sum() == reopened.len()
    assert (effort["repeat_contacts"] >= effort["contacts"] - 1).all()


def test_effort_columns_match_between_the_marts(marts: dict):
    joined = marts["journeys"].join(marts["journey_effort"], on="journey_id")
    assert joined.height == marts["journeys"].height == marts["journey_effort"].height
    assert (joined["n_team_handoffs"] == joined["handoffs"]).all()
    assert (joined["n_missed_handoffs"] == joined["missed_handoffs"]).all()
    handoffs = marts["journey_handoffs"].group_by("journey_id").len()
    assert handoffs["len"].sum() == joined["handoffs"].sum() > 1000
    assert 0 < joined["missed_handoffs"].sum() < joined["handoffs"].sum()


def test_touchpoints_that_matter_on_the_sample(warehouse: Path):
    """Every touchpoint of each map's journeys but the ignored ones; the credited outcomes add
    up to the goals reached; failed payments harm the goal like with like (phone_before_payment:
    those orders are delivered less often)."""
    with Warehouse(warehouse, read_only=True) as wh:
        impact = wh.read_table("marts.touchpoint_impact")
        scoped = wh.read_table("marts.map_journeys", columns=["map_name", "status", "path"])
    goals = {"online-purchase": "Order delivered", "support-resolution": "Ticket resolved"}
    for name, goal in goals.items():
        rows = impact.filter(pl.col("map_name") == name)
        won = scoped.filter(  # finished for the map (its status there), with the goal
            (pl.col("map_name") == name)
            & (pl.col("status") != "in_flight")
            & pl.col("path").list.contains(goal)
        ).height
        assert rows["attributed_outcomes"].sum() == pytest.approx(won) and won > 400
        assert rows.filter(pl.col("touchpoint") == goal)["rank"].to_list() == [None]
        assert rows["rank"].drop_nulls().sort().to_list() == list(range(1, rows.height))
    online = impact.filter(pl.col("map_name") == "online-purchase")
    assert "View help" not in online["touchpoint"].to_list()  # ignored by the map
    failed = online.filter(pl.col("touchpoint") == "Payment failed").row(0, named=True)
    assert failed["effect"] == "harms" and not failed["designed"]
    top = online.filter(pl.col("rank") <= 2)["touchpoint"].to_list()
    assert set(top) <= {"Payment captured", "Order shipped", "Order placed"}
