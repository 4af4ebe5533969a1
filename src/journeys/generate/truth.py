"""ground_truth.json: every injected behaviour, measured on the generated events themselves.

Nothing here trusts the plan: each list is computed from the events as written (both
deliveries together, duplicates once), so a behaviour cut short by the data's end is not claimed.
"""

from __future__ import annotations

import json
from typing import Any

import polars as pl

from journeys.generate.behaviours import (
    distinct_ids,
    find_agent_assisted_orders,
    find_anonymous_then_login,
    find_delivery_bounce,
    find_phone_before_payment,
    find_repeat_contacts,
)
from journeys.generate.delivery import Delivery
from journeys.generate.episodes import (
    PAY_OK,
    PURCHASE_WEB,
    SHIP_NORMAL,
    UNKNOWN_CONTACT,
    VISITOR,
)
from journeys.generate.sources import Sources
from journeys.generate.timeline import LOCAL_TZ, WINDOW_END, WINDOW_START


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
        "unknown_support_tickets_list": distinct_ids(strangers, "ticket_id"),
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
        "tickets": distinct_ids(known, "ticket_id"),
        "customers": distinct_ids(known, "customer_id"),
        "unknown_contact_rows": national.height - known.height,
    }


def find_sender_emails(s: Sources) -> dict[str, Any]:
    """Support rows whose email the desk shows as a mail's sender (``Marie Moreau
    <marie.moreau153@example.net>``): each stitches to its CRM customer by the address."""
    sender = s.support.filter(pl.col("email").str.ends_with(">")).join(
        s.episodes.select("_ep", "customer_id"), on="_ep", how="left"
    )
    known = sender.filter(pl.col("_kind") != UNKNOWN_CONTACT).sort("event_id")
    return {
        "description": "Support rows whose email the help desk shows as a mail's sender, the "
        "name before the address in angle brackets; each stitches to its CRM customer.",
        "count": known.height,
        "events": dict(zip(known["event_id"], known["customer_id"], strict=True)),
        "unknown_contact_rows": sender.height - known.height,
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
            "sender_emails": find_sender_emails(s),
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
