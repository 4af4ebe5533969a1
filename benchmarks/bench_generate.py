"""Benchmark: ``generate_sources`` writing about one million events.

About 27 event rows per customer, so 37,000 customers give ~1M rows across both deliveries.
Writes into a temporary folder (deleted afterwards) and prints wall-clock seconds, rows, rows per
second and the process's peak RSS (``ru_maxrss``). Run it alone; the machine is shared.

    .venv/bin/python benchmarks/bench_generate.py [--customers 37000] [--seed 7] [--chunks N]

With ``--chunks N`` the same shop is written as N generator runs (``generate_chunks``): the
peak follows one chunk, so compare it with the one-run figure at the same size.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

from journeys.generate import generate_chunks, generate_sources


def measure_generate(customers: int, seed: int, chunks: int = 1) -> str:
    """Generate once into a temporary folder; one line with the figures."""
    with tempfile.TemporaryDirectory(prefix="bench-generate-") as folder:
        started = time.perf_counter()
        if chunks > 1:
            result = generate_chunks(Path(folder), customers=customers, seed=seed, chunks=chunks)
            distinct = sum(c.distinct_events for c in result.chunks)
        else:
            result = generate_sources(Path(folder), customers=customers, seed=seed)
            distinct = result.distinct_events
        seconds = time.perf_counter() - started
        size = sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    if sys.platform == "darwin":  # bytes on macOS
        peak_kib //= 1024
    return (
        f"generate: {customers:,} customers, {result.events:,} event rows "
        f"({distinct:,} distinct) in {chunks} chunk(s), {size / 1e6:.0f} MB written in "
        f"{seconds:.1f}s "
        f"({result.events / seconds:,.0f} rows/s), peak RSS {peak_kib / 1024:.0f} MiB"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=37_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--chunks", type=int, default=1)
    args = parser.parse_args(argv)
    print(measure_generate(args.customers, args.seed, args.chunks))
    return 0


if __name__ == "__main__":
    sys.exit(main())
