"""A small shop's landing files, written by the tests from journeys they describe.

Each journey is a customer and a list of (minutes after its start, what they did); ``write_feed``
writes the four sources (customers.csv, web.csv, transactions.csv, support.csv) in the formats of
the source contracts (DESIGN.md), with the touchpoint rules in ``TOUCHPOINTS``. ``sample_feed``
draws journeys from a distribution the test states (``Mix``), with a seeded generator, so drift
tests can land batches from the same distribution, or with one behaviour changed.

Not the project's generator (journeys.generate): the tests own these few rules, so what they find
is what they put in.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

MAP = """\
name: checkout
goal: Order delivered
exit: [Order delivered, Order cancelled]
stages:
  - name: Shop
    steps:
      - {name: Visit site, channel: web}
      - {name: View product, repeatable: true}
      - Add to cart
      - Checkout
      - {name: Order placed, channel: web}
      - {name: Payment failed, optional: true, next: [Payment captured, Order cancelled]}
      - {name: Payment captured, expected_share: 0.7, next: [Order delivered, Order cancelled]}
      - {name: Order delivered, within: 4d, next: []}
      - {name: Order cancelled, next: []}
"""
TOUCHPOINTS = [
    {"source": "web", "event_type": "page_view", "match": {"page_path": "/"},
     "touchpoint": "Visit site", "channel": "web"},
    {"source": "web", "event_type": "page_view", "match": {"page_path": "/products/*"},
     "touchpoint": "View product", "channel": "web"},
    {"source": "web", "event_type": "page_view", "match": {"page_path": "/help/*"},
     "touchpoint": "View help", "channel": "web"},
    {"source": "web", "event_type": "add_to_cart", "touchpoint": "Add to cart", "channel": "web"},
    {"source": "web", "event_type": "checkout_started", "touchpoint": "Checkout",
     "channel": "web"},
    {"source": "transactions", "event_type": "order_placed", "touchpoint": "Order placed",
     "channel": "web"},
    {"source": "transactions", "event_type": "payment_failed", "touchpoint": "Payment failed"},
    {"source": "transactions", "event_type": "payment_captured",
     "touchpoint": "Payment captured"},
    {"source": "transactions", "event_type": "order_delivered", "touchpoint": "Order delivered"},
    {"source": "transactions", "event_type": "order_cancelled", "touchpoint": "Order cancelled"},
    {"source": "support", "event_type": "contact", "match": {"channel": "phone"},
     "touchpoint": "Phone support"},
]  # fmt: skip
WEB = {
    "visit": ("page_view", "/"),
    "product": ("page_view", "/products/1"),
    "help": ("page_view", "/help/payments"),
    "cart": ("add_to_cart", "/cart"),
    "checkout": ("checkout_started", "/checkout"),
}
ORDERS = {
    "order": "order_placed",
    "failed": "payment_failed",
    "paid": "payment_captured",
    "delivered": "order_delivered",
    "cancelled": "order_cancelled",
}


@dataclass(frozen=True)
class Journey:
    customer: str
    start: datetime
    steps: tuple[tuple[float, str], ...]
    """(minutes after start, what: a key of WEB or ORDERS, or ``call``)."""


@dataclass
class Files:
    rows: dict[str, list[list[str]]] = field(default_factory=dict)

    def add(self, source: str, row: list[str]) -> None:
        self.rows.setdefault(source, []).append(row)


HEADERS = {
    "customers": ["customer_id", "email", "phone", "segment", "created_at"],
    "web": ["event_id", "anonymous_id", "user_id", "event_type", "occurred_at", "page_path",
            "referrer", "device"],
    "transactions": ["event_id", "customer_id", "order_id", "event_type", "occurred_at",
                     "amount", "currency"],
    "support": ["event_id", "ticket_id", "email", "phone", "channel", "team", "system",
                "category", "event_type", "occurred_at"],
}  # fmt: skip


def _at(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def journey_rows(
    journeys: Iterable[Journey],
    *,
    known: set[str] | None = None,
    segment_of: Callable[[str], str] = lambda customer: "new",
) -> Files:
    """The source rows of ``journeys``; a customer not in ``known`` gets a CRM row (and is added
    to it), in the segment ``segment_of`` gives. Event ids are unique per journey and step."""
    known = known if known is not None else set()
    files = Files()
    for j in journeys:
        c = j.customer
        if c not in known:
            known.add(c)
            files.add("customers", [c, f"{c}@example.com", "", segment_of(c), _at(j.start)])
        for minutes, what in j.steps:
            when = _at(j.start + timedelta(minutes=minutes))
            key = f"{c}-{j.start:%Y%m%d%H%M}-{round(minutes * 60)}"  # the same in any delivery
            if what in WEB:
                kind, page = WEB[what]
                files.add("web", [f"w{key}", f"a{c}", c, kind, when, page, "", "desktop"])
            elif what in ORDERS:
                amount = "40.00" if what == "paid" else ""
                order = f"o{c}-{j.start:%Y%m%d%H%M}"
                files.add("transactions", [f"t{key}", c, order, ORDERS[what], when, amount, "EUR"])
            else:  # a call to the help desk, from the customer's CRM email
                files.add("support", [f"s{key}", f"k{key}", f"{c}@example.com", "", "phone",
                                      "care", "phones", "payment", "contact", when])  # fmt: skip
    return files


def write_feed(folder: Path, files: Files, *, name: str) -> list[Path]:
    """One file per source with rows under ``folder/<source>/<name>.csv``."""
    written = []
    for source, rows in files.rows.items():
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(HEADERS[source])
        writer.writerows(rows)
        path = folder / source / f"{name}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(out.getvalue(), encoding="utf-8")
        written.append(path)
    return written


@dataclass(frozen=True)
class Mix:
    """How journeys are drawn: each behaviour on its own, with these probabilities."""

    browse_only: float = 0.25
    """Leave after looking at products (abandoned once the horizon has passed)."""
    help_page: float = 0.10
    """Read a help page before checking out (an unexpected step)."""
    fail_then_call: float = 0.03
    """The payment fails and the customer phones the help desk before paying."""
    fail_retry: float = 0.05
    """The payment fails and the customer pays again."""
    cancel: float = 0.08
    """Cancel after paying."""
    late_delivery: float = 0.10
    """Delivered later than the map's 4 days."""


def draw_journey(rng: random.Random, customer: str, start: datetime, mix: Mix) -> Journey:
    """One journey of ``mix`` (each behaviour drawn independently)."""
    t = 0.0
    steps: list[tuple[float, str]] = []

    def then(what: str, minutes: float) -> None:
        nonlocal t
        t += minutes
        steps.append((t, what))

    then("visit", 0)
    for _ in range(rng.randint(1, 3)):
        then("product", rng.uniform(1, 5))
    if rng.random() < mix.browse_only:
        return Journey(customer, start, tuple(steps))
    if rng.random() < mix.help_page:
        then("help", rng.uniform(1, 3))
    then("cart", rng.uniform(1, 5))
    then("checkout", rng.uniform(1, 5))
    then("order", rng.uniform(1, 3))
    if rng.random() < mix.fail_then_call:
        then("failed", 1)
        then("call", rng.uniform(5, 30))
    elif rng.random() < mix.fail_retry:
        then("failed", 1)
    then("paid", rng.uniform(1, 10))
    if rng.random() < mix.cancel:
        then("cancelled", rng.uniform(60, 600))
    else:
        days = rng.uniform(4.5, 6) if rng.random() < mix.late_delivery else rng.uniform(1, 3)
        then("delivered", days * 1440)
    return Journey(customer, start, tuple(steps))


def sample_feed(
    rng: random.Random,
    *,
    first: datetime,
    days: int,
    per_day: int,
    mix: Mix,
    prefix: str,
) -> list[Journey]:
    """``per_day`` journeys a day for ``days`` days from ``first``, each a new customer
    (``<prefix><n>``), starting at a random time of its day."""
    journeys = []
    for day in range(days):
        for n in range(per_day):
            start = first + timedelta(days=day, minutes=rng.uniform(0, 1380))
            start = start.replace(second=0, microsecond=0)
            journeys.append(draw_journey(rng, f"{prefix}{day:03}x{n:03}", start, mix))
    return journeys


def between(journeys: Sequence[Journey], first: datetime, last: datetime) -> list[Journey]:
    """The steps of ``journeys`` from ``first`` up to (not including) ``last``: what one
    delivery of the shop's files holds (a journey may span several deliveries)."""
    found = []
    for j in journeys:
        steps = tuple(s for s in j.steps if first <= j.start + timedelta(minutes=s[0]) < last)
        if steps:
            found.append(Journey(j.customer, j.start, steps))
    return found
