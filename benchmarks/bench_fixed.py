"""Fixed cost per command: ``journeys build`` and ``journeys compare`` on a 1,000-event warehouse.

On so few events a command's time is nearly all fixed cost: the interpreter, loading the
libraries, opening the work file, the statements every build or compare runs whatever the
size, writing and publishing the catalog. ``make bench`` runs this; each command runs in a
fresh process as a user types it, ``--repeat`` times (median and best reported; wall time and
CPU-seconds), after one warm-up of each. "Nothing new": nothing loaded or built since the last
build or compare (the step finds its inputs unchanged and stops, journeys/inputs.py); ``--full``
does the whole work again. The floor beside it is the interpreter alone, the interpreter
loading DuckDB (what the steps that find nothing new need beside the configuration) and the
interpreter loading the libraries the full commands need (duckdb, polars, numpy, msgspec,
yaml, click), measured the same way in the same run.

    .venv/bin/python benchmarks/bench_fixed.py --write-doc
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from baseline_pm4py import command_env, run_timed  # noqa: E402
from run import write_block  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out" / "fixed"
BEGIN, END = "<!-- fixed:begin -->", "<!-- fixed:end -->"
TARGET_SECONDS = 0.5
LIBRARIES = "import duckdb, polars, numpy, msgspec, yaml, click"


def prepare(folder: Path) -> tuple[Path, Path]:
    """A generated shop of about 1,000 events, ingested, built and compared once."""
    shutil.rmtree(folder, ignore_errors=True)
    landing = folder / "landing"
    env = command_env()
    run_timed(
        [sys.executable, "-m", "journeys.cli", "generate", "--customers", "40", "--seed", "3",
         "--out", str(landing)],
        env,
    )  # fmt: skip
    shutil.copy(ROOT / "data" / "sample" / "journeys.yaml", landing / "journeys.yaml")
    shutil.copytree(ROOT / "data" / "sample" / "maps", landing / "maps")
    warehouse = folder / "wh" / "journeys.duckdb"
    config = landing / "journeys.yaml"
    code = (
        "from pathlib import Path; from journeys import steps; "
        "from journeys.config import load_settings; "
        f"s = load_settings(Path({str(config)!r}), warehouse=Path({str(warehouse)!r})); "
        "steps.ingest_landing(s); steps.build_marts(s); steps.compare_maps(s)"
    )
    run_timed([sys.executable, "-c", code], env)
    return config, warehouse


def measure(argv: list[str], repeat: int) -> dict[str, float]:
    env = command_env()
    run_timed(argv, env)  # warm-up: files in the page cache, bytecode compiled
    # to the millisecond: a median of runs rounded to 10 ms cannot tell 0.495 from 0.504 s
    runs = [run_timed(argv, env, digits=3) for _ in range(repeat)]
    walls = [float(r["seconds"]) for r in runs]
    cpus = [float(r["cpu_seconds"]) for r in runs]
    return {
        "median": round(statistics.median(walls), 3),
        "best": round(min(walls), 3),
        "cpu_median": round(statistics.median(cpus), 3),
        "peak_rss_mib": max(int(r["peak_rss_mib"]) for r in runs),
    }


def bench(repeat: int) -> dict:
    config, warehouse = prepare(OUT)
    events = json.loads((config.parent / "ground_truth.json").read_text())["counts"]["rows"]
    # ``-m journeys``: the command as the installed ``journeys`` script starts it (launch.py)
    cli = [sys.executable, "-m", "journeys", "--warehouse", str(warehouse)]
    commands = {
        "python": [sys.executable, "-c", "pass"],
        "python + duckdb": [sys.executable, "-c", "import duckdb"],
        "python + libraries": [sys.executable, "-c", LIBRARIES],
        "journeys build --full": [*cli, "build", "--full", "--config", str(config)],
        "journeys build (nothing new)": [*cli, "build", "--config", str(config)],
        "journeys compare (nothing new)": [*cli, "compare", "--config", str(config)],
        "journeys compare --full": [*cli, "compare", "--full", "--config", str(config)],
    }
    found = {}
    for name, argv in commands.items():
        found[name] = measure(argv, repeat)
        print(f"{name:<32} median {found[name]['median']:.3f} s, best {found[name]['best']:.3f} s, "
              f"{found[name]['cpu_median']:.3f} CPU-s", flush=True)  # fmt: skip
    return {
        "events": sum(events.values()),
        "repeat": repeat,
        "commands": found,
        "load": round(os.getloadavg()[0], 1),
        "measured": time.strftime("%Y-%m-%d"),
        "target_seconds": TARGET_SECONDS,
    }


def write_doc(r: dict) -> None:
    c = r["commands"]
    lines = [
        BEGIN,
        "",
        f"Measured {r['measured']} with `python benchmarks/bench_fixed.py --write-doc` "
        f"({os.cpu_count()} cores, load {r['load']}): a generated shop of {r['events']:,} event "
        f"rows, ingested, built and compared once; then each command in a fresh process, "
        f"{r['repeat']} times after a warm-up (median and best wall seconds, median CPU-seconds).",
        "",
        "| command | median s | best s | CPU-s | peak RSS (MiB) | target < 0.5 s |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for name, m in c.items():
        target = ""
        if name.startswith("journeys"):
            target = "met" if m["median"] < r["target_seconds"] else "**not met**"
        lines.append(
            f"| `{name}` | {m['median']:.3f} | {m['best']:.3f} | {m['cpu_median']:.3f} "
            f"| {m['peak_rss_mib']:,} | {target} |"
        )
    lines += ["", END]
    write_block(lines, begin=BEGIN, end=END, heading="## Fixed cost per command (`make bench`)")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--write-doc", action="store_true")
    args = parser.parse_args(argv)
    result = bench(args.repeat)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT.parent / "fixed.json").write_text(json.dumps(result, indent=2))
    if args.write_doc:
        write_doc(result)
    return result


if __name__ == "__main__":
    main()
