"""Benchmark: conformance of many journeys against a 15-step map (``compare_maps`` end to end).

Generates ``--journeys`` journeys over ``--variants`` distinct variants with a long-tail (Zipf)
distribution: walks of the map with random branches, optional skips and repeats, half of them
perturbed (skipped steps, foreign touchpoints, swaps, loops, early ends). Writes marts.journeys,
marts.events and marts.variants to a DuckDB file under benchmarks/out/, then times
``compare_maps`` in a fresh process, so its peak RSS (``ru_maxrss``) is the comparison's alone.

    .venv/bin/python benchmarks/bench_conformance.py --journeys 1000000 --variants 3000
"""

from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl

from journeys.compare.conformance import compare_maps
from journeys.compare.maps import JourneyMap, load_map
from journeys.config import Settings
from journeys.warehouse import Warehouse

OUT = Path(__file__).resolve().parent / "out"
MAP_YAML = """\
name: bench-purchase
goal: Order delivered
exit: [Order delivered, Order cancelled]
ignore: [Newsletter opened]
stages:
  - name: Discover
    steps:
      - {name: Visit site, channel: web}
      - {name: Search, repeatable: true}
      - {name: View product, repeatable: true}
  - name: Consider
    steps:
      - {name: Read reviews, optional: true}
      - {name: Compare, optional: true}
      - name: Add to cart
  - name: Buy
    steps:
      - {name: Sign in, optional: true}
      - name: Enter address
      - name: Choose delivery
      - {name: Apply coupon, optional: true}
      - {name: Payment captured, within: 1h, team: payments,
         next: [Order shipped, Order cancelled]}
  - name: Fulfil
    steps:
      - name: Order shipped
      - {name: Out for delivery, within: 3d}
      - {name: Order delivered, next: []}
      - {name: Order cancelled, next: []}
"""
FOREIGN = ["Newsletter opened", "Chat started", "Support call", "Email opened", "Password reset"]


def random_walk(m: JourneyMap, rng: random.Random) -> list[str]:
    walk = [rng.choice(m.start_steps)]
    while True:
        succ = [s for s in m.graph.successors[walk[-1]] if s != walk[-1] or rng.random() < 0.3]
        if walk[-1] in m.end_steps and (not succ or rng.random() < 0.9):
            return walk
        walk.append(rng.choice(succ or list(m.graph.successors[walk[-1]])))


def perturb(walk: list[str], rng: random.Random) -> list[str]:
    walk = list(walk)
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(walk))
        kind = rng.random()
        if kind < 0.3 and len(walk) > 2:
            del walk[i]
        elif kind < 0.6:
            walk.insert(i, rng.choice(FOREIGN))
        elif kind < 0.75 and i + 1 < len(walk):
            walk[i], walk[i + 1] = walk[i + 1], walk[i]
        elif kind < 0.85:
            walk.insert(i, walk[i])
        else:
            walk = walk[: max(2, i)]
    return walk


def make_variants(m: JourneyMap, n: int, seed: int) -> list[list[str]]:
    rng, seen, out = random.Random(seed), set(), []
    while len(out) < n:
        walk = random_walk(m, rng)
        if rng.random() < 0.5:
            walk = perturb(walk, rng)
        if tuple(walk) not in seen:
            seen.add(tuple(walk))
            out.append(walk)
    return out


def generate(db: Path, map_path: Path, *, journeys: int, variants: int, seed: int) -> str:
    m = load_map(map_path)
    paths = make_variants(m, variants, seed)
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, len(paths) + 1) ** 1.1
    pick = rng.choice(len(paths), size=journeys, p=weights / weights.sum())
    ends = np.array([p[-1] in m.exit for p in paths])
    status = np.where(
        rng.random(journeys) < 0.05, "in_flight", np.where(ends[pick], "completed", "abandoned")
    )
    table = pl.DataFrame(
        {
            "variant_id": [f"v{i:05d}" for i in range(len(paths))],
            "path": paths,
        }
    )
    start = datetime(2024, 1, 1, tzinfo=UTC)
    frame = pl.DataFrame(
        {
            "journey_id": [f"j{i:08d}" for i in range(journeys)],
            "customer_key": [f"ck_{i // 2:016x}" for i in range(journeys)],
            "variant_index": pick,
            "status": status,
            "value": np.round(rng.gamma(2.0, 40.0, journeys), 2),
            "started_at": start
            + pl.Series(rng.integers(0, 86400 * 300, journeys) * 1_000_000).cast(pl.Duration("us")),
        }
    ).with_columns(
        variant_id=pl.format("v{}", pl.col("variant_index").cast(pl.String).str.zfill(5))
    )
    frame = frame.join(table, on="variant_id").drop("variant_index")
    events = (
        frame.select("journey_id", "customer_key", "started_at", "path")
        .explode("path")
        .rename({"path": "touchpoint"})
        .with_columns(step_index=pl.int_range(1, pl.len() + 1).over("journey_id"))
    )
    seconds = rng.exponential(1800.0, events.height).astype(np.int64)
    gaps = pl.Series(seconds * 1_000_000).cast(pl.Duration("us"))
    events = events.with_columns(gap=gaps).with_columns(
        occurred_at=pl.col("started_at") + pl.col("gap").cum_sum().over("journey_id"),
        channel=pl.when(pl.col("touchpoint").is_in(["Support call", "Chat started"]))
        .then(pl.lit("phone"))
        .otherwise(pl.lit("web")),
        event_id=pl.format("e{}", pl.int_range(pl.len())),
    )
    journeys_mart = (
        events.group_by("journey_id")
        .agg(pl.col("occurred_at").max().alias("ended_at"), pl.len().alias("n_steps"))
        .join(frame, on="journey_id")
    )
    db.unlink(missing_ok=True)
    with Warehouse(db) as wh:
        wh.write_table("marts.journeys", journeys_mart)
        wh.write_table("marts.events", events.drop("gap", "started_at"))
        counts = frame.group_by("variant_id").agg(pl.len().alias("journeys"))
        wh.write_table("marts.variants", table.join(counts, on="variant_id"))
    return f"{journeys:,} journeys, {len(paths):,} variants, {events.height:,} events"


def run_compare(db: Path, map_path: Path) -> None:
    started = time.perf_counter()
    with Warehouse(db) as wh:
        result = compare_maps(wh, Settings(), [map_path])
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(result.summary())
    print(f"compare_maps: {seconds:.1f} s, peak RSS {peak_mb:,.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--journeys", type=int, default=1_000_000)
    parser.add_argument("--variants", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--phase", choices=["generate", "compare"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    db, map_path = OUT / "bench_conformance.duckdb", OUT / "bench_purchase.yaml"
    if args.phase == "generate":
        map_path.write_text(MAP_YAML, encoding="utf-8")
        started = time.perf_counter()
        what = generate(
            db, map_path, journeys=args.journeys, variants=args.variants, seed=args.seed
        )
        print(f"generated {what} in {time.perf_counter() - started:.1f} s")
    elif args.phase == "compare":
        run_compare(db, map_path)
    else:
        # each phase in its own small child: Linux keeps ru_maxrss across fork and exec, so a
        # child of a process that generated gigabytes would report the parent's peak
        for phase in ("generate", "compare"):
            options = [f"--journeys={args.journeys}", f"--variants={args.variants}"]
            options.append(f"--seed={args.seed}")
            subprocess.run([sys.executable, __file__, f"--phase={phase}", *options], check=True)


if __name__ == "__main__":
    main()
