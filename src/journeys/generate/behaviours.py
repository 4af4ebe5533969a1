"""The five headline behaviours the generator injects, found on the generated events.

Like the rest of ground_truth.json (truth.py), each is measured on the events as written, not
taken from the plan; ``GenerateResult.behaviours`` reports their counts.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from journeys.generate.episodes import PHONE_GIVE_UP_SHARE
from journeys.generate.sources import Sources
from journeys.generate.timeline import DAY, LOCAL_TZ

AGENT_LOOKBACK_DAYS = 7


def distinct_ids(frame: pl.DataFrame, column: str) -> list[str]:
    """The distinct non-null values of ``column``, sorted."""
    return sorted(frame[column].drop_nulls().unique().to_list())


def _first_order_event(tx: pl.DataFrame, event_type: str, *, alias: str) -> pl.DataFrame:
    """order_id -> the time of its first ``event_type`` event, as column ``alias``."""
    return (
        tx.filter(pl.col("event_type") == event_type)
        .group_by("order_id")
        .agg(pl.col("_t").min().alias(alias))
    )


def _find_billing_calls(s: Sources) -> pl.DataFrame:
    """Failed payments followed by a call to Billing, then a capture or (``gave_up``) a cancel;
    one row per order and call, in order id order."""
    tx = s.transactions
    failed = (
        tx.filter(pl.col("event_type") == "payment_failed")
        .group_by("order_id", "_ep")
        .agg(pl.col("_t").min().alias("_failed"), pl.col("customer_id").first())
    )
    calls = s.support.filter(
        (pl.col("event_type") == "contact")
        & (pl.col("channel") == "phone")
        & (pl.col("team") == "Billing")
    ).select("_ep", "ticket_id", pl.col("_t").alias("_call"))
    after_call = (
        failed.join(calls, on="_ep")
        .filter(pl.col("_failed") < pl.col("_call"))
        .join(
            _first_order_event(tx, "payment_captured", alias="_captured"), on="order_id", how="left"
        )
        .join(
            _first_order_event(tx, "order_cancelled", alias="_cancelled"), on="order_id", how="left"
        )
    )
    paid = pl.col("_captured").is_not_null() & (pl.col("_call") < pl.col("_captured"))
    gave_up = pl.col("_captured").is_null() & (pl.col("_call") < pl.col("_cancelled"))
    return after_call.filter(paid | gave_up).with_columns(gave_up=gave_up).sort("order_id")


def _measure_delivered_rates(tx: pl.DataFrame, phoned: pl.Series) -> tuple[float, float]:
    """Share of finished (delivered or cancelled) orders that were delivered: the ``phoned``
    orders', and the other orders'. Delivery is the goal of the online purchase map."""
    delivered = tx.filter(pl.col("event_type") == "order_delivered").select("order_id").unique()
    finished = (
        tx.filter(pl.col("event_type").is_in(["order_delivered", "order_cancelled"]))
        .select("order_id")
        .unique()
        .with_columns(
            delivered=pl.col("order_id").is_in(delivered["order_id"].implode()),
            phoned=pl.col("order_id").is_in(phoned.implode()),
        )
    )

    def rate(frame: pl.DataFrame) -> float:
        return round(float(frame["delivered"].mean() or 0.0), 4)  # type: ignore[arg-type]

    return rate(finished.filter(pl.col("phoned"))), rate(finished.filter(~pl.col("phoned")))


def find_phone_before_payment(s: Sources) -> dict[str, Any]:
    """Orders whose payment failed, then the customer phoned Billing, then the order was either
    paid (captured after the call) or given up (cancelled after the call, never captured)."""
    found = _find_billing_calls(s)
    quitters = found.filter(pl.col("gave_up"))
    phoned_rate, other_rate = _measure_delivered_rates(s.transactions, found["order_id"])
    return {
        "description": "Payment fails, the customer phones Billing, then either the payment is "
        "captured (Order placed -> Payment failed -> Phone support -> Payment captured) or, for "
        "about a third, the customer gives up: the order is never paid and the shop cancels it "
        "(... -> Phone support -> Order cancelled). A costly detour: those orders are delivered "
        "less often than the others.",
        "count": found.height,
        "orders": found["order_id"].to_list(),
        "customers": distinct_ids(found, "customer_id"),
        "calls": found["ticket_id"].to_list(),
        "gave_up_orders": quitters["order_id"].to_list(),
        "intended_give_up_share": round(PHONE_GIVE_UP_SHARE, 4),
        "give_up_share": round(quitters.height / max(found.height, 1), 4),
        "delivered_rate": phoned_rate,
        "other_orders_delivered_rate": other_rate,
    }


def find_agent_assisted_orders(s: Sources) -> dict[str, Any]:
    orders = s.transactions.filter(
        (pl.col("event_type") == "order_placed") & (pl.col("sales_channel") == "agent")
    ).select("order_id", "customer_id", "_cust", pl.col("_t").alias("_order"))
    carts = s.web.filter(pl.col("event_type").is_in(["add_to_cart", "checkout_started"])).select(
        "_cust", pl.col("_t").alias("_cart")
    )
    # The web rows carry the customer even when not logged in (internal column), so this is
    # the strict check: no cart or checkout by that person on any device in the week before.
    before = orders.join(carts, on="_cust").filter(
        (pl.col("_cart") < pl.col("_order"))
        & (pl.col("_cart") >= pl.col("_order") - AGENT_LOOKBACK_DAYS * DAY)
    )
    return {
        "description": "Orders placed by a Sales desk agent on a phone call "
        f"(sales_channel=agent), with no web add_to_cart or checkout in the "
        f"{AGENT_LOOKBACK_DAYS} days before.",
        "count": orders.height,
        "orders": sorted(orders["order_id"].to_list()),
        "customers": distinct_ids(orders, "customer_id"),
        "orders_with_web_cart_before": before["order_id"].n_unique(),
    }


def find_delivery_bounce(s: Sources) -> dict[str, Any]:
    sup = s.support.filter(pl.col("category") == "delivery")
    transfers = (
        sup.filter(pl.col("event_type") == "ticket_transferred")
        .group_by("ticket_id", "_ep")
        .agg(pl.len().alias("transfers"), pl.col("team").n_unique().alias("teams"))
        .filter((pl.col("transfers") >= 3) & (pl.col("teams") == 2))
    )
    orders = s.transactions.group_by("_ep").agg(
        pl.col("order_id").first(), pl.col("customer_id").first()
    )
    found = transfers.join(orders, on="_ep", how="left").sort("ticket_id")
    return {
        "description": "Delivery tickets transferred back and forth between Logistics and Tier 1 "
        "at least three times before they are resolved.",
        "count": found.height,
        "tickets": found["ticket_id"].to_list(),
        "orders": found["order_id"].to_list(),
        "customers": distinct_ids(found, "customer_id"),
        "transfers": dict(zip(found["ticket_id"], found["transfers"], strict=True)),
    }


def find_repeat_contacts(s: Sources) -> dict[str, Any]:
    found = (
        s.support.filter(pl.col("event_type") == "contact")
        .group_by("ticket_id")
        .agg(pl.len().alias("contacts"), pl.col("_cust").first(), pl.col("_ep").first())
        .filter((pl.col("contacts") >= 3) & pl.col("_cust").is_not_null())
        .join(s.episodes.select("_ep", "customer_id"), on="_ep", how="left")
        .sort("ticket_id")
    )
    return {
        "description": "Known customers with three or more contacts on one ticket.",
        "count": found.height,
        "tickets": found["ticket_id"].to_list(),
        "customers": distinct_ids(found, "customer_id"),
        "contacts": dict(zip(found["ticket_id"], found["contacts"], strict=True)),
    }


def find_anonymous_then_login(s: Sources) -> dict[str, Any]:
    research = s.episodes.filter(pl.col("_research"))["_ep"].implode()
    web = s.web.filter(pl.col("_ep").is_in(research))
    logins = (
        web.filter(pl.col("event_type") == "login")
        .group_by("anonymous_id")
        .agg(pl.col("_t").min().alias("_login"), pl.col("user_id").first().alias("customer_id"))
    )
    days = pl.col("_t").cast(pl.Datetime("ms", "UTC")).dt.convert_time_zone(LOCAL_TZ).dt.date()
    found = (
        web.join(logins, on="anonymous_id")
        .filter(pl.col("_t") < pl.col("_login"))
        .group_by("anonymous_id", "customer_id")
        .agg(days.n_unique().alias("days"), pl.len().alias("events"))
        .filter(pl.col("days") >= 2)
        .sort("anonymous_id")
    )
    return {
        "description": "Visitors who browse anonymously (a fresh anonymous_id, no user_id) on two "
        "or more days before logging in; anonymous_id -> customer_id.",
        "count": found.height,
        "anonymous_to_customer": dict(
            zip(found["anonymous_id"], found["customer_id"], strict=True)
        ),
        "anonymous_days": dict(zip(found["anonymous_id"], found["days"], strict=True)),
        "anonymous_events": int(found["events"].sum()),
    }
