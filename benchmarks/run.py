"""``make bench``: time every pipeline stage on generated data, with peak memory per stage.

Each stage runs in its own process (the way a scheduler runs it), so its wall time and peak RSS
are its own: generate, ingest, build (identity, events, sessions, journeys, mining), compare
(both sample maps), report. Results go to ``benchmarks/out/results.json`` and, with
``--write-doc``, to the stage table in ``docs/benchmarks.md`` (``--append-doc`` adds rows to the
table's previous runs, e.g. the same size with ``--partitions``).

    python benchmarks/run.py                      # 1M events
    python benchmarks/run.py --sizes 1M,10M       # as the issue asks
    python benchmarks/run.py --sizes 100M         # opt-in: about an hour on 2 cores
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
EVENTS_PER_CUSTOMER = 26.6  # measured on the generator's output
DOC = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- stages:begin -->", "<!-- stages:end -->"

STAGE_CODE = {
    "ingest": "from journeys import steps; print(len(steps.ingest_landing(s)))",
    "build": "from journeys import steps; print(steps.build_marts(s).summary())",
    "compare": "from journeys import steps; print(steps.compare_maps(s).summary())",
    "report": "from journeys import steps; print(steps.write_reports(s))",
}


def parse_size(text: str) -> int:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([KkMm]?)", text.strip())
    if not match:
        raise SystemExit(f"--sizes: '{text}' is not a size such as 1M or 250K")
    scale = {"": 1, "k": 1_000, "m": 1_000_000}[match.group(2).lower()]
    return int(float(match.group(1)) * scale)


def generate_command(events: int, out: Path) -> list[str]:
    """The `journeys generate` call that writes about ``events`` event rows into ``out``."""
    customers = max(1, round(events / EVENTS_PER_CUSTOMER))
    return [
        sys.executable,
        "-m",
        "journeys.cli",
        "generate",
        "--customers",
        str(customers),
        "--seed",
        "11",
        "--out",
        str(out),
    ]


def run_stage(name: str, argv: list[str], env: dict[str, str]) -> dict[str, float | str]:
    started = time.perf_counter()
    proc = subprocess.Popen(
        argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    output = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"stage {name} failed ({proc.returncode}):\n{output[-3000:]}")
    return {
        "stage": name,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_rss_mib": round(usage.ru_maxrss / 1024),
        "output": output.strip().splitlines()[-1] if output.strip() else "",
    }


def bench_size(events: int, *, keep: bool, overrides: dict[str, object] | None = None) -> dict:
    customers = max(1, round(events / EVENTS_PER_CUSTOMER))
    folder = OUT / f"{events}"
    if folder.exists():
        shutil.rmtree(folder)
    landing = folder / "landing"
    env = {**os.environ, "DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    py = sys.executable
    stages = [run_stage("generate", generate_command(events, landing), env)]
    config = landing / "journeys.yaml"
    text = (ROOT / "data" / "sample" / "journeys.yaml").read_text()
    config.write_text(text)
    shutil.copytree(ROOT / "data" / "sample" / "maps", landing / "maps")
    setup = (
        "from pathlib import Path; from journeys.config import load_settings; "
        f"s = load_settings(Path({str(config)!r}), "
        f"warehouse=Path({str(folder / 'wh' / 'journeys.duckdb')!r}), "
        f"reports=Path({str(folder / 'reports')!r}), **{overrides or {}!r}); "
    )
    for name, code in STAGE_CODE.items():
        stages.append(run_stage(name, [py, "-c", setup + code], env))
    rows = sum(1 for _ in (landing).glob("**/*"))
    truth = json.loads((landing / "ground_truth.json").read_text())
    event_rows = sum(truth["counts"]["rows"].values())
    pipeline = [s for s in stages if s["stage"] in ("ingest", "build", "compare")]
    seconds = sum(float(s["seconds"]) for s in pipeline)
    result = {
        "events_requested": events,
        "event_rows": event_rows or events,
        "customers": customers,
        "stages": stages,
        "ingest_to_compare_seconds": round(seconds, 2),
        "ingest_to_compare_cpu_seconds": round(sum(float(s["cpu_seconds"]) for s in pipeline), 2),
        "events_per_second": round((event_rows or events) / seconds),
        "files": rows,
        "settings": {k: str(v) for k, v in (overrides or {}).items()},
    }
    if not keep:
        shutil.rmtree(folder / "landing", ignore_errors=True)
    return result


def write_doc(results: list[dict]) -> None:
    """Replace the stage table of docs/benchmarks.md with these results."""
    lines = [
        BEGIN,
        "",
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"measured {time.strftime('%Y-%m-%d')} with `python benchmarks/run.py --sizes "
        f"{','.join(str(r['events_requested']) for r in results)} --write-doc`.",
        "",
        "| events | customers | settings | stage | seconds | CPU-seconds | peak RSS (MiB) |",
        "|---:|---:|---|---|---:|---:|---:|",
    ]
    for r in results:
        how = ", ".join(f"{k}={v}" for k, v in r.get("settings", {}).items()) or "defaults"
        for s in r["stages"]:
            lines.append(
                f"| {r['event_rows']:,} | {r['customers']:,} | {how} | {s['stage']} "
                f"| {s['seconds']} | {s.get('cpu_seconds', '')} | {s['peak_rss_mib']:,} |"
            )
        lines.append(
            f"| {r['event_rows']:,} | {r['customers']:,} | {how} | **ingest → compare** | "
            f"**{r['ingest_to_compare_seconds']}** ({r['events_per_second']:,} events/s) "
            f"| {r.get('ingest_to_compare_cpu_seconds', '')} | |"
        )
    lines += ["", END]
    doc = DOC.read_text() if DOC.exists() else "# Benchmarks\n\n"
    block = "\n".join(lines)
    if BEGIN in doc:
        doc = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: block, doc, flags=re.S)
    else:
        doc += "\n## Pipeline stages (`make bench`)\n\n" + block + "\n"
    DOC.write_text(doc)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1M", help="comma-separated event counts, e.g. 1M,10M")
    parser.add_argument("--keep", action="store_true", help="keep the generated landing files")
    parser.add_argument("--write-doc", action="store_true", help="update docs/benchmarks.md")
    parser.add_argument(
        "--append-doc", action="store_true", help="add these runs to the table's previous runs"
    )
    parser.add_argument("--partitions", type=int, help="build in N customer-hash partitions")
    parser.add_argument("--memory-limit", help="DuckDB memory_limit, e.g. 8GB (spills beyond)")
    parser.add_argument("--temp-directory", help="where DuckDB spills")
    parser.add_argument(
        "--baseline",
        action="store_true",
        help="also run benchmarks/baseline_pm4py.py (pm4py in a throwaway venv)",
    )
    parser.add_argument("--baseline-size", default="1M", help="generated log for --baseline")
    args = parser.parse_args()
    overrides: dict[str, object] = {}
    if args.partitions:
        overrides["partitions"] = args.partitions
    if args.memory_limit:
        overrides["memory_limit"] = args.memory_limit
    if args.temp_directory:
        overrides["temp_directory"] = args.temp_directory
    OUT.mkdir(parents=True, exist_ok=True)
    results = []
    for size in args.sizes.split(","):
        result = bench_size(parse_size(size), keep=args.keep, overrides=overrides)
        results.append(result)
        for s in result["stages"]:
            print(
                f"{result['event_rows']:>11,} events  {s['stage']:<9} {s['seconds']:>8.2f} s  "
                f"{s['peak_rss_mib']:>7,} MiB  {s['output'][:90]}"
            )
        print(
            f"{'':>11}         ingest→compare {result['ingest_to_compare_seconds']} s, "
            f"{result['events_per_second']:,} events/s"
        )
    (OUT / "results.json").write_text(json.dumps(results, indent=2))
    if args.write_doc or args.append_doc:
        history = OUT / "doc_results.json"
        if args.append_doc and history.exists():
            results = json.loads(history.read_text()) + results
        history.write_text(json.dumps(results, indent=2))
        write_doc(results)
    if args.baseline:
        import baseline_pm4py

        extra = ["--write-doc"] if args.write_doc else []
        baseline_pm4py.main(["--generated", args.baseline_size, *extra])


if __name__ == "__main__":
    main()
