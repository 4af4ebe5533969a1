"""Benchmark: the mining marts (``build_mining``) and the analyst helpers on 10M events.

Uses the warehouse of ``bench_paths.py`` (generated and built first when missing), then times in
a fresh process, so the peak RSS (``ru_maxrss``) is mining's alone:

* ``build_mining``: marts.touchpoints, marts.transitions, marts.variants (SQL),
* the journey graph from the marts, bottlenecks, paths covering 80% of journeys,
* loops, common sub-paths (2-4 steps) and drop-offs over every journey's path
  (``marts.journeys.path`` read whole: one row per journey, not per event).

    .venv/bin/python benchmarks/bench_mining.py --events 10000000
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from journeys.config import Settings
from journeys.warehouse import Warehouse

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_paths import DEFAULT_DB  # noqa: E402


def run_mining(db: Path, *, threads: int, memory_limit: str) -> dict[str, float]:
    from journeys.mining import (
        build_mining,
        common_subpaths,
        find_bottlenecks,
        find_dropoffs,
        find_loops,
        load_graph,
        paths_covering,
    )

    timings: dict[str, float] = {}
    with Warehouse(db, threads=threads, memory_limit=memory_limit) as wh:
        timings["events"] = wh.count("marts.events")
        started = time.perf_counter()
        result = build_mining(wh, Settings())
        timings["build_mining_seconds"] = time.perf_counter() - started
        timings["variants"] = result.variants
        started = time.perf_counter()
        graph = load_graph(wh)
        find_bottlenecks(wh.read_table("marts.transitions"), min_transitions=100)
        covering = paths_covering(wh.read_table("marts.variants"), share=0.8)
        timings["graph_seconds"] = time.perf_counter() - started
        timings["graph_edges"] = graph.number_of_edges()
        timings["variants_for_80pct"] = covering.height
        started = time.perf_counter()
        journeys = wh.read_table("marts.journeys", columns=["journey_id", "path", "status"])
        find_loops(journeys)
        common_subpaths(journeys, min_length=2, max_length=4, min_journeys=20)
        find_dropoffs(journeys, goals=["Order delivered"])
        timings["patterns_seconds"] = time.perf_counter() - started
        timings["journeys"] = journeys.height
    usage = resource.getrusage(resource.RUSAGE_SELF)
    timings["cpu_seconds"] = usage.ru_utime + usage.ru_stime
    timings["peak_rss_mib"] = usage.ru_maxrss / 1024
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--memory-limit", default="10GB")
    parser.add_argument("--phase", choices=["mining"])
    args = parser.parse_args()
    if args.phase == "mining":
        result = run_mining(args.db, threads=args.threads, memory_limit=args.memory_limit)
        print(json.dumps(result))
        return
    if not args.db.exists():
        paths = Path(__file__).resolve().parent / "bench_paths.py"
        subprocess.run(
            [sys.executable, str(paths), "--events", str(args.events), "--db", str(args.db)],
            check=True,
        )
    out = subprocess.run(
        [sys.executable, __file__, "--phase", "mining", "--db", str(args.db),
         "--threads", str(args.threads), "--memory-limit", args.memory_limit],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    run = json.loads(out.strip().splitlines()[-1])
    print(
        f"mining: {run['events']:,.0f} events -> {run['variants']:,.0f} variants in "
        f"{run['build_mining_seconds']:.1f}s; graph ({run['graph_edges']:.0f} edges), "
        f"bottlenecks, {run['variants_for_80pct']:,.0f} variants cover 80% in "
        f"{run['graph_seconds']:.2f}s; loops, sub-paths, drop-offs over "
        f"{run['journeys']:,.0f} journeys in {run['patterns_seconds']:.1f}s; "
        f"{run['cpu_seconds']:.0f} CPU-s, peak RSS {run['peak_rss_mib']:,.0f} MiB"
    )


if __name__ == "__main__":
    main()
