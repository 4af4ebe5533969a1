"""Synthetic sources with known behaviours: ``journeys generate``.

``generate_sources(out, customers=N, seed=S)`` writes what a small online shop would hand over:

- ``customers.csv`` (CRM), ``transactions.csv``, ``web_events.jsonl``,
  ``support_interactions.csv`` — the first delivery;
- ``late/transactions.csv``, ``late/support_interactions.csv`` — a later delivery with late
  events and re-sent duplicates;
- ``ground_truth.json`` — every injected behaviour with the ids involved.

Same seed, same bytes. Everything is vectorised (numpy + polars): about a million events in a few
seconds. Configuration and maps in ``out`` (``journeys.yaml``, ``maps/``) are never touched.
See docs/sample-data.md.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from journeys.errors import JourneysError
from journeys.generate.browsing import run_browsing
from journeys.generate.delivery import (
    LATE_SUPPORT_FILE,
    LATE_TX_FILE,
    SUPPORT_FILE,
    TX_FILE,
    WEB_FILE,
    plan_delivery,
    write_delivery,
)
from journeys.generate.episodes import SUPPORT, UNKNOWN_CONTACT, Episodes, plan_episodes
from journeys.generate.people import MAX_CUSTOMERS, build_crm, build_people
from journeys.generate.shop import run_purchases, run_support
from journeys.generate.sources import build_sources
from journeys.generate.timeline import Timeline
from journeys.generate.truth import build_ground_truth, render_truth

__all__ = ["GenerateResult", "generate_sources"]

CUSTOMERS_FILE = "customers.csv"
TRUTH_FILE = "ground_truth.json"


@dataclass(frozen=True)
class GenerateResult:
    """Rows written per file (data rows, headers not counted) and the headline behaviours."""

    out: Path
    seed: int
    customers: int
    transactions: int
    web_events: int
    support_interactions: int
    late_transactions: int
    late_support_interactions: int
    distinct_events: int
    behaviours: tuple[tuple[str, int], ...]
    seconds: float

    @property
    def events(self) -> int:
        """Event rows in all files of both deliveries (duplicates and bad rows included)."""
        return (
            self.transactions
            + self.web_events
            + self.support_interactions
            + self.late_transactions
            + self.late_support_interactions
        )

    def summary(self) -> str:
        injected = ", ".join(f"{n:,} {name.replace('_', ' ')}" for name, n in self.behaviours)
        return (
            f"Wrote {self.customers:,} customers and {self.events:,} event rows to {self.out} "
            f"in {self.seconds:.1f}s (seed {self.seed}): {self.transactions:,} transactions, "
            f"{self.web_events:,} web events and {self.support_interactions:,} support "
            f"interactions in the first delivery, {self.late_transactions:,} + "
            f"{self.late_support_interactions:,} rows in late/; "
            f"{self.distinct_events / max(self.customers, 1):.1f} distinct events per customer. "
            f"Injected: {injected}. Ground truth in {self.out / TRUTH_FILE}."
        )


def simulate_events(rng: np.random.Generator, episodes: Episodes) -> dict[str, pl.DataFrame]:
    """Play every episode's program; internal events per source, in time order."""
    timeline = Timeline(rng, episodes.start)
    run_purchases(timeline, episodes)
    run_browsing(timeline, episodes)
    run_support(timeline, episodes, (episodes.kind == SUPPORT) | (episodes.kind == UNKNOWN_CONTACT))
    return timeline.frames()


def generate_sources(out: Path, *, customers: int, seed: int) -> GenerateResult:
    """Write the four synthetic sources, the late delivery and ground_truth.json into ``out``."""
    if not 1 <= customers <= MAX_CUSTOMERS:
        raise JourneysError(
            f"--customers {customers}: choose between 1 and {MAX_CUSTOMERS:,}", step="generate"
        )
    started = time.perf_counter()
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise JourneysError(
            f"{out}: exists and is not a folder; pass a folder to --out", step="generate"
        )
    rng = np.random.default_rng(seed)
    people = build_people(rng, customers)
    episodes = plan_episodes(rng, people)
    sources = build_sources(rng, simulate_events(rng, episodes), episodes, people)
    delivery = plan_delivery(rng, sources)
    truth = build_ground_truth(sources, delivery, customers=customers, seed=seed)

    out.mkdir(parents=True, exist_ok=True)
    crm = build_crm(people, episodes.first_day)
    (out / CUSTOMERS_FILE).write_bytes(crm.write_csv().encode("utf-8"))
    write_delivery(out, delivery)
    (out / TRUTH_FILE).write_bytes(render_truth(truth).encode("utf-8"))

    behaviours = truth["behaviours"]
    return GenerateResult(
        out=out,
        seed=seed,
        customers=crm.height,
        transactions=delivery.rows[TX_FILE],
        web_events=delivery.rows[WEB_FILE],
        support_interactions=delivery.rows[SUPPORT_FILE],
        late_transactions=delivery.rows[LATE_TX_FILE],
        late_support_interactions=delivery.rows[LATE_SUPPORT_FILE],
        distinct_events=truth["counts"]["distinct_events"],
        behaviours=tuple(
            (name, int(behaviours[name]["count"]))
            for name in (
                "phone_before_payment",
                "agent_assisted_orders",
                "delivery_bounce",
                "repeat_contacts",
                "anonymous_then_login",
            )
        ),
        seconds=time.perf_counter() - started,
    )
