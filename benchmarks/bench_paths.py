"""Benchmark: sessions + journeys (``build_paths``) on synthetic ``intermediate.int_events``.

Generates ``--events`` events (default 10M) for ``--events / 20`` customers straight into a
DuckDB file under benchmarks/out/ (vectorised numpy/polars, written in chunks), then times in
fresh processes, so each peak RSS (``ru_maxrss``) is that step's alone:

* a full build (``build_paths(full=True)``),
* an incremental build after new events for ``--dirty-share`` of the customers.

    .venv/bin/python benchmarks/bench_paths.py --events 10000000
    .venv/bin/python benchmarks/bench_paths.py --events 100000000 --memory-limit 10GB

Visits of 1-8 events (a few minutes apart, whole seconds, so ties happen) land on random
customers over a year; touchpoints follow the step in the visit, with channels, teams and
systems from a fixed table; one touchpoint carries money.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

from journeys.config import Settings
from journeys.warehouse import Warehouse

OUT = Path(__file__).resolve().parent / "out"
DEFAULT_DB = OUT / "bench_paths.duckdb"
CHUNK = 2_000_000
T0_US = 1_704_067_200_000_000  # 2024-01-01 UTC
YEAR_S = 365 * 86400
# touchpoint, channel, team, system
TOUCHPOINTS = (
    ("Visit site", "web", "growth", "web analytics"),
    ("Search", "web", "growth", "web analytics"),
    ("View product", "web", "growth", "web analytics"),
    ("Read reviews", "web", "growth", "web analytics"),
    ("Open email", "email", "crm", "esp"),
    ("Chat started", "chat", "support", "helpdesk"),
    ("Compare", "web", "growth", "web analytics"),
    ("Add to cart", "web", "growth", "web analytics"),
    ("Sign in", "web", "identity", "auth"),
    ("Enter address", "web", "growth", "web analytics"),
    ("Apply coupon", "web", "growth", "web analytics"),
    ("Payment captured", "web", "payments", "psp"),
    ("Call support", "phone", "support", "telephony"),
    ("Order shipped", "logistics", "fulfilment", "wms"),
    ("Out for delivery", "logistics", "fulfilment", "carrier"),
    ("Order delivered", "logistics", "fulfilment", "carrier"),
    ("Return requested", "phone", "support", "helpdesk"),
    ("Refund issued", "web", "payments", "psp"),
    ("Survey answered", "email", "crm", "survey"),
    ("Newsletter opened", "email", "crm", "esp"),
)
PAYMENT = 11
HEX = np.frombuffer(b"0123456789abcdef", dtype="S1")


def customer_keys(ids: np.ndarray) -> np.ndarray:
    """``ck_`` + 16 hex digits of a mixed 64-bit id, like identity's keys."""
    mixed = (ids.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)) ^ np.uint64(0xC2B2AE3D27D4EB4F)
    digits = (mixed[:, None] >> np.arange(60, -4, -4, dtype=np.uint64)) & np.uint64(0xF)
    return np.char.add("ck_", HEX[digits].view("S16").ravel().astype(str))


def event_chunk(rng: np.random.Generator, first: int, size: int, customers: int) -> pl.DataFrame:
    """``size`` events (seq ``first``..) as int_events rows."""
    lengths = rng.integers(1, 9, size=size // 2 + 8)
    visit_of = np.repeat(np.arange(lengths.size), lengths)[:size]
    starts = np.concatenate(([0], np.cumsum(lengths)))[visit_of]
    position = np.arange(size) - starts
    n_visits = visit_of[-1] + 1
    visit_customer = rng.integers(0, customers, size=n_visits)
    visit_start = rng.integers(0, YEAR_S, size=n_visits)
    gaps = np.where(position == 0, 0, rng.exponential(180.0, size=size).astype(np.int64))
    offset = np.cumsum(gaps) - np.cumsum(gaps)[starts]  # seconds since the visit's start
    touchpoint = (position * 2 + rng.integers(0, 5, size=size)) % len(TOUCHPOINTS)
    names, channels, teams, systems = (np.array(col) for col in zip(*TOUCHPOINTS, strict=True))
    seq = np.arange(first, first + size, dtype=np.int64)
    frame = pl.DataFrame(
        {
            "seq": seq,
            "customer_key": customer_keys(visit_customer[visit_of]),
            "occurred_at_us": T0_US + (visit_start[visit_of] + offset) * 1_000_000,
            "touchpoint": names[touchpoint],
            "channel": channels[touchpoint],
            "team": teams[touchpoint],
            "system": systems[touchpoint],
            "value": np.where(touchpoint == PAYMENT, rng.integers(10, 500, size=size), 0),
        }
    )
    return frame.select(
        event_id=pl.lit("ev_") + pl.col("seq").cast(pl.String),
        source=pl.lit("web"),
        customer_key="customer_key",
        case_id=pl.lit(None, dtype=pl.String),
        occurred_at=pl.col("occurred_at_us").cast(pl.Datetime("us", "UTC")),
        seq="seq",
        event_type=pl.col("touchpoint").str.to_lowercase().str.replace_all(" ", "_"),
        touchpoint="touchpoint",
        channel="channel",
        team="team",
        system="system",
        value=pl.col("value").cast(pl.Float64),
        batch_id=pl.lit("bench"),
        thread_id=pl.lit(None, dtype=pl.String),
    )


def generate(db: Path, events: int, *, seed: int = 7) -> dict[str, float]:
    """Write int_events, int_customer_profiles and int_dirty_customers (everyone) to ``db``."""
    db.unlink(missing_ok=True)
    customers = max(1, events // 20)
    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    with Warehouse(db) as wh:
        for first in range(0, events, CHUNK):
            chunk = event_chunk(rng, first, min(CHUNK, events - first), customers)
            wh.write_table(
                "intermediate.int_events", chunk, mode="replace" if first == 0 else "append"
            )
        keys = customer_keys(np.arange(customers))
        segments = np.array(["consumer", "smb", "enterprise"])[np.arange(customers) % 3]
        profiles = pl.DataFrame(
            {
                "customer_key": keys,
                "n_identities": np.ones(customers, dtype=np.int64),
                "segment": segments,
                "created_at": pl.Series([None] * customers, dtype=pl.Datetime("us", "UTC")),
                "is_stitched": np.ones(customers, dtype=bool),
            }
        )
        wh.write_table("intermediate.int_customer_profiles", profiles)
        wh.write_table("intermediate.int_dirty_customers", profiles.select("customer_key"))
    return {"seconds": time.perf_counter() - started}


def add_late_events(db: Path, *, share: float, seed: int = 11) -> dict[str, float]:
    """New events (a visit each, after the data's end) for ``share`` of the customers; they
    become intermediate.int_dirty_customers, as ingest would mark them."""
    with Warehouse(db) as wh:
        events = wh.count("intermediate.int_events")
        customers = max(1, events // 20)
        rng = np.random.default_rng(seed)
        picked = np.unique(rng.integers(0, customers, size=max(1, int(customers * share))))
        size = int(picked.size * 4)
        chunk = event_chunk(rng, events + 10**9, size, customers)
        visit_customer = np.repeat(picked, 4)[:size]
        chunk = chunk.with_columns(
            customer_key=pl.Series(customer_keys(visit_customer)),
            occurred_at=pl.col("occurred_at") + pl.duration(days=366),
        )
        wh.write_table("intermediate.int_events", chunk, mode="append")
        wh.write_table(
            "intermediate.int_dirty_customers",
            pl.DataFrame({"customer_key": customer_keys(picked)}),
        )
    return {"dirty_customers": float(picked.size), "new_events": float(size)}


def run_build(db: Path, *, full: bool, threads: int, memory_limit: str) -> dict[str, float]:
    from journeys.paths import build_paths

    with Warehouse(db, threads=threads, memory_limit=memory_limit) as wh:
        events = wh.count("intermediate.int_events")
        started = time.perf_counter()
        result = build_paths(wh, Settings(), full=full)
        seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "events": events,
        "seconds": seconds,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "events_per_second": events / seconds,
        "peak_rss_mib": usage.ru_maxrss / 1024,
        "journeys": result.journeys,
        "sessions": result.sessions,
        "rebuilt_customers": result.rebuilt_customers,
    }


def in_child(*args: str) -> dict[str, float]:
    """Run one phase of this script in a fresh process and return its JSON line."""
    out = subprocess.run(
        [sys.executable, __file__, *args], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--memory-limit", default="10GB")
    parser.add_argument("--dirty-share", type=float, default=0.01)
    parser.add_argument("--reuse", action="store_true", help="keep an existing --db")
    parser.add_argument("--phase", choices=["generate", "full", "incremental", "late"])
    args = parser.parse_args()
    common = ["--db", str(args.db), "--threads", str(args.threads)]
    common += ["--memory-limit", args.memory_limit, "--events", str(args.events)]
    if args.phase == "generate":
        print(json.dumps(generate(args.db, args.events)))
    elif args.phase == "late":
        print(json.dumps(add_late_events(args.db, share=args.dirty_share)))
    elif args.phase in ("full", "incremental"):
        run = run_build(
            args.db,
            full=args.phase == "full",
            threads=args.threads,
            memory_limit=args.memory_limit,
        )
        print(json.dumps(run))
    else:
        args.db.parent.mkdir(parents=True, exist_ok=True)
        if not (args.reuse and args.db.exists()):
            made = in_child("--phase", "generate", *common)
            print(f"generate: {args.events:,} events in {made['seconds']:.1f}s")
        full = in_child("--phase", "full", *common)
        print(_line("paths full", full))
        late = in_child("--phase", "late", "--dirty-share", str(args.dirty_share), *common)
        print(
            f"late events: {late['new_events']:,.0f} for {late['dirty_customers']:,.0f} customers"
        )
        incremental = in_child("--phase", "incremental", *common)
        print(_line("paths incremental", incremental))


def _line(name: str, run: dict[str, float]) -> str:
    return (
        f"{name}: {run['events']:,.0f} events in {run['seconds']:.1f}s "
        f"({run['events_per_second'] / 1e6:.2f}M events/s, {run['cpu_seconds']:.0f} CPU-s), "
        f"peak RSS {run['peak_rss_mib']:,.0f} MiB; {run['sessions']:,.0f} sessions, "
        f"{run['journeys']:,.0f} journeys, {run['rebuilt_customers']:,.0f} customers rebuilt"
    )


if __name__ == "__main__":
    main()
