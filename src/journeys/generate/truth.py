"""ground_truth.json: every injected behaviour, measured on the generated events themselves.

Nothing here trusts the plan: each list is computed from the events as written (both
deliveries together, duplicates once), so a behaviour cut short by the data's end is not claimed.
"""

from __future__ import annotations

import json
from typing import Any

import polars as pl

from journeys.generate.delivery import Delivery
from journeys.generate.episodes import (
    PAY_OK,
    PHONE_GIVE_UP_SHARE,
    PURCHASE_WEB,
    SHIP_NORMAL,
    UNKNOWN_CONTACT,
    VISITOR,
)
from journeys.generate.sources import Sources
from journeys.generate.timeline import DAY, LOCAL_TZ, WINDOW_END, WINDOW_START

AGENT_LOOKBACK_DAYS = 7


def _ids(frame: pl.DataFrame, column: str) -> list[str]:
    return sorted(frame[column].drop_nulls().unique().to_list())


def find_phone_before_payment(s: Sources) -> dict[str, Any]:
    """Orders whose payment failed, then the customer phoned Billing, then the order was either
    paid (captured after the call) or given up (cancelled after the call, never captured)."""
    tx = s.transactions
    failed = (
        tx.filter(pl.col("event_type") == "payment_failed")
        .group_by("order_id", "_ep")
        .agg(pl.col("_t").min().alias("_failed"), pl.col("customer_id").first())
    )
    captured = (
        tx.filter(pl.col("event_type") == "payment_captured")
        .group_by("order_id")
        .agg(pl.col("_t").min().alias("_captured"))
    )
    cancelled = (
        tx.filter(pl.col("event_type") == "order_cancelled")
        .group_by("order_id")
        .agg(pl.col("_t").min().alias("_cancelled"))
    )
    delivered = tx.filter(pl.col("event_type") == "order_delivered").select("order_id").unique()
    calls = s.support.filter(
        (pl.col("event_type") == "contact")
        & (pl.col("channel") == "phone")
        & (pl.col("team") == "Billing")
    ).select("_ep", "ticket_id", pl.col("_t").alias("_call"))
    after_call = (
        failed.join(calls, on="_ep")
        .filter(pl.col("_failed") < pl.col("_call"))
        .join(captured, on="order_id", how="left")
        .join(cancelled, on="order_id", how="left")
    )
    paid = pl.col("_captured").is_not_null() & (pl.col("_call") < pl.col("_captured"))
    gave_up = pl.col("_captured").is_null() & (pl.col("_call") < pl.col("_cancelled"))
    found = after_call.filter(paid | gave_up).with_columns(gave_up=gave_up).sort("order_id")
    quitters = found.filter(pl.col("gave_up"))
    # the goal of the online purchase map, per finished order (delivered or cancelled)
    finished = (
        tx.filter(pl.col("event_type").is_in(["order_delivered", "order_cancelled"]))
        .select("order_id")
        .unique()
        .with_columns(
            delivered=pl.col("order_id").is_in(delivered["order_id"].implode()),
            phoned=pl.col("order_id").is_in(found["order_id"].implode()),
        )
    )

    def delivered_rate(frame: pl.DataFrame) -> float:
        return round(float(frame["delivered"].mean() or 0.0), 4)  # type: ignore[arg-type]

    return {
        "description": "Payment fails, the customer phones Billing, then either the payment is "
        "captured (Order placed -> Payment failed -> Phone support -> Payment captured) or, for "
        "about a third, the customer gives up: the order is never paid and the shop cancels it "
        "(... -> Phone support -> Order cancelled). A costly detour: those orders are delivered "
        "less often than the others.",
        "count": found.height,
        "orders": found["order_id"].to_list(),
        "customers": _ids(found, "customer_id"),
        "calls": found["ticket_id"].to_list(),
        "gave_up_orders": quitters["order_id"].to_list(),
        "intended_give_up_share": round(PHONE_GIVE_UP_SHARE, 4),
        "give_up_share": round(quitters.height / max(found.height, 1), 4),
        "delivered_rate": delivered_rate(finished.filter(pl.col("phoned"))),
        "other_orders_delivered_rate": delivered_rate(finished.filter(~pl.col("phoned"))),
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
        "customers": _ids(orders, "customer_id"),
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
        "customers": _ids(found, "customer_id"),
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
        "customers": _ids(found, "customer_id"),
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


def measure_segment_difference(s: Sources, pbp: dict[str, Any]) -> dict[str, Any]:
    cust = s.episodes.filter(pl.col("_cust").is_not_null()).select("_ep", "customer_id", "segment")
    active = (
        pl.concat([f.select("_ep") for f in (s.transactions, s.web, s.support)])
        .join(cust, on="_ep")
        .unique("customer_id")
    )
    orders = s.transactions.filter(pl.col("event_type") == "order_placed").join(
        cust.select("_ep", "segment"), on="_ep"
    )
    phoned = (
        s.support.filter((pl.col("event_type") == "contact") & (pl.col("channel") == "phone"))
        .join(cust, on="_ep")
        .unique("customer_id")
    )
    pbp_orders = set(pbp["orders"])
    rates: dict[str, dict[str, Any]] = {}
    for segment in ("consumer", "business"):
        seg_orders = orders.filter(pl.col("segment") == segment)
        n_orders = max(seg_orders.height, 1)
        n_customers = active.filter(pl.col("segment") == segment).height
        agent = seg_orders.filter(pl.col("sales_channel") == "agent").height
        phone = phoned.filter(pl.col("segment") == segment).height
        pbp_n = seg_orders.filter(pl.col("order_id").is_in(sorted(pbp_orders))).height
        rates[segment] = {
            "customers": n_customers,
            "orders": seg_orders.height,
            "agent_assisted_orders": agent,
            "agent_order_rate": round(agent / n_orders, 4),
            "customers_with_phone_contact": phone,
            "phone_contact_rate": round(phone / max(n_customers, 1), 4),
            "phone_before_payment_rate": round(pbp_n / n_orders, 4),
        }
    ratio = rates["business"]["agent_order_rate"] / max(rates["consumer"]["agent_order_rate"], 1e-9)
    return {
        "description": "Business customers buy through a Sales desk agent and phone support far "
        "more often than consumers. Rates: agent orders / orders; customers with a phone "
        "contact / active customers; phone-before-payment orders / orders.",
        "segment": "business",
        "compared_with": "consumer",
        "rates": rates,
        "agent_order_rate_ratio": round(ratio, 2),
    }


def find_in_flight(s: Sources) -> dict[str, Any]:
    tx = s.transactions
    done = tx.filter(pl.col("event_type").is_in(["order_delivered", "order_cancelled"]))
    placed = tx.filter(pl.col("event_type") == "order_placed")
    open_orders = placed.join(done.select("order_id"), on="order_id", how="anti")
    sup = s.support.sort("_t")
    last = sup.group_by("ticket_id").agg(pl.col("event_type").sort_by("_t").last())
    # Phone-system calls (CALL-...) have no lifecycle; only Zendesk tickets can stay open.
    open_tickets = last.filter(
        (pl.col("event_type") != "ticket_resolved") & pl.col("ticket_id").str.starts_with("ZD-")
    )
    return {
        "description": "Orders not yet delivered or cancelled at the data's end, and tickets "
        "whose last event is not a resolution.",
        "orders": sorted(open_orders["order_id"].to_list()),
        "open_tickets": open_tickets.height,
    }


def count_happy_path(s: Sources) -> dict[str, Any]:
    happy = s.episodes.filter(
        (pl.col("_kind") == PURCHASE_WEB)
        & (pl.col("_payment") == PAY_OK)
        & (pl.col("_fulfil") == SHIP_NORMAL)
        & ~pl.col("_research")
    )["_ep"].implode()
    delivered = s.transactions.filter(
        (pl.col("event_type") == "order_delivered") & pl.col("_ep").is_in(happy)
    )
    orders = s.transactions.filter(pl.col("event_type") == "order_placed").height
    return {
        "description": "Orders that follow the online purchase map end to end: visit, products, "
        "cart, checkout, order, payment captured, shipped, delivered, no support contact.",
        "orders": delivered.height,
        "share_of_orders": round(delivered.height / max(orders, 1), 4),
        "order_ids": sorted(delivered["order_id"].to_list()),
    }


def count_unstitched(s: Sources) -> dict[str, Any]:
    web = s.web
    linked = web.filter(pl.col("user_id").is_not_null() & (pl.col("user_id") != ""))
    lonely = web.join(linked.select("anonymous_id").unique(), on="anonymous_id", how="anti")
    kinds = lonely.join(s.episodes.select("_ep", "_kind"), on="_ep", how="left")
    visitors = kinds.filter(pl.col("_kind") == VISITOR)
    strangers = s.support.filter(pl.col("_kind") == UNKNOWN_CONTACT)
    return {
        "description": "Identities that never link to a CRM customer: anonymous ids never seen "
        "with a user_id, and support tickets from emails/phones that are not in the CRM.",
        "anonymous_ids": lonely["anonymous_id"].n_unique(),
        "anonymous_events": lonely.height,
        "anonymous_visitor_ids": visitors["anonymous_id"].n_unique(),
        "anonymous_customer_ids": lonely["anonymous_id"].n_unique()
        - visitors["anonymous_id"].n_unique(),
        "unknown_support_tickets": strangers["ticket_id"].n_unique(),
        "unknown_support_events": strangers.height,
        "unknown_support_tickets_list": _ids(strangers, "ticket_id"),
    }


def find_national_phones(s: Sources) -> dict[str, Any]:
    """Support rows whose phone the German phone system wrote in national format
    (``0160 3821092``) while the CRM has it in E.164: they stitch only when support is read in
    region DE (``sources.support.phone_region``)."""
    national = s.support.filter(
        pl.col("phone").is_not_null() & ~pl.col("phone").str.contains(r"^\(?\+")
    ).join(s.episodes.select("_ep", "customer_id"), on="_ep", how="left")
    known = national.filter(pl.col("_kind") != UNKNOWN_CONTACT).sort("event_id")
    return {
        "description": "Support rows whose phone the German phone system recorded in national "
        "format (0160 3821092, 0160/3821092, (0160) 3821092, 01603821092) while the CRM has it "
        "as +49…; with sources.support.phone_region: DE each stitches to its CRM customer.",
        "count": known.height,
        "events": dict(zip(known["event_id"], known["customer_id"], strict=True)),
        "tickets": _ids(known, "ticket_id"),
        "customers": _ids(known, "customer_id"),
        "unknown_contact_rows": national.height - known.height,
    }


def find_tickets_outliving_orders(s: Sources) -> dict[str, Any]:
    """Tickets opened before their order was delivered or cancelled and resolved after it: a
    journey that ends at the delivery must not cut them off."""
    ends = (
        s.transactions.filter(pl.col("event_type").is_in(["order_delivered", "order_cancelled"]))
        .group_by("_ep")
        .agg(pl.col("order_id").first(), pl.col("_t").min().alias("_end"))
    )
    spans = s.support.group_by("ticket_id", "_ep").agg(
        pl.col("_t").min().alias("_first"), pl.col("_t").max().alias("_last")
    )
    found = (
        spans.join(ends, on="_ep")
        .filter((pl.col("_first") < pl.col("_end")) & (pl.col("_last") > pl.col("_end")))
        .sort("ticket_id")
    )
    return {
        "description": "Tickets opened before their order was delivered (or cancelled) and "
        "resolved after it; each stays whole, in its order's journey.",
        "count": found.height,
        "tickets": dict(zip(found["ticket_id"], found["order_id"], strict=True)),
    }


def build_ground_truth(
    s: Sources, delivery: Delivery, *, customers: int, seed: int | list[int]
) -> dict[str, Any]:
    """The whole ground truth document (plain JSON types, stable order)."""
    pbp = find_phone_before_payment(s)
    events = s.transactions.height + s.web.height + s.support.height
    active = s.episodes.filter(pl.col("_cust").is_not_null())["_cust"].n_unique()
    return {
        "generator": {
            "seed": seed,
            "customers": customers,
            "window_start": WINDOW_START.isoformat().replace("+00:00", "Z"),
            "cutoff": WINDOW_END.isoformat().replace("+00:00", "Z"),
            "support_timezone": LOCAL_TZ,
        },
        "counts": {
            "distinct_events": events,
            "transactions": s.transactions.height,
            "web": s.web.height,
            "support": s.support.height,
            "events_per_customer": round(events / customers, 2),
            "customers_with_events": active,
            "customers_without_events": customers - active,
            "orders": s.transactions["order_id"].n_unique(),
            "tickets": s.support["ticket_id"].n_unique(),
            "rows": delivery.rows,
        },
        "behaviours": {
            "phone_before_payment": pbp,
            "agent_assisted_orders": find_agent_assisted_orders(s),
            "delivery_bounce": find_delivery_bounce(s),
            "repeat_contacts": find_repeat_contacts(s),
            "anonymous_then_login": find_anonymous_then_login(s),
            "segment_difference": measure_segment_difference(s, pbp),
            "happy_path": count_happy_path(s),
            "in_flight": find_in_flight(s),
            "unstitched": count_unstitched(s),
            "national_phones": find_national_phones(s),
            "tickets_outliving_orders": find_tickets_outliving_orders(s),
        },
        "data_quality": {
            "description": "Rows a loader must handle: exact duplicates inside the main drop, "
            "late events (older than the customer's latest main-drop event) and re-sent copies "
            "in late/, and damaged rows (list with file, line and reason).",
            "duplicates": delivery.duplicates,
            "late_events": delivery.late_events,
            "redelivered_duplicates": delivery.redelivered,
            "malformed_rows": [row.as_dict() for row in delivery.bad_rows],
        },
    }


def render_truth(truth: dict[str, Any]) -> str:
    return json.dumps(truth, indent=2, ensure_ascii=False) + "\n"
