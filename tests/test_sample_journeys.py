"""Sessions, journeys and mining on the sample shop: the behaviours ground_truth.json injects come
out of the published marts where they should (ids from the ground truth, not magic numbers)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest

from journeys.mining import (
    compare_segments,
    find_loops,
    journeys_from_events,
    load_selection,
)
from journeys.warehouse import Warehouse
from sample_fixtures import sample_warehouse
from sample_truth import behaviour, order_journeys, ticket_events, truth

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def warehouse() -> Path:
    return sample_warehouse()


@pytest.fixture(scope="module")
def journeys(warehouse: Path) -> pl.DataFrame:
    with Warehouse(warehouse, read_only=True) as wh:
        return wh.read_table("marts.journeys")


@pytest.fixture(scope="module")
def selection(warehouse: Path):
    with Warehouse(warehouse, read_only=True) as wh:
        return load_selection(wh)


# -- issue "Sessions and journeys" --------------------------------------------------------------
def test_phone_before_payment_journeys_call_between_the_failure_and_the_payment_or_giving_up(
    warehouse: Path, journeys: pl.DataFrame
):
    pbp = behaviour("phone_before_payment")
    gave_up = set(pbp["gave_up_orders"])
    assert 0 < len(gave_up) < pbp["count"]
    of_order = dict(order_journeys(warehouse, pbp["orders"]).iter_rows())
    assert set(of_order) == set(pbp["orders"])  # every order is in a journey
    calls = ticket_events(warehouse, pbp["calls"])
    assert calls.height == len(pbp["calls"])  # each call stitched to a customer's journey
    step_of_call = dict(zip(calls["ticket_id"], calls["step_index"], strict=True))
    journey_of_call = dict(zip(calls["ticket_id"], calls["journey_id"], strict=True))
    paths = dict(zip(journeys["journey_id"], journeys["path"].to_list(), strict=True))
    for order, call in zip(pbp["orders"], pbp["calls"], strict=True):
        journey = of_order[order]
        assert journey_of_call[call] == journey, (order, call)
        path = paths[journey]
        at = step_of_call[call] - 1  # step_index is 1-based
        assert path[at] == "Phone support"
        assert "Payment failed" in path[:at]
        after = path[at + 1 :]
        if order in gave_up:  # never paid: the call is followed by the cancellation
            assert "Payment captured" not in path and after[:1] == ["Order cancelled"], path
        else:
            assert after[:1] == ["Payment captured"], path


def test_journeys_still_open_at_the_end_of_the_data_are_in_flight_not_abandoned(
    warehouse: Path, journeys: pl.DataFrame
):
    open_orders = behaviour("in_flight")["orders"]
    of_order = order_journeys(warehouse, open_orders)
    assert of_order.height == len(open_orders)
    status = dict(zip(journeys["journey_id"], journeys["status"], strict=True))
    assert {status[j] for j in of_order["journey_id"]} == {"in_flight"}
    # and no journey is called abandoned before the 14-day horizon has passed
    cutoff = journeys["ended_at"].max()
    abandoned = journeys.filter(pl.col("status") == "abandoned")
    assert abandoned.height > 0
    assert abandoned["ended_at"].max() < cutoff - timedelta(days=14)
    recent = journeys.filter(pl.col("ended_at") >= cutoff - timedelta(days=14))
    assert set(recent["status"]) <= {"in_flight", "completed"}


# -- issue "Journey mining" ---------------------------------------------------------------------
def test_delivery_bounce_tickets_loop_between_logistics_and_tier_1(warehouse: Path, selection):
    bounce = behaviour("delivery_bounce")
    transfers = ticket_events(warehouse, bounce["tickets"]).filter(
        pl.col("event_type") == "ticket_transferred"
    )
    ids = transfers["journey_id"].unique()
    assert ids.len() == bounce["count"]  # one journey per ticket, every transfer in it
    mine = selection.journeys.filter(pl.col("journey_id").is_in(ids.implode()))
    loops = find_loops(mine).filter(pl.col("touchpoint") == "Ticket transferred").row(0, named=True)
    assert loops["journeys_with_repeat"] == bounce["count"]
    # name each transfer by the team that receives it: the ticket goes Logistics, Tier 1,
    # Logistics, ... so Logistics repeats in every bounce, Tier 1 in those with 4+ transfers
    events = selection.events.filter(pl.col("journey_id").is_in(ids.implode())).join(
        transfers.select("journey_id", "step_index", "team"),
        on=["journey_id", "step_index"],
        how="left",
    )
    relabelled = events.with_columns(
        touchpoint=pl.when(pl.col("team").is_not_null())
        .then(pl.col("touchpoint") + " to " + pl.col("team"))
        .otherwise(pl.col("touchpoint"))
    )
    loops = find_loops(journeys_from_events(relabelled))
    repeats = dict(zip(loops["touchpoint"], loops["journeys_with_repeat"], strict=True))
    counts = bounce["transfers"].values()
    assert repeats["Ticket transferred to Logistics"] == bounce["count"]
    assert repeats["Ticket transferred to Tier 1"] == sum(n >= 4 for n in counts)
    teams = transfers.sort("journey_id", "step_index").group_by("journey_id").agg("team")
    for row in teams.iter_rows(named=True):
        assert all(a != b for a, b in zip(row["team"], row["team"][1:], strict=False))


def test_segment_comparison_finds_business_customers_order_through_agents_and_phone(selection):
    rates = behaviour("segment_difference")["rates"]
    business, consumer = rates["business"], rates["consumer"]
    assert business["agent_order_rate"] > 3 * consumer["agent_order_rate"]
    compared = compare_segments(selection, "consumer", "business")  # difference = b - a

    def row(kind: str, item: str) -> dict:
        return compared.filter((pl.col("kind") == kind) & (pl.col("item") == item)).row(
            0, named=True
        )

    agent = row("transition", "Phone support -> Order placed")  # an agent takes the order
    assert agent["flagged"] and agent["difference"] > 0
    assert agent["share_b"] > 3 * agent["share_a"]
    phone = row("touchpoint", "Phone support")
    assert phone["flagged"] and phone["share_b"] > phone["share_a"]
    assert truth()["behaviours"]["agent_assisted_orders"]["count"] > 0
