"""Purchases: the web or phone order, payment, fulfilment, and the support it sometimes needs.

The support desk's part (calls, tickets, an agent's action) comes from ``desk.py``.
"""

from __future__ import annotations

import numpy as np

from journeys.generate.browsing import emit_session
from journeys.generate.desk import CALL, TICKET, emit_desk_action
from journeys.generate.episodes import (
    PAY_FAIL_CANCEL,
    PAY_OK,
    PAY_PHONE,
    PAY_PHONE_GIVE_UP,
    PAY_RETRY,
    PURCHASE_AGENT,
    PURCHASE_WEB,
    SHIP_BOUNCE,
    SHIP_CANCEL,
    SHIP_CHASE,
    SHIP_NORMAL,
    SHIP_RETURN,
    Episodes,
)
from journeys.generate.timeline import DAY, HOUR, MINUTE, SECOND, Column, Timeline

MAX_TRANSFERS = 5
DELIVERY_TICKET: dict[str, Column] = {"slot": TICKET, "system": "Zendesk", "category": "delivery"}


def run_purchases(tl: Timeline, ep: Episodes) -> None:
    """Web and agent-assisted orders from first visit to delivery (or cancel, or refund)."""
    web = ep.kind == PURCHASE_WEB
    agent = ep.kind == PURCHASE_AGENT
    _web_visits(tl, ep, web, agent)
    _sales_call(tl, agent)
    captured = _order_and_payment(tl, ep, web, agent)
    _fulfil(tl, ep, captured)


def _web_visits(tl: Timeline, ep: Episodes, web: np.ndarray, agent: np.ndarray) -> None:
    none = np.zeros(ep.size, dtype=bool)
    research = web & ep.research
    sessions = tl.rng.integers(2, 4, size=ep.size)
    for s in range(3):
        emit_session(
            tl,
            research & (sessions > s),
            anon=ep.anon,
            gap=0 if s == 0 else tl.uniform_ms(1 * DAY, 3 * DAY),
            login=none,
            remembered=none,
            products=tl.rng.integers(1, 5, size=ep.size),
            pricing=tl.chance(0.35),
            help_page=tl.chance(0.1),
            cart=none,
            view_cart=none,
            checkout=none,
        )
    login = research | tl.chance(0.55)
    emit_session(
        tl,
        web,
        anon=ep.anon,
        gap=np.where(research, tl.uniform_ms(1 * DAY, 3 * DAY), 0),
        login=login,
        remembered=~login,
        products=tl.rng.integers(1, 7, size=ep.size),
        pricing=tl.chance(0.25),
        help_page=none,
        cart=~none,
        view_cart=tl.chance(0.6),
        checkout=~none,
    )
    # Some agent-assisted buyers looked at the site days before calling, never adding to cart.
    prelude = agent & tl.chance(0.4)
    login = tl.chance(0.5)
    emit_session(
        tl,
        prelude,
        anon=ep.anon,
        gap=0,
        login=login,
        remembered=~login,
        products=tl.rng.integers(1, 4, size=ep.size),
        pricing=tl.chance(0.6),
        help_page=none,
        cart=none,
        view_cart=none,
        checkout=none,
    )
    tl.wait(prelude, tl.uniform_ms(1 * DAY, 4 * DAY))


def _sales_call(tl: Timeline, agent: np.ndarray) -> None:
    tl.open_hours(agent)
    tl.emit(
        "support",
        agent,
        "contact",
        tl.uniform_ms(1 * SECOND, 5 * MINUTE),
        slot=CALL,
        channel="phone",
        team="Sales desk",
        system="Phone system",
        category="product",
    )


def _order_and_payment(
    tl: Timeline, ep: Episodes, web: np.ndarray, agent: np.ndarray
) -> np.ndarray:
    """Order, then payment; returns the episodes whose payment was captured."""
    order = web | agent
    method = _place_order(tl, ep, order=order, agent=agent)
    pay = np.where(agent, PAY_OK, ep.payment)
    _fail_payment(
        tl, ep, failed=order & (pay != PAY_OK), retry=order & (pay == PAY_RETRY), method=method
    )
    # Phone before payment: the customer calls billing; then the payment goes through, or (a
    # third of them) they give up and never pay, and the shop cancels the unpaid order.
    gave_up = order & (pay == PAY_PHONE_GIVE_UP)
    _call_billing(tl, order & ((pay == PAY_PHONE) | gave_up))
    return _settle_payment(tl, ep, order=order, pay=pay, gave_up=gave_up, method=method)


def _place_order(tl: Timeline, ep: Episodes, *, order: np.ndarray, agent: np.ndarray) -> np.ndarray:
    """The order, online or by a Sales desk agent; returns the payment method per episode."""
    method = np.where(
        agent,
        tl.pick(("card", "invoice"), (0.4, 0.6)),
        tl.pick(("card", "paypal", "invoice"), (0.6, 0.3, 0.1)),
    )
    tl.emit(
        "transactions",
        order,
        "order_placed",
        np.where(
            agent, tl.uniform_ms(3 * MINUTE, 15 * MINUTE), tl.uniform_ms(40 * SECOND, 6 * MINUTE)
        ),
        sales_channel=np.where(agent, "agent", "web"),
        amount_cents=ep.amount_cents,
        payment_method=method,
    )
    return method


def _fail_payment(
    tl: Timeline, ep: Episodes, *, failed: np.ndarray, retry: np.ndarray, method: np.ndarray
) -> None:
    """The payment fails; those who retry online go back to checkout to pay again."""
    tl.emit(
        "transactions",
        failed,
        "payment_failed",
        tl.uniform_ms(3 * SECOND, 40 * SECOND),
        amount_cents=ep.amount_cents,
        payment_method=method,
    )
    tl.emit(
        "web",
        retry,
        "checkout_started",
        tl.uniform_ms(1 * MINUTE, 10 * MINUTE),
        anon=ep.anon,
        logged_in=True,
        page_path="/checkout",
    )


def _call_billing(tl: Timeline, phone: np.ndarray) -> None:
    """A while after the failure, the customer phones Billing in the desk's opening hours."""
    tl.wait(phone, tl.uniform_ms(30 * MINUTE, 5 * HOUR))
    tl.open_hours(phone)
    tl.emit(
        "support",
        phone,
        "contact",
        SECOND,
        slot=CALL,
        channel="phone",
        team="Billing",
        system="Phone system",
        category="billing",
    )


def _settle_payment(
    tl: Timeline,
    ep: Episodes,
    *,
    order: np.ndarray,
    pay: np.ndarray,
    gave_up: np.ndarray,
    method: np.ndarray,
) -> np.ndarray:
    """The payment is captured, or the unpaid order cancelled; returns the captured ones."""
    captured: np.ndarray = order & (pay != PAY_FAIL_CANCEL) & ~gave_up
    gap = np.select(
        [pay == PAY_RETRY, pay == PAY_PHONE],
        [tl.uniform_ms(20 * SECOND, 2 * MINUTE), tl.uniform_ms(4 * MINUTE, 15 * MINUTE)],
        tl.uniform_ms(3 * SECOND, 60 * SECOND),
    )
    tl.emit(
        "transactions",
        captured,
        "payment_captured",
        gap,
        amount_cents=ep.amount_cents,
        payment_method=method,
    )
    unpaid = order & ((pay == PAY_FAIL_CANCEL) | gave_up)
    tl.emit("transactions", unpaid, "order_cancelled", tl.uniform_ms(20 * HOUR, 48 * HOUR))
    return captured


def _fulfil(tl: Timeline, ep: Episodes, captured: np.ndarray) -> None:
    # Cancelled before shipping: the payment is voided with the order, no separate refund.
    cancel = captured & (ep.fulfil == SHIP_CANCEL)
    tl.emit("transactions", cancel, "order_cancelled", tl.uniform_ms(1 * HOUR, 10 * HOUR))
    shipped = captured & ~cancel
    late_ship = tl.chance(0.06)
    ship_gap = np.where(
        late_ship,
        tl.uniform_ms(50 * HOUR, 90 * HOUR),
        np.where(
            tl.chance(0.7), tl.uniform_ms(14 * HOUR, 30 * HOUR), tl.uniform_ms(30 * HOUR, 46 * HOUR)
        ),
    )
    tl.emit("transactions", shipped, "order_shipped", ship_gap)
    on_time = shipped & ((ep.fulfil == SHIP_NORMAL) | (ep.fulfil == SHIP_RETURN))
    deliver_gap = np.where(
        tl.chance(0.05), tl.uniform_ms(4 * DAY, 6 * DAY), tl.uniform_ms(20 * HOUR, 80 * HOUR)
    )
    tl.emit("transactions", on_time, "order_delivered", deliver_gap)
    _delivery_problem(tl, ep, shipped & ((ep.fulfil == SHIP_BOUNCE) | (ep.fulfil == SHIP_CHASE)))
    _return(tl, ep, shipped & (ep.fulfil == SHIP_RETURN))


def _delivery_problem(tl: Timeline, ep: Episodes, problem: np.ndarray) -> None:
    """The parcel does not arrive: a ticket, chasing contacts, and for some a team ping-pong."""
    tl.wait(problem, tl.uniform_ms(int(3.5 * DAY), 5 * DAY))
    channel = _open_delivery_ticket(tl, ep, problem)
    bounce = problem & (ep.fulfil == SHIP_BOUNCE)
    transfers = _bounce_between_teams(tl, ep, bounce, channel=channel)
    _chase_parcel(tl, ep, problem & (ep.fulfil == SHIP_CHASE), channel=channel)
    tl.emit("transactions", problem, "order_delivered", tl.uniform_ms(4 * HOUR, 30 * HOUR))
    last_team = np.where(bounce & (transfers % 2 == 1), "Logistics", "Tier 1")
    emit_desk_action(
        tl,
        problem,
        "ticket_resolved",
        tl.uniform_ms(10 * MINUTE, 3 * HOUR),
        channel=channel,
        team=last_team,
        **DELIVERY_TICKET,
    )


def _open_delivery_ticket(tl: Timeline, ep: Episodes, problem: np.ndarray) -> np.ndarray:
    """Half look at the delivery help page; all write to Tier 1, who answer. Returns the
    channel (email or chat) of each ticket."""
    tl.emit(
        "web",
        problem & tl.chance(0.5),
        "page_view",
        SECOND,
        anon=ep.anon,
        logged_in=True,
        page_path="/help/delivery",
    )
    channel = tl.pick(("email", "chat"), (0.6, 0.4))
    tl.emit(
        "support",
        problem,
        "ticket_opened",
        tl.uniform_ms(1 * MINUTE, 20 * MINUTE),
        channel=channel,
        team="Tier 1",
        **DELIVERY_TICKET,
    )
    emit_desk_action(
        tl,
        problem,
        "contact",
        tl.lognormal_ms(1.5 * HOUR, 0.8, low=5 * MINUTE, high=20 * HOUR),
        channel=channel,
        team="Tier 1",
        **DELIVERY_TICKET,
    )
    return channel


def _bounce_between_teams(
    tl: Timeline, ep: Episodes, bounce: np.ndarray, *, channel: np.ndarray
) -> np.ndarray:
    """3 to MAX_TRANSFERS transfers between Logistics and Tier 1, the customer chasing after
    most of them; returns the transfers per episode."""
    transfers = tl.rng.integers(3, MAX_TRANSFERS + 1, size=ep.size)
    for j in range(MAX_TRANSFERS):
        hop = bounce & (transfers > j)
        team = "Logistics" if j % 2 == 0 else "Tier 1"
        emit_desk_action(
            tl,
            hop,
            "ticket_transferred",
            tl.uniform_ms(2 * HOUR, 20 * HOUR),
            channel=channel,
            team=team,
            **DELIVERY_TICKET,
        )
        chase = hop & tl.chance(0.6)
        emit_desk_action(
            tl,
            chase,
            "contact",
            tl.uniform_ms(1 * HOUR, 8 * HOUR),
            channel=np.where(tl.chance(0.3), "phone", channel),
            team=team,
            **DELIVERY_TICKET,
        )
    return transfers


def _chase_parcel(tl: Timeline, ep: Episodes, chaser: np.ndarray, *, channel: np.ndarray) -> None:
    """Two or three more contacts with Tier 1 asking where the parcel is."""
    extra = tl.rng.integers(2, 4, size=ep.size)
    for j in range(3):
        emit_desk_action(
            tl,
            chaser & (extra > j),
            "contact",
            tl.uniform_ms(6 * HOUR, 24 * HOUR),
            channel=np.where(tl.chance(0.3), "phone", channel),
            team="Tier 1",
            **DELIVERY_TICKET,
        )


def _return(tl: Timeline, ep: Episodes, returned: np.ndarray) -> None:
    """Delivered, then sent back: a ticket, a refund for part of the order, resolution."""
    ticket: dict[str, Column] = {
        "slot": TICKET,
        "channel": "email",
        "team": "Tier 1",
        "system": "Zendesk",
        "category": "product",
    }
    tl.wait(returned, tl.uniform_ms(2 * DAY, 6 * DAY))
    tl.emit("support", returned, "ticket_opened", SECOND, **ticket)
    emit_desk_action(
        tl,
        returned,
        "contact",
        tl.lognormal_ms(2 * HOUR, 0.8, low=5 * MINUTE, high=20 * HOUR),
        **ticket,
    )
    share = tl.rng.uniform(0.3, 1.0, size=ep.size)
    refund = np.maximum((ep.amount_cents * share).astype(np.int64), 100)
    tl.emit(
        "transactions",
        returned,
        "refund_issued",
        tl.uniform_ms(20 * HOUR, 60 * HOUR),
        amount_cents=refund,
    )
    emit_desk_action(tl, returned, "ticket_resolved", tl.uniform_ms(5 * MINUTE, 1 * HOUR), **ticket)
