"""Synthetic sources with known behaviours: ``journeys generate``.

``generate_sources(out, customers=N, seed=S)`` writes what a small online shop would hand over:

- ``customers.csv`` (CRM), ``transactions.csv``, ``web_events.jsonl``,
  ``support_interactions.csv`` — the first delivery;
- ``late/transactions.csv``, ``late/support_interactions.csv`` — a later delivery with late
  events and re-sent duplicates;
- ``ground_truth.json`` — every injected behaviour with the ids involved.

``generate_chunks(out, customers=N, seed=S, chunks=K)`` writes a shop too large for one process
(up to 9,000,000 customers, 100M+ events) as K runs one after the other, each into its own
``chunk-NNN/`` folder with the same files; ids continue from chunk to chunk (``IdOffsets``) so
no two chunks share a customer, email, phone, device, order, ticket or event. ``chunks.json``
sums them up.

Same seed, same bytes. Everything is vectorised (numpy + polars): about a million events in a few
seconds. Configuration and maps in ``out`` (``journeys.yaml``, ``maps/``) are never touched.
See docs/sample-data.md.
"""

from __future__ import annotations

import gc
import json
import time
from dataclasses import asdict, dataclass
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
    Delivery,
    plan_delivery,
    write_delivery,
)
from journeys.generate.desk import run_support
from journeys.generate.episodes import SUPPORT, UNKNOWN_CONTACT, Episodes, plan_episodes
from journeys.generate.people import (
    MAX_CHUNKED_CUSTOMERS,
    MAX_CUSTOMERS,
    IdOffsets,
    build_crm,
    build_people,
)
from journeys.generate.shop import run_purchases
from journeys.generate.sources import build_sources
from journeys.generate.timeline import Timeline
from journeys.generate.truth import build_ground_truth, render_truth

__all__ = ["ChunkedResult", "GenerateResult", "IdOffsets", "generate_chunks", "generate_sources"]

CUSTOMERS_FILE = "customers.csv"
TRUTH_FILE = "ground_truth.json"
CHUNKS_FILE = "chunks.json"


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
    next_offsets: IdOffsets = IdOffsets()
    """Where a following chunk's ids start."""

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


HEADLINE_BEHAVIOURS = (
    "phone_before_payment",
    "agent_assisted_orders",
    "delivery_bounce",
    "repeat_contacts",
    "anonymous_then_login",
)
"""The behaviours ``GenerateResult.summary`` names, in this order."""


def _check_customers(customers: int, *, chunked: bool) -> None:
    """One run holds 1 to MAX_CUSTOMERS customers; a plain run points at --chunks beyond."""
    if 1 <= customers <= MAX_CUSTOMERS:
        return
    more = (
        f"; write more in chunks with --chunks N (up to {MAX_CHUNKED_CUSTOMERS:,} in all)"
        if customers > MAX_CUSTOMERS and not chunked
        else ""
    )
    raise JourneysError(
        f"--customers {customers}: choose between 1 and {MAX_CUSTOMERS:,}{more}", step="generate"
    )


def _write_sources(out: Path, *, crm: pl.DataFrame, delivery: Delivery, truth: str) -> None:
    """customers.csv, the delivered files and ground_truth.json, as UTF-8, into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    (out / CUSTOMERS_FILE).write_bytes(crm.write_csv().encode("utf-8"))
    write_delivery(out, delivery)
    (out / TRUTH_FILE).write_bytes(truth.encode("utf-8"))


def generate_sources(
    out: Path, *, customers: int, seed: int | list[int], offsets: IdOffsets | None = None
) -> GenerateResult:
    """Write the four synthetic sources, the late delivery and ground_truth.json into ``out``.

    ``offsets`` (chunks only, see ``generate_chunks``) starts every id after earlier chunks'."""
    _check_customers(customers, chunked=offsets is not None)
    started = time.perf_counter()
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise JourneysError(
            f"{out}: exists and is not a folder; pass a folder to --out", step="generate"
        )
    rng = np.random.default_rng(seed)
    people = build_people(rng, customers, offsets)
    episodes = plan_episodes(rng, people)
    sources = build_sources(rng, simulate_events(rng, episodes), episodes, people, offsets)
    delivery = plan_delivery(rng, sources)
    truth = build_ground_truth(sources, delivery, customers=customers, seed=seed)
    if offsets is not None and offsets.chunked:
        truth["generator"]["id_offsets"] = asdict(offsets)
    crm = build_crm(people, episodes.first_day)
    _write_sources(out, crm=crm, delivery=delivery, truth=render_truth(truth))
    behaviours = truth["behaviours"]
    return GenerateResult(
        out=out,
        seed=seed if isinstance(seed, int) else seed[0],
        customers=crm.height,
        transactions=delivery.rows[TX_FILE],
        web_events=delivery.rows[WEB_FILE],
        support_interactions=delivery.rows[SUPPORT_FILE],
        late_transactions=delivery.rows[LATE_TX_FILE],
        late_support_interactions=delivery.rows[LATE_SUPPORT_FILE],
        distinct_events=truth["counts"]["distinct_events"],
        behaviours=tuple((name, int(behaviours[name]["count"])) for name in HEADLINE_BEHAVIOURS),
        seconds=time.perf_counter() - started,
        next_offsets=sources.next_offsets,
    )


@dataclass(frozen=True)
class ChunkedResult:
    """The chunks of one shop written by ``generate_chunks``."""

    out: Path
    seed: int
    chunks: tuple[GenerateResult, ...]
    seconds: float

    @property
    def customers(self) -> int:
        return sum(c.customers for c in self.chunks)

    @property
    def events(self) -> int:
        return sum(c.events for c in self.chunks)

    def summary(self) -> str:
        return (
            f"Wrote {self.customers:,} customers and {self.events:,} event rows to {self.out} "
            f"in {len(self.chunks)} chunks ({self.chunks[0].out.name} ...) in "
            f"{self.seconds:.1f}s (seed {self.seed}); ids are unique across chunks. "
            f"Ground truth per chunk, totals in {self.out / CHUNKS_FILE}."
        )


def chunk_sizes(customers: int, chunks: int) -> list[int]:
    """``customers`` split into ``chunks`` parts that differ by at most one."""
    base, extra = divmod(customers, chunks)
    return [base + (1 if i < extra else 0) for i in range(chunks)]


def generate_chunks(out: Path, *, customers: int, seed: int, chunks: int) -> ChunkedResult:
    """Write one shop of ``customers`` as ``chunks`` generator runs, one after the other, into
    ``out/chunk-000/``, ``out/chunk-001/``, ...; ids continue across chunks.

    Each run holds only its own chunk in memory (about 5.7 GiB per 375,000 customers), so the
    peak is set by the chunk size, not the total. Chunk 0 uses ``seed`` as a plain run would,
    chunk i the seed sequence ``[seed, i]``; the same arguments write the same bytes.
    """
    if not 1 <= chunks <= customers:
        raise JourneysError(
            f"--chunks {chunks}: choose between 1 and the number of customers", step="generate"
        )
    if customers > MAX_CHUNKED_CUSTOMERS:
        raise JourneysError(
            f"--customers {customers}: choose at most {MAX_CHUNKED_CUSTOMERS:,} (phone numbers "
            "would repeat)",
            step="generate",
        )
    sizes = chunk_sizes(customers, chunks)
    if max(sizes) > MAX_CUSTOMERS:
        needed = -(-customers // MAX_CUSTOMERS)
        raise JourneysError(
            f"--chunks {chunks}: {max(sizes):,} customers per chunk is more than "
            f"{MAX_CUSTOMERS:,}; use --chunks {needed} or more",
            step="generate",
        )
    started = time.perf_counter()
    out = Path(out)
    offsets = IdOffsets(total_customers=customers)
    done: list[GenerateResult] = []
    for i, size in enumerate(sizes):
        chunk_seed: int | list[int] = seed if i == 0 else [seed, i]
        result = generate_sources(
            out / f"chunk-{i:03d}", customers=size, seed=chunk_seed, offsets=offsets
        )
        offsets = result.next_offsets
        done.append(result)
        gc.collect()  # the next chunk starts from an empty heap, not on top of this one
    summary = {
        "seed": seed,
        "customers": customers,
        "chunks": [
            {
                "folder": r.out.name,
                "customers": r.customers,
                "event_rows": r.events,
                "distinct_events": r.distinct_events,
            }
            for r in done
        ],
        "event_rows": sum(r.events for r in done),
        "distinct_events": sum(r.distinct_events for r in done),
        "next_offsets": asdict(offsets),
    }
    (out / CHUNKS_FILE).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return ChunkedResult(
        out=out, seed=seed, chunks=tuple(done), seconds=time.perf_counter() - started
    )
