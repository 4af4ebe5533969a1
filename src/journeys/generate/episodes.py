"""Which episodes happen to whom, and when: the plan the behaviour programs then play out.

Episodes of one customer start at least ``SPACING_DAYS`` apart, longer than the 14-day journey
horizon plus the longest episode, so each episode becomes its own journey downstream.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from journeys.generate.people import People
from journeys.generate.timeline import DAY, END_MS, HOUR, MINUTE, START_MS, from_local_ms

# Episode kinds.
PURCHASE_WEB, PURCHASE_AGENT, BROWSE, SUPPORT, VISITOR, UNKNOWN_CONTACT = range(6)
KIND_NAMES = ("purchase_web", "purchase_agent", "browse", "support", "visitor", "unknown_contact")
KIND_P = {
    False: (0.63, 0.03, 0.24, 0.10),  # consumer
    True: (0.40, 0.30, 0.15, 0.15),  # business: far more agent-assisted orders
}
# Payment outcomes of an order. PAY_PHONE and PAY_PHONE_GIVE_UP both phone Billing after the
# failure; a third of those callers then give up (the unpaid order is cancelled). The give-up
# share is carved out of the phone share right after it, so every other outcome keeps the same
# random draws as before it existed.
PAY_OK, PAY_RETRY, PAY_PHONE, PAY_PHONE_GIVE_UP, PAY_FAIL_CANCEL = range(5)
PHONE_GIVE_UP_SHARE = 1 / 3
_PHONE_P = {False: 0.04, True: 0.13}
PAY_P = {
    business: (
        ok,
        retry,
        _PHONE_P[business] * (1 - PHONE_GIVE_UP_SHARE),
        _PHONE_P[business] * PHONE_GIVE_UP_SHARE,
        0.03,
    )
    for business, ok, retry in ((False, 0.89, 0.04), (True, 0.81, 0.03))
}
# Fulfilment outcomes of a paid order.
SHIP_NORMAL, SHIP_BOUNCE, SHIP_CHASE, SHIP_CANCEL, SHIP_RETURN = range(5)
SHIP_P = (0.86, 0.04, 0.03, 0.03, 0.04)

MAX_EPISODES = 5
FIRST_START_DAYS = 45.0
SPACING_DAYS = 40.0
WINDOW_DAYS = (END_MS - START_MS) / DAY
DORMANT_SHARE = 0.02
VISITOR_SHARE = 0.25
UNKNOWN_CONTACT_SHARE = 0.03
# Local start hour of an episode, 07..23, evenings busiest.
HOUR_WEIGHTS = np.asarray([1, 2, 3, 3, 3, 3, 3, 3, 3, 3, 4, 5, 6, 6, 5, 3, 2], dtype=float)


@dataclass(frozen=True)
class Episodes:
    """One row per episode (all arrays have the same length)."""

    cust: np.ndarray
    """Customer index into the CRM, -1 for anonymous visitors and unknown contacts."""
    kind: np.ndarray
    business: np.ndarray
    start: np.ndarray
    """UTC epoch ms."""
    anon: np.ndarray
    """Anonymous id (web cookie) used in this episode's sessions; -1 when there are none."""
    research: np.ndarray
    """Browses anonymously on a fresh cookie for days before logging in (purchase_web only)."""
    payment: np.ndarray
    fulfil: np.ndarray
    amount_cents: np.ndarray
    currency: np.ndarray
    contact: np.ndarray
    """Unknown contacts only: their number (for a made-up email or phone); -1 otherwise."""
    anon_device: np.ndarray
    """Device per anonymous id (indexed by anonymous id, not by episode)."""
    first_day: np.ndarray
    """Per customer: the first day (since the window start) with an episode."""

    @property
    def size(self) -> int:
        return len(self.kind)


def _starts(rng: np.random.Generator, days: np.ndarray) -> np.ndarray:
    """Day offsets -> UTC ms at a plausible local hour on that day."""
    hour = 7 + rng.choice(len(HOUR_WEIGHTS), size=len(days), p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
    minute = rng.integers(0, 60 * MINUTE, size=len(days))
    local = START_MS + np.floor(days).astype(np.int64) * DAY + hour * HOUR + minute
    return from_local_ms(local)


def _choose(
    rng: np.random.Generator, business: np.ndarray, table: Mapping[bool, Sequence[float]]
) -> np.ndarray:
    out = np.empty(len(business), dtype=np.int8)
    for segment, p in table.items():
        mask = business == segment
        out[mask] = rng.choice(len(p), size=int(mask.sum()), p=p)
    return out


@dataclass(frozen=True)
class _Calendar:
    """The customers' episodes before anything else is drawn: one row per episode."""

    cust: np.ndarray
    day: np.ndarray
    """Start, in days since the window start."""
    is_first: np.ndarray
    """The customer's first episode."""
    first_day: np.ndarray
    """Per customer: the day of the first episode (0 for dormant customers)."""


def _plan_calendar(rng: np.random.Generator, n: int) -> _Calendar:
    """Up to MAX_EPISODES start days per customer, SPACING_DAYS or more apart, in the window."""
    gaps = SPACING_DAYS + rng.exponential(12.0, size=(n, MAX_EPISODES - 1))
    first = rng.uniform(0.0, FIRST_START_DAYS, size=(n, 1))
    days = np.cumsum(np.hstack([first, gaps]), axis=1)
    valid = days < WINDOW_DAYS - 0.5
    valid[rng.random(n) < DORMANT_SHARE] = False
    per_customer = valid.sum(axis=1)
    is_first = np.zeros(int(per_customer.sum()), dtype=bool)
    is_first[np.cumsum(per_customer)[per_customer > 0] - per_customer[per_customer > 0]] = True
    return _Calendar(
        cust=np.repeat(np.arange(n, dtype=np.int64), per_customer),
        day=days[valid],
        is_first=is_first,
        first_day=np.where(per_customer > 0, np.floor(days[:, 0]), 0).astype(np.int64),
    )


def _pick_anon(
    rng: np.random.Generator,
    people: People,
    cust: np.ndarray,
    *,
    kind: np.ndarray,
    research: np.ndarray,
) -> tuple[np.ndarray, int]:
    """Each customer episode's anonymous id, and how many ids exist now: researchers get a
    fresh cookie, others their primary or (35 %) second device."""
    fresh = np.where(research, people.n_anon + np.cumsum(research) - 1, -1)
    second = people.second_anon[cust]
    use_second = (second >= 0) & (rng.random(len(cust)) < 0.35)
    device_anon = np.where(use_second, second, people.primary_anon[cust])
    anon = np.where(research, fresh, device_anon)
    anon = np.where((kind == SUPPORT) | (kind == PURCHASE_AGENT), device_anon, anon)
    return anon, people.n_anon + int(research.sum())


def _draw_amounts(rng: np.random.Generator, business: np.ndarray) -> np.ndarray:
    """Order value in cents: log-normal, business orders far larger."""
    amount = np.where(
        business,
        45_000 * np.exp(0.8 * rng.standard_normal(len(business))),
        6_500 * np.exp(0.7 * rng.standard_normal(len(business))),
    )
    return np.clip(amount, np.where(business, 5_000, 990), 500_000).astype(np.int64)


def plan_episodes(rng: np.random.Generator, people: People) -> Episodes:
    """Customers' episodes, then anonymous visitors and unknown support contacts."""
    n = people.size
    cal = _plan_calendar(rng, n)
    business = people.business[cal.cust]
    kind = _choose(rng, business, KIND_P)
    new_first = people.new_customer[cal.cust] & cal.is_first
    chance = np.where(new_first, 0.3, 0.04)
    research = (kind == PURCHASE_WEB) & (rng.random(len(cal.cust)) < chance)
    anon, n_anon = _pick_anon(rng, people, cal.cust, kind=kind, research=research)

    n_visitors = round(VISITOR_SHARE * n)
    n_unknown = max(1, round(UNKNOWN_CONTACT_SHARE * n))
    visitor_anon = n_anon + np.arange(n_visitors)
    n_anon += n_visitors
    extra_days = rng.uniform(0.0, WINDOW_DAYS - 0.5, size=n_visitors + n_unknown)

    def extend(values: np.ndarray, visitors: object, unknown: object) -> np.ndarray:
        """Customer episodes' ``values``, then the visitors' and the unknown contacts'."""
        return np.concatenate(
            [
                values,
                np.broadcast_to(np.asarray(visitors), (n_visitors,)),
                np.broadcast_to(np.asarray(unknown), (n_unknown,)),
            ]
        )

    cust_all = extend(cal.cust, -1, -1)
    business_all = extend(business, False, False)
    amount = _draw_amounts(rng, business_all)
    currency = np.where(cust_all >= 0, people.currency[np.maximum(cust_all, 0)], "EUR")
    anon_device = _devices(rng, people, n_anon)
    return Episodes(
        cust=cust_all,
        kind=extend(kind, VISITOR, UNKNOWN_CONTACT).astype(np.int8),
        business=business_all,
        start=_starts(rng, np.concatenate([cal.day, extra_days])),
        anon=extend(anon, visitor_anon, -1).astype(np.int64),
        research=extend(research, False, False),
        payment=_choose(rng, business_all, PAY_P),
        fulfil=rng.choice(len(SHIP_P), size=len(cust_all), p=SHIP_P).astype(np.int8),
        amount_cents=amount,
        currency=currency,
        contact=extend(np.full(len(cal.cust), -1), -1, np.arange(n_unknown)).astype(np.int64),
        anon_device=anon_device,
        first_day=cal.first_day,
    )


def _devices(rng: np.random.Generator, people: People, n_anon: int) -> np.ndarray:
    """Primary cookies are mostly desktop; second devices and fresh cookies mostly mobile."""
    devices = np.asarray(("desktop", "mobile", "tablet"))
    out = devices[rng.choice(3, size=n_anon, p=(0.4, 0.52, 0.08))]
    out[people.primary_anon] = devices[rng.choice(3, size=people.size, p=(0.55, 0.4, 0.05))]
    return out
